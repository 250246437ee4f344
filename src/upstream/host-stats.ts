/** A host's stats (Envoy's per-host set shown by /clusters), in one thread's store. */
import type { Counter, Gauge } from '../stats/stat-handles.ts';
import type { StatsStore } from '../stats/stats-store.ts';
import { hostStatName } from '../stats/stat-names.ts';

/** Stat names a host has; the admin lists them in this order. */
export const HOST_STAT_NAMES = [
  'cx_total',
  'cx_active',
  'cx_connect_fail',
  'rq_total',
  'rq_active',
  'rq_error',
  'rq_success',
  'rq_timeout',
] as const;

export class HostStats {
  readonly cx_total: Counter;
  readonly cx_active: Gauge;
  readonly cx_connect_fail: Counter;
  readonly rq_total: Counter;
  readonly rq_active: Gauge;
  readonly rq_error: Counter;
  readonly rq_success: Counter;
  readonly rq_timeout: Counter;

  constructor(store: StatsStore, cluster: string, hostKey: string) {
    const c = (n: string): Counter => store.counter(hostStatName(cluster, hostKey, n));
    this.cx_total = c('cx_total');
    this.cx_active = store.gauge(hostStatName(cluster, hostKey, 'cx_active'));
    this.cx_connect_fail = c('cx_connect_fail');
    this.rq_total = c('rq_total');
    this.rq_active = store.gauge(hostStatName(cluster, hostKey, 'rq_active'));
    this.rq_error = c('rq_error');
    this.rq_success = c('rq_success');
    this.rq_timeout = c('rq_timeout');
  }

  /** The request path calls this per response: 5xx counts as an error, anything else a success. */
  recordResponse(status: number): void {
    if (status >= 500) this.rq_error.inc();
    else this.rq_success.inc();
  }

  /** A request to this host failed without a response (reset, connect failure, protocol error). */
  recordError(): void {
    this.rq_error.inc();
  }

  /** A request to this host timed out. */
  recordTimeout(): void {
    this.rq_timeout.inc();
    this.rq_error.inc();
  }
}
