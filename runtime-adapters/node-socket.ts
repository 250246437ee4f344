/** A Node `net.Socket` behind the adapter Socket contract. */
import type * as net from 'node:net';
import type { Socket, SocketError, SocketHandler } from './types.ts';
import { toSocketError } from './node-services.ts';

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
export class NodeTcpSocket implements Socket {
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

  /** After end/destroy a write is a no-op: the close is already on its way to the handler. */
  private get unwritable(): boolean {
    return this.closed || this.raw.destroyed || this.raw.writableEnded;
  }

  write(bytes: Uint8Array): boolean {
    if (this.unwritable) return true;
    return this.raw.write(bytes);
  }

  writeBorrowed(bytes: Uint8Array): boolean {
    // Node keeps what it is given until libuv has written it: lend it a copy.
    return this.write(bytes.slice());
  }

  writePair(lent: Uint8Array, kept: Uint8Array): boolean {
    if (this.unwritable) return true;
    const raw = this.raw;
    // Corked, the two leave in one writev when uncorked, and `kept` (a 64 KiB body read) is not copied.
    raw.cork();
    raw.write(lent.slice());
    raw.write(kept);
    raw.uncork();
    // write() says false for anything over the high-water mark before trying the kernel; what
    // counts is what is still queued now ('drain' follows either way).
    return raw.writableLength < raw.writableHighWaterMark;
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
