/** Main's side of the config loader thread: read the file here, parse and validate it there, end the thread. */

import type { RuntimeAdapter } from '../../runtime-adapters/types.ts';
import { ProxyError } from '../common/errors.ts';
import { ConfigError } from './errors.ts';
import type { LoadReply, LoadRequest } from './loader-protocol.ts';
import { readConfigText } from './read-config.ts';
import type { ProxyConfig } from './types.ts';

/** The loader thread failed (it could not start, crashed, or threw): not a problem of the config file. */
export class ConfigLoaderError extends ProxyError {
  constructor(message: string) {
    super('CONFIG_LOADER_FAILED', message);
    this.name = 'ConfigLoaderError';
  }
}

/** Loads configs through a fresh loader thread each time; `entry` is the loader module's URL. */
export class ThreadConfigLoader {
  private readonly adapter: RuntimeAdapter;
  private readonly entry: string;
  private readonly readTextFile: (path: string) => Promise<string>;

  constructor(adapter: RuntimeAdapter, entry: string, readTextFile: (path: string) => Promise<string>) {
    this.adapter = adapter;
    this.entry = entry;
    this.readTextFile = readTextFile;
  }

  /** The validated config; throws `ConfigError` for a file that cannot be used, `ConfigLoaderError` if the thread fails. */
  async load(path: string): Promise<ProxyConfig> {
    const request: LoadRequest = { t: 'load', text: await readConfigText(this.readTextFile, path), fileName: path };
    const handle = this.adapter.spawnWorker(this.entry, request);
    let reply: LoadReply;
    try {
      reply = await new Promise<LoadReply>((resolve, reject) => {
        handle.onMessage((message) => resolve(message as LoadReply));
        handle.onExit((code) => reject(new ConfigLoaderError(`the config loader thread (${this.entry}) exited with code ${code} before answering`)));
      });
    } finally {
      await handle.terminate();
    }
    if (reply.t === 'loaded') return reply.config;
    if (reply.t === 'invalid') throw new ConfigError(reply.fileName, reply.issues);
    throw new ConfigLoaderError(`the config loader failed: ${reply.message}`);
  }
}
