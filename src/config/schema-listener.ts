/** Schema of a listener: socket, limits, timeouts, access log and virtual hosts. */

import { bindAddress, duration, fail, headerValue, int, list, name, nonEmptyString, oneOf, port } from './schema-leaves.ts';
import { strict } from './schema-object.ts';
import { headerEdits, headerEditShape, route } from './schema-route.ts';
import type { AccessLogConfig, ListenerConfig, VirtualHostConfig } from './types.ts';

const accessLog = strict({
  path: nonEmptyString(),
  format: oneOf(['default', 'json']).default('default'),
}).transform((v): AccessLogConfig => ({ path: v.path, format: v.format }));

// Exact names, `*.suffix`, `prefix.*` or `*`, optionally with a port; a `*` anywhere else
// could never match.
const DOMAIN_RE = /^(\*|\*[.-][^*\s/]+|[^*\s/]+[.-]\*|[^*\s/]+)$/;

const domain = nonEmptyString().transform((value, ctx): string => {
  if (!DOMAIN_RE.test(value)) {
    return fail(ctx, `expected a domain such as example.com, *.example.com, example.* or *, found ${JSON.stringify(value)}`, value);
  }
  // A port-qualified domain (example.com:8080, [::1]:8080) can only match a real port.
  const port = /:(\d+)$/.exec(value);
  if (port !== null && !value.endsWith('::' + port[1]) && (Number(port[1]) < 1 || Number(port[1]) > 65535)) {
    return fail(ctx, `expected a port from 1 to 65535 after the domain, found ${JSON.stringify(value)}`, value);
  }
  return value.toLowerCase();
});

const virtualHost = strict({
  name: name(),
  domains: list(domain, 1, 'domain'),
  routes: list(route, 1, 'route'),
  ...headerEditShape,
}).transform((v): VirtualHostConfig => ({ name: v.name, domains: v.domains, routes: v.routes, ...headerEdits(v) }));

/** One listener. */
export const listener = strict({
  name: name(),
  address: bindAddress(),
  port: port(true),
  // Envoy's field: the kernel's accept queue; absent = the system's largest (net.core.somaxconn).
  tcp_backlog_size: int(1, 65535).optional(),
  // Envoy's bounds: the head may be up to 8 MiB.
  max_request_headers_kb: int(1, 8192).default(60),
  max_request_headers_count: int(1, 10_000).default(100),
  request_headers_timeout: duration().prefault('10s'),
  idle_timeout: duration().prefault('1h'),
  // Envoy's default: a request with nothing moving in either direction for this long ends (408/504).
  stream_idle_timeout: duration().prefault('5m'),
  access_log: accessLog.optional(),
  via: headerValue().optional(),
  virtual_hosts: list(virtualHost, 1, 'virtual host'),
}).transform((v): ListenerConfig => ({
  name: v.name,
  address: v.address,
  port: v.port,
  tcpBacklogSize: v.tcp_backlog_size ?? null,
  maxRequestHeadersKb: v.max_request_headers_kb,
  maxRequestHeadersCount: v.max_request_headers_count,
  requestHeadersTimeoutMs: v.request_headers_timeout,
  idleTimeoutMs: v.idle_timeout,
  streamIdleTimeoutMs: v.stream_idle_timeout,
  accessLog: v.access_log ?? null,
  via: v.via ?? null,
  virtualHosts: v.virtual_hosts,
}));
