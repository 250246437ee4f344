/** The router's input: virtual hosts and routes as plain data, durations already in milliseconds. */

/**
 * Header fields in wire order, flat: `[name0, value0, name1, value1, …]`. Names keep the case
 * they arrived with; every lookup compares them case-insensitively.
 */
export type HeaderList = string[];

/** What adding a header does when the name is already there (Envoy's `append_action`). */
export type HeaderAppendAction =
  | 'append_if_exists_or_add'
  | 'add_if_absent'
  | 'overwrite_if_exists_or_add'
  | 'overwrite_if_exists';

/** One header to add. `appendAction` wins over `append`; the default appends (as Envoy). */
export interface HeaderValueOption {
  name: string;
  value: string;
  /** true: another field line with this name; false: replace every existing one. */
  append?: boolean;
  appendAction?: HeaderAppendAction;
}

/**
 * Matches one request header. At most one of exact / prefix / suffix / contains / safeRegex /
 * present; none at all means "the header is present". Several field lines with the name are
 * joined with "," before matching, as Envoy does. Names starting with ':' read the request
 * itself (`:method`, `:authority`, `:path`).
 */
export interface HeaderMatcher {
  name: string;
  exact?: string;
  prefix?: string;
  suffix?: string;
  contains?: string;
  safeRegex?: string;
  present?: boolean;
  /** Applies to exact / prefix / suffix / contains. */
  ignoreCase?: boolean;
  /**
   * Negates the result. As in Envoy a missing header never satisfies a value matcher, inverted
   * or not; `present: true` inverted matches a missing header.
   */
  invert?: boolean;
}

/**
 * Matches one query parameter (first occurrence, as sent: not percent-decoded). At most one of exact / prefix /
 * safeRegex / present; none means "the parameter is present".
 */
export interface QueryParameterMatcher {
  name: string;
  exact?: string;
  prefix?: string;
  safeRegex?: string;
  present?: boolean;
  ignoreCase?: boolean;
}

/** Which requests a route takes: exactly one of prefix / path / safeRegex, plus optional extras. */
export interface RouteMatchConfig {
  prefix?: string;
  /** The whole path, without the query string. */
  path?: string;
  /** Must match the whole path, without the query string. */
  safeRegex?: string;
  /** For prefix and path (not safeRegex); default true. */
  caseSensitive?: boolean;
  headers?: HeaderMatcher[];
  queryParameters?: QueryParameterMatcher[];
}

/** The `retry_on` conditions we implement. */
export type RetryOn = '5xx' | 'gateway-error' | 'connect-failure' | 'reset' | 'retriable-status-codes';

/** A route's retry policy. */
export interface RetryPolicy {
  retryOn: ReadonlySet<RetryOn>;
  numRetries: number;
  /** 0: each try gets the route timeout. */
  perTryTimeoutMs: number;
  retriableStatusCodes: readonly number[];
  backOffBaseMs: number;
  backOffMaxMs: number;
}

/** Forward to a cluster. */
export interface ClusterAction {
  kind: 'cluster';
  cluster: string;
  /** Whole-request timeout; 0 disables it (as Envoy). */
  timeoutMs: number;
  /** Replaces the matched prefix (for path / safeRegex routes: the whole path); the query stays. */
  prefixRewrite?: string;
  hostRewriteLiteral?: string;
  retryPolicy?: RetryPolicy;
  /** Allow `Upgrade: websocket` on this route. */
  websocket?: boolean;
  /** Largest request body kept so the request can be retried (default 64 KiB). */
  perRequestBufferLimitBytes?: number;
}

/** Answer from the proxy itself. */
export interface DirectResponseAction {
  kind: 'direct_response';
  status: number;
  body?: string;
}

/** Answer with a redirect; the Location is the request URL with the given parts replaced. */
export interface RedirectAction {
  kind: 'redirect';
  schemeRedirect?: string;
  hostRedirect?: string;
  portRedirect?: number;
  /** Replaces the whole path; a query in it replaces the request's query. */
  pathRedirect?: string;
  /** Replaces the matched prefix, as for a cluster route. */
  prefixRewrite?: string;
  stripQuery?: boolean;
  /** 301, 302, 303, 307 or 308. */
  responseCode: number;
}

/** What a matched route does. */
export type RouteAction = ClusterAction | DirectResponseAction | RedirectAction;

/** One route of a virtual host. */
export interface RouteConfig {
  name?: string;
  match: RouteMatchConfig;
  action: RouteAction;
  requestHeadersToAdd?: HeaderValueOption[];
  requestHeadersToRemove?: string[];
  responseHeadersToAdd?: HeaderValueOption[];
  responseHeadersToRemove?: string[];
}

/** A virtual host: the domains it answers for and its routes, first match wins. */
export interface VirtualHostConfig {
  name: string;
  domains: string[];
  routes: RouteConfig[];
  requestHeadersToAdd?: HeaderValueOption[];
  requestHeadersToRemove?: string[];
  responseHeadersToAdd?: HeaderValueOption[];
  responseHeadersToRemove?: string[];
}
