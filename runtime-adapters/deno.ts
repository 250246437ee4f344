/** RuntimeAdapter for Deno: Deno.listen/connect with a read loop and a write queue, web Workers, Deno.serve. */
import { isIP } from 'node:net';
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
import { asLine, lookupAll, openAppendStream, toSocketError, watchFileChanges } from './node-services.ts';

/** 16 KiB reads were as fast as larger ones (RUNTIMES.md 3b) and keep idle connections cheap. */
const READ_CHUNK = 16 * 1024;
/**
 * Every `conn.write` is asynchronous, so bytes always sit in the queue for a moment; `write`
 * returns false only past this mark (Node's default for sockets), not on every call.
 */
const WRITE_HIGH_WATER = 64 * 1024;

const DENO_ERROR_CODES: Readonly<Record<string, SocketErrorCode>> = {
  ConnectionRefused: 'ECONNREFUSED',
  ConnectionReset: 'ECONNRESET',
  ConnectionAborted: 'ECONNRESET',
  BrokenPipe: 'EPIPE',
  NotConnected: 'EPIPE',
  TimedOut: 'ETIMEDOUT',
  AddrInUse: 'EADDRINUSE',
  PermissionDenied: 'EACCES',
  NotCapable: 'EACCES',
  NotFound: 'ENOTFOUND',
  NetworkUnreachable: 'EHOSTUNREACH',
};

/** Deno names its errors by class (`ConnectionRefused`); some also carry a Node-style `code`. */
function denoSocketError(err: unknown, context: string): SocketError {
  if (err instanceof SocketError) return err;
  const code = err instanceof Error ? DENO_ERROR_CODES[err.name] : undefined;
  if (code === undefined) return toSocketError(err, context);
  return new SocketError(code, `${context}: ${(err as Error).message}`, { cause: err });
}

const EMPTY = new Uint8Array(0);

/**
 * A Deno TCP connection behind the adapter contract. Reading is a loop of `conn.read` into one
 * reused buffer, so each chunk is copied out (`slice`) before it is handed over; pausing is not
 * calling `read`. `conn.write` may take only part of a buffer, so a pump writes the queue until
 * it is empty. The loop starts only when a handler is set.
 */
class DenoTcpSocket implements Socket {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localPort: number;
  private readonly conn: Deno.TcpConn;
  private handler: SocketHandler | null = null;

  private readBuf: Uint8Array | null = null;
  private reading = false;
  private pausedByUser = false;
  private heldChunk: Uint8Array | null = null;
  private heldEnd = false;
  private readEof = false;

  private queue: Uint8Array[] = [];
  private queueHead = 0;
  private queued = 0;
  private writing = false;
  private needDrain = false;
  private endRequested = false;
  private writeShut = false;

  private closed = false;
  private closeError: SocketError | undefined;
  private closePending = false;

  constructor(conn: Deno.TcpConn) {
    this.conn = conn;
    this.remoteAddress = conn.remoteAddr.hostname;
    this.remotePort = conn.remoteAddr.port;
    this.localPort = conn.localAddr.port;
    conn.setNoDelay(true);
  }

  get bufferedAmount(): number {
    return this.queued;
  }

  setHandler(handler: SocketHandler): void {
    this.handler = handler;
    if (this.closePending) queueMicrotask(() => this.deliverClose());
    else if (!this.pausedByUser) this.resume();
  }

  write(bytes: Uint8Array): boolean {
    // Writing after end/destroy is a no-op: the close is already on its way to the handler.
    if (this.closed || this.endRequested) return true;
    if (bytes.byteLength > 0) {
      this.queue.push(bytes);
      this.queued += bytes.byteLength;
      if (!this.writing) void this.pump();
    }
    if (this.needDrain || this.queued > WRITE_HIGH_WATER) {
      this.needDrain = true;
      return false;
    }
    return true;
  }

  pause(): void {
    this.pausedByUser = true;
  }

  resume(): void {
    this.pausedByUser = false;
    const handler = this.handler;
    if (handler === null || this.closed) return;
    if (this.heldChunk !== null) {
      const chunk = this.heldChunk;
      this.heldChunk = null;
      handler.onData(chunk);
      if (this.pausedByUser || this.closed) return;
    }
    if (this.heldEnd) {
      this.heldEnd = false;
      handler.onEnd();
      this.closeIfDone();
      return;
    }
    if (!this.reading && !this.readEof) void this.readLoop();
  }

  end(): void {
    if (this.endRequested || this.closed) return;
    this.endRequested = true;
    if (!this.writing) void this.shutWrite();
  }

  destroy(): void {
    // Deno has no way to send an RST: this is a plain close.
    if (this.closed) return;
    this.closeNow(undefined);
    queueMicrotask(() => this.deliverClose());
  }

  setNoDelay(on: boolean): void {
    this.conn.setNoDelay(on);
  }

  private async readLoop(): Promise<void> {
    this.reading = true;
    const buf = (this.readBuf ??= new Uint8Array(READ_CHUNK));
    for (;;) {
      let n: number | null;
      try {
        n = await this.conn.read(buf);
      } catch (err) {
        this.reading = false;
        this.fail(err);
        return;
      }
      if (this.closed) {
        this.reading = false;
        return;
      }
      if (n === null) {
        this.reading = false;
        this.readEof = true;
        if (this.pausedByUser) {
          this.heldEnd = true;
        } else {
          this.handler!.onEnd();
          this.closeIfDone();
        }
        return;
      }
      const chunk = buf.slice(0, n);
      if (this.pausedByUser) {
        // The read was already in flight when pause() came: keep its bytes for resume().
        this.heldChunk = chunk;
        this.reading = false;
        return;
      }
      this.handler!.onData(chunk);
      if (this.pausedByUser || this.closed) {
        this.reading = false;
        return;
      }
    }
  }

  private async pump(): Promise<void> {
    this.writing = true;
    while (this.queueHead < this.queue.length) {
      const head = this.queue[this.queueHead]!;
      let n: number;
      try {
        n = await this.conn.write(head);
      } catch (err) {
        this.writing = false;
        this.fail(err);
        return;
      }
      if (this.closed) {
        this.writing = false;
        return;
      }
      this.queued -= n;
      if (n < head.byteLength) {
        this.queue[this.queueHead] = head.subarray(n);
      } else {
        this.queue[this.queueHead] = EMPTY;
        this.queueHead++;
      }
    }
    this.queue = [];
    this.queueHead = 0;
    this.writing = false;
    if (this.endRequested) {
      void this.shutWrite();
    } else if (this.needDrain) {
      this.needDrain = false;
      this.handler?.onDrain();
    }
  }

  private async shutWrite(): Promise<void> {
    if (this.writeShut || this.closed) return;
    this.writeShut = true;
    try {
      await this.conn.closeWrite();
    } catch {
      // NotConnected: the peer is already gone, and the read side reports how.
    }
    this.closeIfDone();
  }

  /** Both directions finished (our FIN sent, the peer's FIN delivered): close cleanly. */
  private closeIfDone(): void {
    if (this.closed || !this.writeShut || !this.readEof || this.heldEnd) return;
    this.closeNow(undefined);
    this.deliverClose();
  }

  private fail(err: unknown): void {
    if (this.closed) return;
    this.closeNow(denoSocketError(err, 'socket'));
    this.deliverClose();
  }

  private closeNow(error: SocketError | undefined): void {
    this.closed = true;
    this.closeError = error;
    this.closePending = true;
    this.heldChunk = null;
    this.heldEnd = false;
    this.queue = [];
    this.queueHead = 0;
    this.queued = 0;
    this.needDrain = false;
    try {
      this.conn.close();
    } catch {
      // Already closed by the runtime.
    }
  }

  private deliverClose(): void {
    if (!this.closePending || this.handler === null) return;
    this.closePending = false;
    this.handler.onClose(this.closeError);
  }
}

class DenoListener implements Listener {
  readonly host: string;
  readonly port: number;
  private readonly listener: Deno.TcpListener;
  private readonly loop: Promise<void>;
  private closed = false;

  constructor(host: string, listener: Deno.TcpListener, onConnection: (socket: Socket) => void) {
    this.host = host;
    this.port = listener.addr.port;
    this.listener = listener;
    this.loop = this.acceptLoop(onConnection);
  }

  /**
   * Deno releases the socket only when the pending accept has failed: until then the kernel
   * still queues connections (and resets them), so this waits for the loop to end.
   */
  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      try {
        this.listener.close();
      } catch {
        // Already closed.
      }
    }
    return this.loop;
  }

  private async acceptLoop(onConnection: (socket: Socket) => void): Promise<void> {
    for (;;) {
      let conn: Deno.TcpConn;
      try {
        conn = await this.listener.accept();
      } catch (err) {
        if (this.closed) return;
        const name = err instanceof Error ? err.name : '';
        if (name === 'BadResource' || name === 'Interrupted') return;
        // EMFILE and friends: back off briefly instead of spinning.
        await new Promise((resolve) => setTimeout(resolve, 10));
        continue;
      }
      if (this.closed) {
        conn.close();
        return;
      }
      onConnection(new DenoTcpSocket(conn));
    }
  }
}

/** Posted by a worker's `exit()` just before it stops: Deno's Worker has no exit event. */
const EXIT_KEY = '__runtimeAdapterExit';

function exitCodeOf(message: unknown): number | null {
  if (typeof message !== 'object' || message === null || !(EXIT_KEY in message)) return null;
  const code = (message as Record<string, unknown>)[EXIT_KEY];
  return typeof code === 'number' ? code : 0;
}

/**
 * A web Worker as Deno runs it. What Deno 2.9.6 delivers (verified): an uncaught exception or
 * unhandled rejection fires `error` on the Worker and the worker stops (without preventDefault
 * the error also takes down this thread); `Deno.exit(n)` / `self.close()` in the worker deliver
 * nothing, and the code is lost. So: `error` → onExit(1); the adapter's `exit(code)` posts the
 * code first; `terminate()` → onExit(0). A worker that stops any other way is not reported.
 */
class DenoWorkerHandle implements WorkerHandle {
  readonly id: number;
  private readonly worker: Worker;
  private messageFns: Array<(message: unknown) => void> = [];
  private early: unknown[] = [];
  private exitFns: Array<(code: number) => void> = [];
  private exitCode: number | null = null;

  constructor(id: number, entry: string, data: unknown) {
    this.id = id;
    this.worker = new Worker(entry, { type: 'module' });
    this.worker.addEventListener('message', (event: MessageEvent) => {
      const code = exitCodeOf(event.data);
      if (code === null) this.deliver(event.data);
      else this.finish(code);
    });
    this.worker.addEventListener('error', (event: ErrorEvent) => {
      event.preventDefault();
      this.worker.terminate();
      this.finish(1);
    });
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

  terminate(): Promise<void> {
    if (this.exitCode === null) {
      this.worker.terminate();
      this.finish(0);
    }
    return Promise.resolve();
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
  }
}

/** The worker's global scope, as far as messaging goes. */
interface WorkerScope {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
}

function inWorker(): boolean {
  return typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== 'undefined';
}

class DenoAdapter implements RuntimeAdapter {
  readonly name = 'deno' as const;
  readonly version = Deno.version.deno;
  readonly listeningModel = 'reuseport' as const;
  private nextWorkerId = 1;
  private port: ParentPort | null | undefined;
  private readonly encoder = new TextEncoder();

  listen(options: ListenOptions, onConnection: (socket: Socket) => void): Promise<Listener> {
    // reusePort on Deno.listen is unstable (deno.json: "unstable": ["net"]) and missing from
    // @types/deno; it is only passed when wanted, so a plain listen works without the flag.
    const extra = options.reusePort ? { reusePort: true } : {};
    try {
      const listener = Deno.listen({ hostname: options.host, port: options.port, transport: 'tcp', ...extra });
      return Promise.resolve(new DenoListener(options.host, listener, onConnection));
    } catch (err) {
      return Promise.reject(denoSocketError(err, `listen ${options.host}:${options.port}`));
    }
  }

  connect(options: ConnectOptions): Promise<Socket> {
    const where = `connect ${options.host}:${options.port}`;
    return new Promise((resolve, reject) => {
      const abort = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        abort.abort();
        reject(new SocketError('ETIMEDOUT', `${where}: timed out after ${options.timeoutMs} ms`));
      }, options.timeoutMs);
      Deno.connect({ hostname: options.host, port: options.port, transport: 'tcp', signal: abort.signal }).then(
        (conn) => {
          clearTimeout(timer);
          if (timedOut) conn.close();
          else resolve(new DenoTcpSocket(conn));
        },
        (err: unknown) => {
          clearTimeout(timer);
          if (!timedOut) reject(denoSocketError(err, where));
        },
      );
    });
  }

  /**
   * IP literals as they are; `localhost` through getaddrinfo (/etc/hosts, never the network);
   * other names by DNS (A, then AAAA), falling back to getaddrinfo for names only /etc/hosts knows.
   */
  async resolve(hostname: string): Promise<string[]> {
    const name = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
    if (isIP(name) !== 0) return [name];
    if (name === 'localhost' || name.endsWith('.localhost')) return lookupAll(name);
    const [v4, v6] = await Promise.allSettled([Deno.resolveDns(name, 'A'), Deno.resolveDns(name, 'AAAA')]);
    const found = [
      ...(v4.status === 'fulfilled' ? v4.value : []),
      ...(v6.status === 'fulfilled' ? v6.value : []),
    ];
    return found.length > 0 ? found : lookupAll(name);
  }

  serveHttp(options: HttpServeOptions): Promise<HttpServer> {
    try {
      const server = Deno.serve({ hostname: options.host, port: options.port, onListen: () => {} }, options.fetch);
      return Promise.resolve({ port: server.addr.port, close: () => server.shutdown() });
    } catch (err) {
      return Promise.reject(denoSocketError(err, `listen ${options.host}:${options.port}`));
    }
  }

  spawnWorker(entry: string, data: unknown): WorkerHandle {
    return new DenoWorkerHandle(this.nextWorkerId++, entry, data);
  }

  parentPort(): ParentPort | null {
    if (this.port !== undefined) return this.port;
    if (!inWorker()) {
      this.port = null;
    } else {
      const scope = globalThis as unknown as WorkerScope;
      this.port = {
        postMessage: (message: unknown) => scope.postMessage(message),
        onMessage: (fn: (message: unknown) => void) => {
          scope.addEventListener('message', (event: MessageEvent) => fn(event.data));
        },
      };
    }
    return this.port;
  }

  isMainThread(): boolean {
    return !inWorker();
  }

  now(): number {
    return performance.now();
  }

  cpuCount(): number {
    return navigator.hardwareConcurrency;
  }

  onSignal(signal: SignalName, fn: () => void): void {
    Deno.addSignalListener(signal, fn);
  }

  args(): string[] {
    return Deno.args;
  }

  env(name: string): string | undefined {
    try {
      return Deno.env.get(name);
    } catch {
      // No --allow-env: behave as if unset.
      return undefined;
    }
  }

  readTextFile(file: string): Promise<string> {
    return Deno.readTextFile(file);
  }

  watchFile(file: string, fn: () => void): () => void {
    return watchFileChanges(file, fn);
  }

  memoryRss(): number {
    return Deno.memoryUsage().rss;
  }

  exit(code: number): never {
    if (inWorker()) {
      // In a worker Deno.exit only closes the worker and the parent never learns the code.
      (globalThis as unknown as WorkerScope).postMessage({ [EXIT_KEY]: code });
    }
    return Deno.exit(code);
  }

  openAppendFile(file: string): AppendFile {
    return openAppendStream(file);
  }

  writeStdout(text: string): void {
    this.writeAllSync(Deno.stdout, asLine(text));
  }

  writeStderr(text: string): void {
    this.writeAllSync(Deno.stderr, asLine(text));
  }

  isTty(): boolean {
    return Deno.stdout.isTerminal();
  }

  private writeAllSync(target: { writeSync(p: Uint8Array): number }, text: string): void {
    let bytes = this.encoder.encode(text);
    while (bytes.byteLength > 0) bytes = bytes.subarray(target.writeSync(bytes));
  }
}

export function createDenoAdapter(): RuntimeAdapter {
  return new DenoAdapter();
}
