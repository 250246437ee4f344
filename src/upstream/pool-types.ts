/** The contract between a connection pool and the request path that uses it. */
import type { SocketHandler } from '../../runtime-adapters/types.ts';
import type { UpstreamProtocol } from './types.ts';

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
  /** Receive this connection's socket events until the exchange ends. */
  attach(handler: SocketHandler): void;
  /** Same contract as `Socket.write` (false: wait for the handler's `onDrain`). */
  write(bytes: Uint8Array): boolean;
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
