/** Circuit breakers: one SharedArrayBuffer, a view per worker, limits that hold across them. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  allocateBreakerBuffer,
  BreakerWorkerIndexError,
  CircuitBreakers,
  CONNECTIONS,
  PENDING_REQUESTS,
  REQUESTS,
  RETRIES,
} from '../../../src/upstream/circuit-breakers.ts';
import { flush } from '../../support/fake-socket.ts';
import { makePool } from './pool-fixture.ts';

const LIMITS = { maxConnections: 4, maxPendingRequests: 2, maxRequests: 3, maxRetries: 1 };

describe('circuit breakers', () => {
  it('two workers sharing one buffer share the limit', () => {
    const buf = allocateBreakerBuffer(2);
    const w0 = new CircuitBreakers(buf, LIMITS, 0);
    const w1 = new CircuitBreakers(buf, LIMITS, 1);
    assert.equal(w0.tryAcquire(CONNECTIONS), true);
    assert.equal(w1.tryAcquire(CONNECTIONS), true);
    assert.equal(w0.tryAcquire(CONNECTIONS), true);
    assert.equal(w1.tryAcquire(CONNECTIONS), true);
    assert.equal(w0.tryAcquire(CONNECTIONS), false, 'fifth connection refused on worker 0');
    assert.equal(w1.tryAcquire(CONNECTIONS), false, 'and on worker 1');
    assert.equal(w0.count(CONNECTIONS), 4);
    assert.equal(w0.ownCount(CONNECTIONS), 2);
    w1.release(CONNECTIONS);
    assert.equal(w0.tryAcquire(CONNECTIONS), true, 'a slot freed by worker 1 is usable by worker 0');
    assert.equal(w0.ownCount(CONNECTIONS), 3);
    assert.equal(w1.ownCount(CONNECTIONS), 1);
  });

  it('each resource has its own limit and main reads occupancy and the open gauges', () => {
    const buf = allocateBreakerBuffer(2);
    const w = new CircuitBreakers(buf, LIMITS, 0);
    const main = new CircuitBreakers(buf, LIMITS, -1);
    assert.equal(w.tryAcquire(PENDING_REQUESTS), true);
    assert.equal(w.tryAcquire(PENDING_REQUESTS), true);
    assert.equal(w.tryAcquire(PENDING_REQUESTS), false);
    assert.equal(w.tryAcquireRetry(), true);
    assert.equal(w.tryAcquireRetry(), false);
    assert.equal(w.tryAcquire(REQUESTS), true);
    const s = main.status();
    assert.equal(s.pendingRequests, 2);
    assert.equal(s.rq_pending_open, 1);
    assert.equal(s.retries, 1);
    assert.equal(s.rq_retry_open, 1);
    assert.equal(s.requests, 1);
    assert.equal(s.rq_open, 0);
    assert.equal(s.remaining_rq, 2);
    assert.equal(s.cx_open, 0);
    assert.equal(s.remaining_cx, 4);
    w.releaseRetry();
    assert.equal(main.count(RETRIES), 0);
  });

  it('what a dead worker held is given back by main', () => {
    const buf = allocateBreakerBuffer(2);
    const w0 = new CircuitBreakers(buf, LIMITS, 0);
    const w1 = new CircuitBreakers(buf, LIMITS, 1);
    const main = new CircuitBreakers(buf, LIMITS, -1);
    w0.tryAcquire(CONNECTIONS);
    w1.tryAcquire(CONNECTIONS);
    w1.tryAcquire(CONNECTIONS);
    w1.tryAcquire(REQUESTS);
    w1.addConnectionWaiter();
    main.releaseWorker(1);
    assert.equal(main.count(CONNECTIONS), 1);
    assert.equal(main.count(REQUESTS), 0);
    assert.equal(main.connectionWaiters(), 0);
    assert.equal(w0.ownCount(CONNECTIONS), 1);
  });

  it('a worker index outside the table is refused', () => {
    assert.throws(() => new CircuitBreakers(allocateBreakerBuffer(2), LIMITS, 2), BreakerWorkerIndexError);
  });

  it('pools of two workers never open more than max_connections together', async () => {
    const buf = allocateBreakerBuffer(2);
    const limits = { maxConnections: 4 };
    const w0 = makePool({ breakerBuffer: buf, workerIndex: 0, limits });
    const w1 = makePool({ breakerBuffer: buf, workerIndex: 1, limits });
    for (let i = 0; i < 10; i++) {
      w0.request();
      w1.request();
    }
    assert.equal(w0.connector.attempts.length + w1.connector.attempts.length, 4);
    assert.ok(w0.stat('upstream_cx_overflow') + w1.stat('upstream_cx_overflow') > 0);
    for (const f of [w0, w1]) for (const a of f.connector.open()) a.succeed();
    await flush();
    assert.equal(w0.sizes().busy + w1.sizes().busy, 4);
    assert.equal(w0.breakers.count(CONNECTIONS), 4);
  });
});
