/** 10,000 seeded random pool events; the pool's invariants are checked after every one. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CONNECTIONS, PENDING_REQUESTS, REQUESTS } from '../../../src/upstream/circuit-breakers.ts';
import type { PoolConnection } from '../../../src/upstream/pool-connection.ts';
import { flush } from '../../support/fake-socket.ts';
import type { FakeSocket } from '../../support/fake-socket.ts';
import { seededRandom } from '../../support/seeded-random.ts';
import { makePool } from './pool-fixture.ts';
import type { TestRequest } from './pool-fixture.ts';

function pick<T>(rnd: () => number, items: readonly T[]): T | undefined {
  if (items.length === 0) return undefined;
  return items[Math.floor(rnd() * items.length)];
}

async function runRandom(seed: number, events: number): Promise<void> {
  const rnd = seededRandom(seed);
  let drained = 0;
  const f = makePool({
    settings: { connectTimeoutMs: 300, idleTimeoutMs: 500, maxRequestsPerConnection: 3 },
    limits: { maxConnections: 4, maxPendingRequests: 8, maxRequests: 3 },
    owner: { onPoolDrained: () => drained++, onPoolCapacityFreed: () => {}, onPoolStarvedChange: () => {} },
  });
  const requests: TestRequest[] = [];
  const closedWhileBusy = new Set<FakeSocket>();
  const counts = new Map<string, number>();

  const check = (step: number, event: string): void => {
    const where = `seed ${seed} step ${step} after ${event}`;
    const p = f.pool;
    const lists: Array<[string, PoolConnection[]]> = [
      ['connecting', p.connecting.toArray()],
      ['ready', p.ready.toArray()],
      ['busy', p.busy.toArray()],
    ];
    const seen = new Set<PoolConnection>();
    for (const [name, conns] of lists) {
      for (const c of conns) {
        assert.ok(!seen.has(c), `${where}: connection ${c.id} is in two lists`);
        seen.add(c);
        assert.equal(c.state, name, `${where}: connection ${c.id} in ${name} has state ${c.state}`);
        const s = c.socket as FakeSocket | null;
        if (name === 'connecting') assert.equal(s, null, `${where}: connecting connection has a socket`);
        else assert.ok(s && !s.destroyed, `${where}: a dead socket is still in ${name}`);
        if (name === 'ready') assert.ok(!closedWhileBusy.has(s!), `${where}: a connection closed while busy is ready`);
      }
    }
    const inFlight = requests.filter((r) => r.conn !== null).length;
    const waiting = requests.filter((r) => r.handle !== null).length;
    assert.ok(p.busy.size <= inFlight, `${where}: busy ${p.busy.size} > in flight ${inFlight}`);
    assert.equal(p.busy.size, inFlight, `${where}: busy != in flight`);
    assert.equal(p.pending.size, waiting, `${where}: pending != waiting requests`);
    assert.ok(!(p.pending.size > 0 && p.ready.size > 0), `${where}: a request waits while a connection is ready`);
    const cx = p.connecting.size + p.ready.size + p.busy.size;
    assert.equal(f.stat('upstream_cx_active'), cx, `${where}: upstream_cx_active`);
    assert.equal(f.stat('cx_active'), cx, `${where}: host cx_active`);
    assert.equal(f.stat('upstream_rq_pending_active'), p.pending.size, `${where}: upstream_rq_pending_active`);
    assert.equal(f.stat('upstream_rq_active'), p.busy.size, `${where}: upstream_rq_active`);
    assert.equal(f.stat('rq_active'), p.busy.size, `${where}: host rq_active`);
    assert.equal(f.breakers.count(CONNECTIONS), cx, `${where}: breaker connections`);
    assert.equal(f.breakers.count(PENDING_REQUESTS), p.pending.size, `${where}: breaker pending`);
    assert.equal(f.breakers.count(REQUESTS), p.busy.size, `${where}: breaker requests`);
    assert.ok(cx <= 4, `${where}: max_connections exceeded`);
    assert.equal(p.isStarved, !p.isDraining && p.pending.size > p.connecting.size, `${where}: starved flag`);
    assert.equal(f.breakers.connectionWaiters(), p.isStarved ? 1 : 0, `${where}: waiter flag`);
    for (const r of requests) assert.equal(r.callbacksAfterCancel, 0, `${where}: callback after cancel`);
  };

  for (let step = 0; step < events; step++) {
    const roll = rnd();
    let event: string;
    const live = requests.filter((r) => r.conn !== null);
    const waiting = requests.filter((r) => r.handle !== null);
    if (roll < 0.22) {
      event = 'request';
      requests.push(f.request());
    } else if (roll < 0.3) {
      event = 'cancel';
      pick(rnd, waiting)?.cancel();
    } else if (roll < 0.45) {
      event = 'connect-ok';
      pick(rnd, f.connector.open())?.succeed();
      await flush();
    } else if (roll < 0.5) {
      event = 'connect-fail';
      pick(rnd, f.connector.open())?.fail(rnd() < 0.5 ? 'ECONNREFUSED' : 'ETIMEDOUT');
      await flush();
    } else if (roll < 0.58) {
      event = 'time';
      f.clock.advance(Math.floor(rnd() * 200));
    } else if (roll < 0.78) {
      event = 'response';
      const r = pick(rnd, live);
      if (r) {
        const sock = (r.conn as PoolConnection).socket as FakeSocket;
        sock.peerSend('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n');
        r.finish(rnd() < 0.8);
      }
    } else if (roll < 0.83) {
      event = 'reset';
      pick(rnd, live)?.reset();
      await flush();
    } else if (roll < 0.9) {
      event = 'busy-close';
      const c = pick(rnd, f.pool.busy.toArray());
      if (c) {
        const s = c.socket as FakeSocket;
        closedWhileBusy.add(s);
        s.peerClose(rnd() < 0.5 ? 'ECONNRESET' : undefined);
      }
    } else if (roll < 0.95) {
      event = 'ready-close';
      const c = pick(rnd, f.pool.ready.toArray());
      if (c) (c.socket as FakeSocket).peerClose();
    } else {
      event = 'ready-bytes';
      const c = pick(rnd, f.pool.ready.toArray());
      if (c) (c.socket as FakeSocket).peerSend('HTTP/1.1 200 OK\r\n\r\n');
      await flush();
    }
    counts.set(event, (counts.get(event) ?? 0) + 1);
    check(step, event);
  }

  // Every kind of event happened, and the pool still drains to empty.
  for (const e of ['request', 'cancel', 'connect-ok', 'connect-fail', 'time', 'response', 'reset', 'busy-close', 'ready-close', 'ready-bytes']) {
    assert.ok((counts.get(e) ?? 0) > events / 200, `event ${e} happened too rarely`);
  }
  assert.ok(f.stat('upstream_rq_total') > events / 20, 'requests were served');
  assert.ok(f.stat('upstream_rq_pending_overflow') > 0, 'the pending limit was hit');
  assert.ok(f.stat('upstream_cx_overflow') > 0, 'the connection limit was hit');
  f.pool.drain();
  for (const r of requests) if (r.conn) r.finish(true);
  check(events, 'drain');
  assert.equal(drained, 1);
}

describe('HTTP/1 pool invariants', () => {
  it('hold after every one of 10,000 seeded random events', async () => {
    await runRandom(0x5eed, 10_000);
  });

  it('hold for other seeds too', async () => {
    await runRandom(42, 2_000);
    await runRandom(7, 2_000);
  });
});
