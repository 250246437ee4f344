/** A request's retry budget and policy: which failures retry, and the jittered exponential back-off. */
import type { RetryPolicy } from '../router/types.ts';
import type { Clock, Timer } from '../common/clock.ts';
import type { RouteCluster } from './upstream-cluster.ts';

/** What `schedule` did: a retry is on its way, or why not (the caller sets the response flag). */
/** The stream being retried. */
export interface RetryOwner {
  onRetry(): void;
}

export type RetryDecision = 'scheduled' | 'not_retriable' | 'exhausted' | 'overflow';

export type RetryTrigger = 'connect-failure' | 'reset' | 'timeout' | 'status';

export class RetryState {
  private readonly policy: RetryPolicy;
  private readonly random: () => number;
  /** Retries already scheduled. */
  attempts = 0;

  constructor(policy: RetryPolicy, random: () => number) {
    this.policy = policy;
    this.random = random;
  }

  get perTryTimeoutMs(): number {
    return this.policy.perTryTimeoutMs;
  }

  /** The response status is one this policy retries (checked before anything goes downstream). */
  retriableStatus(status: number): boolean {
    const on = this.policy.retryOn;
    if (on.has('5xx') && status >= 500) return true;
    if (on.has('gateway-error') && (status === 502 || status === 503 || status === 504)) return true;
    if (on.has('retriable-status-codes') && this.policy.retriableStatusCodes.includes(status)) return true;
    return false;
  }

  /** Whether the policy covers this failure (Envoy: 5xx covers resets, connect failures and timeouts too). */
  shouldRetry(trigger: RetryTrigger, status: number): boolean {
    const on = this.policy.retryOn;
    switch (trigger) {
      case 'status':
        return this.retriableStatus(status);
      case 'connect-failure':
        return on.has('connect-failure') || on.has('5xx') || on.has('gateway-error');
      case 'reset':
        return on.has('reset') || on.has('5xx') || on.has('gateway-error');
      case 'timeout':
        return on.has('5xx') || on.has('gateway-error') || on.has('reset');
    }
  }

  hasBudget(): boolean {
    return this.attempts < this.policy.numRetries;
  }

  private timer: Timer | null = null;
  private holdsBreaker: RouteCluster | null = null;

  /**
   * Schedule the next try after the back-off if the policy covers this failure, the budget has
   * one left and the cluster's `max_retries` breaker has room; then `owner.onRetry()` starts the try.
   * The breaker slot is held through the back-off and the retried try (Envoy's outstanding
   * retries), until the next schedule or `cancel()` when the request ends.
   */
  schedule(trigger: RetryTrigger, status: number, cluster: RouteCluster, clock: Clock, owner: RetryOwner): RetryDecision {
    // The try that just failed was the retry this slot was for.
    this.releaseBreaker();
    if (!this.shouldRetry(trigger, status)) return 'not_retriable';
    if (!this.hasBudget()) return 'exhausted';
    if (!cluster.tryAcquireRetry()) {
      cluster.stats.upstream_rq_retry_overflow.inc();
      return 'overflow';
    }
    cluster.stats.upstream_rq_retry.inc();
    this.holdsBreaker = cluster;
    this.timer = clock.setTimer(this.nextBackOff(), () => {
      this.timer = null;
      owner.onRetry();
    });
    return 'scheduled';
  }

  /** The request ended: a retry waiting for its back-off is called off, and the breaker slot a retry held is given back. */
  cancel(): void {
    if (this.timer) {
      this.timer.cancel();
      this.timer = null;
    }
    this.releaseBreaker();
  }

  private releaseBreaker(): void {
    if (this.holdsBreaker) {
      this.holdsBreaker.releaseRetry();
      this.holdsBreaker = null;
    }
  }

  /** Consume one retry and give its delay: full jitter over an exponentially growing window. */
  nextBackOff(): number {
    const base = this.policy.backOffBaseMs;
    const max = this.policy.backOffMaxMs > 0 ? this.policy.backOffMaxMs : base * 10;
    const window = Math.min(max, base * 2 ** this.attempts);
    this.attempts++;
    return Math.floor(this.random() * (window + 1));
  }
}
