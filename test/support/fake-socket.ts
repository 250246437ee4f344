/** A Socket with no network behind it, and a connect function whose attempts the test settles by hand. */
import { SocketError } from '../../runtime-adapters/types.ts';
import type { Socket, SocketErrorCode, SocketHandler } from '../../runtime-adapters/types.ts';

export class FakeSocket implements Socket {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localPort = 40000;
  readonly writes: Uint8Array[] = [];
  handler: SocketHandler | null = null;
  paused = false;
  destroyed = false;
  ended = false;
  closed = false;
  /** What `write` returns (false simulates a full kernel buffer). */
  writeResult = true;
  bufferedAmount = 0;

  constructor(address = '127.0.0.1', port = 9001) {
    this.remoteAddress = address;
    this.remotePort = port;
  }

  write(bytes: Uint8Array): boolean {
    if (this.destroyed) throw new Error('write after destroy');
    this.writes.push(bytes);
    return this.writeResult;
  }

  writeBorrowed(bytes: Uint8Array): boolean {
    return this.write(bytes.slice());
  }

  setHandler(handler: SocketHandler): void {
    this.handler = handler;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  end(): void {
    this.ended = true;
  }

  /** `close()` was used (a FIN) rather than `destroy()` (a reset). */
  closedCleanly = false;

  close(): void {
    if (this.destroyed) return;
    this.closedCleanly = true;
    this.destroy();
  }

  /** Like the adapters: the close is reported later, never from inside `destroy`. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    queueMicrotask(() => this.deliverClose(undefined));
  }

  /** Everything written, decoded as text. */
  written(): string {
    const dec = new TextDecoder();
    return this.writes.map((w) => dec.decode(w)).join('');
  }

  // --- the peer's side ---

  peerSend(text: string | Uint8Array): void {
    const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text;
    this.handler?.onData(bytes);
  }

  peerEnd(): void {
    this.handler?.onEnd();
  }

  /** The peer closed (or the connection broke with `code`). */
  peerClose(code?: SocketErrorCode): void {
    this.destroyed = true;
    this.deliverClose(code ? new SocketError(code, code) : undefined);
  }

  private deliverClose(error: SocketError | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.handler?.onClose(error);
  }
}

/** One call of the fake connect function, waiting for the test to settle it. */
export interface ConnectAttempt {
  host: string;
  port: number;
  timeoutMs: number;
  settled: boolean;
  socket: FakeSocket | null;
  succeed(): FakeSocket;
  fail(code?: SocketErrorCode): void;
}

export class FakeConnector {
  readonly attempts: ConnectAttempt[] = [];
  /** Bound so it can be passed as a `ConnectFn`. */
  readonly connect: (host: string, port: number, timeoutMs: number) => Promise<Socket>;

  constructor() {
    this.connect = (host, port, timeoutMs) =>
      new Promise<Socket>((resolve, reject) => {
        const attempt: ConnectAttempt = {
          host,
          port,
          timeoutMs,
          settled: false,
          socket: null,
          succeed() {
            if (attempt.settled) throw new Error('attempt already settled');
            attempt.settled = true;
            const s = new FakeSocket(host, port);
            attempt.socket = s;
            resolve(s);
            return s;
          },
          fail(code: SocketErrorCode = 'ECONNREFUSED') {
            if (attempt.settled) throw new Error('attempt already settled');
            attempt.settled = true;
            reject(new SocketError(code, code));
          },
        };
        this.attempts.push(attempt);
      });
  }

  /** Attempts not settled yet, oldest first. */
  open(): ConnectAttempt[] {
    return this.attempts.filter((a) => !a.settled);
  }

  last(): ConnectAttempt {
    const a = this.attempts[this.attempts.length - 1];
    if (!a) throw new Error('no connect attempt');
    return a;
  }
}

/** Let promise callbacks (connect results) and queued microtasks run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}
