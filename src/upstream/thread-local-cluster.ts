/** One cluster on one worker: its hosts, load balancer, pools, and the breaker view they share. */
import type { Clock } from '../common/clock.ts';
import type { StatsStore } from '../stats/stats-store.ts';
import { CircuitBreakers } from './circuit-breakers.ts';
import { ClusterStats } from './cluster-stats.ts';
import { WorkerHost } from './host.ts';
import { Http1ConnPool } from './http1-conn-pool.ts';
import type { PoolOwner, PoolSettings } from './pool-types.ts';
import { createLoadBalancer } from './lb-factory.ts';
import { NO_HEALTHY_HOST } from './lb-types.ts';
import type { LbContext, LoadBalancer, NoHealthyHost } from './lb-types.ts';
import type { PoolReport } from './pool-snapshot.ts';
import type { ClusterSnapshot } from './snapshot-types.ts';
import type { ConnectFn, UpstreamProtocol } from './types.ts';
import { HostRemovedError } from './upstream-errors.ts';

export interface ThreadLocalClusterDeps {
  workerIndex: number;
  connect: ConnectFn;
  clock: Clock;
  store: StatsStore;
  random: () => number;
  /** A removed cluster finished draining: forget it. */
  onEmpty(cluster: ThreadLocalCluster): void;
}

const PROTOCOLS: readonly UpstreamProtocol[] = ['http/1.1', 'http/1.0'];

function settingsOf(s: ClusterSnapshot): PoolSettings {
  return {
    connectTimeoutMs: s.connectTimeoutMs,
    idleTimeoutMs: s.idleTimeoutMs,
    maxRequestsPerConnection: s.maxRequestsPerConnection,
  };
}

function sameSettings(a: PoolSettings, b: PoolSettings): boolean {
  return (
    a.connectTimeoutMs === b.connectTimeoutMs &&
    a.idleTimeoutMs === b.idleTimeoutMs &&
    a.maxRequestsPerConnection === b.maxRequestsPerConnection
  );
}

function balancerKey(policy: string, hosts: readonly WorkerHost[]): string {
  let key = policy;
  for (const h of hosts) key += `|${h.key}/${h.weight}/${h.healthy ? 1 : 0}`;
  return key;
}

/**
 * Pools are created on first use and keyed by (host, protocol). Hosts that stay across snapshots
 * keep their pools; a host that goes away has its pools drained.
 */
export class ThreadLocalCluster implements PoolOwner {
  readonly name: string;
  readonly stats: ClusterStats;
  readonly breakers: CircuitBreakers;
  private readonly deps: ThreadLocalClusterDeps;
  private settings: PoolSettings;
  private readonly hostsByKey = new Map<string, WorkerHost>();
  private hostList: WorkerHost[] = [];
  private lb: LoadBalancer<WorkerHost>;
  /** What the balancer was built from (policy, hosts, weights, health): rebuilt only when it changes. */
  private lbKey = '';
  /** Pools emptying after their host (or this cluster) went away, with their host's key. */
  private readonly draining = new Map<Http1ConnPool, string>();
  private readonly starved = new Set<Http1ConnPool>();
  private removed = false;
  private maintenanceQueued = false;
  private readonly maintainBound: () => void;

  constructor(snap: ClusterSnapshot, deps: ThreadLocalClusterDeps) {
    this.name = snap.name;
    this.deps = deps;
    this.stats = new ClusterStats(deps.store, snap.name);
    this.breakers = new CircuitBreakers(snap.breakerBuffer, snap.circuitBreakers, deps.workerIndex);
    this.settings = settingsOf(snap);
    this.lb = createLoadBalancer(snap.lbPolicy, [], deps.random);
    this.maintainBound = () => {
      this.maintenanceQueued = false;
      this.maintain();
    };
    this.update(snap);
  }

  /** Apply a newer snapshot of this cluster. */
  update(snap: ClusterSnapshot): void {
    this.breakers.setLimits(snap.circuitBreakers);
    const settings = settingsOf(snap);
    if (!sameSettings(settings, this.settings)) {
      this.settings = settings;
      for (const h of this.hostList) {
        for (const p of PROTOCOLS) h.poolFor(p)?.updateSettings(settings);
      }
    }
    const seen = new Set<string>();
    const list: WorkerHost[] = [];
    for (const hs of snap.hosts) {
      if (seen.has(hs.key)) continue;
      seen.add(hs.key);
      let h = this.hostsByKey.get(hs.key);
      if (h) h.update(hs);
      else {
        h = new WorkerHost(this.name, hs, this.deps.store);
        this.hostsByKey.set(hs.key, h);
      }
      list.push(h);
    }
    // The new hosts and balancer first: draining a removed host hands its pending requests back
    // to their routers at once, and they must re-pick among the current hosts.
    this.hostList = list;
    // A snapshot of another cluster (or a health flip elsewhere) reaches every cluster: a
    // balancer rebuilt each time would forget its rotation and start over at the first host.
    const lbKey = balancerKey(snap.lbPolicy, list);
    if (lbKey !== this.lbKey) {
      this.lbKey = lbKey;
      this.lb = createLoadBalancer(snap.lbPolicy, list, this.deps.random);
    }
    for (const [key, h] of this.hostsByKey) {
      if (seen.has(key)) continue;
      this.hostsByKey.delete(key);
      h.removed = true;
      this.drainHost(h);
    }
  }

  hosts(): readonly WorkerHost[] {
    return this.hostList;
  }

  host(key: string): WorkerHost | undefined {
    return this.hostsByKey.get(key);
  }

  /** Pick a healthy host; `NO_HEALTHY_HOST` (503 UH) when there is none. */
  chooseHost(context?: LbContext<WorkerHost>): WorkerHost | NoHealthyHost {
    const h = this.lb.chooseHost(context);
    if (h === NO_HEALTHY_HOST) this.stats.upstream_cx_none_healthy.inc();
    return h;
  }

  /** The pool for (host, protocol), created on first use. Call right after `chooseHost`. */
  pool(host: WorkerHost, protocol: UpstreamProtocol): Http1ConnPool {
    const existing = host.poolFor(protocol);
    if (existing) return existing;
    if (host.removed || this.removed) throw new HostRemovedError(this.name, host.key);
    const pool = new Http1ConnPool({
      host,
      protocol,
      settings: this.settings,
      connect: this.deps.connect,
      clock: this.deps.clock,
      breakers: this.breakers,
      stats: this.stats,
      owner: this,
    });
    host.setPool(protocol, pool);
    return pool;
  }

  /** The cluster was removed (or the worker stops): drain every pool. */
  drainAll(): void {
    this.removed = true;
    // Hosts and balancer go first: a pending request the drain hands back re-picks, and must
    // find no host (503) rather than a host whose pool is gone.
    const hosts = this.hostList;
    this.hostList = [];
    this.hostsByKey.clear();
    this.lbKey = '';
    this.lb = createLoadBalancer('random', [], this.deps.random);
    for (const h of hosts) {
      h.removed = true;
      this.drainHost(h);
    }
    this.checkEmpty();
  }

  get isRemoved(): boolean {
    return this.removed;
  }

  /** Active and draining pools, by host key. */
  report(): Record<string, PoolReport[]> {
    const out: Record<string, PoolReport[]> = {};
    const add = (key: string, pool: Http1ConnPool, draining: boolean): void => {
      (out[key] ??= []).push({ protocol: pool.protocol, draining, ...pool.snapshot() });
    };
    for (const h of this.hostList) {
      for (const p of PROTOCOLS) {
        const pool = h.poolFor(p);
        if (pool) add(h.key, pool, false);
      }
    }
    for (const [pool, key] of this.draining) add(key, pool, true);
    return out;
  }

  /**
   * Keep `max_connections` live across workers: take slots other workers handed to us, let
   * starved pools retry, and close idle connections while any pool of the cluster waits.
   */
  maintain(): void {
    const b = this.breakers;
    let reserved = b.claimReservedConnections();
    if (reserved > 0) {
      for (const p of this.starved) {
        while (reserved > 0 && p.adoptConnectionSlot()) reserved--;
        if (reserved === 0) break;
      }
      for (; reserved > 0; reserved--) b.releaseConnection();
    }
    if (b.connectionWaiters() === 0) return;
    for (const p of this.starved) p.retryStarved();
    let want = b.connectionWaiters();
    let closed = 0;
    for (const h of this.hostList) {
      for (const proto of PROTOCOLS) {
        if (want <= 0) break;
        const pool = h.poolFor(proto);
        if (!pool) continue;
        const n = pool.closeIdle(want);
        want -= n;
        closed += n;
      }
    }
    if (closed > 0) for (const p of this.starved) p.retryStarved();
  }

  // --- PoolOwner ---

  onPoolDrained(pool: Http1ConnPool): void {
    this.draining.delete(pool);
    this.starved.delete(pool);
    this.checkEmpty();
  }

  onPoolCapacityFreed(pool: Http1ConnPool): void {
    for (const p of this.starved) if (p !== pool) p.retryStarved();
  }

  onPoolStarvedChange(pool: Http1ConnPool, starved: boolean): void {
    if (!starved) {
      this.starved.delete(pool);
      return;
    }
    this.starved.add(pool);
    // Idle connections of sibling pools may be closed for it; not from inside the pool's call.
    if (!this.maintenanceQueued) {
      this.maintenanceQueued = true;
      queueMicrotask(this.maintainBound);
    }
  }

  private drainHost(h: WorkerHost): void {
    for (const p of PROTOCOLS) {
      const pool = h.poolFor(p);
      if (!pool) continue;
      h.setPool(p, null);
      this.draining.set(pool, h.key);
      pool.drain();
    }
  }

  private checkEmpty(): void {
    if (this.removed && this.draining.size === 0) this.deps.onEmpty(this);
  }
}
