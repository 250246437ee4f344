/** Builds a pool wired to a fake connector, a manual clock and real stats/breakers, and records callbacks. */
import type { SocketError, SocketHandler } from '../../../runtime-adapters/types.ts';
import { allocateBreakerBuffer, CircuitBreakers } from '../../../src/upstream/circuit-breakers.ts';
import type { CircuitBreakerLimits } from '../../../src/upstream/types.ts';
import { ClusterStats } from '../../../src/upstream/cluster-stats.ts';
import { HostStats } from '../../../src/upstream/host-stats.ts';
import { Http1ConnPool } from '../../../src/upstream/http1-conn-pool.ts';
import type { PoolOwner, PoolSettings } from '../../../src/upstream/pool-types.ts';
import type {
  PendingHandle,
  PoolCallbacks,
  PoolFailureFlag,
  PoolFailureReason,
  UpstreamConnection,
} from '../../../src/upstream/pool-types.ts';
import { StatsStore } from '../../../src/stats/stats-store.ts';
import { ManualClock } from '../../support/manual-clock.ts';
import { FakeConnector } from '../../support/fake-socket.ts';
import type { FakeSocket } from '../../support/fake-socket.ts';

/** A request as the request path would drive it: records what the pool and the socket told it. */
export class TestRequest implements PoolCallbacks, SocketHandler {
  readonly id: number;
  conn: UpstreamConnection | null = null;
  failure: { reason: PoolFailureReason; flag: PoolFailureFlag } | null = null;
  handle: PendingHandle | null = null;
  received: Uint8Array[] = [];
  closed: { error: SocketError | undefined } | null = null;
  cancelled = false;
  /** Callbacks that arrived after `cancel()` (must stay 0). */
  callbacksAfterCancel = 0;
  /** Bytes written when the pool hands over a connection. */
  private readonly payload: Uint8Array;

  constructor(id: number) {
    this.id = id;
    this.payload = new TextEncoder().encode(`GET /${id} HTTP/1.1\r\n\r\n`);
  }

  onPoolReady(conn: UpstreamConnection): void {
    if (this.cancelled) this.callbacksAfterCancel++;
    this.conn = conn;
    this.handle = null;
    conn.attach(this);
    conn.write(this.payload);
  }

  onPoolFailure(reason: PoolFailureReason, flag: PoolFailureFlag): void {
    if (this.cancelled) this.callbacksAfterCancel++;
    this.failure = { reason, flag };
    this.handle = null;
  }

  onData(chunk: Uint8Array): void {
    this.received.push(chunk);
  }
  onDrain(): void {}
  onEnd(): void {}
  onClose(error: SocketError | undefined): void {
    this.closed = { error };
    this.conn = null;
  }

  cancel(): void {
    const h = this.handle!;
    this.cancelled = true;
    this.handle = null;
    h.cancel();
  }

  /** The response is complete. */
  finish(reusable = true): void {
    const c = this.conn!;
    this.conn = null;
    c.release(reusable);
  }

  reset(): void {
    const c = this.conn!;
    this.conn = null;
    c.destroy();
  }
}

export interface PoolFixtureOptions {
  settings?: Partial<PoolSettings>;
  limits?: Partial<CircuitBreakerLimits>;
  owner?: PoolOwner;
  breakerBuffer?: SharedArrayBuffer;
  workerIndex?: number;
}

export function makePool(options: PoolFixtureOptions = {}) {
  const clock = new ManualClock();
  const connector = new FakeConnector();
  const store = new StatsStore();
  const stats = new ClusterStats(store, 'backend');
  const hostStats = new HostStats(store, 'backend', '127.0.0.1:9001');
  const limits: CircuitBreakerLimits = {
    maxConnections: 1024,
    maxPendingRequests: 1024,
    maxRequests: 1024,
    maxRetries: 3,
    ...options.limits,
  };
  const breakers = new CircuitBreakers(
    options.breakerBuffer ?? allocateBreakerBuffer(4),
    limits,
    options.workerIndex ?? 0,
  );
  const settings: PoolSettings = {
    connectTimeoutMs: 1000,
    idleTimeoutMs: 60_000,
    maxRequestsPerConnection: 0,
    ...options.settings,
  };
  const pool = new Http1ConnPool({
    host: { address: '127.0.0.1', port: 9001, stats: hostStats },
    protocol: 'http/1.1',
    settings,
    connect: connector.connect,
    clock,
    breakers,
    stats,
    owner: options.owner,
  });
  let nextId = 1;
  const request = (): TestRequest => {
    const r = new TestRequest(nextId++);
    r.handle = pool.newStream(r);
    return r;
  };
  /** Stat value by short name: `upstream_*` from the cluster, anything else from the host. */
  const stat = (name: string): number =>
    name.startsWith('upstream_')
      ? store.value(`cluster.backend.${name}`)
      : store.value(`hoststats.backend::127.0.0.1:9001::${name}`);
  const sizes = () => pool.snapshot();
  /** Sockets of connections currently in `list`. */
  const socketsIn = (list: 'ready' | 'busy'): FakeSocket[] =>
    pool[list].toArray().map((c) => c.socket as unknown as FakeSocket);
  return { pool, clock, connector, store, stats, hostStats, breakers, request, stat, sizes, socketsIn };
}
