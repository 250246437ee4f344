import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../support/manual-clock.ts';
import { HealthChecker } from '../../../src/health/health-checker.ts';
import { HealthConfigError } from '../../../src/health/errors.ts';
import { IllegalTransitionError } from '../../../src/common/errors.ts';
import type { HealthCheckConfig, HostAddress } from '../../../src/health/types.ts';
import { FakeNetwork, RecordingStats, seededRandom, settle } from './fakes.ts';

interface Change {
  host: string;
  healthy: boolean;
  reason: string;
  at: number;
}

const A = '10.0.0.1:80';
const B = '10.0.0.2:80';
const hostA: HostAddress = { address: '10.0.0.1', port: 80 };
const hostB: HostAddress = { address: '10.0.0.2', port: 80 };

function setup(over: Partial<HealthCheckConfig> = {}, hosts: HostAddress[] = [hostA]) {
  const clock = new ManualClock();
  const net = new FakeNetwork(() => clock.now());
  const stats = new RecordingStats();
  const changes: Change[] = [];
  const completes: { host: string; success: boolean; healthy: boolean }[] = [];
  const config: HealthCheckConfig = {
    path: '/healthz',
    intervalMs: 1000,
    intervalJitterMs: 0,
    timeoutMs: 200,
    unhealthyThreshold: 3,
    healthyThreshold: 2,
    expectedStatuses: [],
    ...over,
  };
  const checker = new HealthChecker({
    cluster: 'backend',
    config,
    hosts,
    connect: net.connect,
    clock,
    random: seededRandom(42),
    stats,
    onHealthChange: (_c, host, healthy, reason) => changes.push({ host, healthy, reason, at: clock.now() }),
    onCheckComplete: (_c, host, success, healthy) => completes.push({ host, success, healthy }),
  });
  return { clock, net, stats, changes, completes, checker, config };
}

/** Start, let the first checks finish. */
async function started(s: ReturnType<typeof setup>): Promise<void> {
  s.checker.start();
  await settle();
}

/** Advance to the next check and let it finish. */
async function nextCheck(s: ReturnType<typeof setup>, ms = s.config.intervalMs): Promise<void> {
  s.clock.advance(ms);
  await settle();
}

describe('active health checker', () => {
  it('sends GET <path> with the configured Host, a User-Agent and Connection: close', async () => {
    const s = setup({ host: 'health.example' });
    await started(s);
    const text = s.net.calls[0]?.socket?.requestText ?? '';
    assert.equal(
      text,
      'GET /healthz HTTP/1.1\r\nHost: health.example\r\nUser-Agent: proxy-health-check\r\nConnection: close\r\n\r\n',
    );
    assert.equal(s.net.calls[0]?.timeoutMs, 200);
  });

  it('uses the cluster name as Host when none is configured', async () => {
    const s = setup();
    await started(s);
    assert.match(s.net.calls[0]?.socket?.requestText ?? '', /\r\nHost: backend\r\n/);
  });

  it('keeps a new host pending until its first check, which alone makes it healthy', async () => {
    const s = setup({ healthyThreshold: 3 });
    assert.equal(s.checker.hostState(A), 'pending');
    assert.equal(s.checker.isHealthy(A), false);
    const first = s.checker.firstRoundDone();
    await started(s);
    await first;
    assert.equal(s.checker.isHealthy(A), true);
    assert.deepEqual(s.changes.map((c) => [c.host, c.healthy]), [[A, true]]);
    assert.match(s.changes[0]?.reason ?? '', /first health check passed/);
    assert.equal(s.stats.gauges.get('cluster.backend.health_check.healthy'), 1);
  });

  it('marks a pending host unhealthy on its first failed check', async () => {
    const s = setup();
    s.net.set(A, { kind: 'refuse' });
    await started(s);
    assert.equal(s.checker.hostState(A), 'unhealthy');
    assert.deepEqual(s.changes.map((c) => c.healthy), [false]);
    assert.match(s.changes[0]?.reason ?? '', /first health check failed: connect failed: ECONNREFUSED/);
  });

  it('marks a healthy host unhealthy after exactly unhealthy_threshold consecutive failures', async () => {
    const s = setup({ unhealthyThreshold: 3 });
    await started(s);
    s.net.set(A, { kind: 'status', status: 503 });
    await nextCheck(s);
    await nextCheck(s);
    assert.equal(s.checker.isHealthy(A), true, 'still healthy after 2 failures');
    await nextCheck(s);
    assert.equal(s.checker.isHealthy(A), false);
    assert.equal(s.changes.length, 2);
    assert.deepEqual(s.changes[1], {
      host: A,
      healthy: false,
      reason: '3 consecutive failed health checks (unhealthy_threshold 3), last: unexpected status 503',
      at: 3000,
    });
    assert.equal(s.stats.gauges.get('cluster.backend.health_check.healthy'), 0);
  });

  it('a success between failures restarts the failure count', async () => {
    const s = setup({ unhealthyThreshold: 2 });
    await started(s);
    s.net.set(A, { kind: 'status', status: 500 });
    await nextCheck(s);
    s.net.set(A, { kind: 'status', status: 200 });
    await nextCheck(s);
    s.net.set(A, { kind: 'status', status: 500 });
    await nextCheck(s);
    assert.equal(s.checker.isHealthy(A), true);
    await nextCheck(s);
    assert.equal(s.checker.isHealthy(A), false);
  });

  it('marks an unhealthy host healthy after exactly healthy_threshold consecutive successes', async () => {
    const s = setup({ healthyThreshold: 2, unhealthyThreshold: 1 });
    s.net.set(A, { kind: 'status', status: 500 });
    await started(s);
    assert.equal(s.checker.isHealthy(A), false);
    s.net.set(A, { kind: 'status', status: 200 });
    await nextCheck(s);
    assert.equal(s.checker.isHealthy(A), false, 'one success is not enough');
    await nextCheck(s);
    assert.equal(s.checker.isHealthy(A), true);
    assert.match(s.changes.at(-1)?.reason ?? '', /2 consecutive successful health checks \(healthy_threshold 2\)/);
  });

  it('counts a check with no answer within timeout as a failure, and closes its socket', async () => {
    const s = setup({ unhealthyThreshold: 1, timeoutMs: 200 });
    await started(s);
    s.net.set(A, { kind: 'hang' });
    s.clock.advance(1000);
    await settle();
    assert.equal(s.net.openSockets().length, 1, 'the check is waiting');
    s.clock.advance(199);
    await settle();
    assert.equal(s.checker.isHealthy(A), true);
    s.clock.advance(1);
    await settle();
    assert.equal(s.checker.isHealthy(A), false);
    assert.equal(s.net.openSockets().length, 0);
    assert.match(s.changes.at(-1)?.reason ?? '', /no status line in time/);
    assert.equal(s.stats.counter('cluster.backend.health_check.timeout'), 1);
    assert.equal(s.stats.counter('cluster.backend.health_check.network_failure'), 1);
    assert.equal(s.stats.counter('cluster.backend.health_check.failure'), 1);
  });

  it('times out a connect that never completes, and discards the socket if it arrives late', async () => {
    const s = setup({ timeoutMs: 200 });
    s.net.set(A, { kind: 'connect-hang' });
    await started(s);
    s.clock.advance(200);
    await settle();
    assert.equal(s.checker.hostState(A), 'unhealthy');
    assert.match(s.changes[0]?.reason ?? '', /connect timed out/);
    assert.equal(s.stats.counter('cluster.backend.health_check.timeout'), 1);
  });

  it('counts a connect timeout reported by the adapter as a timeout', async () => {
    const s = setup();
    s.net.set(A, { kind: 'connect-timeout' });
    await started(s);
    assert.equal(s.stats.counter('cluster.backend.health_check.timeout'), 1);
    assert.equal(s.checker.hostState(A), 'unhealthy');
  });

  it('counts a connection closed before the status line, and a malformed one, as failures', async () => {
    const s = setup({ unhealthyThreshold: 2 });
    await started(s);
    s.net.set(A, { kind: 'close' });
    await nextCheck(s);
    s.net.set(A, { kind: 'garbage' });
    await nextCheck(s);
    assert.equal(s.checker.isHealthy(A), false);
    assert.equal(s.stats.counter('cluster.backend.health_check.network_failure'), 1);
    assert.equal(s.stats.counter('cluster.backend.health_check.failure'), 2);
    assert.match(s.changes.at(-1)?.reason ?? '', /not an HTTP\/1 status line/);
    assert.equal(s.net.openSockets().length, 0);
  });

  it('accepts any 2xx by default and exactly the configured half-open ranges otherwise', async () => {
    const verdict = async (status: number, over: Partial<HealthCheckConfig>): Promise<boolean> => {
      const s = setup(over);
      s.net.set(A, { kind: 'status', status, split: true });
      await started(s);
      return s.checker.isHealthy(A) === true;
    };
    assert.equal(await verdict(200, {}), true);
    assert.equal(await verdict(299, {}), true);
    assert.equal(await verdict(300, {}), false);
    assert.equal(await verdict(199, {}), false);
    const ranges = { expectedStatuses: [{ start: 200, end: 201 }, { start: 404, end: 405 }] };
    assert.equal(await verdict(200, ranges), true);
    assert.equal(await verdict(201, ranges), false);
    assert.equal(await verdict(404, ranges), true);
    assert.equal(await verdict(405, ranges), false);
  });

  it('waits interval plus a jitter within [0, interval_jitter) between checks', async () => {
    const s = setup({ intervalMs: 1000, intervalJitterMs: 300 });
    await started(s);
    // Step finely: each check then finishes within 10 ms of when it was due.
    for (let t = 0; t < 40_000; t += 10) await nextCheck(s, 10);
    const times = s.net.calls.map((c) => c.at);
    const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
    assert.ok(gaps.length >= 25, `enough checks (${gaps.length})`);
    for (const g of gaps) assert.ok(g >= 1000 && g < 1300 + 10, `gap ${g} within bounds`);
    assert.ok(new Set(gaps).size > 3, 'gaps vary');
  });

  it('keeps the state of unchanged hosts on updateHosts, checks new ones at once, stops removed ones', async () => {
    const s = setup({ unhealthyThreshold: 3 }, [hostA, hostB]);
    await started(s);
    s.net.set(A, { kind: 'status', status: 500 });
    s.net.set(B, { kind: 'hang' });
    await nextCheck(s);
    assert.equal(s.checker.snapshot().find((h) => h.host === A)?.consecutiveFailures, 1);
    const bSocket = s.net.callsTo(B).at(-1)?.socket;
    assert.equal(bSocket?.destroyed, false, 'B check in flight');
    const C = '10.0.0.3:80';
    s.checker.updateHosts([hostA, { address: '10.0.0.3', port: 80 }]);
    assert.equal(bSocket?.destroyed, true, "B's in-flight check was abandoned");
    await settle();
    assert.equal(s.checker.hostState(C), 'healthy', 'the new host was checked at once');
    assert.equal(s.checker.hostState(B), undefined);
    const beforeB = s.net.callsTo(B).length;
    await nextCheck(s);
    await nextCheck(s);
    assert.equal(s.checker.isHealthy(A), false, 'A kept its failure count across the update');
    assert.equal(s.net.callsTo(B).length, beforeB, 'B is no longer checked');
    assert.equal(s.stats.gauges.get('cluster.backend.health_check.healthy'), 1);
  });

  it('stop cancels every timer and check in flight', async () => {
    const s = setup({}, [hostA, hostB]);
    s.net.set(B, { kind: 'hang' });
    await started(s);
    assert.equal(s.net.openSockets().length, 1);
    s.checker.stop();
    assert.equal(s.clock.pending(), 0);
    assert.equal(s.net.openSockets().length, 0);
    const calls = s.net.calls.length;
    s.clock.advance(10_000);
    await settle();
    assert.equal(s.net.calls.length, calls);
    assert.throws(() => s.checker.start(), IllegalTransitionError);
  });

  it('firstRoundDone waits for every host first verdict', async () => {
    const s = setup({ timeoutMs: 200 }, [hostA, hostB]);
    s.net.set(B, { kind: 'hang' });
    let done = false;
    void s.checker.firstRoundDone().then(() => (done = true));
    await started(s);
    assert.equal(done, false);
    s.clock.advance(200);
    await settle();
    assert.equal(done, true);
  });

  it('counts attempts, successes and failures per cluster and per host', async () => {
    const s = setup();
    await started(s);
    s.net.set(A, { kind: 'status', status: 500 });
    await nextCheck(s);
    assert.equal(s.stats.counter('cluster.backend.health_check.attempt'), 2);
    assert.equal(s.stats.counter('cluster.backend.health_check.success'), 1);
    assert.equal(s.stats.counter('cluster.backend.health_check.failure'), 1);
    assert.deepEqual(s.checker.snapshot()[0]?.counters, { attempt: 2, success: 1, failure: 1, network_failure: 0, timeout: 0 });
    assert.deepEqual(s.completes.map((c) => c.success), [true, false]);
  });

  it('refuses a config it cannot run with', () => {
    assert.throws(() => setup({ unhealthyThreshold: 0 }), HealthConfigError);
    assert.throws(() => setup({ path: 'healthz' }), HealthConfigError);
    assert.throws(() => setup({ expectedStatuses: [{ start: 300, end: 200 }] }), HealthConfigError);
  });
});
