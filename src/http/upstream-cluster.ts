/** What the request path needs from a worker's cluster: pick a host, get its pool, count retries. */
import type { PoolCallbacks, PendingHandle } from '../upstream/pool-types.ts';
import type { UpstreamProtocol } from '../upstream/types.ts';
import type { ClusterStats } from '../upstream/cluster-stats.ts';
import type { HostStats } from '../upstream/host-stats.ts';

/** A host as the request path sees it. */
export interface UpstreamHostRef {
  /** `address:port`. */
  readonly key: string;
  readonly stats: HostStats;
  /** Outcome of one request on this host, for outlier detection (no allocation). */
  reportStatus(status: number): void;
  /** Connect failure, reset or timeout on this host. */
  reportLocalFailure(): void;
}

/** The part of a pool a request uses. */
export interface RequestPool {
  newStream(callbacks: PoolCallbacks): PendingHandle | null;
}

export interface RouteCluster {
  readonly name: string;
  readonly stats: ClusterStats;
  /** A healthy host, avoiding `avoid` when another is available; null: none healthy (503 UH). */
  chooseHost(avoid: UpstreamHostRef | null): UpstreamHostRef | null;
  pool(host: UpstreamHostRef, protocol: UpstreamProtocol): RequestPool;
  /** The cluster's protocol setting: an HTTP/1.0 cluster forces HTTP/1.0 pools. */
  readonly forceHttp10: boolean;
  /** Circuit breaker `max_retries` (cluster-wide). */
  tryAcquireRetry(): boolean;
  releaseRetry(): void;
}

export interface ClusterLookup {
  get(name: string): RouteCluster | undefined;
}
