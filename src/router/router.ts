/** The router of one config generation: Host → virtual host → first matching route. */
import { DomainTable } from './domain-table.ts';
import { RouterConfigError } from './errors.ts';
import { pathEnd } from './path-rewrite.ts';
import type { RouteEntry } from './route-entry.ts';
import type { VirtualHostConfig } from './types.ts';
import { VirtualHost } from './virtual-host.ts';

/** The result of routing: the compiled route (it links its virtual host and action). */
export type RouteMatch = RouteEntry;

/** Routes requests for one listener; build with `compileRouter`, immutable afterwards. */
export class Router {
  readonly virtualHosts: readonly VirtualHost[];
  private readonly domains: DomainTable<VirtualHost>;
  /** Some route matches on request fields: `route` needs the real field list, not an empty one. */
  readonly needsHeaders: boolean;

  constructor(virtualHosts: readonly VirtualHost[]) {
    this.virtualHosts = virtualHosts;
    this.needsHeaders = virtualHosts.some((v) => v.routes.some((r) => r.matchesHeaders));
    this.domains = new DomainTable(virtualHosts.map((v) => ({ domains: v.domains, value: v, ownerName: v.name })));
  }

  /** The virtual host for a Host value (null or '' when the request has none), or null. */
  selectVirtualHost(host: string | null): VirtualHost | null {
    return this.domains.find(host ?? '');
  }

  /**
   * The first route of the selected virtual host matching the request, or null (404, `NR`).
   * `host` is the effective Host (codec's `RequestHead.host`); `path` the origin-form target,
   * query included (a `*` or CONNECT target matches only regex or empty-prefix routes);
   * `headers` the flat `[name, value, …]` list.
   * Allocates nothing unless a regex route needs the path without its query, or a query or
   * repeated-header matcher runs.
   */
  route(method: string, host: string | null, path: string, headers: readonly string[]): RouteMatch | null {
    const authority = host ?? '';
    const vh = this.domains.find(authority);
    if (vh === null) return null;
    const end = pathEnd(path);
    const bare = vh.usesRegex && end < path.length ? path.slice(0, end) : path;
    const routes = vh.routes;
    for (let i = 0; i < routes.length; i++) {
      const r = routes[i]!;
      if (r.matches(method, authority, path, end, bare, headers)) return r;
    }
    return null;
  }
}

/** Compile a listener's virtual hosts (once per config generation); throws `RouterConfigError`. */
export function compileRouter(virtualHosts: readonly VirtualHostConfig[]): Router {
  const names = new Set<string>();
  const compiled = virtualHosts.map((c) => {
    const vh = new VirtualHost(c);
    if (names.has(vh.name)) {
      // Names appear in errors and stats, so two hosts may not share one.
      throw new RouterConfigError(`virtual host '${vh.name}'`, 'name is used by another virtual host');
    }
    names.add(vh.name);
    return vh;
  });
  return new Router(compiled);
}
