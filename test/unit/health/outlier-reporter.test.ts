import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../support/manual-clock.ts';
import { OutlierReporter } from '../../../src/health/outlier-reporter.ts';
import { OutlierDetector } from '../../../src/health/outlier-detector.ts';
import {
  applyOutlierReport,
  encodeRun,
  isOutlierReportBatch,
  runCount,
  runOutcome,
  type OutlierReportBatch,
} from '../../../src/health/outlier-report.ts';
import {
  OUTCOME_5XX,
  OUTCOME_GATEWAY_FAILURE,
  OUTCOME_SUCCESS,
  type OutlierOutcome,
} from '../../../src/health/outlier-outcome.ts';
import type { OutlierDetectionConfig } from '../../../src/health/types.ts';
import { RecordingStats, seededRandom } from './fakes.ts';

const H1 = '10.0.0.1:80';
const H2 = '10.0.0.2:80';

function reporterSetup(flushIntervalMs = 100, maxRunsPerHost?: number, clock = new ManualClock(), worker = 0) {
  const sent: OutlierReportBatch[] = [];
  const reporter = new OutlierReporter({
    worker,
    flushIntervalMs,
    clock,
    send: (b) => sent.push(b),
    ...(maxRunsPerHost === undefined ? {} : { maxRunsPerHost }),
  });
  return { clock, sent, reporter };
}

function decoded(b: OutlierReportBatch | undefined): [string, string, [OutlierOutcome, number][]][] {
  return (b?.hosts ?? []).map((h) => [h.cluster, h.host, h.runs.map((r) => [runOutcome(r), runCount(r)] as [OutlierOutcome, number])]);
}

interface Decision {
  kind: string;
  host: string;
  at: number;
}

function detectorSetup(clock: ManualClock, config: Partial<OutlierDetectionConfig>, hosts: string[]) {
  const decisions: Decision[] = [];
  const detector = new OutlierDetector({
    cluster: 'backend',
    config,
    hosts,
    clock,
    random: seededRandom(1),
    stats: new RecordingStats(),
    onEject: (_c, host) => decisions.push({ kind: 'eject', host, at: clock.now() }),
    onUneject: (_c, host) => decisions.push({ kind: 'uneject', host, at: clock.now() }),
  });
  detector.start();
  return { detector, decisions };
}

describe('outlier reporter (worker side)', () => {
  it('sends one batch per flush interval with each host results in order, run-length encoded', () => {
    const { clock, sent, reporter } = reporterSetup(100);
    const h1 = reporter.register('backend', H1);
    const h2 = reporter.register('backend', H2);
    for (let i = 0; i < 50; i++) reporter.recordStatus(h1, 200);
    reporter.recordStatus(h2, 500);
    reporter.recordStatus(h1, 503);
    reporter.recordLocalFailure(h1);
    reporter.recordStatus(h1, 500);
    reporter.recordStatus(h1, 201);
    clock.advance(0);
    assert.equal(sent.length, 1, 'the first result after a quiet period goes out at once');
    assert.deepEqual(decoded(sent[0]), [
      ['backend', H1, [[OUTCOME_SUCCESS, 50], [OUTCOME_GATEWAY_FAILURE, 2], [OUTCOME_5XX, 1], [OUTCOME_SUCCESS, 1]]],
      ['backend', H2, [[OUTCOME_5XX, 1]]],
    ]);
    assert.equal(sent[0]?.worker, 0);
    assert.ok(isOutlierReportBatch(sent[0]));

    reporter.recordStatus(h2, 200);
    clock.advance(99);
    assert.equal(sent.length, 1, 'not before the interval');
    clock.advance(1);
    assert.equal(sent.length, 2);
    assert.deepEqual(decoded(sent[1]), [['backend', H2, [[OUTCOME_SUCCESS, 1]]]]);
  });

  it('sends at most one batch per interval under steady traffic, and nothing when idle', () => {
    const clock = new ManualClock();
    const sentAt: number[] = [];
    const sent: OutlierReportBatch[] = [];
    const reporter = new OutlierReporter({
      worker: 0,
      flushIntervalMs: 100,
      clock,
      send: (b) => {
        sent.push(b);
        sentAt.push(clock.now());
      },
    });
    const h = reporter.register('backend', H1);
    for (let t = 0; t < 1000; t++) {
      reporter.recordStatus(h, t % 7 === 0 ? 500 : 200);
      clock.advance(1);
    }
    for (let i = 1; i < sentAt.length; i++) assert.ok((sentAt[i] ?? 0) - (sentAt[i - 1] ?? 0) >= 100, `gap at ${i}`);
    assert.ok(sentAt.length >= 9, `one batch per interval (${sentAt.length})`);
    reporter.flush();
    const all = sent.flatMap((b) => b.hosts.flatMap((x) => x.runs.map(runCount))).reduce((a, b) => a + b, 0);
    assert.equal(all, 1000, 'every result was sent exactly once');
    const n = sent.length;
    clock.advance(10_000);
    assert.equal(sent.length, n);
    assert.equal(clock.pending(), 0, 'no timer while idle');
  });

  it('flushes early, losing nothing, when a host fills its run buffer', () => {
    const { sent, reporter } = reporterSetup(1000, 4);
    const h = reporter.register('backend', H1);
    const seq: OutlierOutcome[] = [];
    for (let i = 0; i < 10; i++) {
      const o = i % 2 === 0 ? OUTCOME_SUCCESS : OUTCOME_5XX;
      seq.push(o);
      reporter.record(h, o);
    }
    assert.equal(sent.length, 2, 'two early flushes of 4 runs each');
    reporter.flush();
    const replay = sent.flatMap((b) => b.hosts.flatMap((x) => x.runs.flatMap((r) => Array<OutlierOutcome>(runCount(r)).fill(runOutcome(r)))));
    assert.deepEqual(replay, seq);
  });

  it('drops results for an unregistered host, also through its stale handle after its slot is reused', () => {
    const { sent, reporter } = reporterSetup(100);
    const old = reporter.register('backend', H1);
    reporter.recordStatus(old, 500);
    reporter.unregister(old);
    const fresh = reporter.register('backend', H2);
    assert.equal(fresh.slot, old.slot, 'slot reused');
    reporter.recordStatus(old, 500);
    reporter.recordStatus(fresh, 200);
    reporter.flush();
    assert.deepEqual(decoded(sent[0]), [['backend', H2, [[OUTCOME_SUCCESS, 1]]]]);
  });

  it('register returns the same handle for the same host and grows past its first capacity', () => {
    const { sent, reporter } = reporterSetup(100);
    assert.equal(reporter.register('backend', H1), reporter.register('backend', H1));
    const handles = Array.from({ length: 40 }, (_, i) => reporter.register('c', `10.1.0.${i}:80`));
    handles.forEach((h, i) => reporter.recordStatus(h, 500 + (i % 2)));
    reporter.flush();
    assert.equal(sent[0]?.hosts.length, 40);
    assert.deepEqual(sent[0]?.hosts[39], { cluster: 'c', host: '10.1.0.39:80', runs: [encodeRun(OUTCOME_5XX, 1)] });
  });

  it('stop cancels the timer and ignores later results', () => {
    const { clock, sent, reporter } = reporterSetup(100);
    const h = reporter.register('backend', H1);
    reporter.recordStatus(h, 500);
    reporter.stop();
    reporter.recordStatus(h, 500);
    assert.equal(clock.pending(), 0);
    clock.advance(1000);
    assert.equal(sent.length, 0);
  });
});

describe('outlier reports from several workers', () => {
  it('counts consecutive 5xx per host across workers', () => {
    const clock = new ManualClock();
    const { detector, decisions } = detectorSetup(clock, { maxEjectionPercent: 100 }, [H1, H2]);
    const w0 = reporterSetup(100, undefined, clock, 0);
    const w1 = reporterSetup(100, undefined, clock, 1);
    const a = w0.reporter.register('backend', H1);
    const b = w1.reporter.register('backend', H1);
    for (let i = 0; i < 3; i++) w0.reporter.recordStatus(a, 500);
    for (let i = 0; i < 2; i++) w1.reporter.recordStatus(b, 502);
    clock.advance(0);
    for (const batch of [...w0.sent, ...w1.sent]) applyOutlierReport(batch, (c) => (c === 'backend' ? detector : undefined));
    assert.deepEqual(decisions, [{ kind: 'eject', host: H1, at: 0 }]);
  });

  it('makes the decisions main would make seeing every result as its own message', () => {
    // Three workers, random traffic; batches are applied in send order. The reference detector
    // gets each result one by one in the same order (per batch: hosts in order, results in order).
    const clock = new ManualClock();
    const hosts = [H1, H2, '10.0.0.3:80', '10.0.0.4:80'];
    const config = { maxEjectionPercent: 50, intervalMs: 50, baseEjectionTimeMs: 200, consecutive5xx: 4, consecutiveGatewayFailure: 3 };
    const batched = detectorSetup(clock, config, hosts);
    const reference = detectorSetup(clock, config, hosts);
    const rnd = seededRandom(2024);
    const logs: Map<string, OutlierOutcome[]>[] = [new Map(), new Map(), new Map()];
    const workers = [0, 1, 2].map((w) => {
      const sent: OutlierReportBatch[] = [];
      const reporter = new OutlierReporter({
        worker: w,
        flushIntervalMs: 20,
        maxRunsPerHost: 3,
        clock,
        send: (batch) => {
          sent.push(batch);
          applyOutlierReport(batch, () => batched.detector);
          const log = logs[w]!;
          for (const h of batch.hosts) {
            for (const o of log.get(h.host) ?? []) reference.detector.putResults(h.host, o, 1);
            log.set(h.host, []);
          }
        },
      });
      const handles = hosts.map((h) => reporter.register('backend', h));
      return { reporter, handles, sent };
    });
    const outcomes: OutlierOutcome[] = [OUTCOME_SUCCESS, OUTCOME_5XX, OUTCOME_GATEWAY_FAILURE];
    for (let step = 0; step < 3000; step++) {
      const w = Math.floor(rnd() * 3);
      const hi = Math.floor(rnd() * hosts.length);
      // Mostly failures, so ejections, overflows and un-ejections all happen.
      const o = outcomes[rnd() < 0.25 ? 0 : 1 + Math.floor(rnd() * 2)]!;
      const worker = workers[w]!;
      const log = logs[w]!;
      const host = hosts[hi]!;
      // Record first: an early flush inside `record` sends what came before this result.
      worker.reporter.record(worker.handles[hi]!, o);
      log.set(host, [...(log.get(host) ?? []), o]);
      if (rnd() < 0.3) clock.advance(1);
    }
    for (const w of workers) w.reporter.flush();
    assert.ok(batched.decisions.length > 10, `enough decisions to compare (${batched.decisions.length})`);
    assert.deepEqual(batched.decisions, reference.decisions);
    assert.deepEqual(batched.detector.snapshot(), reference.detector.snapshot());
    const messages = workers.reduce((n, w) => n + w.sent.length, 0);
    assert.ok(messages < 3000, `fewer messages than results (${messages})`);
  });
});
