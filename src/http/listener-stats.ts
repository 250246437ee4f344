/** The stat handles one listener's connections update (Envoy names: `http.<name>.*`, `listener.<name>.*`). */
import type { StatsStore } from '../stats/stats-store.ts';
import type { Counter, Gauge } from '../stats/stat-handles.ts';

/** Which side closed a connection first: the proxy (`local`) or its peer (`remote`), as Envoy names them. */
export type CloseSide = 'local' | 'remote';

export class ListenerStats {
  readonly cxTotal: Counter;
  readonly cxActive: Gauge;
  readonly cxProtocolError: Counter;
  readonly cxDestroy: Counter;
  readonly cxDestroyRemote: Counter;
  readonly cxDestroyLocal: Counter;
  readonly cxDestroyRemoteActiveRq: Counter;
  readonly cxDestroyLocalActiveRq: Counter;
  readonly cxIdleTimeout: Counter;
  readonly rqTotal: Counter;
  readonly rqActive: Gauge;
  readonly rqTimeout: Counter;
  readonly rqHeadersTimeout: Counter;
  readonly rqIdleTimeout: Counter;
  /** Indexed by status class 1..5. */
  readonly rqByClass: Counter[];
  readonly rqNoRoute: Counter;
  readonly rqDirectResponse: Counter;
  readonly rqRedirect: Counter;
  readonly upgradesTotal: Counter;
  readonly workerCxTotal: Counter;
  readonly workerCxActive: Gauge;

  constructor(store: StatsStore, listener: string, workerId: number) {
    const h = `http.${listener}.`;
    this.cxTotal = store.counter(`${h}downstream_cx_total`);
    this.cxActive = store.gauge(`${h}downstream_cx_active`);
    this.cxProtocolError = store.counter(`${h}downstream_cx_protocol_error`);
    this.cxDestroy = store.counter(`${h}downstream_cx_destroy`);
    this.cxDestroyRemote = store.counter(`${h}downstream_cx_destroy_remote`);
    this.cxDestroyLocal = store.counter(`${h}downstream_cx_destroy_local`);
    this.cxDestroyRemoteActiveRq = store.counter(`${h}downstream_cx_destroy_remote_active_rq`);
    this.cxDestroyLocalActiveRq = store.counter(`${h}downstream_cx_destroy_local_active_rq`);
    this.cxIdleTimeout = store.counter(`${h}downstream_cx_idle_timeout`);
    this.rqTotal = store.counter(`${h}downstream_rq_total`);
    this.rqActive = store.gauge(`${h}downstream_rq_active`);
    this.rqTimeout = store.counter(`${h}downstream_rq_timeout`);
    this.rqHeadersTimeout = store.counter(`${h}downstream_rq_header_timeout`);
    this.rqIdleTimeout = store.counter(`${h}downstream_rq_idle_timeout`);
    this.rqByClass = [0, 1, 2, 3, 4, 5].map((c) => store.counter(`${h}downstream_rq_${c === 0 ? 1 : c}xx`));
    this.rqNoRoute = store.counter(`${h}no_route`);
    this.rqDirectResponse = store.counter(`${h}rq_direct_response`);
    this.rqRedirect = store.counter(`${h}rq_redirect`);
    this.upgradesTotal = store.counter(`${h}downstream_cx_upgrades_total`);
    this.workerCxTotal = store.counter(`listener.${listener}.worker_${workerId}.downstream_cx_total`);
    this.workerCxActive = store.gauge(`listener.${listener}.worker_${workerId}.downstream_cx_active`);
  }

  response(status: number): void {
    const c = (status / 100) | 0;
    if (c >= 1 && c <= 5) this.rqByClass[c]!.inc();
  }

  /** A connection ended: Envoy's destroy stats, by who closed first and whether a request was in flight. */
  connectionDestroyed(closer: CloseSide | null, activeRequest: boolean): void {
    this.cxDestroy.inc();
    if (closer === 'remote') {
      this.cxDestroyRemote.inc();
      if (activeRequest) this.cxDestroyRemoteActiveRq.inc();
    } else if (closer === 'local') {
      this.cxDestroyLocal.inc();
      if (activeRequest) this.cxDestroyLocalActiveRq.inc();
    }
  }
}
