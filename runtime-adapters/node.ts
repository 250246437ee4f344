/** RuntimeAdapter for Node ≥ 22.12; its process and file helpers are also used by the Bun and Deno adapters. */
import * as dns from 'node:dns';
import * as fs from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Server as HttpNodeServer } from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker, isMainThread, parentPort as nodeParentPort } from 'node:worker_threads';
import type {
  AppendFile,
  ConnectOptions,
  HttpServeOptions,
  HttpServer,
  ListenOptions,
  Listener,
  ParentPort,
  RuntimeAdapter,
  SignalName,
  Socket,
  SocketErrorCode,
  SocketHandler,
  WorkerHandle,
} from './types.ts';
import { SocketError } from './types.ts';

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

const STABLE_CODES: ReadonlySet<string> = new Set<SocketErrorCode>([
  'ECONNREFUSED', 'ETIMEDOUT', 'ECONNRESET', 'EPIPE', 'EADDRINUSE', 'EACCES', 'ENOTFOUND', 'EHOSTUNREACH',
]);

// Node, Bun and libc spell some failures differently; these collapse onto the stable codes.
const CODE_ALIASES: Readonly<Record<string, SocketErrorCode>> = {
  ECONNABORTED: 'ECONNRESET',
  ENETUNREACH: 'EHOSTUNREACH',
  ENETDOWN: 'EHOSTUNREACH',
  EPERM: 'EACCES',
  EAI_AGAIN: 'ENOTFOUND',
  EAI_NONAME: 'ENOTFOUND',
  EAI_NODATA: 'ENOTFOUND',
  ENODATA: 'ENOTFOUND',
  DNS_ENOTFOUND: 'ENOTFOUND',
  DNS_ENODATA: 'ENOTFOUND',
  ERR_STREAM_DESTROYED: 'EPIPE',
  ERR_STREAM_WRITE_AFTER_END: 'EPIPE',
  ERR_SOCKET_CONNECTION_TIMEOUT: 'ETIMEDOUT',
};

/** Maps an error carrying a Node-style `code` (Node and Bun both use them) onto a `SocketError`. */
export function toSocketError(err: unknown, context: string): SocketError {
  if (err instanceof SocketError) return err;
  const raw = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
  const code: SocketErrorCode = STABLE_CODES.has(raw)
    ? (raw as SocketErrorCode)
    : (CODE_ALIASES[raw] ?? 'UNKNOWN');
  const detail = err instanceof Error ? err.message : String(err);
  return new SocketError(code, `${context}: ${detail}`, { cause: err });
}

/** Appends the newline that makes `text` one line, unless it already ends with one. */
export function asLine(text: string): string {
  return text.endsWith('\n') ? text : text + '\n';
}

export function readTextFileUtf8(file: string): Promise<string> {
  return readFile(file, 'utf8');
}

/**
 * Watches the file's directory, not the file: editors and config tools replace files by rename,
 * which ends an inode watch. Bursts of events within 50 ms collapse into one call.
 */
export function watchFileChanges(file: string, fn: () => void): () => void {
  const absolute = path.resolve(file);
  const base = path.basename(absolute);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const fire = (): void => {
    timer = undefined;
    fn();
  };
  const watcher = fs.watch(path.dirname(absolute), { persistent: false }, (_event, name) => {
    if (name !== null && path.basename(String(name)) !== base) return;
    if (timer === undefined) timer = setTimeout(fire, 50);
  });
  watcher.on('error', () => { /* the directory went away: nothing left to watch */ });
  return () => {
    watcher.close();
    if (timer !== undefined) clearTimeout(timer);
  };
}

/** Buffered append stream; a failing disk is reported once on stderr instead of crashing the thread. */
export function openAppendStream(file: string): AppendFile {
  const stream = fs.createWriteStream(file, { flags: 'a' });
  let failed = false;
  stream.on('error', (err) => {
    if (failed) return;
    failed = true;
    process.stderr.write(asLine(`append to ${file} failed: ${err.message}`));
  });
  return {
    write(text: string): void {
      if (!failed) stream.write(asLine(text));
    },
    close(): Promise<void> {
      return new Promise((resolve) => {
        if (failed || stream.closed) resolve();
        else stream.end(() => resolve());
      });
    },
  };
}

/** getaddrinfo through node:dns: honours /etc/hosts, returns A and AAAA in resolver order. */
export async function lookupAll(hostname: string): Promise<string[]> {
  try {
    const found = await dns.promises.lookup(hostname, { all: true, order: 'verbatim' });
    return found.map((a) => a.address);
  } catch (err) {
    throw toSocketError(err, `resolve ${hostname}`);
  }
}

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

class NodeWorkerHandle implements WorkerHandle {
  readonly id: number;
  private readonly worker: Worker;
  private messageFns: Array<(message: unknown) => void> = [];
  private early: unknown[] = [];
  private exitFns: Array<(code: number) => void> = [];
  private exitCode: number | null = null;
  private terminating = false;
  private readonly exited: Promise<void>;
  private markExited!: () => void;

  constructor(id: number, entry: string, data: unknown) {
    this.id = id;
    this.exited = new Promise((resolve) => { this.markExited = resolve; });
    this.worker = new Worker(workerSpecifier(entry));
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

  onMessage(fn: (message: unknown) => void): void {
    this.messageFns.push(fn);
    if (this.early.length > 0) {
      const early = this.early;
      this.early = [];
      for (const m of early) this.deliver(m);
    }
  }

  onExit(fn: (code: number) => void): void {
    if (this.exitCode !== null) {
      const code = this.exitCode;
      queueMicrotask(() => fn(code));
    } else {
      this.exitFns.push(fn);
    }
  }

  async terminate(): Promise<void> {
    if (this.exitCode !== null) return;
    this.terminating = true;
    await this.worker.terminate();
    await this.exited;
  }

  private deliver(message: unknown): void {
    if (this.messageFns.length === 0) {
      this.early.push(message);
      return;
    }
    for (const fn of this.messageFns) fn(message);
  }

  private finish(code: number): void {
    if (this.exitCode !== null) return;
    this.exitCode = code;
    for (const fn of this.exitFns) fn(code);
    this.exitFns = [];
    this.markExited();
  }
}

class NodeAdapter implements RuntimeAdapter {
  readonly name = 'node' as const;
  readonly version = process.versions.node;
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

  onSignal(signal: SignalName, fn: () => void): void {
    process.on(signal, fn);
  }

  args(): string[] {
    return process.argv.slice(2);
  }

  env(name: string): string | undefined {
    return process.env[name];
  }

  readTextFile(file: string): Promise<string> {
    return readTextFileUtf8(file);
  }

  watchFile(file: string, fn: () => void): () => void {
    return watchFileChanges(file, fn);
  }

  memoryRss(): number {
    return process.memoryUsage.rss();
  }

  exit(code: number): never {
    // In a worker thread process.exit ends only that thread, with this exit code.
    return process.exit(code);
  }

  openAppendFile(file: string): AppendFile {
    return openAppendStream(file);
  }

  writeStdout(text: string): void {
    process.stdout.write(asLine(text));
  }

  writeStderr(text: string): void {
    process.stderr.write(asLine(text));
  }

  isTty(): boolean {
    return process.stdout.isTTY === true;
  }
}

export function createNodeAdapter(): RuntimeAdapter {
  return new NodeAdapter();
}
