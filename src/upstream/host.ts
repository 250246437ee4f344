/** A host as a worker sees it: snapshot data, this worker's host stats, and its two pools. */
import type { StatsStore } from '../stats/stats-store.ts';
import type { Http1ConnPool } from './http1-conn-pool.ts';
import type { PoolHost } from './pool-types.ts';
import { isHealthy } from './host-health.ts';
import type { HostHealth } from './host-health.ts';
import { HostStats } from './host-stats.ts';
import type { LbHost } from './lb-types.ts';
import type { HostSnapshot } from './snapshot-types.ts';
import type { UpstreamProtocol } from './types.ts';

/** Kept across snapshots while its key stays, so pools stay warm and retry hints stay valid. */
export class WorkerHost implements LbHost, PoolHost {
  readonly key: string;
  readonly cluster: string;
  readonly port: number;
  readonly stats: HostStats;
  address: string;
  hostname: string | undefined;
  weight: number;
  health: HostHealth;
  healthy: boolean;
  /** Gone from the cluster: its pools drain and it is never chosen again. */
  removed = false;
  http10: Http1ConnPool | null = null;
  http11: Http1ConnPool | null = null;

  constructor(cluster: string, snap: HostSnapshot, store: StatsStore) {
    this.key = snap.key;
    this.cluster = cluster;
    this.port = snap.port;
    this.address = snap.address;
    this.hostname = snap.hostname;
    this.weight = snap.weight;
    this.health = snap.health;
    this.healthy = isHealthy(snap.health);
    this.stats = new HostStats(store, cluster, snap.key);
  }

  /** Apply a newer snapshot of the same host. */
  update(snap: HostSnapshot): void {
    this.address = snap.address;
    this.hostname = snap.hostname;
    this.weight = snap.weight;
    this.health = snap.health;
    this.healthy = isHealthy(snap.health);
  }

  get activeRequests(): number {
    return this.stats.rq_active.value;
  }

  poolFor(protocol: UpstreamProtocol): Http1ConnPool | null {
    return protocol === 'http/1.1' ? this.http11 : this.http10;
  }

  setPool(protocol: UpstreamProtocol, pool: Http1ConnPool | null): void {
    if (protocol === 'http/1.1') this.http11 = pool;
    else this.http10 = pool;
  }
}
