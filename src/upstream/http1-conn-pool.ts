/** The HTTP/1 connection pool of DESIGN §4: one per (worker, cluster, host, protocol). */
import type { Clock, Timer } from '../common/clock.ts';
import { IllegalTransitionError } from '../common/errors.ts';
import type { Socket, SocketError } from '../../runtime-adapters/types.ts';
import { CONNECTIONS, PENDING_REQUESTS, REQUESTS } from './circuit-breakers.ts';
import type { CircuitBreakers } from './circuit-breakers.ts';
import type { ClusterStats } from './cluster-stats.ts';
import { nextConnState } from './connection-state.ts';
import type { ConnEvent, ConnState } from './connection-state.ts';
import { LinkedList } from './linked-list.ts';
import { PendingRequest } from './pending-request.ts';
import type { PendingOwner } from './pending-request.ts';
import { PoolConnection } from './pool-connection.ts';
import type { ConnectionOwner } from './pool-connection.ts';
import { failureFlag } from './pool-types.ts';
import type { Http1ConnPoolOptions, PendingHandle, PoolCallbacks, PoolFailureReason, PoolHost, PoolOwner, PoolSettings, PoolSnapshot } from './pool-types.ts';
import type { ConnectFn, UpstreamProtocol } from './types.ts';

const NO_OWNER: PoolOwner = {
  onPoolDrained: () => {},
  onPoolCapacityFreed: () => {},
  onPoolStarvedChange: () => {},
};

function isTimeout(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'ETIMEDOUT';
}

/**
 * Every connection is in exactly one of `connecting`, `ready` (most recently used first) and
 * `busy`; requests without a connection wait in the FIFO `pending`. Invariant after every public
 * call: no request waits while a connection is ready.
 */
export class Http1ConnPool implements ConnectionOwner, PendingOwner {
  readonly host: PoolHost;
  readonly protocol: UpstreamProtocol;
  readonly connecting = new LinkedList<PoolConnection>('connecting');
  readonly ready = new LinkedList<PoolConnection>('ready');
  readonly busy = new LinkedList<PoolConnection>('busy');
  readonly pending = new LinkedList<PendingRequest>('pending');
  private settings: PoolSettings;
  private readonly connectFn: ConnectFn;
  private readonly clock: Clock;
  private readonly breakers: CircuitBreakers;
  private readonly stats: ClusterStats;
  private readonly owner: PoolOwner;
  private draining = false;
  private drainedNotified = false;
  private starved = false;
  private idleTimer: Timer | null = null;
  private readonly onIdleTimerBound: () => void;
  private nextConnId = 1;

  constructor(options: Http1ConnPoolOptions) {
    this.host = options.host;
    this.protocol = options.protocol;
    this.settings = { ...options.settings };
    this.connectFn = options.connect;
    this.clock = options.clock;
    this.breakers = options.breakers;
    this.stats = options.stats;
    this.owner = options.owner ?? NO_OWNER;
    this.onIdleTimerBound = () => this.onIdleTimer();
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /** True while pending requests wait for a `max_connections` slot. */
  get isStarved(): boolean {
    return this.starved;
  }

  snapshot(): PoolSnapshot {
    return {
      ready: this.ready.size,
      busy: this.busy.size,
      connecting: this.connecting.size,
      pending: this.pending.size,
    };
  }

  /**
   * Ask for a connection. With a ready one, `onPoolReady` runs before this returns and the result
   * is null; on immediate failure `onPoolFailure` runs and the result is null; otherwise the
   * request waits and the handle can cancel it.
   */
  newStream(callbacks: PoolCallbacks): PendingHandle | null {
    if (this.draining) {
      callbacks.onPoolFailure('drained', 'UF');
      return null;
    }
    const conn = this.ready.front();
    if (conn) {
      this.attach(conn, callbacks, null);
      return null;
    }
    // As Envoy: with max_requests already reached, refuse now (UO) rather than queue the request
    // and open a connection for it that attach() would refuse anyway.
    if (!this.breakers.canCreate(REQUESTS)) {
      this.stats.upstream_rq_pending_overflow.inc();
      callbacks.onPoolFailure('overflow', 'UO');
      return null;
    }
    if (!this.breakers.tryAcquire(PENDING_REQUESTS)) {
      this.stats.upstream_rq_pending_overflow.inc();
      callbacks.onPoolFailure('overflow', 'UO');
      return null;
    }
    const req = new PendingRequest(this, callbacks);
    this.pending.pushBack(req);
    this.stats.upstream_rq_pending_total.inc();
    this.stats.upstream_rq_pending_active.inc();
    this.tryCreateConnections(true);
    return req;
  }

  /** No new requests; pending fail, idle and connecting close now, busy close when done. */
  drain(): void {
    if (this.draining) return;
    this.draining = true;
    for (const req of this.pending.toArray()) {
      if (req.state === 'waiting') this.failPending(req, 'drained');
    }
    for (const conn of this.ready.toArray()) this.closeConnection(conn, 'local', 'clean');
    for (const conn of this.connecting.toArray()) this.closeConnection(conn, 'local', 'reset');
    this.updateStarved();
    this.owner.onPoolCapacityFreed(this);
    this.checkDrained();
  }

  /** New settings for connections opened from now on (and the idle timeout of all). */
  updateSettings(settings: PoolSettings): void {
    const idleChanged = settings.idleTimeoutMs !== this.settings.idleTimeoutMs;
    this.settings = { ...settings };
    if (!idleChanged) return;
    // The running timer was set for the old timeout: idle connections follow the new one now.
    this.idleTimer?.cancel();
    this.idleTimer = null;
    if (this.settings.idleTimeoutMs > 0) this.onIdleTimer();
  }

  /** A `max_connections` slot may have been freed elsewhere: try again if starved. */
  retryStarved(): void {
    if (this.starved) this.tryCreateConnections(false);
  }

  /**
   * Open a connection with a slot the caller already holds (handed over by another worker).
   * False when the pool no longer needs one; the caller then gives the slot back.
   */
  adoptConnectionSlot(): boolean {
    if (this.draining || this.pending.size <= this.connecting.size) return false;
    this.createConnection();
    this.updateStarved();
    return true;
  }

  /** Close up to `max` idle connections, least recently used first; returns how many. */
  closeIdle(max: number): number {
    let closed = 0;
    while (closed < max) {
      const conn = this.ready.back();
      if (!conn) break;
      this.closeConnection(conn, 'local', 'clean');
      closed++;
    }
    return closed;
  }

  // --- PendingOwner ---

  cancelPending(req: PendingRequest): void {
    this.removePending(req);
    this.stats.upstream_rq_cancelled.inc();
    this.checkDrained();
  }

  // --- ConnectionOwner ---

  releaseConnection(conn: PoolConnection, reusable: boolean): void {
    if (conn.state !== 'busy') throw new IllegalTransitionError('UpstreamConnection', conn.state, 'release');
    conn.handler = null;
    this.requestDone(conn);
    if (!reusable || conn.closeAfterRelease || this.draining) {
      // The response is complete: nothing is in flight, so the upstream gets a FIN, not a reset.
      this.closeConnection(conn, conn.peerEnded ? 'remote' : 'local', 'clean');
      this.afterConnectionLost();
      return;
    }
    // The finished request may have paused it for backpressure; the next user starts fresh.
    conn.socket!.resume();
    this.serveOrPark(conn);
  }

  destroyConnection(conn: PoolConnection): void {
    if (conn.state !== 'busy') throw new IllegalTransitionError('UpstreamConnection', conn.state, 'destroy');
    conn.handler = null;
    // A request that gives up on a connection its upstream half-closed (FIN mid-response) did
    // not end it: the upstream did, as Envoy counts it.
    this.closeConnection(conn, conn.peerEnded ? 'remote' : 'local', 'reset');
    this.afterConnectionLost();
  }

  onUnexpectedInput(conn: PoolConnection, what: 'data' | 'end'): void {
    if (conn.state === 'closed') return;
    // S8: bytes or FIN nobody asked for; the connection can never be trusted again.
    this.closeConnection(conn, what === 'end' ? 'remote' : 'local', what === 'end' ? 'clean' : 'reset');
    this.afterConnectionLost();
  }

  onSocketClosed(conn: PoolConnection, error: SocketError | undefined): void {
    if (conn.state === 'closed') return;
    const handler = conn.handler;
    const wasBusy = conn.state === 'busy';
    this.closeConnection(conn, 'remote', 'none');
    if (wasBusy && handler) handler.onClose(error);
    this.afterConnectionLost();
  }

  // --- internals ---

  private tryCreateConnections(countOverflow: boolean): void {
    while (!this.draining && this.pending.size > this.connecting.size) {
      if (!this.breakers.tryAcquire(CONNECTIONS)) {
        if (countOverflow) this.stats.upstream_cx_overflow.inc();
        break;
      }
      this.createConnection();
    }
    this.updateStarved();
  }

  private createConnection(): void {
    const host = this.host;
    const conn = new PoolConnection(
      this.nextConnId++,
      this,
      this.stats,
      this.protocol,
      host.address,
      host.port,
    );
    this.connecting.pushBack(conn);
    this.stats.upstream_cx_total.inc();
    this.stats.upstream_cx_http1_total.inc();
    this.stats.upstream_cx_active.inc();
    host.stats.cx_total.inc();
    host.stats.cx_active.inc();
    const timeoutMs = this.settings.connectTimeoutMs;
    if (timeoutMs > 0) conn.connectTimer = this.clock.setTimer(timeoutMs, () => this.onConnectTimeout(conn));
    let attempt: Promise<Socket>;
    try {
      attempt = this.connectFn(conn.address, conn.port, timeoutMs);
    } catch (error) {
      attempt = Promise.reject(error);
    }
    attempt.then(
      (socket) => this.onConnected(conn, socket),
      (error: unknown) => {
        if (conn.state === 'connecting') this.connectFailed(conn, isTimeout(error));
      },
    );
  }

  private onConnected(conn: PoolConnection, socket: Socket): void {
    if (conn.state !== 'connecting') {
      // Timed out or drained while the connect was in flight.
      socket.destroy();
      return;
    }
    if (conn.connectTimer) {
      conn.connectTimer.cancel();
      conn.connectTimer = null;
    }
    conn.bindSocket(socket);
    socket.setHandler(conn);
    this.serveOrPark(conn);
    // It left `connecting`: requests it no longer covers need another connection (or a slot).
    this.tryCreateConnections(false);
    this.checkDrained();
  }

  private onConnectTimeout(conn: PoolConnection): void {
    conn.connectTimer = null;
    if (conn.state !== 'connecting') return;
    conn.timedOut = true;
    this.connectFailed(conn, true);
  }

  private connectFailed(conn: PoolConnection, timedOut: boolean): void {
    this.stats.upstream_cx_connect_fail.inc();
    this.host.stats.cx_connect_fail.inc();
    if (timedOut) this.stats.upstream_cx_connect_timeout.inc();
    this.closeConnection(conn, timedOut ? 'local' : 'remote', 'none');
    // The request this connection was opened for can no longer be covered: fail the oldest.
    if (this.pending.size > this.connecting.size) {
      const oldest = this.pending.front()!;
      this.stats.upstream_rq_pending_failure_eject.inc();
      this.failPending(oldest, timedOut ? 'timeout' : 'connection_failure');
    }
    this.afterConnectionLost();
  }

  /** A connection left the pool: replace it if requests still wait, free capacity, finish a drain. */
  private afterConnectionLost(): void {
    this.tryCreateConnections(false);
    this.owner.onPoolCapacityFreed(this);
    this.checkDrained();
  }

  /** `conn` is free (just connected, or released reusable): give it the oldest request, or park it. */
  private serveOrPark(conn: PoolConnection): void {
    for (;;) {
      const req = this.pending.front();
      if (!req) break;
      this.removePending(req);
      if (this.attach(conn, req.callbacks, req)) return;
      // max_requests refused this request; the connection is still free for the next.
      if (conn.state === 'closed') return;
    }
    this.park(conn);
  }

  private park(conn: PoolConnection): void {
    if (this.draining || this.breakers.connectionWaiters() > 0) {
      // Another pool of the cluster waits for a connection slot: give ours back instead of idling.
      this.closeConnection(conn, 'local', 'clean');
      this.owner.onPoolCapacityFreed(this);
      return;
    }
    this.move(conn, conn.state === 'connecting' ? 'connected_idle' : 'release');
    conn.idleSince = this.clock.now();
    // Read while idle, so a close or stray bytes (S8) are noticed.
    conn.socket!.resume();
    this.armIdleTimer();
  }

  /** Give `conn` to a request; false (and `onPoolFailure`) when `max_requests` is reached. */
  private attach(conn: PoolConnection, callbacks: PoolCallbacks, req: PendingRequest | null): boolean {
    if (!this.breakers.tryAcquire(REQUESTS)) {
      this.stats.upstream_rq_pending_overflow.inc();
      if (req) req.finish('failed');
      callbacks.onPoolFailure('overflow', 'UO');
      return false;
    }
    if (req) req.finish('served');
    const s = conn.state;
    this.move(conn, s === 'connecting' ? 'connected_assign' : s === 'ready' ? 'assign' : 'reassign');
    conn.activeRequest = true;
    conn.requestCount++;
    const max = this.settings.maxRequestsPerConnection;
    if (max > 0 && conn.requestCount >= max && !conn.closeAfterRelease) {
      conn.closeAfterRelease = true;
      this.stats.upstream_cx_max_requests.inc();
    }
    this.stats.upstream_rq_total.inc();
    this.stats.upstream_rq_active.inc();
    this.host.stats.rq_total.inc();
    this.host.stats.rq_active.inc();
    callbacks.onPoolReady(conn);
    return true;
  }

  private requestDone(conn: PoolConnection): void {
    if (!conn.activeRequest) return;
    conn.activeRequest = false;
    this.stats.upstream_rq_active.dec();
    this.host.stats.rq_active.dec();
    this.breakers.release(REQUESTS);
  }

  private move(conn: PoolConnection, event: ConnEvent): void {
    const from = conn.state;
    const to = nextConnState(from, event);
    conn.state = to;
    if (to === from) return;
    conn.list?.remove(conn);
    const list = this.listFor(to);
    if (!list) return;
    if (to === 'ready') list.pushFront(conn);
    else list.pushBack(conn);
  }

  private listFor(state: ConnState): LinkedList<PoolConnection> | null {
    switch (state) {
      case 'connecting': return this.connecting;
      case 'ready': return this.ready;
      case 'busy': return this.busy;
      default: return null;
    }
  }

  /**
   * Remove `conn` for good and account for it. `origin` says who closed it (the destroy stats);
   * `destroySocket` is false when the socket is already closed or was never opened.
   */
  /**
   * `socket`: 'clean' closes with a FIN (idle or finished connections: nothing in flight),
   * 'reset' aborts (a request gave up, or stray bytes arrived), 'none' when it is already closed.
   */
  private closeConnection(conn: PoolConnection, origin: 'local' | 'remote', socket: 'clean' | 'reset' | 'none'): void {
    const was = conn.state;
    this.move(conn, 'close');
    if (conn.connectTimer) {
      conn.connectTimer.cancel();
      conn.connectTimer = null;
    }
    const s = this.stats;
    s.upstream_cx_active.dec();
    this.host.stats.cx_active.dec();
    // Every connection counted in upstream_cx_total ends in upstream_cx_destroy, a failed or
    // aborted connect too (Envoy reports the destroy before connect_fail): total = active + destroy.
    s.upstream_cx_destroy.inc();
    if (origin === 'local') s.upstream_cx_destroy_local.inc();
    else s.upstream_cx_destroy_remote.inc();
    if (was === 'ready' && this.ready.size === 0 && this.idleTimer) {
      this.idleTimer.cancel();
      this.idleTimer = null;
    }
    if (conn.activeRequest) {
      s.upstream_cx_destroy_with_active_rq.inc();
      if (origin === 'local') s.upstream_cx_destroy_local_with_active_rq.inc();
      else s.upstream_cx_destroy_remote_with_active_rq.inc();
      this.requestDone(conn);
    }
    conn.handler = null;
    const sock = conn.socket;
    if (sock !== null && socket !== 'none') {
      if (socket === 'clean') sock.close();
      else sock.destroy();
    }
    // After the close: another worker may open a connection with this slot at once.
    this.breakers.releaseConnection();
  }

  private removePending(req: PendingRequest): void {
    this.pending.remove(req);
    this.stats.upstream_rq_pending_active.dec();
    this.breakers.release(PENDING_REQUESTS);
    this.updateStarved();
  }

  private failPending(req: PendingRequest, reason: PoolFailureReason): void {
    this.removePending(req);
    req.finish('failed');
    req.callbacks.onPoolFailure(reason, failureFlag(reason));
  }

  private armIdleTimer(): void {
    if (this.idleTimer || this.settings.idleTimeoutMs <= 0) return;
    const oldest = this.ready.back();
    if (!oldest) return;
    const due = oldest.idleSince + this.settings.idleTimeoutMs - this.clock.now();
    this.idleTimer = this.clock.setTimer(Math.max(0, due), this.onIdleTimerBound);
  }

  /** One timer per pool: `ready` is ordered by last use, so expired connections are at the back. */
  private onIdleTimer(): void {
    this.idleTimer = null;
    const limit = this.settings.idleTimeoutMs;
    if (limit <= 0) return;
    const now = this.clock.now();
    let closed = false;
    for (let conn = this.ready.back(); conn && conn.idleSince + limit <= now; conn = this.ready.back()) {
      this.stats.upstream_cx_idle_timeout.inc();
      this.closeConnection(conn, 'local', 'clean');
      closed = true;
    }
    this.armIdleTimer();
    if (closed) this.afterConnectionLost();
  }

  private updateStarved(): void {
    const starved = !this.draining && this.pending.size > this.connecting.size;
    if (starved === this.starved) return;
    this.starved = starved;
    if (starved) this.breakers.addConnectionWaiter();
    else this.breakers.removeConnectionWaiter();
    this.owner.onPoolStarvedChange(this, starved);
  }

  private checkDrained(): void {
    if (!this.draining || this.drainedNotified) return;
    if (this.connecting.size + this.ready.size + this.busy.size + this.pending.size > 0) return;
    this.drainedNotified = true;
    if (this.idleTimer) {
      this.idleTimer.cancel();
      this.idleTimer = null;
    }
    this.owner.onPoolDrained(this);
  }
}
