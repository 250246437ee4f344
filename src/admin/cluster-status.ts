/** Builds the `/admin/clusters` answer: main's cluster state merged with every worker's pools, each worker bounded by a timeout. */
import type { Clock } from '../common/clock.ts';
import type {
  AdminDataSource,
  ClusterStatus,
  HostPools,
  PoolStatus,
  WorkerPoolReport,
} from './types.ts';

/** Settles with the worker's report, or `undefined` when it rejects or misses the deadline. */
function askWorker(
  source: AdminDataSource,
  worker: number,
  clock: Clock,
  timeoutMs: number,
): Promise<WorkerPoolReport[] | undefined> {
  return new Promise((resolve) => {
    let settled = false;
    const timer = clock.setTimer(timeoutMs, () => {
      if (settled) return;
      settled = true;
      resolve(undefined);
    });
    const finish = (value: WorkerPoolReport[] | undefined): void => {
      if (settled) return;
      settled = true;
      timer.cancel();
      resolve(value);
    };
    let answer: Promise<WorkerPoolReport[]>;
    try {
      answer = source.workerPools(worker);
    } catch {
      finish(undefined);
      return;
    }
    answer.then(finish, () => finish(undefined));
  });
}

function hostKey(cluster: string, address: string, port: number): string {
  return `${cluster}\u0000${address}\u0000${port}`;
}

/**
 * Collects cluster statuses. Concurrent callers (several dashboards polling) share one round of
 * worker questions, so a stuck worker is asked once per round, not once per viewer.
 */
export class ClusterStatusCollector {
  private readonly source: AdminDataSource;
  private readonly clock: Clock;
  private readonly timeoutMs: number;
  private inflight: Promise<ClusterStatus[]> | undefined;

  constructor(source: AdminDataSource, clock: Clock, timeoutMs: number) {
    this.source = source;
    this.clock = clock;
    this.timeoutMs = timeoutMs;
  }

  collect(): Promise<ClusterStatus[]> {
    if (this.inflight) return this.inflight;
    const round = this.run();
    this.inflight = round;
    const clear = (): void => {
      if (this.inflight === round) this.inflight = undefined;
    };
    round.then(clear, clear);
    return round;
  }

  private async run(): Promise<ClusterStatus[]> {
    const workers = this.source.workerIds();
    const reports = await Promise.all(
      workers.map((w) => askWorker(this.source, w, this.clock, this.timeoutMs)),
    );
    const pools = new Map<string, PoolStatus[]>();
    const unavailable = new Set<number>();
    for (let i = 0; i < workers.length; i++) {
      const worker = workers[i] as number;
      const report = reports[i];
      if (!report) {
        unavailable.add(worker);
        continue;
      }
      for (const p of report) {
        const key = hostKey(p.cluster, p.address, p.port);
        let list = pools.get(key);
        if (!list) {
          list = [];
          pools.set(key, list);
        }
        list.push({
          worker,
          protocol: p.protocol,
          ready: p.ready,
          busy: p.busy,
          connecting: p.connecting,
          pending: p.pending,
        });
      }
    }
    return this.source.clusters().map((cluster) => ({
      ...cluster,
      host_statuses: cluster.host_statuses.map((host) => {
        const { address, port_value } = host.address.socket_address;
        const own = pools.get(hostKey(cluster.name, address, port_value)) ?? [];
        const merged: HostPools[] = [];
        for (const worker of workers) {
          if (unavailable.has(worker)) {
            merged.push({ worker, unavailable: true });
            continue;
          }
          const mine = own.filter((p) => p.worker === worker);
          mine.sort((a, b) => (a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : 0));
          merged.push(...mine);
        }
        return { ...host, pools: merged };
      }),
    }));
  }
}
