/** The check loop of one host: wait `interval + jitter`, run one check, repeat; until stopped. */
import type { Clock, Timer } from '../common/clock.ts';
import { IllegalTransitionError } from '../common/errors.ts';
import { CheckAttempt, type CheckOutcome, type CheckTarget } from './check-attempt.ts';
import { HostHealth } from './host-health.ts';
import type { ConnectFn } from './types.ts';

/**
 * `idle`: created, or a check just finished and the next is not yet scheduled; `waiting`: the
 * next check is scheduled; `checking`: one is in flight; `stopped`: for good.
 */
export type SessionState = 'idle' | 'waiting' | 'checking' | 'stopped';

/** Per-host counters, the host-level view of `cluster.<name>.health_check.*`. */
export interface HostCheckCounters {
  attempt: number;
  success: number;
  failure: number;
  network_failure: number;
  timeout: number;
}

/** What the session needs from its checker. */
export interface SessionOwner {
  readonly connect: ConnectFn;
  readonly clock: Clock;
  onAttempt(session: HostCheckSession): void;
  onOutcome(session: HostCheckSession, outcome: CheckOutcome): void;
}

export class HostCheckSession {
  readonly key: string;
  readonly health: HostHealth;
  readonly counters: HostCheckCounters = { attempt: 0, success: 0, failure: 0, network_failure: 0, timeout: 0 };
  /** Monotonic time the last check finished, if any. */
  lastCheckAt: number | undefined;
  /** Why the last failed check failed. */
  lastFailure: string | undefined;
  private stateValue: SessionState = 'idle';
  private timer: Timer | undefined;
  private attempt: CheckAttempt | undefined;
  private readonly owner: SessionOwner;
  private readonly target: CheckTarget;

  constructor(owner: SessionOwner, key: string, target: CheckTarget, health: HostHealth) {
    this.owner = owner;
    this.key = key;
    this.target = target;
    this.health = health;
  }

  get state(): SessionState {
    return this.stateValue;
  }

  /** Check now (Envoy runs the first check at start). */
  checkNow(): void {
    if (this.stateValue !== 'idle' && this.stateValue !== 'waiting') {
      throw new IllegalTransitionError('HostCheckSession', this.stateValue, 'check');
    }
    this.timer?.cancel();
    this.timer = undefined;
    this.stateValue = 'checking';
    const attempt = new CheckAttempt(this.owner.connect, this.owner.clock, this.target, (o) => this.onAttemptDone(attempt, o));
    this.attempt = attempt;
    this.owner.onAttempt(this);
    attempt.start();
  }

  /** Schedule the next check `delayMs` from now. */
  scheduleNext(delayMs: number): void {
    if (this.stateValue !== 'idle') throw new IllegalTransitionError('HostCheckSession', this.stateValue, 'schedule');
    this.stateValue = 'waiting';
    this.timer = this.owner.clock.setTimer(delayMs, () => {
      this.timer = undefined;
      this.checkNow();
    });
  }

  /** Stop for good: cancel the timer and any check in flight (its socket is destroyed). */
  stop(): void {
    if (this.stateValue === 'stopped') return;
    this.stateValue = 'stopped';
    this.timer?.cancel();
    this.timer = undefined;
    this.attempt?.cancel();
    this.attempt = undefined;
  }

  private onAttemptDone(attempt: CheckAttempt, outcome: CheckOutcome): void {
    if (this.attempt !== attempt || this.stateValue !== 'checking') return;
    this.attempt = undefined;
    this.stateValue = 'idle';
    this.lastCheckAt = this.owner.clock.now();
    this.owner.onOutcome(this, outcome);
  }
}
