/**
 * The message a worker sends main with its outlier results, and how main applies it.
 *
 * A worker sends, per host it touched since its last flush, the exact ordered sequence of its
 * results, run-length encoded (`runs`: each number is `count * 4 + outcome`). Nothing is
 * summarised away, so main's detector makes the decision it would make had it received each
 * result as its own message, in this order.
 *
 * What "consecutive" means with several workers: as in Envoy, one detector per cluster counts
 * per host across all workers. Envoy's workers bump one shared counter in the order requests
 * finish; here main applies results in the order it receives them: each worker's results for a
 * host keep that worker's order, and batches from different workers are applied whole, in
 * arrival order. So interleaving across workers is resolved at the granularity of a flush
 * window (`flushIntervalMs`): a 2xx seen by worker B breaks a run of 5xx seen by worker A only
 * if B's batch is applied after the batch holding those 5xx. Hosts within one batch are applied
 * in the batch's order; when two hosts of a cluster cross the threshold in the same window and
 * `max_ejection_percent` allows only one ejection, which one goes first is arbitrary (in Envoy
 * it is the race of cross-thread posts to main).
 */
import type { OutlierDetector } from './outlier-detector.ts';
import type { OutlierOutcome } from './outlier-outcome.ts';

/** A worker's outlier results since its previous report; sent over postMessage. */
export interface OutlierReportBatch {
  type: 'outlier_report';
  worker: number;
  hosts: OutlierHostRuns[];
}

/** One host's results in order, run-length encoded (see `encodeRun`). */
export interface OutlierHostRuns {
  cluster: string;
  /** Host key, `address:port`. */
  host: string;
  runs: number[];
}

/** Largest count one run holds; longer runs are split (fits a Uint32 slot). */
export const MAX_RUN_COUNT = 2 ** 30 - 1;

export function encodeRun(outcome: OutlierOutcome, count: number): number {
  return count * 4 + outcome;
}

export function runOutcome(run: number): OutlierOutcome {
  return (run % 4) as OutlierOutcome;
}

export function runCount(run: number): number {
  return Math.floor(run / 4);
}

export function isOutlierReportBatch(message: unknown): message is OutlierReportBatch {
  const m = message as Partial<OutlierReportBatch> | null;
  return typeof m === 'object' && m !== null && m.type === 'outlier_report' && Array.isArray(m.hosts);
}

/** Apply a batch to the clusters' detectors; clusters or hosts no longer known are skipped. */
export function applyOutlierReport(
  batch: OutlierReportBatch,
  detectorFor: (cluster: string) => OutlierDetector | undefined,
): void {
  for (const h of batch.hosts) {
    const d = detectorFor(h.cluster);
    if (!d) continue;
    for (const run of h.runs) d.putResults(h.host, runOutcome(run), runCount(run));
  }
}
