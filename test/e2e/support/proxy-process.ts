/** Starts the proxy as a child process on a chosen runtime and reads its JSON log. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const BIN = join(ROOT, 'node_modules/.bin');

export type ProxyRuntime = 'bun' | 'deno' | 'node' | 'binary';

/** The runtimes every e2e scenario runs on; PROXY_E2E_RUNTIMES=bun,node narrows it when debugging. */
export const RUNTIMES: ProxyRuntime[] = (process.env.PROXY_E2E_RUNTIMES?.split(',') as ProxyRuntime[] | undefined) ?? [
  'bun',
  'deno',
  'node',
];

export function commandFor(runtime: ProxyRuntime): { cmd: string; args: string[] } {
  switch (runtime) {
    case 'bun':
      return { cmd: join(BIN, 'bun'), args: [join(ROOT, 'src/cli.ts')] };
    case 'deno':
      return { cmd: join(BIN, 'deno'), args: ['run', '-A', '--cached-only', join(ROOT, 'src/cli.ts')] };
    case 'node':
      return { cmd: process.execPath, args: [join(ROOT, 'src/cli.ts')] };
    case 'binary':
      return { cmd: join(ROOT, 'dist/proxy'), args: [] };
  }
}

export interface LogLine {
  level: string;
  msg: string;
  [k: string]: unknown;
}

export interface ProxyProcess {
  readonly child: ChildProcess;
  readonly logs: LogLine[];
  readonly stderr: string[];
  readonly dir: string;
  adminPort: number;
  waitForLog(pred: (l: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): void;
  stop(): Promise<number | string>;
}

/** A port that was free a moment ago (reusePort listeners can't use port 0: each worker would get its own). */
export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => res(port));
    });
  });
}

export interface StartOptions {
  runtime: ProxyRuntime;
  /** YAML text of the config. */
  config: string;
  args?: string[];
  env?: Record<string, string>;
  /** Wait for the ready line of every listener (default true). */
  waitReady?: boolean;
  cwd?: string;
}

export async function startProxy(opts: StartOptions): Promise<ProxyProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'proxy-e2e-'));
  const configPath = join(dir, 'config.yaml');
  writeFileSync(configPath, opts.config);
  const { cmd, args } = commandFor(opts.runtime);
  const child = spawn(cmd, [...args, '--config', configPath, '--log-format', 'json', ...(opts.args ?? [])], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  const stderr: string[] = [];
  const watchers = new Set<{ pred: (l: LogLine) => boolean; resolve: (l: LogLine) => void }>();
  const onLine = (line: string, isErr: boolean) => {
    if (!line.trim()) return;
    let parsed: LogLine | undefined;
    try {
      const v = JSON.parse(line);
      if (v && typeof v === 'object' && 'msg' in v) parsed = v as LogLine;
    } catch {
      /* not a log line */
    }
    if (!parsed) {
      (isErr ? stderr : stderr).push(line);
      return;
    }
    logs.push(parsed);
    for (const w of watchers) {
      if (w.pred(parsed)) {
        watchers.delete(w);
        w.resolve(parsed);
      }
    }
  };
  for (const [stream, isErr] of [
    [child.stdout!, false],
    [child.stderr!, true],
  ] as const) {
    let buf = '';
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => {
      buf += d;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        onLine(buf.slice(0, i), isErr);
        buf = buf.slice(i + 1);
      }
    });
  }
  const exited = new Promise<number | string>((res) => {
    child.on('exit', (code, signal) => {
      rmSync(dir, { recursive: true, force: true });
      res(code ?? signal ?? -1);
    });
  });
  const waitForLog = (pred: (l: LogLine) => boolean, timeoutMs = 20_000) => {
    const found = logs.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise<LogLine>((res, rej) => {
      const w = { pred, resolve: (l: LogLine) => { clearTimeout(timer); res(l); } };
      const timer = setTimeout(() => {
        watchers.delete(w);
        rej(new Error(`timed out waiting for a log line; logs so far:\n${logs.map((l) => JSON.stringify(l)).join('\n')}\nstderr:\n${stderr.join('\n')}`));
      }, timeoutMs);
      watchers.add(w);
      void exited.then((code) => {
        if (watchers.has(w)) {
          watchers.delete(w);
          clearTimeout(timer);
          rej(new Error(`proxy exited (${code}) before the awaited log line; logs:\n${logs.map((l) => JSON.stringify(l)).join('\n')}\nstderr:\n${stderr.join('\n')}`));
        }
      });
    });
  };
  const proc: ProxyProcess = {
    child,
    logs,
    stderr,
    dir,
    adminPort: 0,
    waitForLog,
    exited,
    kill: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    stop: async () => {
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
  if (opts.waitReady !== false) {
    const admin = await waitForLog((l) => l.msg.startsWith('admin listening'), 30_000);
    proc.adminPort = Number(admin.port);
    await waitForLog((l) => l.msg.startsWith('proxy ready'), 30_000);
  }
  return proc;
}
