/** RuntimeAdapter for Node ≥ 22.12; its process and file helpers are also used by the Bun and Deno adapters. */
import type { Server as HttpNodeServer } from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import { Worker, isMainThread, parentPort as nodeParentPort } from 'node:worker_threads';
import type {
  ConnectOptions,
  HttpServeOptions,
  HttpServer,
  ListenOptions,
  Listener,
  ParentPort,
  RuntimeAdapter,
  Socket,
  SocketHandler,
  WorkerHandle,
} from './types.ts';
import { SocketError } from './types.ts';
import { ProcessServices, asLine, lookupAll, toSocketError } from './node-services.ts';
import { WorkerHandleBase } from './worker-handle-base.ts';

/** SO_REUSEPORT on `net.Server.listen` exists from Node 22.12 (22.x line) and 23.1. */
export function nodeSupportsReusePort(version: string): boolean {
  const m = /^v?(\d+)\.(\d+)/.exec(version);
  if (m === null) return false;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  if (major >= 24) return true;
  if (major === 23) return minor >= 1;
  if (major === 22) return minor >= 12;
  return false;
}

/**
 * V8 sizes a worker's young generation for the machine's RAM (48 MiB here). The request path
 * leaves little alive, so a small one scavenges as fast and holds about 50 MiB less at 1,000
 * connections (bench, memory scenario: 280 → 227 MiB peak RSS).
 */
export const WORKER_YOUNG_GENERATION_MB = 8;

/** Node's `Worker` wants a URL object for file: URLs and a path otherwise. */
function workerSpecifier(entry: string): string | URL {
  return entry.startsWith('file:') ? new URL(entry) : entry;
}

// Listeners are shared functions (EventEmitter calls them with `this` = the raw socket) so a
// connection costs no closures; the adapter socket hangs off the raw one under this symbol.
const kOwner = Symbol('adapterSocket');
type OwnedRaw = net.Socket & { [kOwner]?: NodeTcpSocket };

function onRawData(this: OwnedRaw, chunk: Buffer): void {
  this[kOwner]?.emitData(chunk);
}
function onRawEnd(this: OwnedRaw): void {
  this[kOwner]?.emitEnd();
}
function onRawDrain(this: OwnedRaw): void {
  this[kOwner]?.emitDrain();
}
function onRawError(this: OwnedRaw, err: Error): void {
  this[kOwner]?.noteError(err);
}
function onRawClose(this: OwnedRaw): void {
  this[kOwner]?.emitClose();
}

/** A `net.Socket` behind the adapter contract. Reading starts only once a handler is set. */
class NodeTcpSocket implements Socket {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localPort: number;
  private readonly raw: OwnedRaw;
  private handler: SocketHandler | null = null;
  private pausedByUser = false;
  private destroyedByUs = false;
  private error: SocketError | undefined;
  private closed = false;

  constructor(raw: net.Socket) {
    this.raw = raw as OwnedRaw;
    this.raw[kOwner] = this;
    this.remoteAddress = raw.remoteAddress ?? '';
    this.remotePort = raw.remotePort ?? 0;
    this.localPort = raw.localPort ?? 0;
    // Paused until setHandler: data and 'end' stay in the stream (and the kernel) until then.
    raw.pause();
    raw.setNoDelay(true);
    raw.on('data', onRawData);
    raw.on('end', onRawEnd);
    raw.on('drain', onRawDrain);
    raw.on('error', onRawError);
    raw.on('close', onRawClose);
  }

  get bufferedAmount(): number {
    return this.raw.writableLength;
  }

  setHandler(handler: SocketHandler): void {
    this.handler = handler;
    if (this.closed) {
      const error = this.error;
      queueMicrotask(() => handler.onClose(error));
      return;
    }
    if (!this.pausedByUser) this.raw.resume();
  }

  write(bytes: Uint8Array): boolean {
    // Writing after end/destroy is a no-op: the close is already on its way to the handler.
    if (this.closed || this.raw.destroyed || this.raw.writableEnded) return true;
    return this.raw.write(bytes);
  }

  writeBorrowed(bytes: Uint8Array): boolean {
    // Node keeps what it is given until libuv has written it: lend it a copy.
    return this.write(bytes.slice());
  }

  pause(): void {
    this.pausedByUser = true;
    this.raw.pause();
  }

  resume(): void {
    this.pausedByUser = false;
    if (this.handler !== null && !this.closed) this.raw.resume();
  }

  end(): void {
    if (!this.raw.destroyed && !this.raw.writableEnded) this.raw.end();
  }

  close(): void {
    if (this.raw.destroyed) return;
    this.destroyedByUs = true;
    // destroy() without a reset: close(2) sends a FIN when nothing unread is left.
    this.raw.destroy();
  }

  destroy(): void {
    if (this.raw.destroyed) return;
    this.destroyedByUs = true;
    try {
      this.raw.resetAndDestroy();
    } catch {
      this.raw.destroy();
    }
  }

  setNoDelay(on: boolean): void {
    this.raw.setNoDelay(on);
  }

  emitData(chunk: Buffer): void {
    // A plain Uint8Array view: Buffer#slice shares memory, a trap for a receiver expecting a copy.
    this.handler?.onData(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }

  emitEnd(): void {
    this.handler?.onEnd();
  }

  emitDrain(): void {
    this.handler?.onDrain();
  }

  noteError(err: Error): void {
    if (!this.destroyedByUs && this.error === undefined) this.error = toSocketError(err, 'socket');
  }

  emitClose(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.destroyedByUs) this.error = undefined;
    this.handler?.onClose(this.error);
  }
}

class NodeListener implements Listener {
  readonly host: string;
  readonly port: number;
  private readonly server: net.Server;

  constructor(host: string, port: number, server: net.Server) {
    this.host = host;
    this.port = port;
    this.server = server;
  }

  close(): Promise<void> {
    // server.close's callback waits for every accepted connection; the contract leaves those alone.
    return new Promise((resolve) => {
      if (this.server.listening) this.server.close();
      resolve();
    });
  }
}

class NodeWorkerHandle extends WorkerHandleBase {
  private readonly worker: Worker;
  private terminating = false;

  constructor(id: number, entry: string, data: unknown) {
    super(id);
    this.worker = new Worker(workerSpecifier(entry), { resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
    this.worker.on('message', (message: unknown) => this.deliver(message));
    // With a listener attached Node prints nothing; Bun and Deno print uncaught worker errors.
    this.worker.on('error', (err: Error) => {
      process.stderr.write(asLine(`worker thread #${id} (spawn order, not the worker slot) uncaught error: ${err.stack ?? err.message}`));
    });
    // Node reports 1 for terminate(); a deliberate terminate is not a crash, so it reports 0.
    this.worker.on('exit', (code: number) => this.finish(this.terminating ? 0 : code));
    this.worker.postMessage(data);
  }

  postMessage(message: unknown): void {
    if (this.exitCode === null) this.worker.postMessage(message);
  }

  async terminate(): Promise<void> {
    if (this.exitCode !== null) return;
    this.terminating = true;
    await this.worker.terminate();
    await this.exited;
  }
}

class NodeAdapter extends ProcessServices implements RuntimeAdapter {
  readonly name = 'node' as const;
  readonly version = process.versions.node;
  // V8 keeps its heap near the live size by itself once its young generation is bounded (above).
  readonly heap = null;
  readonly listeningModel = nodeSupportsReusePort(process.versions.node) ? 'reuseport' as const : 'single-worker' as const;
  private nextWorkerId = 1;
  private port: ParentPort | null | undefined;

  listen(options: ListenOptions, onConnection: (socket: Socket) => void): Promise<Listener> {
    return new Promise((resolve, reject) => {
      const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true });
      server.on('connection', (raw: net.Socket) => onConnection(new NodeTcpSocket(raw)));
      const onListenError = (err: Error): void => reject(toSocketError(err, `listen ${options.host}:${options.port}`));
      server.once('error', onListenError);
      server.listen({ host: options.host, port: options.port, reusePort: options.reusePort }, () => {
        server.off('error', onListenError);
        // Accept failures (EMFILE, ...) arrive here; the server keeps listening.
        server.on('error', () => {});
        const address = server.address() as net.AddressInfo;
        resolve(new NodeListener(options.host, address.port, server));
      });
    });
  }

  connect(options: ConnectOptions): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const raw = net.connect({ host: options.host, port: options.port, allowHalfOpen: true, noDelay: true });
      let settled = false;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        raw.destroy();
        reject(new SocketError('ETIMEDOUT', `connect ${options.host}:${options.port}: timed out after ${options.timeoutMs} ms`));
      }, options.timeoutMs);
      raw.once('error', (err: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(toSocketError(err, `connect ${options.host}:${options.port}`));
      });
      raw.once('connect', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(new NodeTcpSocket(raw));
      });
    });
  }

  resolve(hostname: string): Promise<string[]> {
    return lookupAll(hostname);
  }

  async serveHttp(options: HttpServeOptions): Promise<HttpServer> {
    const { createAdaptorServer } = await import('@hono/node-server');
    const server = createAdaptorServer({ fetch: options.fetch }) as HttpNodeServer;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(toSocketError(err, `listen ${options.host}:${options.port}`));
      server.once('error', onError);
      server.listen(options.port, options.host, () => {
        server.off('error', onError);
        resolve();
      });
    });
    const port = (server.address() as net.AddressInfo).port;
    return {
      port,
      close: () => new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
    };
  }

  spawnWorker(entry: string, data: unknown): WorkerHandle {
    return new NodeWorkerHandle(this.nextWorkerId++, entry, data);
  }

  parentPort(): ParentPort | null {
    if (this.port !== undefined) return this.port;
    const port = nodeParentPort;
    this.port = isMainThread || port === null
      ? null
      : {
          postMessage: (message: unknown) => port.postMessage(message),
          onMessage: (fn: (message: unknown) => void) => { port.on('message', fn); },
        };
    return this.port;
  }

  isMainThread(): boolean {
    return isMainThread;
  }

  now(): number {
    return performance.now();
  }

  cpuCount(): number {
    return os.availableParallelism();
  }
}

export function createNodeAdapter(): RuntimeAdapter {
  return new NodeAdapter();
}
