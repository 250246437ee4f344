/**
 * Passive outlier detection of one cluster, on the main thread, following Envoy's
 * DetectorImpl for the consecutive-5xx and consecutive-gateway-failure detectors:
 * - each result moves the host's counters; a counter reaching its threshold (exactly, as
 *   Envoy's `==`) asks for an ejection; the asked-for counter then restarts (unless the host is
 *   already ejected), so a blocked ejection is asked for again after another full run;
 * - an ejection is allowed when (ejected + 1) / hosts <= max_ejection_percent, or when
 *   `alwaysEjectOneHost` is set and nothing is ejected (Envoy's `always_eject_one_host`, off
 *   by default: with 10% and fewer than 10 hosts nothing is ever ejected, as in Envoy);
 * - an ejected host stays out min(base × multiplier, max) and is let back in only on the
 *   `interval` tick; the multiplier grows by one per ejection (until base × multiplier reaches
 *   max + base) and shrinks by one on each tick at least `interval` after its last return.
 * Results arrive in per-worker batches (see outlier-report.ts for what "consecutive" means
 * across workers).
 */
import type { Clock, Timer } from '../common/clock.ts';
import { IllegalTransitionError } from '../common/errors.ts';
import { resolveOutlierConfig } from './defaults.ts';
import { OutlierHostMonitor, type OutlierHostState } from './outlier-host-monitor.ts';
import { OUTCOME_GATEWAY_FAILURE, OUTCOME_SUCCESS, type OutlierOutcome } from './outlier-outcome.ts';
import type { OutlierDetectionConfig, RandomFn, StatsSink } from './types.ts';

/** Which detector asked for an ejection (Envoy's OutlierEjectionType names). */
export type EjectionType = 'consecutive_5xx' | 'consecutive_gateway_failure';

/** Dependencies and callbacks of a cluster's outlier detector. */
export interface OutlierDetectorOptions {
  cluster: string;
  /** Unset fields take Envoy's defaults (`OUTLIER_DEFAULTS`). */
  config: Partial<OutlierDetectionConfig>;
  /** Host keys (`address:port`, see `hostKey`). */
  hosts: readonly string[];
  clock: Clock;
  /** For the `enforcing_*` percentages. */
  random: RandomFn;
  stats: StatsSink;
  onEject(cluster: string, host: string, type: EjectionType, durationMs: number): void;
  onUneject(cluster: string, host: string): void;
}

/** One host as `/admin/clusters` shows it. */
export interface OutlierHostSnapshot {
  host: string;
  state: OutlierHostState;
  consecutive5xx: number;
  consecutiveGatewayFailure: number;
  numEjections: number;
  ejectionTimeMultiplier: number;
  lastEjectionTime: number | undefined;
}

type DetectorState = 'created' | 'running' | 'stopped';

const STAT_KEYS = [
  'ejections_active',
  'ejections_total',
  'ejections_overflow',
  'ejections_enforced_total',
  'ejections_consecutive_5xx',
  'ejections_detected_consecutive_5xx',
  'ejections_enforced_consecutive_5xx',
  'ejections_detected_consecutive_gateway_failure',
  'ejections_enforced_consecutive_gateway_failure',
] as const;

type StatKey = (typeof STAT_KEYS)[number];

export class OutlierDetector {
  readonly cluster: string;
  readonly config: Readonly<Required<OutlierDetectionConfig>>;
  private readonly clock: Clock;
  private readonly random: RandomFn;
  private readonly stats: StatsSink;
  private readonly opts: OutlierDetectorOptions;
  private readonly monitors = new Map<string, OutlierHostMonitor>();
  private readonly statNames: Record<StatKey, string>;
  private ejectionsActive = 0;
  private timer: Timer | undefined;
  private state: DetectorState = 'created';
  private readonly onTick = (): void => this.tick();

  constructor(opts: OutlierDetectorOptions) {
    this.config = resolveOutlierConfig(opts.config);
    this.opts = opts;
    this.cluster = opts.cluster;
    this.clock = opts.clock;
    this.random = opts.random;
    this.stats = opts.stats;
    const names = {} as Record<StatKey, string>;
    for (const k of STAT_KEYS) names[k] = `cluster.${opts.cluster}.outlier_detection.${k}`;
    this.statNames = names;
    for (const k of STAT_KEYS) if (k !== 'ejections_active') this.stats.declare(names[k]);
    for (const h of opts.hosts) this.monitors.set(h, new OutlierHostMonitor(h));
    this.publishActive();
  }

  /** Arm the interval timer that returns ejected hosts to service. */
  start(): void {
    if (this.state !== 'created') throw new IllegalTransitionError('OutlierDetector', this.state, 'start');
    this.state = 'running';
    this.armTimer();
  }

  stop(): void {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.timer?.cancel();
    this.timer = undefined;
    // Its ejections end with it (the owner returns the hosts): none is active any more.
    this.ejectionsActive = 0;
    this.publishActive();
  }

  /**
   * Replace the host set. Unchanged hosts keep counters, ejection and backoff; a removed
   * ejected host leaves `ejections_active` without an `onUneject` (it is gone, as in Envoy).
   */
  updateHosts(hosts: readonly string[]): void {
    const wanted = new Set(hosts);
    for (const [key, m] of this.monitors) {
      if (wanted.has(key)) continue;
      if (m.ejected) this.ejectionsActive--;
      this.monitors.delete(key);
    }
    for (const key of wanted) if (!this.monitors.has(key)) this.monitors.set(key, new OutlierHostMonitor(key));
    this.publishActive();
  }

  /** Apply `count` results of one kind for `host`, in order. Unknown hosts are ignored. */
  putResults(host: string, outcome: OutlierOutcome, count: number): void {
    const m = this.monitors.get(host);
    if (!m || count <= 0) return;
    if (outcome === OUTCOME_SUCCESS) {
      m.consecutive5xx = 0;
      m.consecutiveGatewayFailure = 0;
      return;
    }
    for (let i = 0; i < count; i++) this.putError(m, outcome === OUTCOME_GATEWAY_FAILURE);
  }

  /** A successful active health check returns an ejected host at once (Envoy's default). */
  unejectByActiveHealthCheck(host: string): void {
    const m = this.monitors.get(host);
    if (m?.ejected) this.uneject(m, this.clock.now());
  }

  isEjected(host: string): boolean {
    return this.monitors.get(host)?.ejected ?? false;
  }

  get activeEjections(): number {
    return this.ejectionsActive;
  }

  snapshot(): OutlierHostSnapshot[] {
    const out: OutlierHostSnapshot[] = [];
    for (const m of this.monitors.values()) {
      out.push({
        host: m.host,
        state: m.state,
        consecutive5xx: m.consecutive5xx,
        consecutiveGatewayFailure: m.consecutiveGatewayFailure,
        numEjections: m.numEjections,
        ejectionTimeMultiplier: m.backoff,
        lastEjectionTime: m.lastEjectionTime,
      });
    }
    return out;
  }

  /** Envoy's putHttpResponseCode for a 5xx: the gateway counter first, then the 5xx counter. */
  private putError(m: OutlierHostMonitor, gateway: boolean): void {
    if (gateway) {
      if (++m.consecutiveGatewayFailure === this.config.consecutiveGatewayFailure) {
        this.onConsecutiveError(m, 'consecutive_gateway_failure');
      }
    } else {
      m.consecutiveGatewayFailure = 0;
    }
    if (++m.consecutive5xx === this.config.consecutive5xx) this.onConsecutiveError(m, 'consecutive_5xx');
  }

  private onConsecutiveError(m: OutlierHostMonitor, type: EjectionType): void {
    if (m.ejected) return;
    this.inc(type === 'consecutive_5xx' ? 'ejections_detected_consecutive_5xx' : 'ejections_detected_consecutive_gateway_failure');
    this.ejectHost(m, type);
    if (type === 'consecutive_5xx') {
      this.inc('ejections_consecutive_5xx');
      m.consecutive5xx = 0;
    } else {
      m.consecutiveGatewayFailure = 0;
    }
  }

  private ejectHost(m: OutlierHostMonitor, type: EjectionType): void {
    const c = this.config;
    const ejectedPercent = (100 * (this.ejectionsActive + 1)) / this.monitors.size;
    const allowed = ejectedPercent <= Math.min(100, c.maxEjectionPercent) || (c.alwaysEjectOneHost && this.ejectionsActive === 0);
    if (!allowed) {
      this.inc('ejections_overflow');
      return;
    }
    if (type === 'consecutive_5xx') this.inc('ejections_total');
    const enforcing = type === 'consecutive_5xx' ? c.enforcingConsecutive5xx : c.enforcingConsecutiveGatewayFailure;
    if (!this.enforced(enforcing)) return;
    this.ejectionsActive++;
    this.inc('ejections_enforced_total');
    this.inc(type === 'consecutive_5xx' ? 'ejections_enforced_consecutive_5xx' : 'ejections_enforced_consecutive_gateway_failure');
    m.eject(this.clock.now());
    if (m.backoff * c.baseEjectionTimeMs < c.maxEjectionTimeMs + c.baseEjectionTimeMs) m.backoff++;
    this.publishActive();
    this.opts.onEject(this.cluster, m.host, type, this.ejectionTime(m));
  }

  private enforced(percent: number): boolean {
    if (percent >= 100) return true;
    if (percent <= 0) return false;
    return this.random() * 100 < percent;
  }

  private ejectionTime(m: OutlierHostMonitor): number {
    return Math.min(this.config.baseEjectionTimeMs * m.backoff, this.config.maxEjectionTimeMs);
  }

  private uneject(m: OutlierHostMonitor, now: number): void {
    m.uneject(now);
    this.ejectionsActive--;
    this.publishActive();
    this.opts.onUneject(this.cluster, m.host);
  }

  /** Envoy's onIntervalTimer for the consecutive detectors. */
  private tick(): void {
    this.timer = undefined;
    const now = this.clock.now();
    for (const m of this.monitors.values()) {
      if (m.ejected && m.lastEjectionTime !== undefined && this.ejectionTime(m) <= now - m.lastEjectionTime) {
        this.uneject(m, now);
      }
    }
    for (const m of this.monitors.values()) {
      if (m.ejected || m.lastUnejectionTime === undefined || m.backoff === 0) continue;
      if (now - m.lastUnejectionTime >= this.config.intervalMs) m.backoff--;
    }
    if (this.state === 'running') this.armTimer();
  }

  private armTimer(): void {
    this.timer = this.clock.setTimer(this.config.intervalMs, this.onTick);
  }

  private inc(key: StatKey): void {
    this.stats.inc(this.statNames[key]);
  }

  private publishActive(): void {
    this.stats.set(this.statNames.ejections_active, this.ejectionsActive);
  }
}
