/**
 * Runs one worker's runtime on the main thread, so a runtime's CPU profiler (which only sees the
 * main thread, e.g. `bun --cpu-prof`) can profile the request path:
 *   bun --cpu-prof bench/profile-worker.ts --config x.yaml --seconds 8
 */
import { createAdapter } from '../runtime-adapters/detect.ts';
import type { ParentPort } from '../runtime-adapters/types.ts';
import { loadConfig } from '../src/config/index.ts';
import { startRuntimeOnThisThread } from '../test/support/thread-runtime.ts';

const adapter = createAdapter();
const args = adapter.args();
const configPath = args[args.indexOf('--config') + 1] ?? 'config.example.yaml';
const seconds = Number(args[args.indexOf('--seconds') + 1] ?? 10);
const config = await loadConfig((p) => adapter.readTextFile(p), configPath, (n) => adapter.env(n));
const port: ParentPort = {
  postMessage: (m) => {
    const t = (m as { t: string }).t;
    if (t === 'listening') adapter.writeStderr(`listening: ${JSON.stringify(m)}`);
  },
  onMessage: () => {},
};
await startRuntimeOnThisThread(adapter, config, port);
setTimeout(() => adapter.exit(0), seconds * 1000);
