/** Schema of a cluster: endpoints, load balancing, limits, health checking, outlier detection. */

import { expectation } from './describe.ts';
import { duration, fail, hostAddress, hostHeader, int, isIpLiteral, list, name, oneOf, port, UINT32_MAX, urlPath } from './schema-leaves.ts';
import { strict } from './schema-object.ts';
import type { CircuitBreakersConfig, ClusterConfig, HealthCheckConfig, OutlierDetectionConfig, StatusRange } from './types.ts';

const endpoint = strict({
  address: hostAddress(),
  port: port(false),
  weight: int(1, 128).default(1),
});

const circuitBreakers = strict({
  max_connections: int(0, UINT32_MAX).default(1024),
  max_pending_requests: int(0, UINT32_MAX).default(1024),
  max_requests: int(0, UINT32_MAX).default(1024),
  max_retries: int(0, UINT32_MAX).default(3),
}).transform((v): CircuitBreakersConfig => ({
  maxConnections: v.max_connections,
  maxPendingRequests: v.max_pending_requests,
  maxRequests: v.max_requests,
  maxRetries: v.max_retries,
}));

const httpProtocolOptions = strict({
  idle_timeout: duration().prefault('1h'),
  max_requests_per_connection: int(0, UINT32_MAX).default(0),
});

const statusRange = strict({
  start: int(100, 599),
  end: int(101, 600),
}).transform((v, ctx): StatusRange => {
  if (v.end <= v.start) {
    return fail(ctx, `expected end to be greater than start (ranges are half-open: {start: 200, end: 300} is 200-299), found start ${v.start}, end ${v.end}`, v);
  }
  return { start: v.start, end: v.end };
});

const healthCheck = strict({
  path: urlPath(),
  host: hostHeader().optional(),
  interval: duration(1).prefault('5s'),
  interval_jitter: duration().prefault('0'),
  timeout: duration(1).prefault('1s'),
  unhealthy_threshold: int(1, 1000).default(3),
  healthy_threshold: int(1, 1000).default(2),
  expected_statuses: list(statusRange, 1, 'status range').default([{ start: 200, end: 300 }]),
}).transform((v): HealthCheckConfig => ({
  path: v.path,
  host: v.host ?? null,
  intervalMs: v.interval,
  intervalJitterMs: v.interval_jitter,
  timeoutMs: v.timeout,
  unhealthyThreshold: v.unhealthy_threshold,
  healthyThreshold: v.healthy_threshold,
  expectedStatuses: v.expected_statuses,
}));

const outlierDetection = strict({
  consecutive_5xx: int(0, UINT32_MAX).default(5),
  consecutive_gateway_failure: int(0, UINT32_MAX).default(5),
  interval: duration(1).prefault('10s'),
  base_ejection_time: duration(1).prefault('30s'),
  max_ejection_time: duration(1).optional(),
  max_ejection_percent: int(0, 100).default(10),
}).transform((v, ctx): OutlierDetectionConfig => {
  // As Envoy: unset, it is 300 s or base_ejection_time, whichever is larger.
  const maxEjection = v.max_ejection_time ?? Math.max(300_000, v.base_ejection_time);
  if (maxEjection < v.base_ejection_time) {
    ctx.addIssue({ code: 'custom', message: `expected at least base_ejection_time (${v.base_ejection_time}ms), found ${maxEjection}ms`, path: ['max_ejection_time'], input: v.max_ejection_time });
  }
  return {
    consecutive5xx: v.consecutive_5xx,
    consecutiveGatewayFailure: v.consecutive_gateway_failure,
    intervalMs: v.interval,
    baseEjectionTimeMs: v.base_ejection_time,
    maxEjectionTimeMs: maxEjection,
    maxEjectionPercent: v.max_ejection_percent,
  };
});

/** One cluster. */
export const cluster = strict({
  name: name(),
  type: oneOf(['static', 'strict_dns', 'logical_dns']).default('static'),
  lb_policy: oneOf(['round_robin', 'least_request', 'random']).default('round_robin'),
  connect_timeout: duration(1).prefault('5s'),
  dns_refresh_rate: duration(1).prefault('5s'),
  endpoints: list(endpoint, 1, 'endpoint'),
  protocol: oneOf(['http/1.1', 'http/1.0']).default('http/1.1'),
  circuit_breakers: circuitBreakers.prefault({}),
  http_protocol_options: httpProtocolOptions.prefault({}),
  health_check: healthCheck.optional(),
  outlier_detection: outlierDetection.optional(),
}).transform((v, ctx): ClusterConfig => {
  if (v.type === 'static') {
    v.endpoints.forEach((e, index) => {
      if (!isIpLiteral(e.address)) {
        ctx.addIssue({ code: 'custom', message: `${expectation('expected an IP address in a static cluster', e.address)} (use type: strict_dns for hostnames)`, path: ['endpoints', index, 'address'], input: e.address });
      }
    });
  }
  if (v.type === 'logical_dns' && v.endpoints.length !== 1) {
    ctx.addIssue({ code: 'custom', message: `expected exactly one endpoint in a logical_dns cluster, found ${v.endpoints.length}`, path: ['endpoints'], input: v.endpoints });
  }
  return {
    name: v.name,
    type: v.type,
    lbPolicy: v.lb_policy,
    connectTimeoutMs: v.connect_timeout,
    dnsRefreshRateMs: v.dns_refresh_rate,
    endpoints: v.endpoints.map((e) => ({ address: e.address, port: e.port, weight: e.weight })),
    protocol: v.protocol,
    circuitBreakers: v.circuit_breakers,
    httpProtocolOptions: {
      idleTimeoutMs: v.http_protocol_options.idle_timeout,
      maxRequestsPerConnection: v.http_protocol_options.max_requests_per_connection,
    },
    healthCheck: v.health_check ?? null,
    outlierDetection: v.outlier_detection ?? null,
  };
});
