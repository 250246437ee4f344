/** Test doubles for health tests: a scripted connect/socket pair, a seeded random, a stats sink. */
import { SocketError, type Socket, type SocketHandler } from '../../../runtime-adapters/types.ts';
import type { ConnectFn, StatsSink } from '../../../src/health/types.ts';

/** How a fake upstream behaves for the next checks. */
export type Behaviour =
  | { kind: 'status'; status: number; split?: boolean }
  | { kind: 'hang' }
  | { kind: 'close' }
  | { kind: 'garbage' }
  | { kind: 'refuse' }
  | { kind: 'connect-timeout' }
  | { kind: 'connect-hang' };

export class FakeSocket implements Socket {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localPort = 40000;
  readonly bufferedAmount = 0;
  readonly written: Uint8Array[] = [];
  destroyed = false;
  private handler: SocketHandler | undefined;
  private closed = false;
  private readonly behaviour: Behaviour;

  constructor(host: string, port: number, behaviour: Behaviour) {
    this.remoteAddress = host;
    this.remotePort = port;
    this.behaviour = behaviour;
  }

  get requestText(): string {
    return this.written.map((b) => new TextDecoder().decode(b)).join('');
  }

  setHandler(handler: SocketHandler): void {
    this.handler = handler;
  }

  writeBorrowed(bytes: Uint8Array): boolean {
    return this.write(bytes.slice());
  }

  write(bytes: Uint8Array): boolean {
    this.written.push(bytes);
    const b = this.behaviour;
    queueMicrotask(() => {
      if (this.destroyed) return;
      if (b.kind === 'status') {
        const text = `HTTP/1.1 ${b.status} Whatever\r\nContent-Length: 0\r\n\r\n`;
        const bytes = new TextEncoder().encode(text);
        if (b.split) {
          this.handler?.onData(bytes.slice(0, 7));
          if (!this.destroyed) this.handler?.onData(bytes.slice(7));
        } else {
          this.handler?.onData(bytes);
        }
        this.closeFromPeer();
      } else if (b.kind === 'close') {
        this.closeFromPeer();
      } else if (b.kind === 'garbage') {
        this.handler?.onData(new TextEncoder().encode('SSH-2.0-OpenSSH\r\n'));
      }
    });
    return true;
  }

  pause(): void {}
  resume(): void {}
  end(): void {
    this.destroy();
  }

  close(): void {
    this.destroy();
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.fireClose();
  }

  private closeFromPeer(): void {
    if (this.destroyed) return;
    this.handler?.onEnd();
    this.fireClose();
  }

  private fireClose(): void {
    if (this.closed) return;
    this.closed = true;
    queueMicrotask(() => this.handler?.onClose(undefined));
  }
}

/** One connect call as the test sees it. */
export interface ConnectCall {
  host: string;
  port: number;
  timeoutMs: number;
  at: number;
  socket: FakeSocket | undefined;
}

/** A `ConnectFn` whose upstreams behave as the test says, per `address:port`. */
export class FakeNetwork {
  readonly calls: ConnectCall[] = [];
  private readonly behaviours = new Map<string, Behaviour>();
  private readonly now: () => number;
  private fallback: Behaviour = { kind: 'status', status: 200 };

  constructor(now: () => number) {
    this.now = now;
  }

  set(hostPort: string, b: Behaviour): void {
    this.behaviours.set(hostPort, b);
  }

  setAll(b: Behaviour): void {
    this.behaviours.clear();
    this.fallback = b;
  }

  callsTo(hostPort: string): ConnectCall[] {
    return this.calls.filter((c) => `${c.host}:${c.port}` === hostPort);
  }

  /** Sockets handed out and not yet destroyed. */
  openSockets(): FakeSocket[] {
    return this.calls.flatMap((c) => (c.socket && !c.socket.destroyed ? [c.socket] : []));
  }

  readonly connect: ConnectFn = (host, port, timeoutMs) => {
    const b = this.behaviours.get(`${host}:${port}`) ?? this.fallback;
    const call: ConnectCall = { host, port, timeoutMs, at: this.now(), socket: undefined };
    this.calls.push(call);
    switch (b.kind) {
      case 'refuse':
        return Promise.reject(new SocketError('ECONNREFUSED', 'connection refused'));
      case 'connect-timeout':
        return Promise.reject(new SocketError('ETIMEDOUT', 'connect timed out'));
      case 'connect-hang':
        return new Promise<Socket>(() => {});
      default: {
        const s = new FakeSocket(host, port, b);
        call.socket = s;
        return Promise.resolve(s);
      }
    }
  };
}

/** Let queued microtasks (promise callbacks, fake socket events) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

/** mulberry32: a small seeded generator with `Math.random`'s range. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class RecordingStats implements StatsSink {
  readonly counters = new Map<string, number>();
  readonly gauges = new Map<string, number>();
  inc(name: string): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + 1);
  }
  set(name: string, value: number): void {
    this.gauges.set(name, value);
  }
  declare(name: string): void {
    if (!this.counters.has(name)) this.counters.set(name, 0);
  }
  counter(name: string): number {
    return this.counters.get(name) ?? 0;
  }
}
