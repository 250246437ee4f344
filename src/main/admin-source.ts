/** Feeds the admin app from main's state: ClusterManager, shared-memory stats, and workers' pool reports. */
import type {
  AdminDataSource,
  ClusterState,
  ListenerStatus,
  ReloadResult,
  ServerInfo,
  SimpleMetric,
  Stat,
  WorkerPoolReport,
} from '../admin/types.ts';
import type { ClusterManager } from '../upstream/cluster-manager.ts';
import type { StatsReader } from '../stats/stats-reader.ts';
import { HOST_STAT_NAMES } from '../upstream/host-stats.ts';
import { hostStatName, isHostStatName } from '../stats/stat-names.ts';

/** What the admin source needs from the server. */
export interface AdminServerView {
  readonly clusterManager: ClusterManager;
  readonly statsReader: StatsReader;
  workerIds(): number[];
  askPools(worker: number): Promise<unknown>;
  configDump(): unknown;
  statScopeNames(): string[];
  listeners(): ListenerStatus[];
  serverInfo(): ServerInfo;
  isReady(): boolean;
  reload(): Promise<ReloadResult>;
  drain(): Promise<void>;
  quit(): Promise<void>;
}

export class MainAdminSource implements AdminDataSource {
  private readonly server: AdminServerView;

  constructor(server: AdminServerView) {
    this.server = server;
  }

  clusters(): ClusterState[] {
    const reader = this.server.statsReader;
    const cm = this.server.clusterManager;
    cm.updateComputedStats();
    return cm.clusters().map((c) => {
      const prefix = `cluster.${c.name}.`;
      const stats: SimpleMetric[] = [];
      for (const s of reader.snapshot()) {
        if (!s.name.startsWith(prefix)) continue;
        const rest = s.name.slice(prefix.length);
        stats.push({ name: rest, value: s.value, type: s.type === 'counter' ? 'COUNTER' : 'GAUGE' });
      }
      const cb = c.circuitBreakers;
      return {
        name: c.name,
        added_via_api: false,
        type: c.config.type,
        lb_policy: c.config.lbPolicy,
        circuit_breakers: {
          thresholds: [
            {
              priority: 'DEFAULT',
              max_connections: cb.limits.maxConnections,
              max_pending_requests: cb.limits.maxPendingRequests,
              max_requests: cb.limits.maxRequests,
              max_retries: cb.limits.maxRetries,
              occupancy: {
                connections: cb.connections,
                pending_requests: cb.pendingRequests,
                requests: cb.requests,
                retries: cb.retries,
              },
            },
          ],
        },
        stats,
        host_statuses: c.hosts.map((h) => {
          const hostStats: SimpleMetric[] = HOST_STAT_NAMES.map((n) => {
            const full = hostStatName(c.name, h.key, n);
            const type = reader.type(full);
            return { name: n, value: reader.has(full) ? reader.value(full) : 0, type: type === 'gauge' ? 'GAUGE' : 'COUNTER' };
          });
          const status = {
            address: { socket_address: { address: h.address, port_value: h.port } },
            stats: hostStats,
            health_status: {
              // Hosts come from the config or DNS, never from EDS: as in Envoy, a failed check
              // or an ejection shows in its own flag and the EDS status stays HEALTHY.
              eds_health_status: 'HEALTHY' as const,
              failed_active_health_check: h.health.failedActiveHealthCheck,
              failed_outlier_check: h.health.failedOutlierCheck,
            },
            weight: h.weight,
          };
          return h.hostname ? { ...status, hostname: h.hostname } : status;
        }),
      };
    });
  }

  workerIds(): number[] {
    return this.server.workerIds();
  }

  async workerPools(worker: number): Promise<WorkerPoolReport[]> {
    const raw = (await this.server.askPools(worker)) as Record<
      string,
      Record<string, Array<{ protocol: 'http/1.0' | 'http/1.1'; ready: number; busy: number; connecting: number; pending: number }>>
    >;
    const out: WorkerPoolReport[] = [];
    const cm = this.server.clusterManager;
    for (const [cluster, hosts] of Object.entries(raw)) {
      const view = cm.getCluster(cluster);
      for (const [key, pools] of Object.entries(hosts)) {
        const snap = view?.hosts.find((h) => h.key === key);
        const sep = key.lastIndexOf(':');
        const address = snap?.address ?? key.slice(0, sep);
        const port = snap?.port ?? Number(key.slice(sep + 1));
        for (const p of pools) {
          out.push({ cluster, address, port, protocol: p.protocol, ready: p.ready, busy: p.busy, connecting: p.connecting, pending: p.pending });
        }
      }
    }
    return out;
  }

  stats(): Stat[] {
    this.server.clusterManager.updateComputedStats();
    const out: Stat[] = [];
    for (const s of this.server.statsReader.snapshot()) {
      // Host stats are shown per host in /admin/clusters, as in Envoy.
      if (!isHostStatName(s.name)) out.push({ name: s.name, value: s.value, type: s.type });
    }
    return out;
  }

  configDump(): unknown {
    return this.server.configDump();
  }

  statScopeNames(): string[] {
    return this.server.statScopeNames();
  }

  listeners(): ListenerStatus[] {
    return this.server.listeners();
  }

  serverInfo(): ServerInfo {
    return this.server.serverInfo();
  }

  isReady(): boolean {
    return this.server.isReady();
  }

  reload(): Promise<ReloadResult> {
    return this.server.reload();
  }

  drain(): Promise<void> {
    return this.server.drain();
  }

  quit(): Promise<void> {
    return this.server.quit();
  }
}
