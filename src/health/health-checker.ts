/**
 * Active HTTP health checking of one cluster, on the main thread. Every host gets its own check
 * loop; results move the host through `HostHealth` (see there for the initial-state rule taken
 * from Envoy) and feed `cluster.<name>.health_check.*` stats. Health changes go to
 * `onHealthChange`, which the lead pushes to workers and logs.
 */
import type { Clock } from '../common/clock.ts';
import { IllegalTransitionError } from '../common/errors.ts';
import { buildCheckRequest, type CheckOutcome } from './check-attempt.ts';
import { validateHealthCheckConfig } from './defaults.ts';
import { HostCheckSession, type HostCheckCounters, type SessionOwner } from './host-check-session.ts';
import { HostHealth, type HostHealthState } from './host-health.ts';
import { hostKey, type ConnectFn, type HealthCheckConfig, type HostAddress, type RandomFn, type StatsSink } from './types.ts';

/** Dependencies and callbacks of a cluster's health checker. */
export interface HealthCheckerOptions {
  cluster: string;
  config: HealthCheckConfig;
  hosts: readonly HostAddress[];
  connect: ConnectFn;
  clock: Clock;
  random: RandomFn;
  stats: StatsSink;
  /** A host's health changed (including its first verdict after being added). */
  onHealthChange(cluster: string, host: string, healthy: boolean, reason: string): void;
  /** Every finished check; e.g. a success on a healthy host may un-eject it from outlier detection. */
  onCheckComplete?(cluster: string, host: string, success: boolean, healthy: boolean): void;
}

/** One host as `/admin/clusters` shows it. */
export interface HostHealthSnapshot {
  host: string;
  state: HostHealthState;
  healthy: boolean;
  consecutiveSuccesses: number;
  consecutiveFailures: number;
  lastCheckAt: number | undefined;
  lastFailure: string | undefined;
  counters: HostCheckCounters;
}

type CheckerState = 'created' | 'running' | 'stopped';

export class HealthChecker implements SessionOwner {
  readonly cluster: string;
  readonly connect: ConnectFn;
  readonly clock: Clock;
  private readonly config: HealthCheckConfig;
  private readonly random: RandomFn;
  private readonly stats: StatsSink;
  private readonly opts: HealthCheckerOptions;
  private readonly sessions = new Map<string, HostCheckSession>();
  private state: CheckerState = 'created';
  private readonly statNames: Record<keyof HostCheckCounters | 'healthy', string>;
  private firstRoundWaiters: (() => void)[] = [];

  constructor(opts: HealthCheckerOptions) {
    validateHealthCheckConfig(opts.config);
    this.opts = opts;
    this.cluster = opts.cluster;
    this.config = opts.config;
    this.connect = opts.connect;
    this.clock = opts.clock;
    this.random = opts.random;
    this.stats = opts.stats;
    const p = `cluster.${opts.cluster}.health_check.`;
    this.statNames = {
      attempt: `${p}attempt`,
      success: `${p}success`,
      failure: `${p}failure`,
      network_failure: `${p}network_failure`,
      timeout: `${p}timeout`,
      healthy: `${p}healthy`,
    };
    for (const [key, name] of Object.entries(this.statNames)) if (key !== 'healthy') this.stats.declare(name);
    for (const h of opts.hosts) this.addHost(h);
    this.publishHealthyGauge();
  }

  /** Run the first check of every host now, then keep checking each on its interval. */
  start(): void {
    if (this.state !== 'created') throw new IllegalTransitionError('HealthChecker', this.state, 'start');
    this.state = 'running';
    for (const s of this.sessions.values()) s.checkNow();
  }

  /** Stop every check loop; checks in flight are abandoned and their sockets destroyed. */
  stop(): void {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    for (const s of this.sessions.values()) s.stop();
    this.releaseFirstRoundWaiters();
  }

  /**
   * Replace the host set (reload, DNS change). Hosts already present keep their state, counters
   * and schedule; new hosts start `pending` and are checked at once; removed hosts stop.
   */
  updateHosts(hosts: readonly HostAddress[]): void {
    const wanted = new Map<string, HostAddress>();
    for (const h of hosts) wanted.set(hostKey(h), h);
    for (const [key, s] of this.sessions) {
      if (wanted.has(key)) continue;
      s.stop();
      this.sessions.delete(key);
    }
    for (const [key, h] of wanted) {
      if (this.sessions.has(key)) continue;
      const s = this.addHost(h);
      if (this.state === 'running') s.checkNow();
    }
    this.publishHealthyGauge();
    this.maybeFinishFirstRound();
  }

  /** Undefined when the host is not in this cluster. `pending` hosts are not healthy. */
  isHealthy(host: string): boolean | undefined {
    return this.sessions.get(host)?.health.healthy;
  }

  hostState(host: string): HostHealthState | undefined {
    return this.sessions.get(host)?.health.state;
  }

  snapshot(): HostHealthSnapshot[] {
    const out: HostHealthSnapshot[] = [];
    for (const s of this.sessions.values()) {
      out.push({
        host: s.key,
        state: s.health.state,
        healthy: s.health.healthy,
        consecutiveSuccesses: s.health.consecutiveSuccesses,
        consecutiveFailures: s.health.consecutiveFailures,
        lastCheckAt: s.lastCheckAt,
        lastFailure: s.lastFailure,
        counters: { ...s.counters },
      });
    }
    return out;
  }

  /**
   * Resolves once every host has had its first verdict (or the checker stopped): the moment
   * Envoy's cluster warming ends. Callers should race it against their own startup timeout.
   */
  firstRoundDone(): Promise<void> {
    if (this.firstRoundComplete()) return Promise.resolve();
    return new Promise((resolve) => this.firstRoundWaiters.push(resolve));
  }

  onAttempt(session: HostCheckSession): void {
    session.counters.attempt++;
    this.stats.inc(this.statNames.attempt);
  }

  onOutcome(session: HostCheckSession, outcome: CheckOutcome): void {
    const before = session.health.state;
    const transition = outcome.ok ? session.health.recordSuccess() : session.health.recordFailure();
    this.count(session, outcome);
    // Schedule before calling out, so a throwing callback cannot stop the loop.
    if (this.state === 'running') session.scheduleNext(this.nextDelay());
    if (transition !== 'unchanged') {
      this.publishHealthyGauge();
      this.opts.onHealthChange(this.cluster, session.key, session.health.healthy, this.reason(session, before, outcome));
    }
    this.opts.onCheckComplete?.(this.cluster, session.key, outcome.ok, session.health.healthy);
    this.maybeFinishFirstRound();
  }

  private addHost(h: HostAddress): HostCheckSession {
    const key = hostKey(h);
    const target = {
      address: h.address,
      port: h.port,
      request: buildCheckRequest(this.config.path, this.config.host ?? this.cluster),
      timeoutMs: this.config.timeoutMs,
      expectedStatuses: this.config.expectedStatuses,
    };
    const s = new HostCheckSession(this, key, target, new HostHealth(this.config.healthyThreshold, this.config.unhealthyThreshold));
    this.sessions.set(key, s);
    return s;
  }

  /** `interval` plus a random `[0, intervalJitter)`, as Envoy's `interval_jitter`. */
  private nextDelay(): number {
    const j = this.config.intervalJitterMs;
    return this.config.intervalMs + (j > 0 ? Math.floor(this.random() * j) : 0);
  }

  private count(session: HostCheckSession, outcome: CheckOutcome): void {
    if (outcome.ok) {
      session.counters.success++;
      session.lastFailure = undefined;
      this.stats.inc(this.statNames.success);
      return;
    }
    session.lastFailure = outcome.detail;
    session.counters.failure++;
    this.stats.inc(this.statNames.failure);
    // Envoy counts a timeout as a NETWORK failure; `timeout` is our extra counter.
    if (outcome.kind === 'network' || outcome.kind === 'timeout') {
      session.counters.network_failure++;
      this.stats.inc(this.statNames.network_failure);
    }
    if (outcome.kind === 'timeout') {
      session.counters.timeout++;
      this.stats.inc(this.statNames.timeout);
    }
  }

  private reason(session: HostCheckSession, before: HostHealthState, outcome: CheckOutcome): string {
    const h = session.health;
    if (outcome.ok) {
      if (before === 'pending') return `first health check passed (status ${outcome.status})`;
      return `${h.consecutiveSuccesses} consecutive successful health checks (healthy_threshold ${this.config.healthyThreshold})`;
    }
    if (before === 'pending') return `first health check failed: ${outcome.detail}`;
    return `${h.consecutiveFailures} consecutive failed health checks (unhealthy_threshold ${this.config.unhealthyThreshold}), last: ${outcome.detail}`;
  }

  private publishHealthyGauge(): void {
    let n = 0;
    for (const s of this.sessions.values()) if (s.health.healthy) n++;
    this.stats.set(this.statNames.healthy, n);
  }

  private firstRoundComplete(): boolean {
    if (this.state === 'stopped') return true;
    for (const s of this.sessions.values()) if (s.health.state === 'pending') return false;
    return true;
  }

  private maybeFinishFirstRound(): void {
    if (this.firstRoundWaiters.length > 0 && this.firstRoundComplete()) this.releaseFirstRoundWaiters();
  }

  private releaseFirstRoundWaiters(): void {
    const waiters = this.firstRoundWaiters;
    this.firstRoundWaiters = [];
    for (const w of waiters) w();
  }
}
