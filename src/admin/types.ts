/** The contract between the admin app and the main thread that feeds it: data shapes and the data source. */

/** An address as Envoy's admin API writes it. */
export interface SocketAddress {
  address: string;
  port_value: number;
}

/** One named number, with Envoy's `SimpleMetric` type names (used inside `/admin/clusters`). */
export interface SimpleMetric {
  name: string;
  value: number;
  type: 'COUNTER' | 'GAUGE';
}

/** Envoy's `HealthStatus` enum, as in EDS. */
export type EdsHealthStatus = 'UNKNOWN' | 'HEALTHY' | 'UNHEALTHY' | 'DRAINING' | 'TIMEOUT' | 'DEGRADED';

/** Why a host is or is not a load-balancing candidate (Envoy's `HostHealthStatus`). */
export interface HostHealthStatus {
  eds_health_status: EdsHealthStatus;
  failed_active_health_check: boolean;
  failed_outlier_check: boolean;
  /** The host was removed from the config and drains its pools. */
  pending_dynamic_removal?: boolean;
}

/** The upstream protocol of a pool; HTTP/1.0 and HTTP/1.1 requests use different pools. */
export type PoolProtocol = 'http/1.0' | 'http/1.1';

/** The four lists of one pool on one worker (DESIGN §4). */
export interface PoolStatus {
  worker: number;
  protocol: PoolProtocol;
  ready: number;
  busy: number;
  connecting: number;
  pending: number;
}

/** A worker that did not report its pools in time (stuck, crashed, restarting). */
export interface UnavailableWorkerPools {
  worker: number;
  unavailable: true;
}

export type HostPools = PoolStatus | UnavailableWorkerPools;

/** A host as main knows it, without the per-worker pool state. */
export interface HostState {
  address: { socket_address: SocketAddress };
  /** The DNS name the address came from, for `strict_dns` / `logical_dns` clusters. */
  hostname?: string;
  /** Envoy's host stats: `cx_total`, `cx_active`, `cx_connect_fail`, `rq_total`, `rq_active`, `rq_error`, `rq_success`, `rq_timeout`. */
  stats: SimpleMetric[];
  health_status: HostHealthStatus;
  weight: number;
}

/** A host in the `/admin/clusters` answer: `HostState` plus its pools on every worker. */
export interface HostStatus extends HostState {
  pools: HostPools[];
}

/** How many of each circuit-breaker resource are in use now, across all workers (shared memory). */
export interface CircuitBreakerOccupancy {
  connections: number;
  pending_requests: number;
  requests: number;
  retries: number;
}

/** Envoy's threshold fields, plus the current occupancy (our addition). */
export interface CircuitBreakerThreshold {
  priority: 'DEFAULT' | 'HIGH';
  max_connections: number;
  max_pending_requests: number;
  max_requests: number;
  max_retries: number;
  occupancy: CircuitBreakerOccupancy;
}

/** A cluster as main knows it (everything synchronous: config, health, shared-memory counters). */
export interface ClusterState {
  name: string;
  /** Always false: clusters come from the config file (kept for Envoy tools). */
  added_via_api: boolean;
  type: 'static' | 'strict_dns' | 'logical_dns';
  lb_policy: 'round_robin' | 'least_request' | 'random';
  circuit_breakers: { thresholds: CircuitBreakerThreshold[] };
  /** Cluster-level stats (`upstream_rq_total`, ...), names without the `cluster.<name>.` prefix. */
  stats: SimpleMetric[];
  host_statuses: HostState[];
}

/** A cluster in the `/admin/clusters` answer (Envoy's `ClusterStatus` plus pools per host). */
export interface ClusterStatus extends Omit<ClusterState, 'host_statuses'> {
  host_statuses: HostStatus[];
}

/** The JSON body of `GET /admin/clusters`, shaped like Envoy's `/clusters?format=json`. */
export interface ClustersResponse {
  cluster_statuses: ClusterStatus[];
}

/** One pool as a worker reports it: which cluster and host it belongs to, and its four numbers. */
export interface WorkerPoolReport {
  cluster: string;
  address: string;
  port: number;
  protocol: PoolProtocol;
  ready: number;
  busy: number;
  connecting: number;
  pending: number;
}

/** A server-wide stat with its full Envoy name (`cluster.backend.upstream_rq_total`). */
export interface Stat {
  name: string;
  value: number;
  type: 'counter' | 'gauge';
}

/** A listener as `/admin/listeners` shows it (Envoy's `ListenerStatus`). */
export interface ListenerStatus {
  name: string;
  local_address: { socket_address: SocketAddress };
}

/** Envoy's server states; `/admin/ready` answers 200 only in `LIVE`. */
export type ServerState = 'PRE_INITIALIZING' | 'INITIALIZING' | 'LIVE' | 'DRAINING';

/** The body of `GET /admin/server_info`. */
export interface ServerInfo {
  version: string;
  state: ServerState;
  runtime: { name: string; version: string };
  uptime_seconds: number;
  workers: number;
  listening_model: string;
  /** Increments on every successful reload. */
  config_generation?: number;
}

/**
 * `ok`: the new generation is in effect (`warnings`: changes that wait for a restart). Not ok
 * without `applied`: the file was refused and nothing changed. With `applied`: the generation is
 * in effect except for what `errors` names (e.g. a moved listener whose new port was taken).
 */
export type ReloadResult =
  | { ok: true; generation?: number; warnings?: string[] }
  | { ok: false; errors: string[]; applied?: boolean; generation?: number; /** Refused for now (draining): 503. */ unavailable?: boolean };

/**
 * What the admin needs from the main thread. Synchronous where main holds the data (config,
 * ClusterManager, SharedArrayBuffer counters); asynchronous only where a worker must be asked —
 * the admin bounds every such call with its own timeout, so an implementation may simply forward
 * the question to the worker and never needs a timeout of its own.
 */
export interface AdminDataSource {
  /** Every cluster with its hosts, health, weights, circuit breakers and stats; no pools. */
  clusters(): ClusterState[];
  /** The ids of the workers running now (the ones `workerPools` can be asked about). */
  workerIds(): number[];
  /**
   * The pools one worker holds. May never settle (a stuck worker): the admin then shows that
   * worker as `unavailable`. A rejection is shown the same way.
   */
  workerPools(worker: number): Promise<WorkerPoolReport[]>;
  /** Every counter and gauge, with Envoy names. */
  stats(): Stat[];
  /** The effective config, secrets already redacted. */
  configDump(): unknown;
  /** The cluster and listener names, as they appear inside stat names (one may hold dots). */
  statScopeNames(): string[];
  listeners(): ListenerStatus[];
  serverInfo(): ServerInfo;
  /** False while starting or draining. */
  isReady(): boolean;
  /** Validate and apply the config file again; invalid → the old config keeps serving. */
  reload(): Promise<ReloadResult>;
  /**
   * Start draining (stop accepting, finish in-flight requests). The admin answers without
   * waiting for the drain to finish.
   */
  drain(): Promise<void>;
  /**
   * Shut down. Called after the admin has built its 200 answer, on a later task; the
   * implementation should close the admin server gracefully so that answer is flushed.
   */
  quit(): Promise<void>;
}
