/**
 * The active-health state of one host and its threshold counting, as Envoy's
 * ActiveHealthCheckSession does it:
 * - a host added to a health-checked cluster starts `pending` (counted unhealthy, like Envoy's
 *   FAILED_ACTIVE_HC on new hosts) and its FIRST check decides at once: one success makes it
 *   healthy, one failure unhealthy (Envoy: "during startup, only a single successful health
 *   check is required to mark a host healthy");
 * - after that, `unhealthyThreshold` consecutive failures make a healthy host unhealthy and
 *   `healthyThreshold` consecutive successes make an unhealthy host healthy.
 * Deviation: Envoy marks a host unhealthy at once on an unexpected status unless it is listed in
 * `retriable_statuses`; here every failure counts toward the threshold (all statuses retriable).
 */
import { IllegalTransitionError } from '../common/errors.ts';

/** `pending`: no check has finished since the host was added; it takes no traffic yet. */
export type HostHealthState = 'pending' | 'healthy' | 'unhealthy';

/** What a check result did to the host. */
export type HealthTransition = 'unchanged' | 'became_healthy' | 'became_unhealthy';

export class HostHealth {
  private stateValue: HostHealthState = 'pending';
  private successes = 0;
  private failures = 0;
  private readonly healthyThreshold: number;
  private readonly unhealthyThreshold: number;

  constructor(healthyThreshold: number, unhealthyThreshold: number) {
    this.healthyThreshold = healthyThreshold;
    this.unhealthyThreshold = unhealthyThreshold;
  }

  get state(): HostHealthState {
    return this.stateValue;
  }

  get healthy(): boolean {
    return this.stateValue === 'healthy';
  }

  /** Consecutive successes so far (reset by a failure). */
  get consecutiveSuccesses(): number {
    return this.successes;
  }

  /** Consecutive failures so far (reset by a success). */
  get consecutiveFailures(): number {
    return this.failures;
  }

  recordSuccess(): HealthTransition {
    this.failures = 0;
    this.successes++;
    switch (this.stateValue) {
      case 'pending':
        this.becomeHealthy();
        return 'became_healthy';
      case 'unhealthy':
        if (this.successes < this.healthyThreshold) return 'unchanged';
        this.becomeHealthy();
        return 'became_healthy';
      case 'healthy':
        return 'unchanged';
    }
  }

  recordFailure(): HealthTransition {
    this.successes = 0;
    this.failures++;
    switch (this.stateValue) {
      case 'pending':
        this.becomeUnhealthy();
        return 'became_unhealthy';
      case 'healthy':
        if (this.failures < this.unhealthyThreshold) return 'unchanged';
        this.becomeUnhealthy();
        return 'became_unhealthy';
      case 'unhealthy':
        return 'unchanged';
    }
  }

  private becomeHealthy(): void {
    if (this.stateValue === 'healthy') throw new IllegalTransitionError('HostHealth', this.stateValue, 'becomeHealthy');
    this.stateValue = 'healthy';
  }

  private becomeUnhealthy(): void {
    if (this.stateValue === 'unhealthy') throw new IllegalTransitionError('HostHealth', this.stateValue, 'becomeUnhealthy');
    this.stateValue = 'unhealthy';
  }
}
