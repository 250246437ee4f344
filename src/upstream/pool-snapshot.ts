/** The per-worker pool report `/admin/clusters` merges: cluster → host → one entry per pool. */
import type { PoolSnapshot } from './pool-types.ts';
import type { UpstreamProtocol } from './types.ts';

/** One pool of one host; `draining` while it empties after its host or cluster went away. */
export interface PoolReport extends PoolSnapshot {
  protocol: UpstreamProtocol;
  draining: boolean;
}

/** `{ [cluster]: { [hostKey]: PoolReport[] } }` — structured-clone-able. */
export type WorkerPoolReport = Record<string, Record<string, PoolReport[]>>;
