/** Round robin, least request and random: shares, load preference, health and retry hints. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLoadBalancer } from '../../../src/upstream/lb-factory.ts';
import { LeastRequestLb } from '../../../src/upstream/least-request.ts';
import { NO_HEALTHY_HOST } from '../../../src/upstream/lb-types.ts';
import type { LbHost } from '../../../src/upstream/lb-types.ts';
import { RandomLb } from '../../../src/upstream/random-lb.ts';
import { RoundRobinLb } from '../../../src/upstream/round-robin.ts';
import type { LbPolicy } from '../../../src/upstream/types.ts';
import { seededRandom } from '../../support/seeded-random.ts';

interface H extends LbHost {
  key: string;
  weight: number;
  healthy: boolean;
  activeRequests: number;
}

function host(key: string, weight = 1, healthy = true, activeRequests = 0): H {
  return { key, weight, healthy, activeRequests };
}

function tally(pick: () => H | typeof NO_HEALTHY_HOST, n: number): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const h = pick();
    assert.notEqual(h, NO_HEALTHY_HOST);
    const k = (h as H).key;
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}

const POLICIES: LbPolicy[] = ['round_robin', 'least_request', 'random'];

describe('round robin', () => {
  it('weights 1/2/3 give exactly 1/2/3 shares over 600 picks, never the same host twice in a row', () => {
    const hosts = [host('a', 1), host('b', 2), host('c', 3)];
    const lb = new RoundRobinLb(hosts);
    const counts = new Map<string, number>();
    let prev = '';
    for (let i = 0; i < 600; i++) {
      const h = lb.chooseHost() as H;
      assert.notEqual(h.key, prev, `pick ${i} repeats ${prev}`);
      prev = h.key;
      counts.set(h.key, (counts.get(h.key) ?? 0) + 1);
    }
    assert.deepEqual(Object.fromEntries(counts), { a: 100, b: 200, c: 300 });
  });

  it('equal weights rotate strictly', () => {
    const hosts = [host('a'), host('b'), host('c')];
    const lb = new RoundRobinLb(hosts);
    const seq = Array.from({ length: 9 }, () => (lb.chooseHost() as H).key).join('');
    assert.equal(seq, 'abcabcabc');
  });

  it('a dominant weight still gets its exact share (repeats only where unavoidable)', () => {
    const lb = new RoundRobinLb([host('a', 5), host('b', 1), host('c', 1)]);
    let repeats = 0;
    let prev = '';
    const counts = new Map<string, number>();
    for (let i = 0; i < 700; i++) {
      const k = (lb.chooseHost() as H).key;
      if (k === prev) repeats++;
      prev = k;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    assert.deepEqual(Object.fromEntries(counts), { a: 500, b: 100, c: 100 });
    // 5 of every 7 picks are a: at least 3 adjacent pairs per round of 7 cannot be avoided.
    assert.ok(repeats <= 300, `repeats ${repeats}`);
  });

  it('a retry avoids the hosts it already tried when another healthy host exists', () => {
    const a = host('a');
    const b = host('b');
    const c = host('c');
    const lb = new RoundRobinLb([a, b, c]);
    for (let i = 0; i < 30; i++) {
      const h = lb.chooseHost({ avoid: [a, b] });
      assert.equal(h, c);
    }
    assert.equal(lb.chooseHost({ avoid: [a, b, c] }) !== NO_HEALTHY_HOST, true, 'all tried: pick anyway');
  });
});

describe('least request', () => {
  it('prefers the less loaded host', () => {
    const busy = host('busy', 1, true, 5);
    const idle = host('idle', 1, true, 0);
    const lb = new LeastRequestLb([busy, idle], seededRandom(1));
    const counts = tally(() => lb.chooseHost(), 200);
    assert.equal(counts.get('idle'), 200);
  });

  it('never picks the most loaded of three hosts (two choices always include a less loaded one)', () => {
    const lb = new LeastRequestLb(
      [host('a', 1, true, 1), host('b', 1, true, 2), host('c', 1, true, 9)],
      seededRandom(2),
    );
    const counts = tally(() => lb.chooseHost(), 300);
    assert.equal(counts.get('c'), undefined);
    assert.ok((counts.get('a') ?? 0) > (counts.get('b') ?? 0));
  });

  it('respects weight: active requests are compared per unit of weight', () => {
    const heavy = host('heavy', 4, true, 6); // 1.5 per weight
    const light = host('light', 1, true, 2); // 2 per weight
    const lb = new LeastRequestLb([heavy, light], seededRandom(3));
    assert.equal(tally(() => lb.chooseHost(), 50).get('heavy'), 50);
  });

  it('idle hosts share traffic in proportion to weight', () => {
    const lb = new LeastRequestLb([host('a', 1), host('b', 3)], seededRandom(4));
    const counts = tally(() => lb.chooseHost(), 4000);
    const share = (counts.get('b') ?? 0) / 4000;
    assert.ok(share > 0.7 && share < 0.8, `share ${share}`);
  });
});

describe('random', () => {
  it('picks in proportion to weight', () => {
    const lb = new RandomLb([host('a', 1), host('b', 2), host('c', 3)], seededRandom(5));
    const counts = tally(() => lb.chooseHost(), 6000);
    for (const [k, w] of [['a', 1], ['b', 2], ['c', 3]] as const) {
      const got = (counts.get(k) ?? 0) / 6000;
      assert.ok(Math.abs(got - w / 6) < 0.03, `${k}: ${got}`);
    }
  });
});

describe('every policy', () => {
  for (const policy of POLICIES) {
    it(`${policy}: unhealthy and outlier-ejected hosts are never picked`, () => {
      const hosts = [host('ok1'), host('hc-failed', 1, false), host('ok2', 2), host('ejected', 5, false)];
      const lb = createLoadBalancer(policy, hosts, seededRandom(6));
      const counts = tally(() => lb.chooseHost(), 300);
      assert.deepEqual([...counts.keys()].sort(), ['ok1', 'ok2']);
    });

    it(`${policy}: all hosts unhealthy gives no healthy host (UH)`, () => {
      const lb = createLoadBalancer(policy, [host('a', 1, false), host('b', 1, false)], seededRandom(7));
      const r = lb.chooseHost();
      assert.equal(r, NO_HEALTHY_HOST);
      assert.equal(NO_HEALTHY_HOST.flag, 'UH');
      assert.equal(createLoadBalancer(policy, [], seededRandom(7)).chooseHost(), NO_HEALTHY_HOST);
    });

    it(`${policy}: a retry avoids the previous host when it can`, () => {
      const a = host('a');
      const b = host('b');
      const lb = createLoadBalancer(policy, [a, b], seededRandom(8));
      for (let i = 0; i < 50; i++) assert.equal(lb.chooseHost({ avoid: [a] }), b);
      assert.notEqual(lb.chooseHost({ avoid: [a, b] }), NO_HEALTHY_HOST);
    });
  }
});
