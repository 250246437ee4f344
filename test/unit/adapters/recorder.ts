/** Test helper: a SocketHandler that records every event and lets a test await a condition. */
import type { Socket, SocketError, SocketHandler } from '../../../runtime-adapters/types.ts';

interface Waiter {
  done: () => boolean;
  resolve: () => void;
}

export class Recorder implements SocketHandler {
  chunks: Uint8Array[] = [];
  bytes = 0;
  drains = 0;
  ends = 0;
  closes = 0;
  closeError: SocketError | undefined;
  /** Event names in arrival order: 'data' | 'drain' | 'end' | 'close'. */
  events: string[] = [];
  keepChunks = true;
  private waiters: Waiter[] = [];

  onData(chunk: Uint8Array): void {
    if (this.keepChunks) this.chunks.push(chunk);
    this.bytes += chunk.byteLength;
    if (this.events[this.events.length - 1] !== 'data') this.events.push('data');
    this.check();
  }

  onDrain(): void {
    this.drains++;
    this.events.push('drain');
    this.check();
  }

  onEnd(): void {
    this.ends++;
    this.events.push('end');
    this.check();
  }

  onClose(error: SocketError | undefined): void {
    this.closes++;
    this.closeError = error;
    this.events.push('close');
    this.check();
  }

  text(): string {
    return new TextDecoder().decode(concat(this.chunks));
  }

  /** Resolves when `done()` holds; fails the test after `timeoutMs` with `label`. */
  until(done: () => boolean, label: string, timeoutMs = 5000): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out waiting for ${label} (events: ${this.events.join(',')}, bytes: ${this.bytes})`));
      }, timeoutMs);
      const waiter: Waiter = {
        done,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.waiters.push(waiter);
    });
  }

  private check(): void {
    const ready = this.waiters.filter((w) => w.done());
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve();
  }
}

/** `promise`, or a rejection naming `label` after `timeoutMs`. */
export function within<T>(promise: Promise<T>, label: string, timeoutMs = 5000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${label}`)), timeoutMs);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

export function concat(chunks: Uint8Array[]): Uint8Array {
  let total = 0;
  for (const c of chunks) total += c.byteLength;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** Accepted server-side sockets, handed out in arrival order. */
export class AcceptQueue {
  private sockets: Socket[] = [];
  private takers: Array<(s: Socket) => void> = [];

  readonly push = (socket: Socket): void => {
    const taker = this.takers.shift();
    if (taker) taker(socket);
    else this.sockets.push(socket);
  };

  next(timeoutMs = 5000): Promise<Socket> {
    const ready = this.sockets.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for a connection')), timeoutMs);
      this.takers.push((s) => {
        clearTimeout(timer);
        resolve(s);
      });
    });
  }
}

/** Echoes what it reads, pausing the read side while the write side is backed up. */
export class EchoHandler implements SocketHandler {
  /** How often a write came back false and reading paused. */
  pauses = 0;
  private readonly socket: Socket;
  private readonly onBackedUp: (() => void) | undefined;
  constructor(socket: Socket, onBackedUp?: () => void) {
    this.socket = socket;
    this.onBackedUp = onBackedUp;
  }
  onData(chunk: Uint8Array): void {
    if (!this.socket.write(chunk)) {
      this.pauses++;
      this.socket.pause();
      this.onBackedUp?.();
    }
  }
  onDrain(): void {
    this.socket.resume();
  }
  onEnd(): void {
    this.socket.end();
  }
  onClose(): void {}
}
