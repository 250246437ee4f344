/** Small builders for router tests: a cluster route and a virtual host with defaults filled in. */
import type { RouteConfig, RouteMatchConfig, VirtualHostConfig } from '../../../src/router/types.ts';

export function toCluster(cluster: string, match: RouteMatchConfig, extra: Partial<RouteConfig> = {}): RouteConfig {
  return { match, action: { kind: 'cluster', cluster, timeoutMs: 15_000 }, ...extra };
}

export function vhost(name: string, domains: string[], routes: RouteConfig[] = [toCluster(name, { prefix: '/' })]): VirtualHostConfig {
  return { name, domains, routes };
}
