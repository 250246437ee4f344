/** Makes sure the outside tools exist: wrk, nginx, HAProxy (Debian packages), and builds the proxy's artifacts. */

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { NODE_BUNDLE } from './candidates.ts';
import { BINARY_PATH } from '../scripts/build.ts';
import { ROOT } from './templates.ts';

/** Command → Debian package that provides it. */
const PACKAGES: Record<string, string> = { wrk: 'wrk', nginx: 'nginx', haproxy: 'haproxy', taskset: 'util-linux' };
const APT_TIMEOUT_MS = 300_000;

function onPath(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function apt(args: string[]): boolean {
  console.log(`bench: apt-get ${args.join(' ')}`);
  const result = spawnSync('apt-get', args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    timeout: APT_TIMEOUT_MS,
  });
  return result.status === 0;
}

/** Installs missing tools with apt-get (running `apt-get update` once if the first try fails); throws if still missing. */
export function ensureTools(): void {
  const missing = Object.keys(PACKAGES).filter((cmd) => !onPath(cmd));
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map((cmd) => PACKAGES[cmd] ?? cmd))];
  const install = ['install', '-y', '-q', '--no-install-recommends', ...packages];
  if (!apt(install)) {
    apt(['update', '-q']);
    apt(install);
  }
  const still = missing.filter((cmd) => !onPath(cmd));
  if (still.length > 0) throw new Error(`missing ${still.join(', ')}; install ${packages.join(' ')} (apt-get, as root) and retry`);
}

/** What `npm run build` makes, per target: the artifact the bench runs. */
const ARTIFACTS = { bin: BINARY_PATH, node: NODE_BUNDLE } as const;

/**
 * Builds `target` from the tree the bench runs in (dist/proxy or dist/node), so the figures are
 * those of this code and not of an earlier build; returns why it could not, or undefined.
 */
export function buildArtifact(target: keyof typeof ARTIFACTS): string | undefined {
  const artifact = ARTIFACTS[target];
  console.log(`bench: building ${relative(ROOT, artifact)} (npm run build:${target})…`);
  const result = spawnSync(join(ROOT, 'node_modules/.bin/node'), [join(ROOT, 'scripts/build.ts'), target], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: 120_000,
  });
  return result.status === 0 && existsSync(artifact) ? undefined : `${artifact} could not be built (see the build output above)`;
}
