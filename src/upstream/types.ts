/** Upstream configuration input: plain data the lead maps validated config onto (durations in ms). */
import type { Socket } from '../../runtime-adapters/types.ts';

export type ClusterType = 'static' | 'strict_dns' | 'logical_dns';

export type LbPolicy = 'round_robin' | 'least_request' | 'random';

/** HTTP/1.0 and HTTP/1.1 upstream requests use different pools. */
export type UpstreamProtocol = 'http/1.0' | 'http/1.1';

/** One configured endpoint; for DNS clusters `address` is a name to resolve. */
export interface EndpointConfig {
  address: string;
  port: number;
  weight: number;
}

/** Cluster-wide limits, shared by every worker. */
export interface CircuitBreakerLimits {
  maxConnections: number;
  maxPendingRequests: number;
  maxRequests: number;
  maxRetries: number;
}

/** One cluster as the upstream core needs it. */
export interface ClusterConfig {
  name: string;
  type: ClusterType;
  lbPolicy: LbPolicy;
  connectTimeoutMs: number;
  endpoints: EndpointConfig[];
  circuitBreakers: CircuitBreakerLimits;
  /** Close a pooled connection idle this long; 0 disables. */
  idleTimeoutMs: number;
  /** Close a connection after this many requests; 0 means unlimited. */
  maxRequestsPerConnection: number;
  /** Re-resolution interval for strict_dns / logical_dns clusters. */
  dnsRefreshRateMs: number;
}

/** Envoy's defaults for a cluster's circuit breakers. */
export const DEFAULT_CIRCUIT_BREAKER_LIMITS: Readonly<CircuitBreakerLimits> = Object.freeze({
  maxConnections: 1024,
  maxPendingRequests: 1024,
  maxRequests: 1024,
  maxRetries: 3,
});

/** Opens a TCP connection (the runtime adapter's `connect`, narrowed so tests can fake it). */
export type ConnectFn = (host: string, port: number, timeoutMs: number) => Promise<Socket>;
