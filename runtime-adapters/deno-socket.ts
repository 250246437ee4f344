/** Deno.listen/connect TCP connections behind the adapter Socket contract: a read loop, a write queue, an accept loop. */
import type { Listener, Socket, SocketError, SocketHandler } from './types.ts';
import { denoSocketError } from './deno-errors.ts';

/** 16 KiB reads were as fast as larger ones (RUNTIMES.md 3b) and keep idle connections cheap. */
const READ_CHUNK = 16 * 1024;
/**
 * Every `conn.write` is asynchronous, so bytes always sit in the queue for a moment; `write`
 * returns false only past this mark (Node's default for sockets), not on every call.
 */
const WRITE_HIGH_WATER = 64 * 1024;

const EMPTY = new Uint8Array(0);

/**
 * A Deno TCP connection behind the adapter contract. Reading is a loop of `conn.read` into one
 * reused buffer, so each chunk is copied out (`slice`) before it is handed over; pausing is not
 * calling `read`. `conn.write` may take only part of a buffer, so a pump writes the queue until
 * it is empty. The loop starts only when a handler is set.
 */
export class DenoTcpSocket implements Socket {
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

  writeBorrowed(bytes: Uint8Array): boolean {
    // Every Deno write is asynchronous, so the queue always holds the bytes for a while: a copy.
    return this.write(bytes.slice());
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

  close(): void {
    this.destroy();
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

export class DenoListener implements Listener {
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
