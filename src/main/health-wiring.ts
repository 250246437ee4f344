/** Runs active health checkers and outlier detectors for the clusters that configure them. */
import type { Clock } from '../common/clock.ts';
import type { Logger } from '../common/log.ts';
import type { ProxyConfig } from '../config/types.ts';
import type { ClusterManager } from '../upstream/cluster-manager.ts';
import type { HostHealth } from '../upstream/host-health.ts';
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
    declare: (name) => void store.counter(name),
  };
}

/**
 * How a host starts when it joins `cluster`: once the proxy runs (a reload, a DNS change), a host
 * of a health-checked cluster takes no traffic until its first check passes, as Envoy's
 * FAILED_ACTIVE_HC on new hosts. At start the listeners wait for the first round instead.
 */
export function initialHostHealth(config: ProxyConfig, cluster: string, running: boolean): HostHealth {
  const checked = running && config.clusters.some((c) => c.name === cluster && c.healthCheck !== null);
  return { failedActiveHealthCheck: checked, failedOutlierCheck: false };
}

export class HealthWiring {
  private readonly checkers = new Map<string, HealthChecker>();
  /** The settings each checker was built with, so a reload keeps checkers whose settings are unchanged. */
  private readonly checkerSettings = new Map<string, string>();
  private readonly detectors = new Map<string, OutlierDetector>();
  /** The settings each detector was built with: a change starts a fresh one. */
  private readonly detectorSettings = new Map<string, string>();
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
        this.detectorSettings.delete(name);
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
        // Settings changed: a fresh checker, whose first check per host decides again (until
        // then a host keeps its last verdict). Gone: no check can clear a failed host any more.
        oldHc.stop();
        this.checkers.delete(c.name);
        this.checkerSettings.delete(c.name);
        if (!c.healthCheck) this.clearFlag(c.name, keys, 'failedActiveHealthCheck');
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
      const odSettings = c.outlierDetection ? JSON.stringify(c.outlierDetection) : '';
      const od = this.detectors.get(c.name);
      if (od && this.detectorSettings.get(c.name) !== odSettings) {
        // Removed or changed: the ejections it holds would never end (or end on old terms).
        od.stop();
        this.detectors.delete(c.name);
        this.detectorSettings.delete(c.name);
        this.clearFlag(c.name, keys, 'failedOutlierCheck');
      }
      if (c.outlierDetection) {
        const running = this.detectors.get(c.name);
        if (running) {
          running.updateHosts(keys);
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
          this.detectorSettings.set(c.name, odSettings);
          det.start();
        }
      }
    }
  }

  /** Clear `flag` on the hosts of `cluster`: what set it is gone. */
  private clearFlag(cluster: string, keys: readonly string[], flag: 'failedActiveHealthCheck' | 'failedOutlierCheck'): void {
    for (const key of keys) this.cm.setHostHealth(cluster, key, { [flag]: false });
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
