import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RetryState } from '../../../src/http/retry-state.ts';
import type { RetryOn, RetryPolicy } from '../../../src/router/types.ts';
import type { RouteCluster } from '../../../src/http/upstream-cluster.ts';
import { ManualClock } from '../../support/manual-clock.ts';

function policy(on: RetryOn[], extra: Partial<RetryPolicy> = {}): RetryPolicy {
  return { retryOn: new Set(on), numRetries: 2, perTryTimeoutMs: 0, retriableStatusCodes: [], backOffBaseMs: 25, backOffMaxMs: 250, ...extra };
}

/** The breaker and counters of a cluster, nothing else. */
function cluster(room: number) {
  const counts = { retry: 0, overflow: 0, held: 0 };
  const c = {
    stats: { upstream_rq_retry: { inc: () => counts.retry++ }, upstream_rq_retry_overflow: { inc: () => counts.overflow++ } },
    tryAcquireRetry: () => (counts.held < room ? (counts.held++, true) : false),
    releaseRetry: () => void counts.held--,
  } as unknown as RouteCluster;
  return { c, counts };
}

describe('retry state', () => {
  it('5xx covers 5xx statuses, resets, connect failures and timeouts; gateway-error only 502/503/504', () => {
    const five = new RetryState(policy(['5xx']), () => 0);
    assert.equal(five.shouldRetry('status', 500), true);
    assert.equal(five.shouldRetry('status', 429), false);
    for (const t of ['reset', 'connect-failure', 'timeout'] as const) assert.equal(five.shouldRetry(t, 0), true);
    const gw = new RetryState(policy(['gateway-error']), () => 0);
    assert.equal(gw.shouldRetry('status', 502), true);
    assert.equal(gw.shouldRetry('status', 500), false);
    const codes = new RetryState(policy(['retriable-status-codes'], { retriableStatusCodes: [429] }), () => 0);
    assert.equal(codes.shouldRetry('status', 429), true);
    assert.equal(codes.shouldRetry('connect-failure', 0), false);
    const cf = new RetryState(policy(['connect-failure']), () => 0);
    assert.equal(cf.shouldRetry('reset', 0), false);
  });

  it('back-off has full jitter within an exponentially growing window capped by the max', () => {
    const high = new RetryState(policy(['5xx'], { numRetries: 10 }), () => 0.999999);
    const delays = [0, 1, 2, 3, 4, 5].map(() => high.nextBackOff());
    assert.deepEqual(delays, [25, 50, 100, 200, 250, 250]);
    const low = new RetryState(policy(['5xx']), () => 0);
    assert.equal(low.nextBackOff(), 0);
  });

  it('schedules at most num_retries tries, each after its back-off, holding the breaker through the back-off and the retried try', () => {
    const clock = new ManualClock();
    const { c, counts } = cluster(10);
    const r = new RetryState(policy(['5xx']), () => 0.5);
    let runs = 0;
    const owner = { onRetry: () => void runs++ };
    assert.equal(r.schedule('status', 503, c, clock, owner), 'scheduled');
    assert.equal(counts.held, 1);
    clock.advance(12);
    assert.equal(runs, 0, "not before the back-off (13 ms)");
    clock.advance(1);
    assert.equal(runs, 1);
    assert.equal(counts.held, 1, 'the retried try is still outstanding');
    assert.equal(r.schedule('reset', 0, c, clock, owner), 'scheduled');
    assert.equal(counts.held, 1, 'one slot per request: the failed retry gave its slot to the next');
    clock.advance(100);
    assert.equal(runs, 2);
    assert.equal(r.schedule('status', 503, c, clock, owner), 'exhausted');
    assert.equal(counts.held, 0, 'no retry left: the slot is back');
    assert.equal(counts.retry, 2);
  });

  it('a retry slot held by a try in flight makes another request overflow (max_retries 1)', () => {
    const clock = new ManualClock();
    const { c, counts } = cluster(1);
    const first = new RetryState(policy(['5xx']), () => 0);
    const second = new RetryState(policy(['5xx']), () => 0);
    assert.equal(first.schedule('status', 503, c, clock, { onRetry: () => {} }), 'scheduled');
    clock.advance(1); // the first request's retry is now in flight
    assert.equal(second.schedule('status', 503, c, clock, { onRetry: () => {} }), 'overflow');
    assert.equal(counts.overflow, 1);
    first.cancel(); // the first request ended
    assert.equal(second.schedule('status', 503, c, clock, { onRetry: () => {} }), 'scheduled');
  });

  it('the max_retries breaker refuses a retry with overflow, and a cancelled retry gives its slot back', () => {
    const clock = new ManualClock();
    const full = cluster(0);
    const r = new RetryState(policy(['5xx']), () => 0);
    assert.equal(r.schedule('status', 500, full.c, clock, { onRetry: () => assert.fail('no retry') }), 'overflow');
    assert.equal(full.counts.overflow, 1);
    const room = cluster(1);
    const r2 = new RetryState(policy(['5xx']), () => 0.9);
    assert.equal(r2.schedule('status', 500, room.c, clock, { onRetry: () => assert.fail('cancelled') }), 'scheduled');
    r2.cancel();
    assert.equal(room.counts.held, 0);
    clock.advance(1000);
    assert.equal(r2.schedule('status', 404, room.c, clock, { onRetry: () => {} }), 'not_retriable');
  });
});
