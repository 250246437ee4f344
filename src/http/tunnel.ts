/** A byte tunnel between a client socket and an upstream connection after a 101 (WebSocket). */
import type { Socket, SocketError, SocketHandler } from '../../runtime-adapters/types.ts';
import type { Clock, Timer } from '../common/clock.ts';
import type { UpstreamConnection } from '../upstream/pool-types.ts';

/** How long a tunnel may carry nothing either way before it is closed (the listener's stream_idle_timeout). */
export interface TunnelIdle {
  readonly clock: Clock;
  /** 0: never. */
  readonly timeoutMs: number;
  /** Called once when the tunnel closes for idleness, before it closes. */
  readonly onTimeout: () => void;
}

/** Bytes flow both ways with backpressure; when either side closes, the other is closed too. */
export class Tunnel {
  private readonly client: Socket;
  private readonly upstream: UpstreamConnection;
  private closed = false;
  /** Told once, when the tunnel is closed: `byClient` when the client's side ended it. */
  private readonly onDone: (byClient: boolean) => void;
  private readonly idle: TunnelIdle;
  /** Monotonic ms of the last byte either way; the timer compares it rather than being re-armed per chunk. */
  private lastMoved: number;
  private timer: Timer | null = null;
  readonly clientSide: SocketHandler;
  readonly upstreamSide: SocketHandler;

  constructor(client: Socket, upstream: UpstreamConnection, idle: TunnelIdle, onDone: (byClient: boolean) => void) {
    this.client = client;
    this.upstream = upstream;
    this.idle = idle;
    this.onDone = onDone;
    this.lastMoved = idle.clock.now();
    this.clientSide = {
      onData: (chunk) => {
        this.lastMoved = this.idle.clock.now();
        if (!this.upstream.write(chunk)) this.client.pause();
      },
      onDrain: () => this.upstream.resume(),
      onEnd: () => this.close(true),
      onClose: (_e: SocketError | undefined) => this.close(true),
    };
    this.upstreamSide = {
      onData: (chunk) => {
        this.lastMoved = this.idle.clock.now();
        if (!this.client.write(chunk)) this.upstream.pause();
      },
      onDrain: () => this.client.resume(),
      onEnd: () => this.close(),
      onClose: (_e: SocketError | undefined) => this.close(),
    };
  }

  /** Wire both sides and flush the bytes each parser had read past the upgrade. */
  start(clientRemainder: Uint8Array, upstreamRemainder: Uint8Array): void {
    this.client.setHandler(this.clientSide);
    this.upstream.attach(this.upstreamSide);
    if (upstreamRemainder.length > 0) this.client.write(upstreamRemainder);
    if (clientRemainder.length > 0) this.upstream.write(clientRemainder);
    this.client.resume();
    this.arm(this.idle.timeoutMs);
  }

  /** `byClient`: the client's side ended it (else the upstream's, an idle timeout or the proxy). */
  close(byClient = false): void {
    if (this.closed) return;
    this.closed = true;
    this.timer?.cancel();
    this.timer = null;
    // The upstream connection carried a foreign protocol: it never returns to the pool.
    this.upstream.destroy();
    this.client.end();
    this.onDone(byClient);
  }

  private arm(ms: number): void {
    if (this.idle.timeoutMs <= 0 || this.closed) return;
    this.timer = this.idle.clock.setTimer(ms, () => this.onTimer());
  }

  private onTimer(): void {
    this.timer = null;
    if (this.closed) return;
    const left = this.lastMoved + this.idle.timeoutMs - this.idle.clock.now();
    if (left > 0) return this.arm(left);
    this.idle.onTimeout();
    this.close();
  }
}
