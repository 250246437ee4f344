/** Outlier state of one host: consecutive-error counters, ejection state and ejection backoff. */
import { IllegalTransitionError } from '../common/errors.ts';

/** `ejected`: out of load balancing until the detector's interval tick finds its time served. */
export type OutlierHostState = 'active' | 'ejected';

export class OutlierHostMonitor {
  readonly host: string;
  consecutive5xx = 0;
  consecutiveGatewayFailure = 0;
  /** Times ejected since the host was added. */
  numEjections = 0;
  /** Envoy's ejection time multiplier: grows per ejection, shrinks while the host behaves. */
  backoff = 0;
  lastEjectionTime: number | undefined;
  lastUnejectionTime: number | undefined;
  private stateValue: OutlierHostState = 'active';

  constructor(host: string) {
    this.host = host;
  }

  get state(): OutlierHostState {
    return this.stateValue;
  }

  get ejected(): boolean {
    return this.stateValue === 'ejected';
  }

  eject(now: number): void {
    if (this.stateValue !== 'active') throw new IllegalTransitionError('OutlierHostMonitor', this.stateValue, 'eject');
    this.stateValue = 'ejected';
    this.numEjections++;
    this.lastEjectionTime = now;
  }

  /** Back into service; the counters restart so a nearly-full one cannot re-eject on one error. */
  uneject(now: number): void {
    if (this.stateValue !== 'ejected') throw new IllegalTransitionError('OutlierHostMonitor', this.stateValue, 'uneject');
    this.stateValue = 'active';
    this.lastUnejectionTime = now;
    this.consecutive5xx = 0;
    this.consecutiveGatewayFailure = 0;
  }
}
