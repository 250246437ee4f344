/** A cluster's Envoy-named stats (`cluster.<name>.*`) in one thread's store. */
import type { Counter, Gauge } from '../stats/stat-handles.ts';
import type { StatsStore } from '../stats/stats-store.ts';
import { clusterStatPrefix } from '../stats/stat-names.ts';

/** Handles are resolved once per cluster so the hot path is a field access and an add. */
export class ClusterStats {
  readonly prefix: string;
  private readonly store: StatsStore;
  private readonly byCode = new Map<number, Counter>();

  readonly upstream_cx_total: Counter;
  readonly upstream_cx_http1_total: Counter;
  readonly upstream_cx_active: Gauge;
  readonly upstream_cx_connect_fail: Counter;
  readonly upstream_cx_connect_timeout: Counter;
  readonly upstream_cx_overflow: Counter;
  readonly upstream_cx_idle_timeout: Counter;
  readonly upstream_cx_max_requests: Counter;
  readonly upstream_cx_destroy: Counter;
  readonly upstream_cx_destroy_local: Counter;
  readonly upstream_cx_destroy_remote: Counter;
  readonly upstream_cx_destroy_with_active_rq: Counter;
  readonly upstream_cx_destroy_local_with_active_rq: Counter;
  readonly upstream_cx_destroy_remote_with_active_rq: Counter;
  readonly upstream_cx_rx_bytes_total: Counter;
  readonly upstream_cx_tx_bytes_total: Counter;
  readonly upstream_cx_none_healthy: Counter;
  readonly upstream_cx_protocol_error: Counter;
  readonly upstream_rq_total: Counter;
  readonly upstream_rq_active: Gauge;
  readonly upstream_rq_pending_total: Counter;
  readonly upstream_rq_pending_active: Gauge;
  readonly upstream_rq_pending_overflow: Counter;
  readonly upstream_rq_pending_failure_eject: Counter;
  readonly upstream_rq_cancelled: Counter;
  readonly upstream_rq_completed: Counter;
  readonly upstream_rq_timeout: Counter;
  readonly upstream_rq_per_try_timeout: Counter;
  readonly upstream_rq_retry: Counter;
  readonly upstream_rq_retry_success: Counter;
  readonly upstream_rq_retry_overflow: Counter;
  readonly upstream_rq_rx_reset: Counter;
  readonly upstream_rq_tx_reset: Counter;
  readonly upstream_rq_1xx: Counter;
  readonly upstream_rq_2xx: Counter;
  readonly upstream_rq_3xx: Counter;
  readonly upstream_rq_4xx: Counter;
  readonly upstream_rq_5xx: Counter;

  constructor(store: StatsStore, cluster: string) {
    this.store = store;
    const p = clusterStatPrefix(cluster);
    this.prefix = p;
    const c = (n: string): Counter => store.counter(p + n);
    const g = (n: string): Gauge => store.gauge(p + n);
    this.upstream_cx_total = c('upstream_cx_total');
    this.upstream_cx_http1_total = c('upstream_cx_http1_total');
    this.upstream_cx_active = g('upstream_cx_active');
    this.upstream_cx_connect_fail = c('upstream_cx_connect_fail');
    this.upstream_cx_connect_timeout = c('upstream_cx_connect_timeout');
    this.upstream_cx_overflow = c('upstream_cx_overflow');
    this.upstream_cx_idle_timeout = c('upstream_cx_idle_timeout');
    this.upstream_cx_max_requests = c('upstream_cx_max_requests');
    this.upstream_cx_destroy = c('upstream_cx_destroy');
    this.upstream_cx_destroy_local = c('upstream_cx_destroy_local');
    this.upstream_cx_destroy_remote = c('upstream_cx_destroy_remote');
    this.upstream_cx_destroy_with_active_rq = c('upstream_cx_destroy_with_active_rq');
    this.upstream_cx_destroy_local_with_active_rq = c('upstream_cx_destroy_local_with_active_rq');
    this.upstream_cx_destroy_remote_with_active_rq = c('upstream_cx_destroy_remote_with_active_rq');
    this.upstream_cx_rx_bytes_total = c('upstream_cx_rx_bytes_total');
    this.upstream_cx_tx_bytes_total = c('upstream_cx_tx_bytes_total');
    this.upstream_cx_none_healthy = c('upstream_cx_none_healthy');
    this.upstream_cx_protocol_error = c('upstream_cx_protocol_error');
    this.upstream_rq_total = c('upstream_rq_total');
    this.upstream_rq_active = g('upstream_rq_active');
    this.upstream_rq_pending_total = c('upstream_rq_pending_total');
    this.upstream_rq_pending_active = g('upstream_rq_pending_active');
    this.upstream_rq_pending_overflow = c('upstream_rq_pending_overflow');
    this.upstream_rq_pending_failure_eject = c('upstream_rq_pending_failure_eject');
    this.upstream_rq_cancelled = c('upstream_rq_cancelled');
    this.upstream_rq_completed = c('upstream_rq_completed');
    this.upstream_rq_timeout = c('upstream_rq_timeout');
    this.upstream_rq_per_try_timeout = c('upstream_rq_per_try_timeout');
    this.upstream_rq_retry = c('upstream_rq_retry');
    this.upstream_rq_retry_success = c('upstream_rq_retry_success');
    this.upstream_rq_retry_overflow = c('upstream_rq_retry_overflow');
    this.upstream_rq_rx_reset = c('upstream_rq_rx_reset');
    this.upstream_rq_tx_reset = c('upstream_rq_tx_reset');
    this.upstream_rq_1xx = c('upstream_rq_1xx');
    this.upstream_rq_2xx = c('upstream_rq_2xx');
    this.upstream_rq_3xx = c('upstream_rq_3xx');
    this.upstream_rq_4xx = c('upstream_rq_4xx');
    this.upstream_rq_5xx = c('upstream_rq_5xx');
  }

  /**
   * The request path calls this once per upstream response (status from the response head):
   * `upstream_rq_completed`, the class counter (`upstream_rq_2xx`) and the exact one (`upstream_rq_200`).
   */
  recordResponse(status: number): void {
    this.upstream_rq_completed.inc();
    const cls = Math.floor(status / 100);
    if (cls === 1) this.upstream_rq_1xx.inc();
    else if (cls === 2) this.upstream_rq_2xx.inc();
    else if (cls === 3) this.upstream_rq_3xx.inc();
    else if (cls === 4) this.upstream_rq_4xx.inc();
    else if (cls === 5) this.upstream_rq_5xx.inc();
    let exact = this.byCode.get(status);
    if (!exact) {
      exact = this.store.counter(`${this.prefix}upstream_rq_${status}`);
      this.byCode.set(status, exact);
    }
    exact.inc();
  }
}
