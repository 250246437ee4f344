/** A request's retry budget and policy: which failures retry, and the jittered exponential back-off. */
import type { RetryPolicy } from '../router/types.ts';

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

  /** Consume one retry and give its delay: full jitter over an exponentially growing window. */
  nextBackOff(): number {
    const base = this.policy.backOffBaseMs;
    const max = this.policy.backOffMaxMs > 0 ? this.policy.backOffMaxMs : base * 10;
    const window = Math.min(max, base * 2 ** this.attempts);
    this.attempts++;
    return Math.floor(this.random() * (window + 1));
  }
}
