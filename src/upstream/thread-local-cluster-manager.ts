/** A worker's clusters: applies main's snapshots, owns every pool and load balancer on the worker. */
import type { Clock, Timer } from '../common/clock.ts';
import type { StatsStore } from '../stats/stats-store.ts';
import type { WorkerPoolReport } from './pool-snapshot.ts';
import type { ClusterManagerSnapshot } from './snapshot-types.ts';
import { ThreadLocalCluster } from './thread-local-cluster.ts';
import type { ThreadLocalClusterDeps } from './thread-local-cluster.ts';
import type { ConnectFn } from './types.ts';

export interface ThreadLocalClusterManagerOptions {
  /** 0-based; selects this worker's row in the circuit-breaker tables. */
  workerIndex: number;
  connect: ConnectFn;
  clock: Clock;
  /** This worker's stats store. */
  stats: StatsStore;
  /** For least_request and random; defaults to Math.random. */
  random?: () => number;
  /** How often cross-worker breaker bookkeeping runs (slot handoff, idle give-back). */
  maintenanceIntervalMs?: number;
}

const DEFAULT_MAINTENANCE_MS = 25;

/**
 * Never shares JS objects with other threads: everything here is rebuilt from snapshots, and
 * only the breaker tables and stats slots are shared memory.
 */
export class ThreadLocalClusterManager {
  private readonly clusters = new Map<string, ThreadLocalCluster>();
  /** Removed clusters whose pools still empty. */
  private readonly leaving = new Set<ThreadLocalCluster>();
  private readonly deps: ThreadLocalClusterDeps;
  private readonly clock: Clock;
  private readonly intervalMs: number;
  private version = -1;
  private generationSeen = -1;
  private timer: Timer | null = null;
  private closed = false;
  private drainWaiters: Array<() => void> = [];
  private readonly tickBound: () => void;

  constructor(options: ThreadLocalClusterManagerOptions) {
    this.clock = options.clock;
    this.intervalMs = options.maintenanceIntervalMs ?? DEFAULT_MAINTENANCE_MS;
    this.deps = {
      workerIndex: options.workerIndex,
      connect: options.connect,
      clock: options.clock,
      store: options.stats,
      random: options.random ?? Math.random,
      onEmpty: (c) => this.onClusterEmpty(c),
    };
    this.tickBound = () => this.tick();
  }

  /** The config generation of the last snapshot applied (-1 before the first). */
  get generation(): number {
    return this.generationSeen;
  }

  /** Apply a snapshot from main. Older or repeated versions are ignored. */
  applySnapshot(snapshot: ClusterManagerSnapshot): void {
    if (this.closed || snapshot.version <= this.version) return;
    this.version = snapshot.version;
    this.generationSeen = snapshot.generation;
    const names = new Set<string>();
    for (const cs of snapshot.clusters) {
      names.add(cs.name);
      const existing = this.clusters.get(cs.name);
      if (existing) existing.update(cs);
      else this.clusters.set(cs.name, new ThreadLocalCluster(cs, this.deps));
    }
    for (const [name, c] of this.clusters) {
      if (names.has(name)) continue;
      this.clusters.delete(name);
      this.leaving.add(c);
      c.drainAll();
    }
    if (!this.timer && this.intervalMs > 0) this.timer = this.clock.setTimer(this.intervalMs, this.tickBound);
  }

  getCluster(name: string): ThreadLocalCluster | undefined {
    return this.clusters.get(name);
  }

  clusterNames(): string[] {
    return [...this.clusters.keys()];
  }

  /** Every pool on this worker (including draining ones) for `/admin/clusters`. */
  poolSnapshot(): WorkerPoolReport {
    const out: WorkerPoolReport = {};
    const merge = (c: ThreadLocalCluster): void => {
      const target = (out[c.name] ??= {});
      for (const [key, reports] of Object.entries(c.report())) (target[key] ??= []).push(...reports);
    };
    for (const c of this.clusters.values()) merge(c);
    for (const c of this.leaving) merge(c);
    return out;
  }

  /** Drain every pool (worker shutdown); `onDrained` runs once all are empty. */
  drainAll(onDrained?: () => void): void {
    if (onDrained) this.drainWaiters.push(onDrained);
    for (const [name, c] of this.clusters) {
      this.clusters.delete(name);
      this.leaving.add(c);
      c.drainAll();
    }
    this.checkDrained();
  }

  /** Stop the maintenance timer and ignore further snapshots. */
  close(): void {
    this.closed = true;
    if (this.timer) {
      this.timer.cancel();
      this.timer = null;
    }
  }

  private tick(): void {
    this.timer = null;
    if (this.closed) return;
    for (const c of this.clusters.values()) c.maintain();
    this.timer = this.clock.setTimer(this.intervalMs, this.tickBound);
  }

  private onClusterEmpty(c: ThreadLocalCluster): void {
    this.leaving.delete(c);
    this.checkDrained();
  }

  private checkDrained(): void {
    if (this.clusters.size > 0 || this.leaving.size > 0 || this.drainWaiters.length === 0) return;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const fn of waiters) fn();
  }
}
