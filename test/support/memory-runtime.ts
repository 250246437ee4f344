/** One worker runtime on the calling thread with its network in memory: the test plays client and upstream. */
import { after, before } from 'node:test';
import { createAdapter } from '../../runtime-adapters/detect.ts';
import { SocketError } from '../../runtime-adapters/types.ts';
import type { ConnectOptions, Listener, ListenOptions, RuntimeAdapter, Socket, SocketErrorCode, SocketHandler } from '../../runtime-adapters/types.ts';
import { loadConfig } from '../../src/config/index.ts';
import { startRuntimeOnThisThread } from './thread-runtime.ts';

/** A socket with no kernel behind it: writes are counted (and kept when `keep`), the test feeds the peer's bytes. */
export class MemorySocket implements Socket {
  readonly remoteAddress = '127.0.0.1';
  readonly remotePort = 40000;
  readonly localPort = 1;
  readonly bufferedAmount = 0;
  handler: SocketHandler | null = null;
  readonly writes: Uint8Array[] = [];
  writeCount = 0;
  destroyed = false;
  ended = false;
  private readonly keep: boolean;

  constructor(keep: boolean) {
    this.keep = keep;
  }

  /** Writes are taken but answer false (the peer is not reading) until `drain`. */
  full = false;

  write(b: Uint8Array): boolean {
    this.writeCount++;
    if (this.keep) this.writes.push(b.slice());
    return !this.full;
  }

  /** The peer read what was queued: writes answer true again, and the handler hears onDrain. */
  drain(): void {
    this.full = false;
    this.handler?.onDrain();
  }

  writeBorrowed(b: Uint8Array): boolean {
    return this.write(b);
  }
  setHandler(h: SocketHandler): void {
    this.handler = h;
  }
  pause(): void {}
  resume(): void {}
  end(): void {
    this.ended = true;
  }
  close(): void {
    this.destroy();
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    queueMicrotask(() => this.handler?.onClose(undefined));
  }

  /** The peer sends `bytes` (a fresh copy, as a runtime hands each read over). */
  feed(bytes: Uint8Array): void {
    this.handler!.onData(bytes.slice());
  }

  peerClose(error?: SocketError): void {
    this.destroyed = true;
    this.handler?.onClose(error);
  }

  /** Everything written, as latin1 text. */
  text(): string {
    let s = '';
    for (const w of this.writes) for (let i = 0; i < w.length; i++) s += String.fromCharCode(w[i]!);
    return s;
  }
}

/** A socket that pairs writes itself, as Node's does (`Socket.writePair`): each pair is one write. */
export class PairingMemorySocket extends MemorySocket {
  /** Every pair as it came: the lent part copied (it is lent for the call only), the kept part by reference. */
  readonly pairs: { lent: Uint8Array; kept: Uint8Array }[] = [];

  writePair(lent: Uint8Array, kept: Uint8Array): boolean {
    this.pairs.push({ lent: lent.slice(), kept });
    const joined = new Uint8Array(lent.length + kept.length);
    joined.set(lent);
    joined.set(kept, lent.length);
    return this.write(joined);
  }
}

/** One listener, one route to one cluster of one endpoint: all a request-path test or benchmark needs. */
export const ONE_ROUTE_CONFIG = `
admin: { address: 127.0.0.1, port: 0 }
workers: 1
listeners:
  - name: l
    address: 127.0.0.1
    port: 1
    virtual_hosts:
      - name: all
        domains: ["*"]
        routes:
          - match: { prefix: / }
            cluster: origin
clusters:
  - name: origin
    endpoints:
      - { address: 127.0.0.1, port: 2 }
`;

export interface MemoryWorker {
  /** A new client connection accepted by the listener. */
  connect(): MemorySocket;
  /** Upstream connections the worker opened, in order. */
  readonly upstreams: MemorySocket[];
  /** The next connects fail with these codes, one each, in order (then connects succeed again). */
  readonly connectFailures: SocketErrorCode[];
  readonly adapter: RuntimeAdapter;
  /** The worker's value of a stat (0 when it does not exist). */
  stat(name: string): number;
  /** Close the clients still open, drain, and stop every timer of the runtime. */
  stop(): Promise<void>;
}

/**
 * `yaml` must have one listener; its address and ports are not bound. `keep`: sockets record
 * their writes (tests); a benchmark only counts them. `pairingUpstreams`: upstream sockets have
 * `writePair`, as on Node.
 */
export async function startMemoryWorker(yaml: string, keep: boolean, pairingUpstreams = false): Promise<MemoryWorker> {
  const real = createAdapter();
  let accept: ((s: Socket) => void) | null = null;
  const upstreams: MemorySocket[] = [];
  const connectFailures: SocketErrorCode[] = [];
  const adapter: RuntimeAdapter = Object.create(real, {
    listen: {
      value: (o: ListenOptions, onConnection: (s: Socket) => void): Promise<Listener> => {
        accept = onConnection;
        return Promise.resolve({ host: o.host, port: o.port, close: () => Promise.resolve() });
      },
    },
    connect: {
      value: (o: ConnectOptions): Promise<Socket> => {
        const failure = connectFailures.shift();
        if (failure !== undefined) return Promise.reject(new SocketError(failure, `connect ${o.host}:${o.port} ${failure}`));
        const s = pairingUpstreams ? new PairingMemorySocket(keep) : new MemorySocket(keep);
        upstreams.push(s);
        return Promise.resolve(s);
      },
    },
  });
  const config = await loadConfig(() => Promise.resolve(yaml), 'memory.yaml', () => undefined);
  const started = await startRuntimeOnThisThread(adapter, config, { postMessage: () => {}, onMessage: () => {} });
  const onConnection = accept as ((s: Socket) => void) | null;
  if (onConnection === null) throw new Error('the worker did not listen');
  const clients: MemorySocket[] = [];
  return {
    connect(): MemorySocket {
      const s = new MemorySocket(keep);
      clients.push(s);
      onConnection(s);
      return s;
    },
    upstreams,
    connectFailures,
    adapter: real,
    stat: (name) => started.runtime.stats.value(name),
    async stop(): Promise<void> {
      for (const c of clients) if (!c.destroyed) c.peerClose();
      await started.stop();
    },
  };
}

/** A complete, reusable upstream answer: `200 OK` with the body `ok`. */
export const OK_RESPONSE = new TextEncoder().encode('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');

/** Lets a timer turn pass (an upstream connect settles in one). */
export const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 1));

/**
 * One memory worker (writes kept) for the tests of the suite this is called in (a file, or a
 * `describe`): started before them, stopped after them. Read `worker` inside a test, not at load.
 */
export function memoryWorkerForTests(yaml: string = ONE_ROUTE_CONFIG): { readonly worker: MemoryWorker } {
  let started: MemoryWorker | null = null;
  before(async () => {
    started = await startMemoryWorker(yaml, true);
  });
  after(async () => {
    await started?.stop();
  });
  return {
    get worker(): MemoryWorker {
      if (started === null) throw new Error('the memory worker is used before its tests start');
      return started;
    },
  };
}

/**
 * A new client sends `GET path` (a path the test makes unique); resolves once an upstream
 * connection, new or pooled, carries it, with both sockets. Needs a worker that keeps writes.
 */
export async function getThroughWorker(w: MemoryWorker, path: string): Promise<{ client: MemorySocket; up: MemorySocket }> {
  const client = w.connect();
  const line = `GET ${path} HTTP/1.1\r\n`;
  client.feed(new TextEncoder().encode(`${line}Host: a\r\n\r\n`));
  for (let i = 0; i < 300; i++) {
    const up = w.upstreams.find((u) => !u.destroyed && u.text().includes(line));
    if (up) return { client, up };
    await tick();
  }
  throw new Error(`${line.trim()} never reached an upstream`);
}
