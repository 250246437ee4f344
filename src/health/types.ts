/** Input and dependency types of active health checking and outlier detection. */
import type { Socket } from '../../runtime-adapters/types.ts';

/** A half-open range of HTTP statuses, `[start, end)`, as Envoy's `Int64Range`. */
export interface StatusRange {
  start: number;
  end: number;
}

/** Active HTTP health check of one cluster (Envoy `health_checks[].http_health_check`, flattened). */
export interface HealthCheckConfig {
  /** Request path, e.g. `/healthz`. */
  path: string;
  intervalMs: number;
  /** Each wait adds a random `[0, intervalJitterMs)` to `intervalMs`. */
  intervalJitterMs: number;
  /** Covers connect and the status line. */
  timeoutMs: number;
  unhealthyThreshold: number;
  healthyThreshold: number;
  /** Empty means `DEFAULT_EXPECTED_STATUSES`. */
  expectedStatuses: StatusRange[];
  /** `Host` header; the cluster name when absent (as Envoy). */
  host?: string;
}

/** Passive outlier detection of one cluster (Envoy `outlier_detection`, the consecutive detectors). */
export interface OutlierDetectionConfig {
  consecutive5xx: number;
  consecutiveGatewayFailure: number;
  /** How often ejections are reviewed (un-ejection happens only on this tick, as in Envoy). */
  intervalMs: number;
  baseEjectionTimeMs: number;
  maxEjectionTimeMs: number;
  maxEjectionPercent: number;
  /** Percent chance a detected consecutive-5xx ejection is enforced. Default 100 (Envoy: 100). */
  enforcingConsecutive5xx?: number;
  /** Percent chance a detected gateway-failure ejection is enforced. Default 100 (Envoy: 0). */
  enforcingConsecutiveGatewayFailure?: number;
  /** Eject one host even when that exceeds `maxEjectionPercent`. Default false (as Envoy). */
  alwaysEjectOneHost?: boolean;
}

/** An upstream endpoint; identified everywhere in this module by `hostKey` (`address:port`). */
export interface HostAddress {
  address: string;
  port: number;
}

/** Opens a TCP connection; rejects with a `SocketError`-like `{code}` (ETIMEDOUT, ECONNREFUSED, ...). */
export type ConnectFn = (host: string, port: number, timeoutMs: number) => Promise<Socket>;

/** Where counters and gauges go (`cluster.<name>.health_check.*`, `cluster.<name>.outlier_detection.*`). */
export interface StatsSink {
  inc(name: string): void;
  set(name: string, value: number): void;
  /** Make the counter exist at 0, as Envoy does when the checker or detector is created: a series that is missing is not a zero. */
  declare(name: string): void;
}

/** A number in `[0, 1)`, like `Math.random`; seeded in tests. */
export type RandomFn = () => number;

/** The key a host is known by: `127.0.0.1:9001` (`[::1]:9001` for IPv6), as in `/admin/clusters`. */
export function hostKey(host: HostAddress): string {
  return host.address.includes(':') ? `[${host.address}]:${host.port}` : `${host.address}:${host.port}`;
}
