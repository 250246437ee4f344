/** What every `proxy` entry point runs: the command line, with the runtime adapter the entry picked. */

import type { RuntimeAdapter } from '../runtime-adapters/types.ts';
import packageJson from '../package.json' with { type: 'json' };
import { runCli } from './cli-commands.ts';
import { run, runDemo, type DemoConfig } from './main/run.ts';
import { ThreadConfigLoader } from './config/load-in-thread.ts';

// scripts/build.ts defines this in built artifacts (binary, Node bundle); from source it is "dev".
const BUILD_COMMIT = (globalThis as { PROXY_BUILD_COMMIT?: string }).PROXY_BUILD_COMMIT ?? 'dev';

/**
 * Runs the command line and exits with its code. `entryUrl` is the entry module's URL: the
 * worker and config loader entries are its siblings `worker` and `config-loader` (`.ts` from
 * source, `.js` when built). `demoConfig` is where that entry finds config.example.yaml.
 */
export async function runProxyCli(adapter: RuntimeAdapter, entryUrl: string, demoConfig: DemoConfig): Promise<never> {
  const sibling = (name: string): string => new URL(`./${name}${entryUrl.endsWith('.js') ? '.js' : '.ts'}`, entryUrl).href;
  const ctx = { workerEntry: sibling('worker'), configLoaderEntry: sibling('config-loader'), version: packageJson.version };
  const loader = new ThreadConfigLoader(adapter, ctx.configLoaderEntry, (p) => adapter.readTextFile(p));
  const code = await runCli(
    {
      adapter,
      version: packageJson.version,
      commit: BUILD_COMMIT,
      loadConfig: (path) => loader.load(path),
      run: (opts) => run(adapter, opts, ctx),
      runDemo: (opts) => runDemo(adapter, opts, ctx, demoConfig),
    },
    adapter.args(),
  );
  return adapter.exit(code);
}
