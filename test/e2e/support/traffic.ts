/** Test-client traffic for e2e tests: single requests, steady keep-alive load, and admin reads. */
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';

export interface Reply {
  status: number;
  body: string;
  headers: IncomingHttpHeaders;
}

export interface GetOptions {
  agent?: Agent | false;
  method?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** Told which socket carries the request (to count client connections). */
  onSocket?: (socket: Socket) => void;
}

/** One request to 127.0.0.1:port; rejects on a socket error or after `timeoutMs` (default 5 s). */
export function get(port: number, path: string, opts: GetOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: opts.method ?? 'GET',
        agent: opts.agent ?? false,
        headers: opts.headers,
        timeout: opts.timeoutMs ?? 5000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${opts.method ?? 'GET'} ${path} timed out`)));
    req.on('error', reject);
    if (opts.onSocket) req.on('socket', opts.onSocket);
    req.end();
  });
}

/** `GET http://127.0.0.1:<adminPort><path>` parsed as JSON (asserts a 200). */
export async function adminJson<T>(adminPort: number, path: string): Promise<T> {
  const r = await get(adminPort, path);
  if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${r.body}`);
  return JSON.parse(r.body) as T;
}

/** One finished (or failed) request of a `Load`. */
export interface LoadResult {
  path: string;
  startedAt: number;
  endedAt: number;
  status: number;
  /** The `x-upstream` response header (which upstream answered), '' if none. */
  upstream: string;
  error?: string;
}

export interface LoadOptions {
  port: number;
  /** Concurrent keep-alive connections, each running one request at a time. */
  concurrency: number;
  /** The path of each request; called per request (so a test can alternate routes). */
  path?: (n: number) => string;
  /** Pause between a response and the next request on the same loop (default 0). */
  gapMs?: number;
  timeoutMs?: number;
}

/** Keep-alive load: `concurrency` loops, each sending its next request when the previous one ends. */
export class Load {
  readonly results: LoadResult[] = [];
  readonly agent: Agent;
  private running = true;
  private readonly loops: Promise<void>[] = [];
  private n = 0;
  private readonly opts: LoadOptions;
  private readonly seen = new WeakSet<Socket>();
  /** Client connections opened so far. */
  sockets = 0;
  private readonly onSocket = (s: Socket): void => {
    if (this.seen.has(s)) return;
    this.seen.add(s);
    this.sockets++;
  };

  constructor(opts: LoadOptions) {
    this.opts = opts;
    this.agent = new Agent({ keepAlive: true, maxSockets: opts.concurrency, maxFreeSockets: opts.concurrency });
    for (let i = 0; i < opts.concurrency; i++) this.loops.push(this.loop());
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const path = this.opts.path ? this.opts.path(this.n) : '/';
      this.n++;
      const startedAt = performance.now();
      try {
        const r = await get(this.opts.port, path, { agent: this.agent, timeoutMs: this.opts.timeoutMs ?? 5000, onSocket: this.onSocket });
        const up = r.headers['x-upstream'];
        this.results.push({ path, startedAt, endedAt: performance.now(), status: r.status, upstream: typeof up === 'string' ? up : '' });
      } catch (e) {
        this.results.push({ path, startedAt, endedAt: performance.now(), status: 0, upstream: '', error: String(e) });
      }
      if (this.opts.gapMs) await new Promise((r) => setTimeout(r, this.opts.gapMs));
    }
  }

  /** Requests answered with anything but 2xx, or not answered. */
  failures(): LoadResult[] {
    return this.results.filter((r) => r.status < 200 || r.status >= 300);
  }

  /** Let every loop finish its current request, then close the client connections. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    this.agent.destroy();
  }
}

/** Polls `probe` every `everyMs` until it returns a truthy value; throws with `what` after `timeoutMs`. */
export async function waitUntil<T>(what: string, probe: () => T | Promise<T>, timeoutMs = 5000, everyMs = 50): Promise<NonNullable<T>> {
  const deadline = performance.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v as NonNullable<T>;
      last = v;
    } catch (e) {
      last = e;
    }
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${String(last)})`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `p`, or a rejection naming `what` once `ms` passed without it settling. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms))),
  ]);
}
