/** Builds the YAML config the e2e tests start the proxy with: one listener, one virtual host, routes, clusters. */
import { stringify } from 'yaml';

export interface E2eConfig {
  /** The listener port (from `freePort()`: reusePort listeners can't share port 0). */
  port: number;
  workers?: number;
  drainTimeout?: string;
  /** Extra listener fields: `access_log`, `request_headers_timeout`, … */
  listener?: Record<string, unknown>;
  routes: Record<string, unknown>[];
  clusters: Record<string, unknown>[];
}

/** The admin always binds port 0 (the log says which); the listener is `ingress`, the virtual host `all`. */
export function proxyConfig(c: E2eConfig): string {
  return stringify({
    admin: { address: '127.0.0.1', port: 0 },
    workers: c.workers ?? 1,
    ...(c.drainTimeout ? { drain_timeout: c.drainTimeout } : {}),
    listeners: [
      {
        name: 'ingress',
        address: '127.0.0.1',
        port: c.port,
        ...c.listener,
        virtual_hosts: [{ name: 'all', domains: ['*'], routes: c.routes }],
      },
    ],
    clusters: c.clusters,
  });
}

/** A 127.0.0.1 endpoint. */
export function endpoint(port: number): { address: string; port: number } {
  return { address: '127.0.0.1', port };
}

/** A prefix route to a cluster, with extra route fields (`timeout`, `retry_policy`, …). */
export function prefixRoute(prefix: string, cluster: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { match: { prefix }, cluster, ...extra };
}
