/** One compiled route: its path/header/query matchers, action, header edits and rewrites. */
import { compileAction, type CompiledRouteAction } from './actions.ts';
import { startsWithIgnoreCase } from './ascii.ts';
import { RouterConfigError } from './errors.ts';
import { compileHeaderMatcher, headerMatches, type CompiledHeaderMatcher } from './header-matcher.ts';
import { compileHeaderMutation, type HeaderMutation } from './header-mutation.ts';
import { pathEnd, replacePrefix } from './path-rewrite.ts';
import { compileQueryMatcher, queryMatches, type CompiledQueryMatcher } from './query-matcher.ts';
import { redirectLocation } from './redirect.ts';
import { compileSafeRegex } from './safe-regex.ts';
import type { RouteConfig } from './types.ts';
import type { VirtualHost } from './virtual-host.ts';

// How the path is tested.
const PREFIX = 0;
const EXACT = 1;
const REGEX = 2;

/** A compiled route; `Router.route` returns these, so everything a request needs is precomputed. */
export class RouteEntry {
  /** The route's name, or `#<index>` when it has none. */
  readonly name: string;
  readonly index: number;
  readonly virtualHost: VirtualHost;
  readonly action: CompiledRouteAction;
  /** Request header edits in the order Envoy applies them: route first, then virtual host. */
  readonly requestHeaderMutations: readonly HeaderMutation[];
  readonly responseHeaderMutations: readonly HeaderMutation[];
  /** True when the path matcher is a regex (the router then hands it the path without query). */
  readonly usesRegex: boolean;

  private readonly pathKind: number;
  /** Lower-cased when the match is case-insensitive. */
  private readonly pathValue: string;
  private readonly caseSensitive: boolean;
  private readonly regex: RegExp | null;
  private readonly headerMatchers: readonly CompiledHeaderMatcher[];
  /** The route looks at request fields (callers pass the field list only when some route does). */
  readonly matchesHeaders: boolean;
  private readonly queryMatchers: readonly CompiledQueryMatcher[];

  constructor(config: RouteConfig, index: number, virtualHost: VirtualHost) {
    this.index = index;
    this.name = config.name ?? `#${index}`;
    this.virtualHost = virtualHost;
    const where = `virtual host '${virtualHost.name}' routes[${index}]${config.name ? ` ('${config.name}')` : ''}`;
    const m = config.match;
    const given = [m.prefix, m.path, m.safeRegex].filter((v) => v !== undefined).length;
    if (given !== 1) throw new RouterConfigError(where, 'match needs exactly one of prefix, path, safe_regex');
    this.caseSensitive = m.caseSensitive !== false;
    this.regex = null;
    if (m.prefix !== undefined) {
      this.pathKind = PREFIX;
      this.pathValue = m.prefix;
    } else if (m.path !== undefined) {
      this.pathKind = EXACT;
      this.pathValue = m.path;
    } else {
      this.pathKind = REGEX;
      this.pathValue = m.safeRegex ?? '';
      this.regex = compileSafeRegex(this.pathValue, where, 'match.safe_regex');
    }
    if (this.pathKind !== REGEX) {
      if (this.pathValue !== '' && !this.pathValue.startsWith('/')) {
        throw new RouterConfigError(where, `match path '${this.pathValue}' must start with '/'`);
      }
      if (!this.caseSensitive) this.pathValue = this.pathValue.toLowerCase();
    }
    this.usesRegex = this.pathKind === REGEX;
    this.headerMatchers = (m.headers ?? []).map((h) => compileHeaderMatcher(h, where));
    this.matchesHeaders = this.headerMatchers.length > 0;
    this.queryMatchers = (m.queryParameters ?? []).map((q) => compileQueryMatcher(q, where));
    this.action = compileAction(config.action, where);
    const reqMine = compileHeaderMutation(config.requestHeadersToAdd, config.requestHeadersToRemove, 'request', where);
    const resMine = compileHeaderMutation(config.responseHeadersToAdd, config.responseHeadersToRemove, 'response', where);
    this.requestHeaderMutations = [reqMine, virtualHost.requestHeaderMutation].filter((x) => x !== null);
    this.responseHeaderMutations = [resMine, virtualHost.responseHeaderMutation].filter((x) => x !== null);
  }

  /**
   * Whether the request matches. `end` is where the path stops (first '?' or '#');
   * `barePath` is the path without query, needed only when `usesRegex`.
   */
  matches(method: string, authority: string, path: string, end: number, barePath: string, headers: readonly string[]): boolean {
    switch (this.pathKind) {
      case PREFIX:
        if (end < this.pathValue.length) return false;
        if (this.caseSensitive ? !path.startsWith(this.pathValue) : !startsWithIgnoreCase(path, this.pathValue)) return false;
        break;
      case EXACT:
        if (end !== this.pathValue.length) return false;
        // Same length as the path proper, so a prefix test is an equality test.
        if (this.caseSensitive ? !path.startsWith(this.pathValue) : !startsWithIgnoreCase(path, this.pathValue)) return false;
        break;
      default:
        if (!this.regex!.test(barePath)) return false;
    }
    for (let i = 0; i < this.headerMatchers.length; i++) {
      if (!headerMatches(this.headerMatchers[i]!, method, authority, path, headers)) return false;
    }
    for (let i = 0; i < this.queryMatchers.length; i++) {
      if (!queryMatches(this.queryMatchers[i]!, path, end)) return false;
    }
    return true;
  }

  /** How many leading characters of `path` the route matched: the prefix, or the whole path. */
  matchedLength(path: string): number {
    return this.pathKind === PREFIX ? this.pathValue.length : pathEnd(path);
  }

  /** The path to send upstream: `prefixRewrite` applied (query kept), else `path` itself. */
  upstreamPath(path: string): string {
    const a = this.action;
    if (a.kind !== 'cluster' || a.prefixRewrite === undefined) return path;
    return replacePrefix(path, this.matchedLength(path), a.prefixRewrite);
  }

  /** The Location header of a redirect route (null for other actions). */
  redirectLocation(scheme: string, authority: string, path: string): string | null {
    const a = this.action;
    if (a.kind !== 'redirect') return null;
    return redirectLocation(a, scheme, authority, path, this.matchedLength(path), pathEnd(path));
  }
}
