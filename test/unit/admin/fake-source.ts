/** A scriptable `AdminDataSource` for admin tests: plain mutable fields, and a record of what was called. */
import type {
  AdminDataSource,
  ClusterState,
  HostState,
  ListenerStatus,
  ReloadResult,
  ServerInfo,
  ServerState,
  Stat,
  WorkerPoolReport,
} from '../../../src/admin/types.ts';

function host(address: string, port: number, overrides: Partial<HostState> = {}): HostState {
  return {
    address: { socket_address: { address, port_value: port } },
    stats: [
      { name: 'cx_active', value: 3, type: 'GAUGE' },
      { name: 'cx_total', value: 10, type: 'COUNTER' },
      { name: 'rq_active', value: 1, type: 'GAUGE' },
      { name: 'rq_total', value: 40, type: 'COUNTER' },
    ],
    health_status: { eds_health_status: 'HEALTHY', failed_active_health_check: false, failed_outlier_check: false },
    weight: 1,
    ...overrides,
  };
}

function cluster(name: string, hosts: HostState[]): ClusterState {
  return {
    name,
    added_via_api: false,
    type: 'static',
    lb_policy: 'round_robin',
    circuit_breakers: {
      thresholds: [
        {
          priority: 'DEFAULT',
          max_connections: 1024,
          max_pending_requests: 512,
          max_requests: 1024,
          max_retries: 3,
          occupancy: { connections: 5, pending_requests: 1, requests: 4, retries: 0 },
        },
      ],
    },
    stats: [
      { name: 'upstream_rq_total', value: 80, type: 'COUNTER' },
      { name: 'upstream_rq_active', value: 2, type: 'GAUGE' },
    ],
    host_statuses: hosts,
  };
}

/** A pool report line for `backend`'s first host unless told otherwise. */
export function pool(overrides: Partial<WorkerPoolReport> = {}): WorkerPoolReport {
  return {
    cluster: 'backend',
    address: '127.0.0.1',
    port: 9001,
    protocol: 'http/1.1',
    ready: 2,
    busy: 1,
    connecting: 0,
    pending: 0,
    ...overrides,
  };
}

export class FakeAdminSource implements AdminDataSource {
  clusterStates: ClusterState[] = [
    cluster('backend', [host('127.0.0.1', 9001), host('127.0.0.1', 9002, { weight: 3 })]),
    cluster('api', [
      host('::1', 9100, {
        health_status: { eds_health_status: 'HEALTHY', failed_active_health_check: true, failed_outlier_check: true },
      }),
    ]),
  ];
  workers: number[] = [0, 1];
  pools = new Map<number, WorkerPoolReport[]>([
    [0, [pool(), pool({ port: 9002, ready: 1, busy: 0 })]],
    [1, [pool({ ready: 0, busy: 4, connecting: 1, pending: 2 }), pool({ protocol: 'http/1.0', ready: 1, busy: 0 })]],
  ]);
  /** Workers whose `workerPools` never settles. */
  stuck = new Set<number>();
  /** Workers whose `workerPools` rejects. */
  failing = new Set<number>();
  statList: Stat[] = [
    { name: 'cluster.backend.upstream_rq_total', value: 80, type: 'counter' },
    { name: 'cluster.backend.upstream_cx_total', value: 12, type: 'counter' },
    { name: 'cluster.backend.upstream_rq_2xx', value: 75, type: 'counter' },
    { name: 'cluster.backend.upstream_rq_5xx', value: 5, type: 'counter' },
    { name: 'cluster.backend.upstream_rq_503', value: 5, type: 'counter' },
    { name: 'cluster.backend.upstream_rq_active', value: 2, type: 'gauge' },
    { name: 'cluster.api.upstream_rq_total', value: 7, type: 'counter' },
    { name: 'cluster.api.upstream_rq_active', value: 0, type: 'gauge' },
    { name: 'http.ingress.downstream_rq_total', value: 87, type: 'counter' },
    { name: 'http.ingress.downstream_rq_2xx', value: 82, type: 'counter' },
    { name: 'http.ingress.downstream_cx_active', value: 6, type: 'gauge' },
    { name: 'listener.ingress.worker_0.downstream_cx_total', value: 9, type: 'counter' },
    { name: 'listener.ingress.worker_1.downstream_cx_total', value: 11, type: 'counter' },
    { name: 'listener.ingress.worker_0.downstream_cx_active', value: 2, type: 'gauge' },
    { name: 'listener.ingress.worker_1.downstream_cx_active', value: 4, type: 'gauge' },
    { name: 'listener.0.0.0.0_10000.downstream_cx_total', value: 20, type: 'counter' },
    { name: 'server.uptime', value: 3725, type: 'gauge' },
  ];
  ready = true;
  state: ServerState = 'LIVE';
  reloadResult: ReloadResult = { ok: true };
  listenerList: ListenerStatus[] = [
    { name: 'ingress', local_address: { socket_address: { address: '0.0.0.0', port_value: 10000 } } },
  ];
  config: unknown = { admin: { address: '127.0.0.1', port: 9901 }, clusters: [{ name: 'backend' }] };
  calls = { workerPools: 0, reload: 0, drain: 0, quit: 0 };

  clusters(): ClusterState[] {
    return this.clusterStates;
  }
  workerIds(): number[] {
    return this.workers;
  }
  workerPools(worker: number): Promise<WorkerPoolReport[]> {
    this.calls.workerPools++;
    if (this.stuck.has(worker)) return new Promise(() => {});
    if (this.failing.has(worker)) return Promise.reject(new Error(`worker ${worker} is gone`));
    return Promise.resolve(this.pools.get(worker) ?? []);
  }
  stats(): Stat[] {
    return this.statList;
  }
  configDump(): unknown {
    return this.config;
  }
  scopeNames: string[] = [];
  statScopeNames(): string[] {
    return this.scopeNames;
  }
  listeners(): ListenerStatus[] {
    return this.listenerList;
  }
  serverInfo(): ServerInfo {
    return {
      version: '0.1.0',
      state: this.state,
      runtime: { name: 'node', version: '24.21.0' },
      uptime_seconds: 3725,
      workers: this.workers.length,
      listening_model: 'reuseport',
      config_generation: 1,
    };
  }
  isReady(): boolean {
    return this.ready;
  }
  reload(): Promise<ReloadResult> {
    this.calls.reload++;
    return Promise.resolve(this.reloadResult);
  }
  drain(): Promise<void> {
    this.calls.drain++;
    return Promise.resolve();
  }
  quit(): Promise<void> {
    this.calls.quit++;
    return Promise.resolve();
  }

  /** Sets one number of one pool in place (the pool must exist). */
  setPool(worker: number, match: Partial<WorkerPoolReport>, values: Partial<WorkerPoolReport>): void {
    const list = this.pools.get(worker) ?? [];
    const p = list.find((x) =>
      (Object.keys(match) as (keyof WorkerPoolReport)[]).every((k) => x[k] === match[k]),
    );
    if (!p) throw new Error(`no pool on worker ${worker} matching ${JSON.stringify(match)}`);
    Object.assign(p, values);
  }
}
