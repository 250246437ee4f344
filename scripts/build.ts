/** Builds the release artifacts with Bun's bundler: `bin` (dist/proxy, one executable) and `node` (dist/node, a bundle for Node ≥ 22.12). */

import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BUN = join(ROOT, 'node_modules/.bin/bun');
// Every thread's entry point (main, worker, config loader): a worker that is not an entry point compiles, then fails only at run time
// ("ModuleNotFound resolving /$bunfs/root/…worker.ts"). The executable has entries of its own
// that load the Bun adapter only.
const ENTRIES = ['src/cli.ts', 'src/worker.ts', 'src/config-loader.ts'];
const BINARY_ENTRIES = ['src/bun-binary/cli.ts', 'src/bun-binary/worker.ts', 'src/bun-binary/config-loader.ts'];

/** Where the built artifacts go. */
export const BINARY_PATH = join(ROOT, 'dist/proxy');
export const NODE_BUNDLE_DIR = join(ROOT, 'dist/node');

type Target = 'bin' | 'node';

class BuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BuildError';
  }
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
}

/** The short commit of HEAD, with `-dirty` when the tree has changes; 'unknown' outside git or before the first commit. */
function gitCommit(): string {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  if (head.status !== 0) return 'unknown';
  const commit = head.stdout.trim();
  const status = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' });
  return status.status === 0 && status.stdout.trim() !== '' ? `${commit}-dirty` : commit;
}

/**
 * Build-time constants. The source reads them as `globalThis.PROXY_BUILD_COMMIT` /
 * `globalThis.PROXY_BUILD_VERSION` (undefined when run from source); the bare identifiers are
 * defined too, for code that declares them with `declare const`.
 */
function defines(): string[] {
  const values = { PROXY_BUILD_VERSION: packageVersion(), PROXY_BUILD_COMMIT: gitCommit() };
  const args: string[] = [];
  for (const [name, value] of Object.entries(values)) {
    const literal = JSON.stringify(value);
    args.push('--define', `globalThis.${name}=${literal}`, '--define', `${name}=${literal}`);
  }
  return args;
}

function bun(entries: string[], args: string[]): void {
  if (!existsSync(BUN)) throw new BuildError(`${BUN} is missing: run npm install`);
  for (const entry of entries) {
    if (!existsSync(join(ROOT, entry))) throw new BuildError(`entry point ${entry} does not exist yet`);
  }
  const result = spawnSync(BUN, ['build', ...entries, ...args], { cwd: ROOT, stdio: 'inherit' });
  if (result.error) throw new BuildError(`bun build failed to start: ${result.error.message}`);
  if (result.status !== 0) throw new BuildError(`bun build exited with ${result.status ?? result.signal}`);
}

/** Runs `cmd --version` to prove the artifact starts; returns its output. */
function smokeTest(cmd: string, args: string[]): string {
  const result = spawnSync(cmd, [...args, '--version'], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  if (result.status !== 0) {
    throw new BuildError(`${[cmd, ...args].join(' ')} --version failed (${result.status ?? result.signal}):\n${result.stderr}${result.stdout}`);
  }
  return result.stdout.trim();
}

function buildBinary(): void {
  rmSync(BINARY_PATH, { force: true });
  // A proxy binary must not pick up a stray .env or bunfig.toml from whatever directory it is started in.
  bun(BINARY_ENTRIES, ['--compile', '--minify', '--no-compile-autoload-dotenv', '--no-compile-autoload-bunfig', '--outfile', BINARY_PATH, ...defines()]);
  console.log(`built ${BINARY_PATH}: ${smokeTest(BINARY_PATH, [])}`);
}

function buildNodeBundle(): void {
  rmSync(NODE_BUNDLE_DIR, { recursive: true, force: true });
  // One standalone file per entry (no --splitting): cli.js spawns ./worker.js next to itself.
  bun(ENTRIES, ['--target=node', '--outdir', NODE_BUNDLE_DIR, ...defines()]);
  const cli = join(NODE_BUNDLE_DIR, 'cli.js');
  if (!existsSync(cli) || !existsSync(join(NODE_BUNDLE_DIR, 'worker.js'))) {
    throw new BuildError(`expected cli.js and worker.js in ${NODE_BUNDLE_DIR}`);
  }
  chmodSync(cli, 0o755);
  // `proxy demo` reads ../config.example.yaml relative to the entry module: dist/config.example.yaml.
  copyFileSync(join(ROOT, 'config.example.yaml'), join(NODE_BUNDLE_DIR, '../config.example.yaml'));
  console.log(`built ${NODE_BUNDLE_DIR}: ${smokeTest(process.execPath, [cli])}`);
}

const BUILDERS: Record<Target, () => void> = { bin: buildBinary, node: buildNodeBundle };

function main(argv: string[]): number {
  const targets = argv.length === 0 ? (['bin', 'node'] as Target[]) : argv;
  for (const target of targets) {
    if (target !== 'bin' && target !== 'node') {
      console.error(`usage: node scripts/build.ts [bin] [node]   (unknown target ${JSON.stringify(target)})`);
      return 2;
    }
  }
  try {
    for (const target of targets as Target[]) BUILDERS[target]();
    return 0;
  } catch (error) {
    console.error(`build: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
