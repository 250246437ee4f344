/** Runs active health checkers and outlier detectors for the clusters that configure them. */
import type { Clock } from '../common/clock.ts';
import type { Logger } from '../common/log.ts';
import type { ProxyConfig } from '../config/types.ts';
import type { ClusterManager } from '../upstream/cluster-manager.ts';
import type { StatsStore } from '../stats/stats-store.ts';
import { HealthChecker } from '../health/health-checker.ts';
import { OutlierDetector } from '../health/outlier-detector.ts';
import { applyOutlierReport, isOutlierReportBatch } from '../health/outlier-report.ts';
import type { ConnectFn, StatsSink } from '../health/types.ts';
import { toHealthCheck, toOutlierDetection } from '../wiring/config-mapping.ts';

function sinkFor(store: StatsStore): StatsSink {
  return {
    inc: (name) => store.counter(name).inc(),
    set: (name, v) => store.gauge(name).set(v),
  };
}

export class HealthWiring {
  private readonly checkers = new Map<string, HealthChecker>();
  /** The settings each checker was built with, so a reload keeps checkers whose settings are unchanged. */
  private readonly checkerSettings = new Map<string, string>();
  private readonly detectors = new Map<string, OutlierDetector>();
  private readonly cm: ClusterManager;
  private readonly connect: ConnectFn;
  private readonly clock: Clock;
  private readonly stats: StatsSink;
  private readonly log: Logger;

  constructor(cm: ClusterManager, connect: ConnectFn, clock: Clock, store: StatsStore, log: Logger) {
    this.cm = cm;
    this.connect = connect;
    this.clock = clock;
    this.stats = sinkFor(store);
    this.log = log;
  }

  /** Start, stop or update checkers and detectors to match `config` and the current hosts. */
  apply(config: ProxyConfig): void {
    const names = new Set(config.clusters.map((c) => c.name));
    for (const [name, hc] of this.checkers) {
      if (!names.has(name)) {
        hc.stop();
        this.checkers.delete(name);
        this.checkerSettings.delete(name);
      }
    }
    for (const [name, od] of this.detectors) {
      if (!names.has(name)) {
        od.stop();
        this.detectors.delete(name);
      }
    }
    for (const c of config.clusters) {
      const view = this.cm.getCluster(c.name);
      const hosts = view ? view.hosts.map((h) => ({ address: h.address, port: h.port })) : [];
      const keys = view ? view.hosts.map((h) => h.key) : [];
      const settings = c.healthCheck ? JSON.stringify(c.healthCheck) : '';
      const oldHc = this.checkers.get(c.name);
      if (oldHc && this.checkerSettings.get(c.name) === settings) {
        // Same settings: keep host states (thresholds and logs continue), just follow the hosts.
        oldHc.updateHosts(hosts);
      } else if (oldHc) {
        // Settings changed: a fresh checker; host states restart from the first check.
        oldHc.stop();
        this.checkers.delete(c.name);
        this.checkerSettings.delete(c.name);
      }
      if (c.healthCheck && !this.checkers.has(c.name)) {
        const hc = new HealthChecker({
          cluster: c.name,
          config: toHealthCheck(c.healthCheck),
          hosts,
          connect: this.connect,
          clock: this.clock,
          random: Math.random,
          stats: this.stats,
          onHealthChange: (cluster, host, healthy, reason) => {
            this.log.info(`health check: ${cluster} ${host} is now ${healthy ? 'healthy' : 'unhealthy'} (${reason})`, {
              cluster,
              host,
              healthy,
            });
            this.cm.setHostHealth(cluster, host, { failedActiveHealthCheck: !healthy });
          },
          onCheckComplete: (_cluster, host, ok, healthy) => {
            if (ok && healthy) this.detectors.get(c.name)?.unejectByActiveHealthCheck(host);
          },
        });
        this.checkers.set(c.name, hc);
        this.checkerSettings.set(c.name, settings);
        hc.start();
      }
      const od = this.detectors.get(c.name);
      if (c.outlierDetection) {
        if (od) {
          od.updateHosts(keys);
        } else {
          const det = new OutlierDetector({
            cluster: c.name,
            config: toOutlierDetection(c.outlierDetection),
            hosts: keys,
            clock: this.clock,
            random: Math.random,
            stats: this.stats,
            onEject: (cluster, host, type, durationMs) => {
              this.log.warn(`outlier detection: ejected ${cluster} ${host} (${type}) for ${durationMs} ms`, { cluster, host });
              this.cm.setHostHealth(cluster, host, { failedOutlierCheck: true });
            },
            onUneject: (cluster, host) => {
              this.log.info(`outlier detection: ${cluster} ${host} is back`, { cluster, host });
              this.cm.setHostHealth(cluster, host, { failedOutlierCheck: false });
            },
          });
          this.detectors.set(c.name, det);
          det.start();
        }
      } else if (od) {
        od.stop();
        this.detectors.delete(c.name);
      }
    }
  }

  /** Hosts of DNS clusters changed: keep checkers and detectors in step. */
  hostsChanged(): void {
    for (const [name, hc] of this.checkers) {
      const view = this.cm.getCluster(name);
      if (view) hc.updateHosts(view.hosts.map((h) => ({ address: h.address, port: h.port })));
    }
    for (const [name, od] of this.detectors) {
      const view = this.cm.getCluster(name);
      if (view) od.updateHosts(view.hosts.map((h) => h.key));
    }
  }

  /** A worker's batch of request outcomes. */
  onOutlierBatch(batch: unknown): void {
    if (isOutlierReportBatch(batch)) applyOutlierReport(batch, (cluster) => this.detectors.get(cluster));
  }

  /** Active health checks are configured: the start waits for their first round. */
  get checking(): boolean {
    return this.checkers.size > 0;
  }

  /** Wait (bounded) for every checker's first verdicts, so a fresh start doesn't answer 503 UH. */
  async firstRound(timeoutMs: number): Promise<void> {
    const all = Promise.all([...this.checkers.values()].map((c) => c.firstRoundDone()));
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([all, new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
  }

  /** Health state per cluster → host, for /admin/clusters. */
  isActiveHealthChecked(cluster: string): boolean {
    return this.checkers.has(cluster);
  }

  stop(): void {
    for (const hc of this.checkers.values()) hc.stop();
    for (const od of this.detectors.values()) od.stop();
  }
}
