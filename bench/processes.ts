/** Child processes the benchmark starts: tracked by pid, stopped on every exit path, never matched by name. */

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { openSync, closeSync, readdirSync, readFileSync } from 'node:fs';

/** A process this harness started (plus whatever it forked: nginx workers). */
export interface Tracked {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  readonly logPath: string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
  hasExited(): boolean;
}

const tracked = new Set<Tracked>();

export interface SpawnOptions {
  name: string;
  /** CPU list for `taskset -c`, e.g. "0". */
  cpus: string;
  cmd: string;
  args: string[];
  cwd: string;
  /** stdout and stderr go here. */
  logPath: string;
  env?: Record<string, string>;
}

/** Starts `taskset -c CPUS cmd args…` (taskset execs, so the pid is the command's own). */
export function spawnPinned(opts: SpawnOptions): Tracked {
  const fd = openSync(opts.logPath, 'a');
  const child = spawn('taskset', ['-c', opts.cpus, opts.cmd, ...opts.args], {
    cwd: opts.cwd,
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  return track(opts.name, child, opts.logPath);
}

/** Registers a child so that every exit path stops it. */
export function track(name: string, child: ChildProcess, logPath = ''): Tracked {
  if (child.pid === undefined) throw new Error(`could not start ${name}`);
  let done = false;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      done = true;
      resolve();
    });
    child.once('error', () => {
      done = true;
      resolve();
    });
  });
  const entry: Tracked = { name, pid: child.pid, child, logPath, exited, hasExited: () => done };
  tracked.add(entry);
  void exited.then(() => tracked.delete(entry));
  return entry;
}

/** Parent pid of every live process, from /proc/PID/stat. */
function parentMap(): Map<number, number> {
  const parents = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // The command name is in parentheses and may contain spaces: fields start after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(name), Number(fields[1]));
    } catch {
      // The process exited while we looked.
    }
  }
  return parents;
}

/** `pid` and all its descendants. */
export function processTree(pid: number): number[] {
  const parents = parentMap();
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    for (const [child, parent] of parents) if (parent === tree[i]) tree.push(child);
  }
  return tree;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM (graceful: nginx stops its workers, the proxy drains), then SIGKILL the whole tree after `graceMs`. */
export async function stop(proc: Tracked, graceMs = 3_000): Promise<void> {
  if (proc.hasExited()) return;
  const tree = processTree(proc.pid);
  signal(proc.pid, 'SIGTERM');
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([proc.exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
  clearTimeout(timer);
  for (const pid of tree) if (alive(pid)) signal(pid, 'SIGKILL');
  await Promise.race([proc.exited, new Promise<void>((resolve) => setTimeout(resolve, 1_000))]);
}

/** Stops everything still running, in parallel. */
export async function stopAll(): Promise<void> {
  await Promise.all([...tracked].map((p) => stop(p)));
}

/** Last resort on exit (synchronous): SIGKILL every tracked tree. */
export function killAllSync(): void {
  for (const proc of tracked) {
    if (proc.hasExited()) continue;
    for (const pid of processTree(proc.pid)) signal(pid, 'SIGKILL');
  }
}

let installed = false;

/** Makes Ctrl-C, SIGTERM, uncaught errors and normal exit all stop the tracked processes. */
export function installCleanup(): void {
  if (installed) return;
  installed = true;
  process.once('exit', killAllSync);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      console.error(`\nbench: ${sig}, stopping the processes it started…`);
      void stopAll().finally(() => process.exit(130));
    });
  }
}
