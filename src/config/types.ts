/**
 * The validated configuration every other module reads.
 *
 * Conventions: field names are the YAML names in camelCase (`connect_timeout` →
 * `connectTimeoutMs`); every duration is a whole number of milliseconds and its name ends in
 * `Ms`; every default is filled in, so nothing is optional; absent optional blocks are `null`.
 * Values are plain data (no RegExp, no Map) so a config can be posted to a worker as is;
 * treat it as immutable. Regexes are kept as source strings and match the whole subject
 * (anchored), like Envoy's RE2 full match; compile them with `new RegExp(`^(?:${src})$`)`.
 */

/** The whole proxy configuration. */
export interface ProxyConfig {
  admin: AdminConfig;
  /** Worker threads; 'auto' = one per CPU. The `--workers` flag overrides it. */
  workers: WorkersSetting;
  /** How long a drain (SIGTERM, POST /admin/drain) waits for in-flight requests. Default 30s. */
  drainTimeoutMs: number;
  listeners: ListenerConfig[];
  clusters: ClusterConfig[];
}

/** `auto` or a thread count ≥ 1. */
export type WorkersSetting = number | 'auto';

/** Where the admin HTTP endpoint listens. Default 127.0.0.1:9901; port 0 picks a free port. */
export interface AdminConfig {
  address: string;
  port: number;
}

/** One downstream listening socket (bound by every worker) and its routing table. */
export interface ListenerConfig {
  name: string;
  /** An IP literal. */
  address: string;
  /** 0 picks a free port (tests). */
  port: number;
  /**
   * Length of the kernel's queue of connections not yet accepted; null: the system's largest
   * (net.core.somaxconn), as Envoy. A burst beyond it waits for SYN retransmits (1 s, 3 s, ...).
   */
  tcpBacklogSize: number | null;
  /** Largest request head accepted, in KiB (431 above it). Default 60. */
  maxRequestHeadersKb: number;
  /** Most request header lines accepted (431 above it). Default 100. */
  maxRequestHeadersCount: number;
  /** Time allowed to receive a whole request head (408 after it). 0 = no limit. Default 10s. */
  requestHeadersTimeoutMs: number;
  /** A downstream connection with no request in flight for this long is closed. 0 = never. Default 1h. */
  idleTimeoutMs: number;
  /**
   * A request in flight with no byte from the client and none of the response for this long ends:
   * 408 while the request is incomplete, 504 before the response started, else a reset. 0 = never. Default 5m.
   */
  streamIdleTimeoutMs: number;
  /** Null: no access log. */
  accessLog: AccessLogConfig | null;
  /** Value for a `via` header added to requests and responses; null: none. */
  via: string | null;
  virtualHosts: VirtualHostConfig[];
}

/** Where and how requests are logged. */
export interface AccessLogConfig {
  /** `stdout`, `stderr` or a file path (appended to). */
  path: string;
  /** `default`: an Envoy-like text line; `json`: one JSON object per line. */
  format: AccessLogFormat;
}

export type AccessLogFormat = 'default' | 'json';

/** Routes for a set of Host values. */
export interface VirtualHostConfig {
  name: string;
  /** Lower-cased: exact names, `*.suffix`, `prefix.*`, or `*`. May carry a `:port`. */
  domains: string[];
  /** Tried in order; the first match wins. */
  routes: RouteConfig[];
  requestHeadersToAdd: HeaderValueOption[];
  /** Lower-cased header names. */
  requestHeadersToRemove: string[];
  responseHeadersToAdd: HeaderValueOption[];
  responseHeadersToRemove: string[];
}

/** A header to add; `append: false` replaces any existing value. Default append: true. */
export interface HeaderValueOption {
  /** As written (case kept for the wire); compare case-insensitively. */
  key: string;
  value: string;
  append: boolean;
}

/** A match and what to do with a request that matches. */
export interface RouteConfig {
  /** Optional label for logs; null when not given. */
  name: string | null;
  match: RouteMatch;
  action: RouteAction;
  requestHeadersToAdd: HeaderValueOption[];
  requestHeadersToRemove: string[];
  responseHeadersToAdd: HeaderValueOption[];
  responseHeadersToRemove: string[];
}

/** All parts must match. */
export interface RouteMatch {
  path: PathMatch;
  /** Applies to `prefix` and `path`. Default true. */
  caseSensitive: boolean;
  headers: HeaderMatcher[];
  queryParameters: QueryParameterMatcher[];
}

/** How the request path (without the query string) is matched. */
export type PathMatch =
  | { kind: 'prefix'; prefix: string }
  | { kind: 'path'; path: string }
  | { kind: 'regex'; regex: string };

/** A request header condition; `invert` negates the result. */
export interface HeaderMatcher {
  /** Lower-cased. */
  name: string;
  match: HeaderMatch;
  invert: boolean;
}

/** `present: false` matches when the header is absent. */
export type HeaderMatch =
  | { kind: 'exact'; value: string }
  | { kind: 'prefix'; value: string }
  | { kind: 'suffix'; value: string }
  | { kind: 'regex'; regex: string }
  | { kind: 'present'; present: boolean };

/** A query string condition on the (decoded) parameter value. */
export interface QueryParameterMatcher {
  name: string;
  match: QueryParameterMatch;
}

export type QueryParameterMatch =
  | { kind: 'exact'; value: string }
  | { kind: 'regex'; regex: string }
  | { kind: 'present'; present: boolean };

/** Exactly one of: proxy to a cluster, answer directly, or redirect. */
export type RouteAction = ClusterRouteAction | DirectResponseAction | RedirectAction;

/** Proxy to a cluster. */
export interface ClusterRouteAction {
  kind: 'cluster';
  /** Name of a cluster that exists (checked). */
  cluster: string;
  /** Whole-request timeout, including retries (504 `UT`). 0 = none. Default 15s. */
  timeoutMs: number;
  /** Replaces the matched prefix (or the whole path for `path` matches); null: unchanged. */
  prefixRewrite: string | null;
  /** Host header sent upstream; null: unchanged. */
  hostRewriteLiteral: string | null;
  /** Null: no retries. */
  retryPolicy: RetryPolicyConfig | null;
  /** Allow `Upgrade: websocket` on this route. Default false. */
  websocket: boolean;
  /** Largest request body buffered so the request can be retried. Default 65536. */
  perRequestBufferLimitBytes: number;
}

/** Answer without an upstream. */
export interface DirectResponseAction {
  kind: 'direct_response';
  status: number;
  /** Default ''. */
  body: string;
}

/** Answer with a redirect built from the request URL. */
export interface RedirectAction {
  kind: 'redirect';
  hostRedirect: string | null;
  portRedirect: number | null;
  /** Replaces the whole path; exclusive with `prefixRewrite`. */
  pathRedirect: string | null;
  prefixRewrite: string | null;
  schemeRedirect: 'http' | 'https' | null;
  /** Default 301. */
  responseCode: RedirectResponseCode;
  /** Drop the query string. Default false. */
  stripQuery: boolean;
}

export type RedirectResponseCode = 301 | 302 | 303 | 307 | 308;

/** When and how often a request is retried. */
export interface RetryPolicyConfig {
  /** Deduplicated, in the order written. */
  retryOn: RetryOn[];
  /** Default 1. */
  numRetries: number;
  /** Timeout of each attempt; 0 = only the route timeout applies. Default 0. */
  perTryTimeoutMs: number;
  /** Used with `retriable-status-codes`. */
  retriableStatusCodes: number[];
  /** Exponential back-off with full jitter between attempts. */
  retryBackOff: { baseIntervalMs: number; maxIntervalMs: number };
}

/** Conditions in `retry_on`, as in Envoy. */
export type RetryOn = '5xx' | 'gateway-error' | 'connect-failure' | 'reset' | 'retriable-status-codes';

/** An upstream service: its hosts and how to talk to them. */
export interface ClusterConfig {
  name: string;
  /** Default static. */
  type: ClusterType;
  /** Default round_robin. */
  lbPolicy: LbPolicy;
  /** Default 5s. */
  connectTimeoutMs: number;
  /** How often DNS clusters re-resolve. Default 5s. */
  dnsRefreshRateMs: number;
  /** At least one. Static clusters: IP literals; logical_dns: exactly one. */
  endpoints: EndpointConfig[];
  /** Default http/1.1. */
  protocol: UpstreamProtocol;
  circuitBreakers: CircuitBreakersConfig;
  httpProtocolOptions: HttpProtocolOptionsConfig;
  /** Null: no active health checking (every host healthy unless ejected). */
  healthCheck: HealthCheckConfig | null;
  /** Null: no outlier detection. */
  outlierDetection: OutlierDetectionConfig | null;
}

export type ClusterType = 'static' | 'strict_dns' | 'logical_dns';
export type LbPolicy = 'round_robin' | 'least_request' | 'random';
export type UpstreamProtocol = 'http/1.1' | 'http/1.0';

/** One upstream address (an IP, or a hostname for DNS clusters). */
export interface EndpointConfig {
  address: string;
  port: number;
  /** 1..128. Default 1. */
  weight: number;
}

/** Limits that hold across all workers (Envoy defaults 1024/1024/1024/3). */
export interface CircuitBreakersConfig {
  maxConnections: number;
  maxPendingRequests: number;
  maxRequests: number;
  maxRetries: number;
}

/** Upstream connection reuse. */
export interface HttpProtocolOptionsConfig {
  /** An idle pooled connection is closed after this. 0 = never. Default 1h. */
  idleTimeoutMs: number;
  /** 0 = unlimited. Default 0. */
  maxRequestsPerConnection: number;
}

/** Active HTTP health checking, run on the main thread. */
export interface HealthCheckConfig {
  path: string;
  /** Host header for checks; null: the cluster name. */
  host: string | null;
  /** Default 5s. */
  intervalMs: number;
  /** Up to this much random time is added to each interval. Default 0. */
  intervalJitterMs: number;
  /** Default 1s. */
  timeoutMs: number;
  /** Default 3. */
  unhealthyThreshold: number;
  /** Default 2. */
  healthyThreshold: number;
  /** Half-open ranges as in Envoy: `{start: 200, end: 300}` is 200–299. Default that one. */
  expectedStatuses: StatusRange[];
}

/** Statuses `start` ≤ s < `end`. */
export interface StatusRange {
  start: number;
  end: number;
}

/** Passive ejection of hosts that keep failing. A consecutive count of 0 disables that detector. */
export interface OutlierDetectionConfig {
  /** Default 5. */
  consecutive5xx: number;
  /** 502, 503, 504 and connect failures. Default 5. */
  consecutiveGatewayFailure: number;
  /** How often ejections are reviewed. Default 10s. */
  intervalMs: number;
  /** Ejection time = base × number of times ejected, capped by max. Default 30s. */
  baseEjectionTimeMs: number;
  /** Default 300s. */
  maxEjectionTimeMs: number;
  /** At most this share of the cluster's hosts ejected at once. Default 10. */
  maxEjectionPercent: number;
}
