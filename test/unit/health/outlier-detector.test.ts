import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../support/manual-clock.ts';
import { OutlierDetector, type EjectionType } from '../../../src/health/outlier-detector.ts';
import { OUTCOME_5XX, OUTCOME_GATEWAY_FAILURE, OUTCOME_SUCCESS, outcomeOfStatus } from '../../../src/health/outlier-outcome.ts';
import { HealthConfigError } from '../../../src/health/errors.ts';
import type { OutlierDetectionConfig } from '../../../src/health/types.ts';
import { RecordingStats, seededRandom } from './fakes.ts';

interface Event {
  kind: 'eject' | 'uneject';
  host: string;
  at: number;
  type?: EjectionType;
  durationMs?: number;
}

function hostsN(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `10.0.0.${i + 1}:80`);
}

const H1 = '10.0.0.1:80';
const H2 = '10.0.0.2:80';
const H3 = '10.0.0.3:80';

function setup(config: Partial<OutlierDetectionConfig> = {}, hosts = hostsN(10)) {
  const clock = new ManualClock();
  const stats = new RecordingStats();
  const events: Event[] = [];
  const detector = new OutlierDetector({
    cluster: 'backend',
    config,
    hosts,
    clock,
    random: seededRandom(7),
    stats,
    onEject: (_c, host, type, durationMs) => events.push({ kind: 'eject', host, at: clock.now(), type, durationMs }),
    onUneject: (_c, host) => events.push({ kind: 'uneject', host, at: clock.now() }),
  });
  detector.start();
  const status = (host: string, code: number, times = 1): void => detector.putResults(host, outcomeOfStatus(code), times);
  const stat = (name: string): number => stats.counter(`cluster.backend.outlier_detection.${name}`);
  const active = (): number | undefined => stats.gauges.get('cluster.backend.outlier_detection.ejections_active');
  return { clock, stats, events, detector, status, stat, active };
}

describe('outlier detector', () => {
  it('ejects a host after 5 consecutive 5xx (Envoy defaults, 10 hosts)', () => {
    const s = setup();
    s.status(H1, 500, 4);
    assert.equal(s.detector.isEjected(H1), false);
    s.status(H1, 500);
    assert.equal(s.detector.isEjected(H1), true);
    assert.deepEqual(s.events, [{ kind: 'eject', host: H1, at: 0, type: 'consecutive_5xx', durationMs: 30_000 }]);
    assert.equal(s.active(), 1);
    assert.equal(s.stat('ejections_enforced_consecutive_5xx'), 1);
    assert.equal(s.stat('ejections_detected_consecutive_5xx'), 1);
    assert.equal(s.stat('ejections_consecutive_5xx'), 1);
    assert.equal(s.stat('ejections_total'), 1);
    assert.equal(s.stat('ejections_enforced_total'), 1);
  });

  it('a non-5xx response in between restarts the count', () => {
    const s = setup();
    s.status(H1, 500, 4);
    s.status(H1, 200);
    s.status(H1, 500, 4);
    s.status(H1, 404);
    s.status(H1, 503, 4);
    assert.equal(s.detector.isEjected(H1), false);
    s.status(H1, 500);
    assert.equal(s.detector.isEjected(H1), true);
  });

  it('un-ejects on the first interval tick once the ejection time has passed', () => {
    const s = setup({ intervalMs: 10_000, baseEjectionTimeMs: 30_000 });
    s.clock.advance(1_000);
    s.status(H1, 500, 5);
    s.clock.advance(38_999);
    assert.equal(s.detector.isEjected(H1), true, 'ticks at 10, 20, 30 s: time not served at 30 s (29 s)');
    s.clock.advance(1);
    assert.equal(s.detector.isEjected(H1), false);
    assert.deepEqual(s.events.at(-1), { kind: 'uneject', host: H1, at: 40_000 });
    assert.equal(s.active(), 0);
  });

  it('ejects for longer on each repeat ejection, up to max_ejection_time', () => {
    const s = setup({ intervalMs: 1_000, baseEjectionTimeMs: 10_000, maxEjectionTimeMs: 25_000 });
    const durations: number[] = [];
    for (let round = 0; round < 5; round++) {
      s.status(H1, 500, 5);
      const ejection = s.events.at(-1);
      assert.equal(ejection?.kind, 'eject');
      durations.push(ejection?.durationMs ?? -1);
      const ejectedAt = s.clock.now();
      while (s.detector.isEjected(H1)) s.clock.advance(1_000);
      assert.equal(s.clock.now() - ejectedAt, ejection?.durationMs, 'out exactly for the announced time');
    }
    assert.deepEqual(durations, [10_000, 20_000, 25_000, 25_000, 25_000]);
  });

  it('shrinks the ejection time again while the host behaves', () => {
    const s = setup({ intervalMs: 1_000, baseEjectionTimeMs: 10_000 });
    s.status(H1, 500, 5);
    s.clock.advance(10_000);
    s.status(H1, 500, 5);
    assert.equal(s.events.at(-1)?.durationMs, 20_000);
    s.clock.advance(20_000);
    assert.equal(s.detector.isEjected(H1), false);
    s.clock.advance(2_000);
    s.status(H1, 500, 5);
    assert.equal(s.events.at(-1)?.durationMs, 10_000, 'two quiet intervals took the multiplier from 2 to 0');
  });

  it('never ejects more than max_ejection_percent of the hosts', () => {
    const s = setup({ maxEjectionPercent: 50 }, hostsN(4));
    for (const h of hostsN(4)) s.status(h, 500, 5);
    assert.deepEqual(s.events.map((e) => e.host), [H1, H2]);
    assert.equal(s.stat('ejections_overflow'), 2);
    assert.equal(s.active(), 2);
  });

  it('asks again after another full run when an ejection was refused', () => {
    const s = setup({ maxEjectionPercent: 50 }, hostsN(2));
    s.status(H1, 500, 5);
    s.status(H2, 500, 5);
    assert.equal(s.stat('ejections_overflow'), 1);
    s.status(H2, 500, 4);
    assert.equal(s.stat('ejections_overflow'), 1, 'the counter restarted after the refused ejection');
    s.status(H2, 500);
    assert.equal(s.stat('ejections_overflow'), 2);
  });

  it('with the default 10% and few hosts ejects nothing, as Envoy, unless alwaysEjectOneHost', () => {
    const strict = setup({}, hostsN(2));
    strict.status(H1, 500, 5);
    assert.equal(strict.detector.isEjected(H1), false);
    assert.equal(strict.stat('ejections_overflow'), 1);

    const lenient = setup({ alwaysEjectOneHost: true }, hostsN(2));
    lenient.status(H1, 500, 5);
    lenient.status(H2, 500, 5);
    assert.equal(lenient.detector.isEjected(H1), true, 'one host is always allowed');
    assert.equal(lenient.detector.isEjected(H2), false, 'but not a second over the percentage');
  });

  it('ejects after consecutive gateway failures, which a plain 500 interrupts', () => {
    const s = setup({ consecutiveGatewayFailure: 3, consecutive5xx: 10 });
    s.status(H1, 502, 2);
    s.status(H1, 500);
    s.detector.putResults(H1, OUTCOME_GATEWAY_FAILURE, 2);
    assert.equal(s.detector.isEjected(H1), false, 'a 500 restarted the gateway count');
    s.status(H1, 504);
    assert.equal(s.detector.isEjected(H1), true);
    assert.equal(s.events[0]?.type, 'consecutive_gateway_failure');
    assert.equal(s.stat('ejections_enforced_consecutive_gateway_failure'), 1);
    assert.equal(s.stat('ejections_detected_consecutive_gateway_failure'), 1);
    assert.equal(s.stat('ejections_total'), 0, "Envoy's deprecated total counts 5xx ejections only");
  });

  it('local-origin failures count as gateway failures and as 5xx', () => {
    const s = setup({ consecutiveGatewayFailure: 100 });
    s.detector.putResults(H1, OUTCOME_GATEWAY_FAILURE, 3);
    s.detector.putResults(H1, OUTCOME_5XX, 2);
    assert.equal(s.events[0]?.type, 'consecutive_5xx');
  });

  it('detects but does not eject when enforcement is 0%', () => {
    const s = setup({ enforcingConsecutiveGatewayFailure: 0, consecutive5xx: 50 });
    s.status(H1, 503, 5);
    assert.equal(s.detector.isEjected(H1), false);
    assert.equal(s.stat('ejections_detected_consecutive_gateway_failure'), 1);
    assert.equal(s.stat('ejections_enforced_consecutive_gateway_failure'), 0);
  });

  it('un-ejection restarts the counters', () => {
    const s = setup({ intervalMs: 1_000, baseEjectionTimeMs: 1_000 });
    s.status(H1, 500, 7);
    s.clock.advance(1_000);
    assert.equal(s.detector.isEjected(H1), false);
    s.status(H1, 500, 4);
    assert.equal(s.detector.isEjected(H1), false);
  });

  it('a successful active health check un-ejects at once', () => {
    const s = setup();
    s.status(H1, 500, 5);
    s.detector.unejectByActiveHealthCheck(H1);
    assert.equal(s.detector.isEjected(H1), false);
    assert.deepEqual(s.events.map((e) => e.kind), ['eject', 'uneject']);
  });

  it('keeps unchanged hosts on updateHosts; a removed ejected host leaves ejections_active', () => {
    const s = setup({}, hostsN(10));
    s.status(H1, 500, 5);
    s.status(H2, 500, 3);
    s.detector.updateHosts([H2, H3, '10.0.0.99:80']);
    assert.equal(s.active(), 0);
    assert.equal(s.detector.activeEjections, 0);
    assert.equal(s.detector.snapshot().find((h) => h.host === H2)?.consecutive5xx, 3);
    s.status(H1, 500, 10);
    assert.equal(s.events.length, 1, 'results for a removed host are ignored');
  });

  it('ignores successes for the counters only and results for unknown hosts', () => {
    const s = setup();
    s.detector.putResults('1.2.3.4:5', OUTCOME_5XX, 10);
    s.detector.putResults(H1, OUTCOME_SUCCESS, 3);
    assert.equal(s.events.length, 0);
  });

  it('stop cancels the interval timer', () => {
    const s = setup();
    s.detector.stop();
    assert.equal(s.clock.pending(), 0);
  });

  it('a consecutive rule set to 0 is off: no run of failures ejects by it', () => {
    const s = setup({ consecutiveGatewayFailure: 0, consecutive5xx: 0 });
    s.status(H1, 503, 50);
    assert.equal(s.detector.isEjected(H1), false);
    const g = setup({ consecutiveGatewayFailure: 0, consecutive5xx: 3 });
    g.status(H1, 503, 3);
    assert.equal(g.events[0]?.type, 'consecutive_5xx', 'the other rule still works');
  });

  it('refuses a max ejection time below the base', () => {
    assert.throws(() => setup({ baseEjectionTimeMs: 10_000, maxEjectionTimeMs: 5_000 }), HealthConfigError);
  });
});
