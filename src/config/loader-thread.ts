/** The config loader thread: parses and validates the text main sends, answers with the config or its problems. */

import type { RuntimeAdapter } from '../../runtime-adapters/types.ts';
import { ConfigError } from './errors.ts';
import type { LoadReply, LoadRequest } from './loader-protocol.ts';
import { parseConfig } from './parse.ts';

/** `${VAR}` resolves against this thread's environment, which is the process's. */
export function answerLoad(request: LoadRequest, env: (name: string) => string | undefined): LoadReply {
  try {
    return { t: 'loaded', config: parseConfig(request.text, request.fileName, env) };
  } catch (error) {
    if (error instanceof ConfigError) return { t: 'invalid', fileName: error.fileName, issues: [...error.issues] };
    return { t: 'failed', message: error instanceof Error ? error.message : String(error) };
  }
}

/** The loader entry: registers for main's request synchronously (before any await), as every worker must. */
export function startConfigLoader(adapter: RuntimeAdapter): void {
  const port = adapter.parentPort();
  if (!port) throw new Error('startConfigLoader must run inside a worker thread');
  port.onMessage((message) => {
    const request = message as LoadRequest;
    if (request.t !== 'load') return;
    port.postMessage(answerLoad(request, (name) => adapter.env(name)));
  });
}
