/** A byte tunnel between a client socket and an upstream connection after a 101 (WebSocket). */
import type { Socket, SocketError, SocketHandler } from '../../runtime-adapters/types.ts';
import type { UpstreamConnection } from '../upstream/pool-types.ts';

/** Bytes flow both ways with backpressure; when either side closes, the other is closed too. */
export class Tunnel {
  private readonly client: Socket;
  private readonly upstream: UpstreamConnection;
  private closed = false;
  private readonly onDone: () => void;
  readonly clientSide: SocketHandler;
  readonly upstreamSide: SocketHandler;

  constructor(client: Socket, upstream: UpstreamConnection, onDone: () => void) {
    this.client = client;
    this.upstream = upstream;
    this.onDone = onDone;
    this.clientSide = {
      onData: (chunk) => {
        if (!this.upstream.write(chunk)) this.client.pause();
      },
      onDrain: () => this.upstream.resume(),
      onEnd: () => this.close(),
      onClose: (_e: SocketError | undefined) => this.close(),
    };
    this.upstreamSide = {
      onData: (chunk) => {
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
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    // The upstream connection carried a foreign protocol: it never returns to the pool.
    this.upstream.destroy();
    this.client.end();
    this.onDone();
  }
}
