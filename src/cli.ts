#!/usr/bin/env node
/** The `proxy` executable: pick the runtime adapter, run the command line, exit with its code. */

import { createAdapter } from '../runtime-adapters/detect.ts';
import packageJson from '../package.json' with { type: 'json' };
import { runCli } from './cli-commands.ts';
import { run, runDemo } from './main/run.ts';

// scripts/build.ts defines this in built artifacts (binary, Node bundle); from source it is "dev".
const BUILD_COMMIT = (globalThis as { PROXY_BUILD_COMMIT?: string }).PROXY_BUILD_COMMIT ?? 'dev';

// The worker is a sibling module: worker.ts from source and in Bun's binary, worker.js in a bundle.
const workerEntry = new URL(import.meta.url.endsWith('.js') ? './worker.js' : './worker.ts', import.meta.url).href;
const demoConfig = new URL('../config.example.yaml', import.meta.url);

const adapter = createAdapter();
const ctx = { workerEntry, version: packageJson.version };
const code = await runCli(
  {
    adapter,
    version: packageJson.version,
    commit: BUILD_COMMIT,
    run: (opts) => run(adapter, opts, ctx),
    runDemo: (opts) => runDemo(adapter, opts, ctx, demoConfig.protocol === 'file:' ? decodeURIComponent(demoConfig.pathname) : 'config.example.yaml'),
  },
  adapter.args(),
);
adapter.exit(code);
