/** Cluster-wide circuit breakers: occupancy counters in a SharedArrayBuffer, claimed with Atomics. */
import { ProxyError } from '../common/errors.ts';
import type { CircuitBreakerLimits } from './types.ts';

/** A resource a circuit breaker limits; the value is its column in the shared table. */
export type BreakerResource = 0 | 1 | 2 | 3;
export const CONNECTIONS: BreakerResource = 0;
export const PENDING_REQUESTS: BreakerResource = 1;
export const REQUESTS: BreakerResource = 2;
export const RETRIES: BreakerResource = 3;

/**
 * Column 4 counts pools that need a connection but were refused one by `max_connections`.
 * While it is non-zero, workers stop idling connections of the cluster, and a worker closing a
 * connection hands its slot to a worker with waiters (column 5 of that worker's row: slots
 * reserved for it, still counted in the total) instead of freeing it, so a worker with no
 * connections cannot be starved by another worker's traffic.
 */
const CX_WAITERS = 4;
const CX_RESERVED = 5;
const COLUMNS = 6;

/** Rows the default buffer has room for: row 0 is the cluster total, row 1 + w is worker w. */
export const DEFAULT_MAX_WORKERS = 128;

/** Raised when a worker index does not fit the shared table. */
export class BreakerWorkerIndexError extends ProxyError {
  constructor(index: number, max: number) {
    super('BREAKER_WORKER_INDEX', `worker index ${index} is outside 0..${max - 1} of the circuit breaker table`);
    this.name = 'BreakerWorkerIndexError';
  }
}

/** What main shows for one cluster (Envoy's `circuit_breakers` plus occupancy). */
export interface CircuitBreakerStatus {
  limits: CircuitBreakerLimits;
  connections: number;
  pendingRequests: number;
  requests: number;
  retries: number;
  /** 1 while at the limit, as Envoy's `cx_open` / `rq_pending_open` / `rq_open` / `rq_retry_open` gauges. */
  cx_open: 0 | 1;
  rq_pending_open: 0 | 1;
  rq_open: 0 | 1;
  rq_retry_open: 0 | 1;
  remaining_cx: number;
  remaining_pending: number;
  remaining_rq: number;
  remaining_retries: number;
}

/** A new, zeroed occupancy table for one cluster. Main allocates it and ships it in snapshots. */
export function allocateBreakerBuffer(maxWorkers: number = DEFAULT_MAX_WORKERS): SharedArrayBuffer {
  return new SharedArrayBuffer((maxWorkers + 1) * COLUMNS * Int32Array.BYTES_PER_ELEMENT);
}

function limitOf(limits: CircuitBreakerLimits, r: number): number {
  switch (r) {
    case CONNECTIONS: return limits.maxConnections;
    case PENDING_REQUESTS: return limits.maxPendingRequests;
    case REQUESTS: return limits.maxRequests;
    default: return limits.maxRetries;
  }
}

/**
 * One thread's view of a cluster's breakers. Claims are compare-and-increment on the total row,
 * so a limit holds across all workers; each worker also counts its own share in its row, so main
 * can give back what a crashed worker held (`releaseWorker`).
 */
export class CircuitBreakers {
  readonly buffer: SharedArrayBuffer;
  private readonly table: Int32Array;
  private readonly row: number;
  private readonly workerIndex: number;
  private readonly workerRows: number;
  private limits: CircuitBreakerLimits;

  /** `workerIndex` -1 is a read-only view (main). */
  constructor(buffer: SharedArrayBuffer, limits: CircuitBreakerLimits, workerIndex: number) {
    this.buffer = buffer;
    this.table = new Int32Array(buffer);
    const rows = this.table.length / COLUMNS;
    if (workerIndex >= rows - 1) throw new BreakerWorkerIndexError(workerIndex, rows - 1);
    this.row = (workerIndex + 1) * COLUMNS;
    this.workerIndex = workerIndex;
    this.workerRows = rows - 1;
    this.limits = { ...limits };
  }

  setLimits(limits: CircuitBreakerLimits): void {
    this.limits = { ...limits };
  }

  getLimits(): CircuitBreakerLimits {
    return { ...this.limits };
  }

  /** Claim one unit of `r` if the cluster is under its limit. */
  tryAcquire(r: BreakerResource): boolean {
    const max = limitOf(this.limits, r);
    const t = this.table;
    for (;;) {
      const cur = Atomics.load(t, r);
      if (cur >= max) return false;
      if (Atomics.compareExchange(t, r, cur, cur + 1) === cur) break;
    }
    Atomics.add(t, this.row + r, 1);
    return true;
  }

  release(r: BreakerResource): void {
    Atomics.sub(this.table, r, 1);
    Atomics.sub(this.table, this.row + r, 1);
  }

  /** Cluster-wide occupancy of `r`. */
  count(r: BreakerResource): number {
    return Atomics.load(this.table, r);
  }

  /** This worker's share of `r`. */
  ownCount(r: BreakerResource): number {
    return Atomics.load(this.table, this.row + r);
  }

  canCreate(r: BreakerResource): boolean {
    return this.count(r) < limitOf(this.limits, r);
  }

  /** Retry budget for the router: claim before a retry, release when it ends. */
  tryAcquireRetry(): boolean {
    return this.tryAcquire(RETRIES);
  }

  releaseRetry(): void {
    this.release(RETRIES);
  }

  /**
   * Give back a connection slot. If pools of another worker wait for one, the slot is reserved
   * for that worker (round robin over workers after this one) instead of being freed.
   */
  releaseConnection(): void {
    const t = this.table;
    if (Atomics.load(t, CX_WAITERS) - Atomics.load(t, this.row + CX_WAITERS) > 0) {
      const n = this.workerRows;
      for (let k = 1; k < n; k++) {
        const r = (((this.workerIndex + k) % n) + 1) * COLUMNS;
        if (Atomics.load(t, r + CX_WAITERS) > 0) {
          Atomics.sub(t, this.row + CONNECTIONS, 1);
          Atomics.add(t, r + CX_RESERVED, 1);
          Atomics.add(t, CX_RESERVED, 1);
          return;
        }
      }
    }
    this.release(CONNECTIONS);
  }

  /**
   * Take the slots other workers reserved for this one. The caller owns them now: it must open
   * connections with them or give each back with `releaseConnection`.
   */
  claimReservedConnections(): number {
    const t = this.table;
    const n = Atomics.exchange(t, this.row + CX_RESERVED, 0);
    if (n > 0) {
      Atomics.sub(t, CX_RESERVED, n);
      Atomics.add(t, this.row + CONNECTIONS, n);
    }
    return n;
  }

  /** Pools anywhere in the cluster currently refused a connection by `max_connections`. */
  connectionWaiters(): number {
    return Atomics.load(this.table, CX_WAITERS);
  }

  /** This worker's pools among them. */
  ownConnectionWaiters(): number {
    return Atomics.load(this.table, this.row + CX_WAITERS);
  }

  addConnectionWaiter(): void {
    Atomics.add(this.table, CX_WAITERS, 1);
    Atomics.add(this.table, this.row + CX_WAITERS, 1);
  }

  removeConnectionWaiter(): void {
    Atomics.sub(this.table, CX_WAITERS, 1);
    Atomics.sub(this.table, this.row + CX_WAITERS, 1);
  }

  /** Main, after worker `workerIndex` died: subtract everything it held from the totals. */
  releaseWorker(workerIndex: number): void {
    const row = (workerIndex + 1) * COLUMNS;
    if (row + COLUMNS > this.table.length) throw new BreakerWorkerIndexError(workerIndex, this.table.length / COLUMNS - 1);
    const t = this.table;
    for (let c = 0; c < COLUMNS; c++) {
      const held = Atomics.exchange(t, row + c, 0);
      if (held !== 0) Atomics.sub(t, c, held);
      // Slots reserved for it are in the total connections but in no worker's row.
      if (c === CX_RESERVED && held !== 0) Atomics.sub(t, CONNECTIONS, held);
    }
  }

  status(): CircuitBreakerStatus {
    const l = this.limits;
    const cx = this.count(CONNECTIONS);
    const pend = this.count(PENDING_REQUESTS);
    const rq = this.count(REQUESTS);
    const rt = this.count(RETRIES);
    return {
      limits: { ...l },
      connections: cx,
      pendingRequests: pend,
      requests: rq,
      retries: rt,
      cx_open: cx >= l.maxConnections ? 1 : 0,
      rq_pending_open: pend >= l.maxPendingRequests ? 1 : 0,
      rq_open: rq >= l.maxRequests ? 1 : 0,
      rq_retry_open: rt >= l.maxRetries ? 1 : 0,
      remaining_cx: Math.max(0, l.maxConnections - cx),
      remaining_pending: Math.max(0, l.maxPendingRequests - pend),
      remaining_rq: Math.max(0, l.maxRequests - rq),
      remaining_retries: Math.max(0, l.maxRetries - rt),
    };
  }
}
