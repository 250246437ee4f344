/** The candidates measured: this proxy on Bun (binary), Deno and Node 24; nginx; HAProxy; the origin directly. */

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SMALL_BODY } from './origin.ts';
import type { Origin } from './origin.ts';
import { freePort, waitForBody } from './ports.ts';
import { spawnPinned, stop } from './processes.ts';
import type { Tracked } from './processes.ts';
import { renderTemplate, ROOT } from './templates.ts';
import { BINARY_PATH, NODE_BUNDLE_DIR } from '../scripts/build.ts';

/** Where a candidate runs and what it forwards to. */
export interface CandidateContext {
  /** A fresh directory for this start's configs and logs. */
  dir: string;
  origin: Origin;
  /** CPU list for the candidate (`taskset -c`). */
  cpus: string;
}

/** A started candidate: load goes to `port`; memory is measured on `proc`'s process tree. */
export interface RunningCandidate {
  port: number;
  proc: Tracked;
  stop(): Promise<void>;
}

/** One row of every table. */
export interface Candidate {
  id: string;
  /** What the table shows. */
  label: string;
  start(ctx: CandidateContext): Promise<RunningCandidate>;
}

/** Node's entry in the bundle scripts/build.ts writes (no TypeScript to strip at load). */
export const NODE_BUNDLE = join(NODE_BUNDLE_DIR, 'cli.js');
const BIN = join(ROOT, 'node_modules/.bin');
const CLI = join(ROOT, 'src/cli.ts');
const READY_MS = 30_000;

function logTail(path: string): string {
  if (!existsSync(path)) return '';
  const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
  return lines.slice(-15).join('\n');
}

/** Spawns a server pinned to the candidate CPU and waits until GET / answers through it. */
async function startServer(ctx: CandidateContext, id: string, port: number, cmd: string, args: string[], cwd: string): Promise<RunningCandidate> {
  const logPath = join(ctx.dir, `${id}.log`);
  const proc = spawnPinned({ name: id, cpus: ctx.cpus, cmd, args, cwd, logPath });
  try {
    await waitForBody(port, '/', SMALL_BODY, READY_MS, () => proc.hasExited());
  } catch (error) {
    await stop(proc);
    const tail = logTail(logPath);
    throw new Error(`${error instanceof Error ? error.message : String(error)}${tail ? `\n--- ${id} log ---\n${tail}` : ''}`);
  }
  return { port, proc, stop: () => stop(proc) };
}

function proxyCandidate(id: string, label: string, command: () => { cmd: string; args: string[] }): Candidate {
  return {
    id,
    label,
    async start(ctx) {
      const port = await freePort();
      const config = renderTemplate('proxy.yaml', join(ctx.dir, `${id}.yaml`), {
        PORT: port,
        ADMIN_PORT: await freePort(),
        ORIGIN_PORT: ctx.origin.port,
      });
      const { cmd, args } = command();
      return startServer(ctx, id, port, cmd, [...args, '--config', config, '--log-level', 'warn'], ROOT);
    },
  };
}

/** Every candidate, in table order. */
export const CANDIDATES: Candidate[] = [
  proxyCandidate('proxy-bun', 'proxy · Bun (binary)', () => ({ cmd: BINARY_PATH, args: [] })),
  proxyCandidate('proxy-deno', 'proxy · Deno', () => ({ cmd: join(BIN, 'deno'), args: ['run', '-A', '--cached-only', '--v8-flags=--max-semi-space-size=2', CLI] })),
  proxyCandidate('proxy-node', 'proxy · Node 24', () => ({ cmd: join(BIN, 'node'), args: [NODE_BUNDLE] })),
  {
    id: 'nginx',
    label: 'nginx (reverse proxy)',
    async start(ctx) {
      const port = await freePort();
      const conf = renderTemplate('proxy-nginx.conf', join(ctx.dir, 'proxy-nginx.conf'), { DIR: ctx.dir, PORT: port, ORIGIN_PORT: ctx.origin.port });
      return startServer(ctx, 'nginx', port, 'nginx', ['-p', ctx.dir, '-c', conf, '-e', join(ctx.dir, 'nginx-proxy-error.log')], ctx.dir);
    },
  },
  {
    id: 'haproxy',
    label: 'HAProxy',
    async start(ctx) {
      const port = await freePort();
      const conf = renderTemplate('haproxy.cfg', join(ctx.dir, 'haproxy.cfg'), { DIR: ctx.dir, PORT: port, ORIGIN_PORT: ctx.origin.port });
      // -db: stay in the foreground, so the pid we hold is HAProxy's.
      return startServer(ctx, 'haproxy', port, 'haproxy', ['-db', '-f', conf], ctx.dir);
    },
  },
  {
    id: 'direct',
    label: 'origin directly',
    start(ctx) {
      // No proxy: the load goes straight to the origin, whose memory is reported.
      return Promise.resolve({ port: ctx.origin.port, proc: ctx.origin.proc, stop: () => Promise.resolve() });
    },
  },
];

/** Ids of the reference rows that ratios are computed against. */
export const NGINX_ID = 'nginx';
export const DIRECT_ID = 'direct';
