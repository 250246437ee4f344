/** One pooled upstream connection: owns the socket's handler slot and lends it to one request at a time. */
import { IllegalTransitionError } from '../common/errors.ts';
import type { Timer } from '../common/clock.ts';
import type { Socket, SocketError, SocketHandler } from '../../runtime-adapters/types.ts';
import type { ResponseParser } from '../http1/response-parser.ts';
import type { ClusterStats } from './cluster-stats.ts';
import type { ConnState } from './connection-state.ts';
import type { LinkedList, ListNode } from './linked-list.ts';
import type { UpstreamConnection } from './pool-types.ts';
import type { UpstreamProtocol } from './types.ts';

/** The pool side of a connection: the events the connection reports to whoever owns its state. */
export interface ConnectionOwner {
  /** Bytes, FIN or close while no request owns the connection (S8: it must be closed). */
  onUnexpectedInput(conn: PoolConnection, what: 'data' | 'end'): void;
  onSocketClosed(conn: PoolConnection, error: SocketError | undefined): void;
  releaseConnection(conn: PoolConnection, reusable: boolean): void;
  destroyConnection(conn: PoolConnection): void;
}

export class PoolConnection implements UpstreamConnection, SocketHandler, ListNode<PoolConnection> {
  prev: PoolConnection | null = null;
  next: PoolConnection | null = null;
  list: LinkedList<PoolConnection> | null = null;

  /** Only the pool changes this, through `nextConnState`. */
  state: ConnState = 'connecting';
  /** Set once, by `bindSocket`, when the connect succeeds. */
  socket: Socket | null = null;
  /**
   * `Socket.writePair`, when the socket has one (Node): the write batch looks for it, and a big
   * request body piece then leaves with the head in one writev instead of being copied to it.
   */
  writePair: ((lent: Uint8Array, kept: Uint8Array) => boolean) | undefined = undefined;
  /** The request path's handler while busy. */
  handler: SocketHandler | null = null;
  codec: ResponseParser | null = null;
  requestCount = 0;
  /** A request holds it (counted in `upstream_rq_active` and the `max_requests` breaker). */
  activeRequest = false;
  /** `max_requests_per_connection` reached: close when the current request ends. */
  closeAfterRelease = false;
  connectTimer: Timer | null = null;
  /** Clock time it last entered `ready` (idle timeout runs from here). */
  idleSince = 0;
  timedOut = false;
  /** The upstream sent FIN: whatever closes the connection now, the upstream ended it (stats say remote). */
  peerEnded = false;
  readonly id: number;
  readonly protocol: UpstreamProtocol;
  readonly address: string;
  readonly port: number;
  private readonly owner: ConnectionOwner;
  private readonly stats: ClusterStats;

  constructor(
    id: number,
    owner: ConnectionOwner,
    stats: ClusterStats,
    protocol: UpstreamProtocol,
    address: string,
    port: number,
  ) {
    this.id = id;
    this.owner = owner;
    this.stats = stats;
    this.protocol = protocol;
    this.address = address;
    this.port = port;
  }

  // --- UpstreamConnection (the request path) ---

  attach(handler: SocketHandler): void {
    this.requireBusy('attach');
    this.handler = handler;
  }

  write(bytes: Uint8Array): boolean {
    this.requireBusy('write');
    this.stats.upstream_cx_tx_bytes_total.add(bytes.length);
    return this.socket!.write(bytes);
  }

  writeBorrowed(bytes: Uint8Array): boolean {
    this.requireBusy('write');
    this.stats.upstream_cx_tx_bytes_total.add(bytes.length);
    return this.socket!.writeBorrowed(bytes);
  }

  /** The connect succeeded: the connection's socket from now on. */
  bindSocket(socket: Socket): void {
    this.socket = socket;
    // One function per connection, made only where the socket can pair writes.
    if (socket.writePair !== undefined) this.writePair = (lent, kept) => this.writePairToSocket(lent, kept);
  }

  private writePairToSocket(lent: Uint8Array, kept: Uint8Array): boolean {
    this.requireBusy('write');
    this.stats.upstream_cx_tx_bytes_total.add(lent.length + kept.length);
    return this.socket!.writePair!(lent, kept);
  }

  get bufferedAmount(): number {
    return this.socket ? this.socket.bufferedAmount : 0;
  }

  pause(): void {
    this.requireBusy('pause');
    this.socket!.pause();
  }

  resume(): void {
    this.requireBusy('resume');
    this.socket!.resume();
  }

  release(reusable: boolean): void {
    this.owner.releaseConnection(this, reusable);
  }

  destroy(): void {
    this.owner.destroyConnection(this);
  }

  // --- SocketHandler (the socket) ---

  onData(chunk: Uint8Array): void {
    const h = this.handler;
    if (this.state === 'busy' && h) {
      this.stats.upstream_cx_rx_bytes_total.add(chunk.length);
      h.onData(chunk);
    } else {
      this.owner.onUnexpectedInput(this, 'data');
    }
  }

  onDrain(): void {
    const h = this.handler;
    if (this.state === 'busy' && h) h.onDrain();
  }

  onEnd(): void {
    this.peerEnded = true;
    const h = this.handler;
    if (this.state === 'busy' && h) h.onEnd();
    else this.owner.onUnexpectedInput(this, 'end');
  }

  onClose(error: SocketError | undefined): void {
    this.owner.onSocketClosed(this, error);
  }

  private requireBusy(op: string): void {
    if (this.state !== 'busy' || !this.socket) {
      throw new IllegalTransitionError('UpstreamConnection', this.state, op);
    }
  }
}
