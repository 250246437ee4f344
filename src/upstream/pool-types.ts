/** The contracts of a connection pool: with the request path that uses it, and with the cluster that keeps it. */
import type { SocketHandler } from '../../runtime-adapters/types.ts';
import type { ResponseParser } from '../http1/response-parser.ts';
import type { Clock } from '../common/clock.ts';
import type { CircuitBreakers } from './circuit-breakers.ts';
import type { ClusterStats } from './cluster-stats.ts';
import type { HostStats } from './host-stats.ts';
import type { Http1ConnPool } from './http1-conn-pool.ts';
import type { ConnectFn, UpstreamProtocol } from './types.ts';

/** Why a pool could not give a request a connection. */
export type PoolFailureReason = 'overflow' | 'connection_failure' | 'timeout' | 'drained';

/** Envoy response flag for a pool failure: UO for overflow, UF for everything else. */
export type PoolFailureFlag = 'UO' | 'UF';

/**
 * An upstream connection lent to one request. Valid from `onPoolReady` until the caller calls
 * `release` or `destroy`, or the attached handler's `onClose` runs; drop the reference then.
 */
export interface UpstreamConnection {
  readonly protocol: UpstreamProtocol;
  /** Address and port actually connected to. */
  readonly address: string;
  readonly port: number;
  /** Requests this connection has carried, including the current one. */
  readonly requestCount: number;
  /**
   * The response parser that lives with the connection (Envoy's codec client): made by the first
   * exchange, handed from one exchange to the next, so a request allocates none.
   */
  codec: ResponseParser | null;
  /** Receive this connection's socket events until the exchange ends. */
  attach(handler: SocketHandler): void;
  /** Same contract as `Socket.write` (false: wait for the handler's `onDrain`). */
  write(bytes: Uint8Array): boolean;
  /** Same contract as `Socket.writeBorrowed`: `bytes` is lent for the call only. */
  writeBorrowed(bytes: Uint8Array): boolean;
  /** Present when the socket has it (Node): `Socket.writePair`, so a big body piece is not copied. */
  writePair?(lent: Uint8Array, kept: Uint8Array): boolean;
  readonly bufferedAmount: number;
  pause(): void;
  resume(): void;
  /**
   * The response is complete. `reusable` is the caller's verdict (HTTP1-RULES R21/S14); the pool
   * also closes it when `max_requests_per_connection` is reached or the pool is draining.
   */
  release(reusable: boolean): void;
  /** Reset or error: close now, never reuse. */
  destroy(): void;
}

/** What a request gives the pool: one object, no per-request closures. */
export interface PoolCallbacks {
  onPoolReady(conn: UpstreamConnection): void;
  onPoolFailure(reason: PoolFailureReason, flag: PoolFailureFlag): void;
}

/** A request waiting for a connection. */
export interface PendingHandle {
  /** Leave the queue (client gone, timeout); callbacks are never called after this. */
  cancel(): void;
}

/** Pool occupancy for the admin endpoint. */
export interface PoolSnapshot {
  ready: number;
  busy: number;
  connecting: number;
  pending: number;
}

/** The flag the request path puts in the access log for a pool failure. */
export function failureFlag(reason: PoolFailureReason): PoolFailureFlag {
  return reason === 'overflow' ? 'UO' : 'UF';
}

/** The host a pool connects to. `address` may change (logical_dns); new connections use the new one. */
export interface PoolHost {
  readonly address: string;
  readonly port: number;
  readonly stats: HostStats;
}

/** Cluster settings a pool applies to its connections. */
export interface PoolSettings {
  connectTimeoutMs: number;
  /** 0 disables the idle timeout. */
  idleTimeoutMs: number;
  /** 0 means unlimited. */
  maxRequestsPerConnection: number;
}

/** Whoever keeps the pool (the thread-local cluster): told about drains and breaker capacity. */
export interface PoolOwner {
  /** The pool was drained and is empty: delete it. Called once. */
  onPoolDrained(pool: Http1ConnPool): void;
  /** A connection of the pool closed, so a `max_connections` slot may be free for a starved pool. */
  onPoolCapacityFreed(pool: Http1ConnPool): void;
  /** The pool started / stopped waiting for a connection slot refused by `max_connections`. */
  onPoolStarvedChange(pool: Http1ConnPool, starved: boolean): void;
}

export interface Http1ConnPoolOptions {
  host: PoolHost;
  protocol: UpstreamProtocol;
  settings: PoolSettings;
  connect: ConnectFn;
  clock: Clock;
  breakers: CircuitBreakers;
  stats: ClusterStats;
  owner?: PoolOwner;
}
