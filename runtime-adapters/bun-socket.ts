/** Bun.listen/connect sockets behind the adapter Socket contract, with the handler tables, contexts and listener that feed them. */
import type { Listener, Socket, SocketError, SocketHandler } from './types.ts';
import { toSocketError } from './node-services.ts';

type RawSocket = Bun.Socket<unknown>;

/** What a listener hands its sockets as `data` until `open` replaces it with the adapter socket. */
export class ListenContext {
  readonly onConnection: (socket: Socket) => void;
  constructor(onConnection: (socket: Socket) => void) {
    this.onConnection = onConnection;
  }
}

/** Per-connect state: a socket that opens after the caller gave up is closed at once. */
export class ConnectContext {
  timedOut = false;
}

/**
 * A Bun socket behind the adapter contract.
 *
 * Bun's `write` is unbuffered: it returns how many bytes the kernel took and silently drops the
 * rest, so the remainder is queued here (as subarrays, no copies) and flushed on `drain`.
 * `data` chunks are fresh per callback (checked by test/unit/adapters), so they are handed over
 * as they are. Events that arrive while there is no handler or the user paused are held and
 * replayed in order.
 */
class BunTcpSocket implements Socket {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localPort: number;
  private readonly raw: RawSocket;
  private handler: SocketHandler | null = null;

  private queue: Uint8Array[] = [];
  private queueHead = 0;
  private queued = 0;
  private needDrain = false;

  private pausedByUser = false;
  private rawPaused = false;
  private held: Uint8Array[] = [];
  private heldEnd = false;
  private heldClose = false;

  private endRequested = false;
  private writeShut = false;
  private peerEnded = false;
  private closed = false;
  private closeError: SocketError | undefined;

  constructor(raw: RawSocket) {
    this.raw = raw;
    this.remoteAddress = raw.remoteAddress;
    this.remotePort = raw.remotePort;
    this.localPort = raw.localPort;
    raw.setNoDelay(true);
  }

  get bufferedAmount(): number {
    return this.queued;
  }

  setHandler(handler: SocketHandler): void {
    this.handler = handler;
    if (!this.pausedByUser) this.unpause();
  }

  write(bytes: Uint8Array): boolean {
    return this.send(bytes, false);
  }

  writeBorrowed(bytes: Uint8Array): boolean {
    return this.send(bytes, true);
  }

  /** `borrowed`: the caller reuses `bytes` after the call, so what is queued is copied (rare: the kernel usually takes all). */
  private send(bytes: Uint8Array, borrowed: boolean): boolean {
    // Writing after end/destroy is a no-op: the close is already on its way to the handler.
    if (this.closed || this.endRequested) return true;
    if (bytes.byteLength === 0) return this.queued === 0;
    if (this.queued === 0) {
      const n = this.raw.write(bytes);
      if (n === bytes.byteLength) return true;
      // -1: Bun already closed the socket; its close callback follows.
      if (n < 0) return true;
      this.enqueue(borrowed ? bytes.slice(n) : n === 0 ? bytes : bytes.subarray(n));
    } else {
      this.enqueue(borrowed ? bytes.slice() : bytes);
    }
    this.needDrain = true;
    return false;
  }

  pause(): void {
    this.pausedByUser = true;
    if (!this.rawPaused && !this.closed) {
      this.rawPaused = true;
      this.raw.pause();
    }
  }

  resume(): void {
    this.pausedByUser = false;
    if (this.handler !== null) this.unpause();
  }

  end(): void {
    if (this.endRequested || this.closed) return;
    this.endRequested = true;
    if (this.queued === 0) this.shutWrite();
  }

  destroy(): void {
    this.closeNow(true);
  }

  close(): void {
    this.closeNow(false);
  }

  /**
   * `reset`: terminate() = SO_LINGER 0 + close, an RST. Otherwise end(), which (unlike our
   * half-closing `end`) closes at once with a FIN. Bun calls `close` synchronously from inside
   * either; that call is ignored (closed is set) and onClose is delivered after this returns.
   */
  private closeNow(reset: boolean): void {
    if (this.closed) return;
    this.closed = true;
    this.closeError = undefined;
    this.held = [];
    this.heldEnd = false;
    this.dropQueue();
    if (reset) this.raw.terminate();
    else this.raw.end();
    this.heldClose = true;
    queueMicrotask(() => this.replay());
  }

  setNoDelay(on: boolean): void {
    this.raw.setNoDelay(on);
  }

  /** Called from `open` when nobody took the socket synchronously. */
  holdUntilHandler(): void {
    if (this.handler === null && !this.rawPaused) {
      this.rawPaused = true;
      this.raw.pause();
    }
  }

  onRawData(chunk: Uint8Array): void {
    if (this.closed) return;
    if (this.handler !== null && !this.pausedByUser && this.held.length === 0) {
      this.handler.onData(chunk);
    } else {
      this.held.push(chunk);
      this.replay();
    }
  }

  onRawEnd(): void {
    if (this.closed || this.peerEnded) return;
    this.peerEnded = true;
    this.heldEnd = true;
    this.replay();
  }

  onRawDrain(): void {
    if (this.closed) return;
    while (this.queueHead < this.queue.length) {
      const head = this.queue[this.queueHead]!;
      const n = this.raw.write(head);
      if (n < 0) return;
      this.queued -= n;
      if (n < head.byteLength) {
        this.queue[this.queueHead] = head.subarray(n);
        return;
      }
      this.queueHead++;
    }
    this.queue = [];
    this.queueHead = 0;
    if (this.endRequested) {
      this.shutWrite();
    } else if (this.needDrain) {
      this.needDrain = false;
      this.handler?.onDrain();
    }
  }

  onRawClose(error: Error | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.dropQueue();
    this.closeError = error === undefined ? undefined : toSocketError(error, 'socket');
    if (this.closeError !== undefined) {
      // Nothing held matters once the connection failed.
      this.held = [];
      this.heldEnd = false;
    } else if (!this.peerEnded) {
      // Once both sides sent FIN Bun goes straight to `close` without calling `end` (seen when we
      // shut down first); a clean close means the peer's FIN arrived, so report it as Node does.
      this.peerEnded = true;
      this.heldEnd = true;
    }
    this.heldClose = true;
    this.replay();
  }

  private unpause(): void {
    this.replay();
    if (this.rawPaused && !this.pausedByUser && !this.closed) {
      this.rawPaused = false;
      this.raw.resume();
    }
  }

  /**
   * Delivers held events in order; stops where the user pauses again. The close goes out once
   * nothing is held before it (at once when the connection failed: held data is moot then).
   */
  private replay(): void {
    const handler = this.handler;
    if (handler === null) return;
    while (this.held.length > 0) {
      if (this.pausedByUser) return;
      handler.onData(this.held.shift()!);
    }
    if (this.heldEnd) {
      if (this.pausedByUser) return;
      this.heldEnd = false;
      handler.onEnd();
    }
    if (this.heldClose) {
      this.heldClose = false;
      handler.onClose(this.closeError);
    }
  }

  private enqueue(bytes: Uint8Array): void {
    this.queue.push(bytes);
    this.queued += bytes.byteLength;
  }

  private dropQueue(): void {
    this.queue = [];
    this.queueHead = 0;
    this.queued = 0;
    this.needDrain = false;
  }

  private shutWrite(): void {
    if (this.writeShut || this.closed) return;
    this.writeShut = true;
    // shutdown() is a real half-close; Bun's end() also stops reading from the peer.
    this.raw.shutdown();
  }
}

export function ownerOf(raw: RawSocket): BunTcpSocket | null {
  return raw.data instanceof BunTcpSocket ? raw.data : null;
}

// One handler table for every socket; the per-connection state lives in `socket.data`.
// binaryType 'uint8array' hands plain Uint8Arrays (a Buffer's slice() shares memory, a trap).
export const listenHandlers: Bun.SocketHandler<unknown, 'uint8array'> = {
  binaryType: 'uint8array',
  open(raw) {
    const ctx = raw.data as ListenContext;
    const socket = new BunTcpSocket(raw);
    raw.data = socket;
    ctx.onConnection(socket);
    socket.holdUntilHandler();
  },
  data(raw, chunk) { ownerOf(raw)?.onRawData(chunk); },
  drain(raw) { ownerOf(raw)?.onRawDrain(); },
  end(raw) { ownerOf(raw)?.onRawEnd(); },
  close(raw, error) { ownerOf(raw)?.onRawClose(error); },
};

export const connectHandlers: Bun.SocketHandler<unknown, 'uint8array'> = {
  ...listenHandlers,
  open(raw) {
    const ctx = raw.data as ConnectContext;
    if (ctx.timedOut) {
      raw.terminate();
      return;
    }
    const socket = new BunTcpSocket(raw);
    raw.data = socket;
    socket.holdUntilHandler();
  },
  // Present so a failed connect is not also reported as an unhandled rejection.
  connectError() {},
};

/** bun-types types the options' handler table for the default binaryType only. */
export function asOptionsHandler(handlers: Bun.SocketHandler<unknown, 'uint8array'>): Bun.SocketHandler<unknown> {
  return handlers as unknown as Bun.SocketHandler<unknown>;
}

export class BunListener implements Listener {
  readonly host: string;
  readonly port: number;
  private readonly server: Bun.TCPSocketListener<unknown>;

  constructor(host: string, server: Bun.TCPSocketListener<unknown>) {
    this.host = host;
    this.port = server.port;
    this.server = server;
  }

  close(): Promise<void> {
    this.server.stop(false);
    return Promise.resolve();
  }
}
