/** The origin server: nginx with one worker on the load generator's CPU, serving the benchmark's bodies. */

import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, get, waitForBody } from './ports.ts';
import { spawnPinned, stop } from './processes.ts';
import type { Tracked } from './processes.ts';
import { renderTemplate } from './templates.ts';

/** The small body every GET / and POST / returns. */
export const SMALL_BODY = 'hello, world\n';
/** Path of the 64 KiB response. */
export const LARGE_PATH = '/64k';
export const LARGE_SIZE = 64 * 1024;

/** A running origin. */
export interface Origin {
  port: number;
  proc: Tracked;
  stop(): Promise<void>;
}

/** Starts nginx as the origin in `dir` (its own config, pid file, logs and temp paths). */
export async function startOrigin(dir: string, cpus: string): Promise<Origin> {
  // nginx workers run as an unprivileged user: the run directory must be readable by them.
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'www'), { recursive: true, mode: 0o755 });
  writeFileSync(join(dir, 'www/64k'), Buffer.alloc(LARGE_SIZE, 'x'), { mode: 0o644 });
  const port = await freePort();
  const conf = renderTemplate('origin-nginx.conf', join(dir, 'origin-nginx.conf'), { DIR: dir, PORT: port });
  const proc = spawnPinned({
    name: 'origin',
    cpus,
    cmd: 'nginx',
    args: ['-p', dir, '-c', conf, '-e', join(dir, 'origin-error.log')],
    cwd: dir,
    logPath: join(dir, 'origin.log'),
  });
  try {
    await waitForBody(port, '/', SMALL_BODY, 10_000, () => proc.hasExited());
    const large = await get(port, LARGE_PATH);
    if (large.status !== 200 || large.body.length !== LARGE_SIZE) {
      throw new Error(`origin: GET ${LARGE_PATH} answered ${large.status} with ${large.body.length} bytes (see ${dir}/origin-error.log)`);
    }
  } catch (error) {
    await stop(proc);
    throw error;
  }
  return { port, proc, stop: () => stop(proc) };
}
