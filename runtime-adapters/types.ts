/** The one interface between the portable core (`src/`) and a JavaScript runtime (Bun, Deno, Node). */

export type RuntimeName = 'bun' | 'deno' | 'node';

/**
 * How workers share a listening port. `reuseport`: every worker binds its own socket with
 * SO_REUSEPORT and the kernel spreads connections. `single-worker`: the runtime cannot share a
 * port between threads (Node < 22.12), so only one worker runs.
 */
export type ListeningModel = 'reuseport' | 'single-worker';

export interface ListenOptions {
  host: string;
  /** 0 picks a free port; the bound one is on `Listener.port`. */
  port: number;
  reusePort: boolean;
  /** Accept queue length to ask the kernel for; null: the largest it allows. See `RuntimeAdapter.fixedAcceptQueue`. */
  backlog: number | null;
}

export interface Listener {
  readonly host: string;
  readonly port: number;
  /** Stop accepting; connections already accepted are untouched. */
  close(): Promise<void>;
}

export interface ConnectOptions {
  host: string;
  port: number;
  /** The promise rejects with a `SocketError` of code `ETIMEDOUT` after this long. */
  timeoutMs: number;
}

/** Stable codes for socket failures, whatever the runtime called them. */
export type SocketErrorCode =
  | 'ECONNREFUSED'
  | 'ETIMEDOUT'
  | 'ECONNRESET'
  | 'EPIPE'
  | 'EADDRINUSE'
  | 'EACCES'
  | 'ENOTFOUND'
  | 'EHOSTUNREACH'
  | 'UNKNOWN';

export class SocketError extends Error {
  readonly code: SocketErrorCode;
  constructor(code: SocketErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SocketError';
    this.code = code;
  }
}

/**
 * Receives a socket's events. Set once per connection with `Socket.setHandler` (an object, not
 * closures, so the hot path allocates nothing per chunk).
 */
export interface SocketHandler {
  /** Bytes from the peer. The receiver owns `chunk`: the adapter never reuses its memory. */
  onData(chunk: Uint8Array): void;
  /** Everything written so far has been handed to the kernel; `write` may be called again. */
  onDrain(): void;
  /** The peer half-closed (FIN). Writing is still allowed; `end()` finishes the close. */
  onEnd(): void;
  /** The socket is fully closed, exactly once. `error` is set when it closed because of one. */
  onClose(error: SocketError | undefined): void;
}

export interface Socket {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localPort: number;
  /**
   * Queue `bytes` for sending. Never drops or reorders bytes. Returns false when the adapter is
   * holding bytes the kernel has not taken yet: stop writing until `onDrain`. The caller must
   * not modify `bytes` after the call.
   */
  write(bytes: Uint8Array): boolean;
  /**
   * `write` for bytes only lent for the call (a view of a buffer the caller reuses at once):
   * whatever the socket cannot hand to the kernel now is copied first.
   */
  writeBorrowed(bytes: Uint8Array): boolean;
  /**
   * `lent` (as for `writeBorrowed`) followed by `kept` (as for `write`), as one write, on runtimes
   * that can gather writes without copying `kept` (Node: a corked writev). Absent where copying
   * `kept` behind `lent` into the caller's buffer is cheaper (Bun, which has no writev, and Deno,
   * whose writes are copied into one buffer anyway).
   */
  writePair?(lent: Uint8Array, kept: Uint8Array): boolean;
  /** Bytes accepted by `write` that the kernel has not taken yet. */
  readonly bufferedAmount: number;
  setHandler(handler: SocketHandler): void;
  /** Stop delivering `onData` (and stop reading from the kernel, so the peer is slowed). */
  pause(): void;
  resume(): void;
  /** Flush what is queued, then send FIN. `onClose` follows once the peer closes too. */
  end(): void;
  /** Close now, dropping anything unsent (an RST where the runtime allows). */
  destroy(): void;
  /**
   * Close now and cleanly: the peer gets a FIN, not a reset, and the socket is released without
   * waiting for the peer's side. For connections with nothing in flight (an idle pool member).
   * `onClose` follows, as after `destroy`.
   */
  close(): void;
  setNoDelay?(on: boolean): void;
}

export interface WorkerHandle {
  readonly id: number;
  postMessage(message: unknown): void;
  onMessage(fn: (message: unknown) => void): void;
  /** Called once when the worker thread ends, with its exit code (non-zero: crashed). */
  onExit(fn: (code: number) => void): void;
  terminate(): Promise<void>;
}

/** The worker side of `spawnWorker`: messages to and from the main thread. */
export interface ParentPort {
  postMessage(message: unknown): void;
  onMessage(fn: (message: unknown) => void): void;
}

export interface AppendFile {
  /** Append `text` as a line; false when the file is failing and the line was dropped. */
  write(text: string): boolean;
  close(): Promise<void>;
}

/** Why an append file stopped taking lines: `open` (opening it, or again after a failure) or `write`. */
export interface AppendFileFailure {
  readonly kind: 'open' | 'write';
  /** The system's code (ENOSPC, EIO, ENOENT, EACCES…), or 'UNKNOWN'. */
  readonly code: string;
  readonly message: string;
}

/** What an append file reports: a failing disk loses lines, so the owner counts and logs it. */
export interface AppendFileEvents {
  /** Each failed open or write; lines are dropped until `onRecovered`. */
  onFailure(failure: AppendFileFailure): void;
  /** A line was written again after a failure. */
  onRecovered(): void;
}

export type SignalName = 'SIGINT' | 'SIGTERM' | 'SIGHUP';

export interface HttpServer {
  readonly port: number;
  close(): Promise<void>;
}

export interface HttpServeOptions {
  host: string;
  port: number;
  fetch: (request: Request) => Response | Promise<Response>;
}

/**
 * The JavaScript heap of this thread, for runtimes whose collector needs a nudge to stay near the
 * live size (see src/worker/heap-governor.ts). Null where the runtime sizes its heap well enough.
 */
export interface HeapControl {
  /**
   * Bytes the heap held alive at its last collection, plus what has been promoted since. Objects
   * allocated since the last young collection are not counted: they show in `footprint` only.
   */
  size(): number;
  /** Bytes of memory the process holds now (resident set): it rises as soon as anything is allocated. */
  footprint(): number;
  /** A young-generation collection, synchronously: cheap, and it frees short-lived buffers. */
  collectYoung(): void;
  /** A full collection, synchronously, with the memory it frees given back where the runtime can. */
  collect(): void;
}

export interface RuntimeAdapter {
  readonly name: RuntimeName;
  /** Runtime version, e.g. "1.4.5". */
  readonly version: string;
  readonly listeningModel: ListeningModel;
  /**
   * The accept queue length this runtime always asks for, whatever `ListenOptions.backlog` says
   * (Bun 512, Deno 511); null when the backlog is honoured (Node).
   */
  readonly fixedAcceptQueue: number | null;

  listen(options: ListenOptions, onConnection: (socket: Socket) => void): Promise<Listener>;
  /** Resolves once connected; rejects with a `SocketError` (ECONNREFUSED, ETIMEDOUT, ...). */
  connect(options: ConnectOptions): Promise<Socket>;
  /** Every IPv4/IPv6 address of a name (A and AAAA), in resolver order. */
  resolve(hostname: string): Promise<string[]>;

  /** HTTP serving for the admin endpoint (Bun.serve / Deno.serve / @hono/node-server). */
  serveHttp(options: HttpServeOptions): Promise<HttpServer>;

  /** Start a worker thread running the module at `entry` (a URL string); `data` arrives as its first message. */
  spawnWorker(entry: string, data: unknown): WorkerHandle;
  /** Inside a worker: the channel to main. Register `onMessage` before any await. Null on main. */
  parentPort(): ParentPort | null;
  /** True on the main thread. */
  isMainThread(): boolean;

  /** Monotonic milliseconds (fractional). */
  now(): number;
  cpuCount(): number;
  onSignal(signal: SignalName, fn: () => void): void;
  /** Command-line arguments after the script name. */
  args(): string[];
  env(name: string): string | undefined;
  readTextFile(path: string): Promise<string>;
  /** Calls `fn` when the file changes; returns a function that stops watching. */
  watchFile(path: string, fn: () => void): () => void;
  /** Resident set size of the whole process, bytes. */
  memoryRss(): number;
  /** This thread's heap, where the proxy should trim it itself; null where the runtime does. */
  readonly heap: HeapControl | null;
  /** Exit the process (main) or the worker thread (worker). */
  exit(code: number): never;
  /** Open a file for appending lines (access logs); created if missing. A failing file is reopened, at most once a second. */
  openAppendFile(path: string, events?: AppendFileEvents): AppendFile;
  /** Opens `path` for appending (created if missing) and closes it: rejects, with the system's reason, when it cannot be. */
  checkAppendable(path: string): Promise<void>;
  /** Write one line to stdout / stderr (logging). */
  writeStdout(text: string): void;
  writeStderr(text: string): void;
  isTty(): boolean;
}
