/** Main's ClusterManager: the one source of truth for clusters, hosts and health; publishes snapshots. */
import type { Clock } from '../common/clock.ts';
import { ProxyError } from '../common/errors.ts';
import type { StatsStore } from '../stats/stats-store.ts';
import { allocateBreakerBuffer, CircuitBreakers, DEFAULT_MAX_WORKERS } from './circuit-breakers.ts';
import type { CircuitBreakerStatus } from './circuit-breakers.ts';
import { DnsRefresher } from './dns-resolver.ts';
import type { ResolvedHost, ResolveFn } from './dns-resolver.ts';
import { HEALTHY, isHealthy, sameHealth } from './host-health.ts';
import type { HostHealth } from './host-health.ts';
import { hostKey } from './host-key.ts';
import type { ClusterManagerSnapshot, ClusterSnapshot, HostSnapshot } from './snapshot-types.ts';
import type { ClusterConfig } from './types.ts';

export interface ClusterManagerOptions {
  clock: Clock;
  /** Needed when any cluster is strict_dns or logical_dns. */
  resolve?: ResolveFn;
  /** Main's own stats store: membership, circuit-breaker and cluster_manager gauges go here. */
  stats?: StatsStore;
  /** Rows in each circuit-breaker table: worker indexes must stay below this. */
  maxWorkers?: number;
  /** Called with every new snapshot (post it to the workers). */
  onSnapshot?: (snapshot: ClusterManagerSnapshot) => void;
  /** Health of a host when it first appears (e.g. "pending first health check"); default healthy. */
  initialHostHealth?: (cluster: string, hostKey: string) => HostHealth;
}

/** A DNS cluster was configured but no resolver was given. */
export class MissingResolverError extends ProxyError {
  constructor(cluster: string) {
    super('MISSING_RESOLVER', `cluster '${cluster}' needs DNS resolution but no resolver was given`);
    this.name = 'MissingResolverError';
  }
}

/** What main knows about one cluster, for the admin endpoint and health checking. */
export interface ClusterView {
  readonly name: string;
  readonly config: ClusterConfig;
  readonly hosts: readonly HostSnapshot[];
  /** Limits and cluster-wide occupancy, read from shared memory now. */
  readonly circuitBreakers: CircuitBreakerStatus;
}

interface Entry {
  config: ClusterConfig;
  breakers: CircuitBreakers;
  hosts: readonly HostSnapshot[];
  health: Map<string, HostHealth>;
  dns: DnsRefresher | null;
  firstResolution: Promise<void>;
}

function freezeHost(h: HostSnapshot): HostSnapshot {
  Object.freeze(h.health);
  return Object.freeze(h);
}

function sameHostList(a: readonly HostSnapshot[], b: readonly HostSnapshot[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.key !== y.key || x.address !== y.address || x.port !== y.port || x.weight !== y.weight) return false;
    if (!sameHealth(x.health, y.health)) return false;
  }
  return true;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function endpointsChanged(a: ClusterConfig, b: ClusterConfig): boolean {
  return a.type !== b.type || a.dnsRefreshRateMs !== b.dnsRefreshRateMs || !sameJson(a.endpoints, b.endpoints);
}

function isDns(c: ClusterConfig): boolean {
  return c.type === 'strict_dns' || c.type === 'logical_dns';
}

/**
 * Circuit-breaker tables are kept per cluster name for the life of the process, so a cluster that
 * is changed, or removed and added again, keeps one table that every worker agrees on.
 */
export class ClusterManager {
  private readonly options: ClusterManagerOptions;
  private readonly entries = new Map<string, Entry>();
  private readonly breakerTables = new Map<string, CircuitBreakers>();
  private readonly maxWorkers: number;
  private listener: ((snapshot: ClusterManagerSnapshot) => void) | undefined;
  private generationValue = 0;
  private version = 0;
  private current: ClusterManagerSnapshot;
  private started = false;
  private closed = false;

  constructor(clusters: readonly ClusterConfig[], options: ClusterManagerOptions) {
    this.options = options;
    this.maxWorkers = options.maxWorkers ?? DEFAULT_MAX_WORKERS;
    this.listener = options.onSnapshot;
    for (const c of clusters) this.addCluster(c);
    this.current = this.build();
    this.updateMembershipStats();
  }

  /** Start DNS resolution; resolves once every DNS cluster finished its first lookup. */
  async initialize(): Promise<void> {
    if (!this.started) {
      this.started = true;
      for (const e of this.entries.values()) this.startDns(e);
    }
    await Promise.all([...this.entries.values()].map((e) => e.firstResolution));
  }

  setSnapshotListener(listener: ((snapshot: ClusterManagerSnapshot) => void) | undefined): void {
    this.listener = listener;
  }

  /** The current snapshot (immutable; the same object until something changes). */
  snapshot(): ClusterManagerSnapshot {
    return this.current;
  }

  get generation(): number {
    return this.generationValue;
  }

  /**
   * Replace the cluster set as a new generation: clusters added, changed (same name) and removed.
   * Resolves once the DNS clusters it started have their first answer.
   */
  applyConfig(clusters: readonly ClusterConfig[]): Promise<void> {
    this.generationValue++;
    const names = new Set<string>();
    const waits: Promise<void>[] = [];
    const st = this.options.stats;
    for (const c of clusters) {
      names.add(c.name);
      const e = this.entries.get(c.name);
      if (!e) {
        const added = this.addCluster(c);
        if (this.started) this.startDns(added);
        waits.push(added.firstResolution);
        st?.counter('cluster_manager.cluster_added').inc();
        continue;
      }
      if (sameJson(e.config, c)) continue;
      st?.counter('cluster_manager.cluster_modified').inc();
      const old = e.config;
      e.config = c;
      e.breakers.setLimits(c.circuitBreakers);
      if (endpointsChanged(old, c)) {
        e.dns?.stop();
        e.dns = null;
        if (isDns(c)) {
          this.prepareDns(e);
          if (this.started) this.startDns(e);
          waits.push(e.firstResolution);
        } else {
          this.setHosts(e, this.staticHosts(c), false);
        }
      }
    }
    for (const [name, e] of this.entries) {
      if (names.has(name)) continue;
      e.dns?.stop();
      this.entries.delete(name);
      st?.counter('cluster_manager.cluster_removed').inc();
      if (st) this.zeroMembership(name);
    }
    this.publish();
    return Promise.all(waits).then(() => undefined);
  }

  /** Change a host's health flags; publishes a snapshot and returns true when something changed. */
  setHostHealth(cluster: string, key: string, patch: Partial<HostHealth>): boolean {
    const e = this.entries.get(cluster);
    if (!e) return false;
    const idx = e.hosts.findIndex((h) => h.key === key);
    if (idx < 0) return false;
    const old = e.hosts[idx]!;
    const health: HostHealth = { ...old.health, ...patch };
    if (sameHealth(health, old.health)) return false;
    e.health.set(key, health);
    const hosts = e.hosts.slice();
    hosts[idx] = freezeHost({ ...old, health: { ...health } });
    e.hosts = Object.freeze(hosts);
    this.publish();
    return true;
  }

  getCluster(name: string): ClusterView | undefined {
    const e = this.entries.get(name);
    return e ? this.view(e) : undefined;
  }

  clusters(): ClusterView[] {
    return [...this.entries.values()].map((e) => this.view(e));
  }

  /** A worker died: give back the connections, requests and retries it held in every cluster. */
  releaseWorker(workerIndex: number): void {
    for (const b of this.breakerTables.values()) b.releaseWorker(workerIndex);
  }

  /**
   * Refresh the gauges main computes (circuit-breaker `*_open` / `remaining_*`, membership). Call
   * before reading stats for the admin endpoint.
   */
  updateComputedStats(): void {
    const st = this.options.stats;
    if (!st) return;
    this.updateMembershipStats();
    for (const [name, e] of this.entries) {
      const s = e.breakers.status();
      const p = `cluster.${name}.circuit_breakers.default.`;
      st.gauge(p + 'cx_open').set(s.cx_open);
      st.gauge(p + 'rq_pending_open').set(s.rq_pending_open);
      st.gauge(p + 'rq_open').set(s.rq_open);
      st.gauge(p + 'rq_retry_open').set(s.rq_retry_open);
      st.gauge(p + 'remaining_cx').set(s.remaining_cx);
      st.gauge(p + 'remaining_pending').set(s.remaining_pending);
      st.gauge(p + 'remaining_rq').set(s.remaining_rq);
      st.gauge(p + 'remaining_retries').set(s.remaining_retries);
    }
  }

  /** Stop DNS timers. */
  close(): void {
    this.closed = true;
    for (const e of this.entries.values()) e.dns?.stop();
  }

  // --- internals ---

  private addCluster(c: ClusterConfig): Entry {
    let breakers = this.breakerTables.get(c.name);
    if (breakers) breakers.setLimits(c.circuitBreakers);
    else {
      breakers = new CircuitBreakers(allocateBreakerBuffer(this.maxWorkers), c.circuitBreakers, -1);
      this.breakerTables.set(c.name, breakers);
    }
    const e: Entry = {
      config: c,
      breakers,
      hosts: Object.freeze([]),
      health: new Map(),
      dns: null,
      firstResolution: Promise.resolve(),
    };
    this.entries.set(c.name, e);
    if (isDns(c)) this.prepareDns(e);
    else this.setHosts(e, this.staticHosts(c), false);
    return e;
  }

  private staticHosts(c: ClusterConfig): ResolvedHost[] {
    const seen = new Set<string>();
    const out: ResolvedHost[] = [];
    for (const ep of c.endpoints) {
      const key = hostKey(ep.address, ep.port);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ key, address: ep.address, port: ep.port, weight: ep.weight, hostname: ep.address });
    }
    return out;
  }

  private prepareDns(e: Entry): void {
    const resolve = this.options.resolve;
    if (!resolve) throw new MissingResolverError(e.config.name);
    const dns = new DnsRefresher(e.config, resolve, this.options.clock, (hosts) => {
      // A refresher replaced by a config change may still answer: ignore it.
      if (e.dns !== dns || this.entries.get(e.config.name) !== e || this.closed) return;
      this.setHosts(e, hosts, true);
    });
    e.dns = dns;
  }

  private startDns(e: Entry): void {
    if (e.dns) e.firstResolution = e.dns.start();
  }

  private setHosts(e: Entry, resolved: ResolvedHost[], publish: boolean): void {
    const name = e.config.name;
    const dns = isDns(e.config);
    const health = new Map<string, HostHealth>();
    const hosts: HostSnapshot[] = resolved.map((r) => {
      let h = e.health.get(r.key);
      if (!h) h = this.options.initialHostHealth?.(name, r.key) ?? { ...HEALTHY };
      health.set(r.key, h);
      const snap: HostSnapshot = { key: r.key, address: r.address, port: r.port, weight: r.weight, health: { ...h } };
      if (dns) snap.hostname = r.hostname;
      return freezeHost(snap);
    });
    e.health = health;
    if (sameHostList(e.hosts, hosts)) return;
    e.hosts = Object.freeze(hosts);
    if (publish) this.publish();
  }

  private publish(): void {
    this.current = this.build();
    this.updateMembershipStats();
    this.listener?.(this.current);
  }

  private build(): ClusterManagerSnapshot {
    this.version++;
    const clusters: ClusterSnapshot[] = [];
    for (const e of this.entries.values()) {
      const c = e.config;
      clusters.push(
        Object.freeze({
          name: c.name,
          type: c.type,
          lbPolicy: c.lbPolicy,
          connectTimeoutMs: c.connectTimeoutMs,
          idleTimeoutMs: c.idleTimeoutMs,
          maxRequestsPerConnection: c.maxRequestsPerConnection,
          circuitBreakers: Object.freeze({ ...c.circuitBreakers }),
          breakerBuffer: e.breakers.buffer,
          hosts: e.hosts as HostSnapshot[],
        }),
      );
    }
    return Object.freeze({
      generation: this.generationValue,
      version: this.version,
      clusters: Object.freeze(clusters) as ClusterSnapshot[],
    });
  }

  private view(e: Entry): ClusterView {
    return {
      name: e.config.name,
      config: e.config,
      hosts: e.hosts,
      circuitBreakers: e.breakers.status(),
    };
  }

  private updateMembershipStats(): void {
    const st = this.options.stats;
    if (!st) return;
    st.gauge('cluster_manager.active_clusters').set(this.entries.size);
    for (const [name, e] of this.entries) {
      st.gauge(`cluster.${name}.membership_total`).set(e.hosts.length);
      st.gauge(`cluster.${name}.membership_healthy`).set(e.hosts.filter((h) => isHealthy(h.health)).length);
    }
  }

  private zeroMembership(name: string): void {
    const st = this.options.stats!;
    st.gauge(`cluster.${name}.membership_total`).set(0);
    st.gauge(`cluster.${name}.membership_healthy`).set(0);
  }
}
