/** Starting the proxy (`proxy --config`) and the demo (`proxy demo`): config, logging, worker count. */
import type { RuntimeAdapter } from '../../runtime-adapters/types.ts';
import type { DemoOptions, RunOptions } from '../cli-commands.ts';
import { createLogger, type Logger } from '../common/log.ts';
import { ThreadConfigLoader } from '../config/load-in-thread.ts';
import type { WorkersSetting } from '../config/types.ts';
import { ProxyServer } from './proxy-server.ts';
import { startDemoUpstreams } from './demo-upstreams.ts';
import { checkAccessLogFiles } from './access-log-files.ts';

export interface RunContext {
  /** URL of the worker entry module (src/worker.ts, or worker.js in a bundle). */
  workerEntry: string;
  /** URL of the config loader thread's entry (src/config-loader.ts, or config-loader.js in a bundle). */
  configLoaderEntry: string;
  version: string;
  /** Reads the config file; the executable's demo substitutes its built-in copy when the file is absent. */
  readConfig?: (path: string) => Promise<string>;
}

function workerCount(adapter: RuntimeAdapter, setting: WorkersSetting, log: Logger): number {
  let n = setting === 'auto' ? Math.max(1, adapter.cpuCount()) : setting;
  if (n > 1 && adapter.listeningModel === 'single-worker') {
    log.warn(
      `${adapter.name} ${adapter.version} cannot share a listening port between worker threads ` +
        `(needs Node >= 22.12); running 1 worker instead of ${n}`,
    );
    n = 1;
  }
  return n;
}

/** Run the proxy until it has fully stopped (drained after SIGTERM/SIGINT, or quit). */
export async function run(adapter: RuntimeAdapter, opts: RunOptions, ctx: RunContext): Promise<void> {
  const log = createLogger({
    level: opts.logLevel,
    format: opts.logFormat,
    write: (line) => adapter.writeStderr(line),
    colors: opts.logFormat === 'human' && adapter.isTty(),
  });
  const readConfig = ctx.readConfig ?? ((p: string) => adapter.readTextFile(p));
  const loader = new ThreadConfigLoader(adapter, ctx.configLoaderEntry, readConfig);
  // Start and every reload: valid, and every access log file can be appended to.
  const load = async (path: string) => {
    const loaded = await loader.load(path);
    await checkAccessLogFiles(adapter, loaded, path);
    return loaded;
  };
  const config = await load(opts.configPath);
  const workers = workerCount(adapter, opts.workers ?? config.workers, log);
  const injectCrash = adapter.env('PROXY_TEST_INJECT_WORKER_CRASH_MS');
  const server = new ProxyServer(
    adapter,
    log,
    {
      configPath: opts.configPath,
      workerEntry: ctx.workerEntry,
      workers,
      version: ctx.version,
      workerOptions: {
        logLevel: opts.logLevel,
        logFormat: opts.logFormat,
        ...(injectCrash ? { injectCrashAfterMs: Number(injectCrash) } : {}),
      },
      drainTimeoutMs: opts.drainTimeoutMs,
      watch: opts.watch,
      loadConfig: load,
    },
    config,
  );
  await server.run();
}

/** Where the demo's config.example.yaml is: a file, and (in the executable) the copy built in. */
export interface DemoConfig {
  path: string;
  /** The file's text at build time, used when `path` cannot be read; null: none (from source). */
  embedded: string | null;
}

/** Run config.example.yaml plus the two demo upstreams it points at, until stopped. */
export async function runDemo(adapter: RuntimeAdapter, opts: DemoOptions, ctx: RunContext, demo: DemoConfig): Promise<void> {
  let demoCtx = ctx;
  const embedded = demo.embedded;
  if (embedded !== null) {
    try {
      await adapter.readTextFile(demo.path);
    } catch {
      // The executable run away from its dist/ folder: the example it was built with.
      demoCtx = { ...ctx, readConfig: (p) => (p === demo.path ? Promise.resolve(embedded) : adapter.readTextFile(p)) };
    }
  }
  const upstreams = await startDemoUpstreams(adapter);
  try {
    await run(adapter, { configPath: demo.path, workers: opts.workers, logLevel: opts.logLevel, logFormat: opts.logFormat, watch: false, drainTimeoutMs: undefined }, demoCtx);
  } finally {
    await Promise.all(upstreams.map((u) => u.close()));
  }
}
