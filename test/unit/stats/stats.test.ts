/** Stats: per-thread stores in shared memory, summed by main's reader. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StatsReader } from '../../../src/stats/stats-reader.ts';
import { StatsStore } from '../../../src/stats/stats-store.ts';
import type { StatsRegistration } from '../../../src/stats/stat-types.ts';
import { StatTypeMismatchError } from '../../../src/stats/stats-errors.ts';
import { hostStatName, isHostStatName, parseHostStatName } from '../../../src/stats/stat-names.ts';

/** Deliver registrations as postMessage would: through structured clone. */
function wire(reader: StatsReader, source: string): (r: StatsRegistration) => void {
  return (r) => reader.apply(source, structuredClone(r));
}

describe('stats', () => {
  it("main's reader sums two workers' stores without asking them", () => {
    const reader = new StatsReader();
    const w0 = new StatsStore({ onRegister: wire(reader, 'worker_0') });
    const w1 = new StatsStore({ onRegister: wire(reader, 'worker_1') });
    const c0 = w0.counter('cluster.backend.upstream_rq_total');
    const c1 = w1.counter('cluster.backend.upstream_rq_total');
    const g0 = w0.gauge('cluster.backend.upstream_cx_active');
    const g1 = w1.gauge('cluster.backend.upstream_cx_active');
    c0.inc();
    c0.add(4);
    c1.inc();
    g0.set(3);
    g1.inc();
    g1.inc();
    g1.dec();
    assert.equal(reader.value('cluster.backend.upstream_rq_total'), 6);
    assert.equal(reader.value('cluster.backend.upstream_cx_active'), 4);
    assert.deepEqual(reader.perSource('cluster.backend.upstream_rq_total'), [
      { source: 'worker_0', value: 5 },
      { source: 'worker_1', value: 1 },
    ]);
    c1.inc(); // writes after registration are seen live
    assert.equal(reader.value('cluster.backend.upstream_rq_total'), 7);
    assert.deepEqual(reader.snapshot(), [
      { name: 'cluster.backend.upstream_cx_active', value: 4, type: 'gauge' },
      { name: 'cluster.backend.upstream_rq_total', value: 7, type: 'counter' },
    ]);
  });

  it('a store grows into new segments and the reader follows', () => {
    const reader = new StatsReader();
    const store = new StatsStore({ segmentSlots: 4, onRegister: wire(reader, 'w') });
    const counters = Array.from({ length: 10 }, (_, i) => store.counter(`c${i}`));
    counters.forEach((c, i) => c.add(i + 1));
    for (let i = 0; i < 10; i++) assert.equal(reader.value(`c${i}`), i + 1);
    assert.equal(store.registrations().segments.length, 3);
  });

  it('a reader that joins late gets everything from registrations()', () => {
    const store = new StatsStore({ segmentSlots: 2 });
    store.counter('a').add(2);
    store.gauge('b').set(7);
    store.counter('c').inc();
    const reader = new StatsReader();
    reader.apply('main', structuredClone(store.registrations()));
    assert.equal(reader.value('a'), 2);
    assert.equal(reader.value('b'), 7);
    assert.equal(reader.value('c'), 1);
    assert.equal(reader.type('b'), 'gauge');
  });

  it('the same name gives the same slot; a name cannot change type', () => {
    const store = new StatsStore();
    const a = store.counter('x');
    a.inc();
    store.counter('x').inc();
    assert.equal(a.value, 2);
    assert.throws(() => store.gauge('x'), StatTypeMismatchError);
  });

  it('a retired worker keeps its counters in the totals and loses its gauges', () => {
    const reader = new StatsReader();
    const w0 = new StatsStore({ onRegister: wire(reader, 'worker_0') });
    const w1 = new StatsStore({ onRegister: wire(reader, 'worker_1') });
    w0.counter('rq').add(3);
    w1.counter('rq').add(4);
    w0.gauge('cx').set(2);
    w1.gauge('cx').set(5);
    reader.retire('worker_1');
    assert.equal(reader.value('rq'), 7);
    assert.equal(reader.value('cx'), 2);
    const replacement = new StatsStore({ onRegister: wire(reader, 'worker_1') });
    replacement.counter('rq').inc();
    assert.equal(reader.value('rq'), 8);
  });

  it('snapshot of a store lists its own values sorted by name', () => {
    const store = new StatsStore();
    store.gauge('b').set(1);
    store.counter('a').inc();
    assert.deepEqual(store.snapshot(), [
      { name: 'a', value: 1, type: 'counter' },
      { name: 'b', value: 1, type: 'gauge' },
    ]);
  });

  it('host stat names round-trip and are recognisable', () => {
    const n = hostStatName('backend', '127.0.0.1:9001', 'cx_active');
    assert.equal(n, 'hoststats.backend::127.0.0.1:9001::cx_active');
    assert.equal(isHostStatName(n), true);
    assert.equal(isHostStatName('cluster.backend.upstream_cx_active'), false);
    assert.deepEqual(parseHostStatName(n), { cluster: 'backend', hostKey: '127.0.0.1:9001', stat: 'cx_active' });
    assert.deepEqual(parseHostStatName(hostStatName('b', '[::1]:80', 'rq_total')), {
      cluster: 'b',
      hostKey: '[::1]:80',
      stat: 'rq_total',
    });
  });
});
