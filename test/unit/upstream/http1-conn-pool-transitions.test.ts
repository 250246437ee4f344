/** Every row of the DESIGN §4 pool transition table, driven by a fake socket and a manual clock. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { flush } from '../../support/fake-socket.ts';
import { makePool } from './pool-fixture.ts';

/** Two connections connected for two requests and parked in ready `gapMs` apart: the first has idled longer. */
async function twoParked(f: ReturnType<typeof makePool>, gapMs: number) {
  const a = f.request();
  const b = f.request();
  const s1 = f.connector.attempts[0]!.succeed();
  const s2 = f.connector.attempts[1]!.succeed();
  await flush();
  a.finish(true);
  f.clock.advance(gapMs);
  b.finish(true);
  return [s1, s2] as const;
}

describe('HTTP/1 pool transitions (DESIGN §4)', () => {
  it('new request with a ready connection takes the most recently used one and sends on it', async () => {
    const f = makePool();
    const a = f.request();
    const b = f.request();
    f.connector.attempts[0]!.succeed();
    f.connector.attempts[1]!.succeed();
    await flush();
    b.finish();
    a.finish(); // a's connection is now the most recently used
    const aSocket = f.connector.attempts[0]!.socket!;
    assert.deepEqual(f.sizes(), { ready: 2, busy: 0, connecting: 0, pending: 0 });
    assert.equal(f.pool.ready.front()!.socket, aSocket);

    const c = f.request();
    assert.equal(c.handle, null, 'served synchronously, no pending handle');
    assert.ok(c.conn);
    assert.equal(f.pool.busy.front()!.socket, aSocket);
    assert.match(aSocket.written(), /GET \/3 HTTP\/1.1/);
    assert.deepEqual(f.sizes(), { ready: 1, busy: 1, connecting: 0, pending: 0 });
    assert.equal(f.stat('upstream_rq_total'), 3);
    assert.equal(f.stat('upstream_rq_active'), 1);
    assert.equal(f.stat('upstream_cx_total'), 2);
    assert.equal(f.connector.attempts.length, 2, 'no new connection opened');
  });

  it('new request with no ready connection is appended to pending and opens a connection', () => {
    const f = makePool();
    const a = f.request();
    assert.ok(a.handle, 'a pending handle is returned');
    assert.equal(a.conn, null);
    assert.deepEqual(f.sizes(), { ready: 0, busy: 0, connecting: 1, pending: 1 });
    assert.equal(f.connector.attempts.length, 1);
    assert.equal(f.connector.attempts[0]!.host, '127.0.0.1');
    assert.equal(f.connector.attempts[0]!.port, 9001);
    assert.equal(f.connector.attempts[0]!.timeoutMs, 1000);
    assert.equal(f.stat('upstream_rq_pending_total'), 1);
    assert.equal(f.stat('upstream_rq_pending_active'), 1);
    assert.equal(f.stat('upstream_cx_total'), 1);
    assert.equal(f.stat('upstream_cx_active'), 1);
    assert.equal(f.stat('cx_total'), 1);
    assert.equal(f.stat('cx_active'), 1);
  });

  it('new request does not open a connection when connecting already covers pending', async () => {
    const f = makePool();
    const a = f.request();
    a.handle!.cancel(); // pending 0, connecting 1
    const b = f.request(); // pending 1, connecting 1: covered
    assert.ok(b.handle);
    assert.deepEqual(f.sizes(), { ready: 0, busy: 0, connecting: 1, pending: 1 });
    assert.equal(f.connector.attempts.length, 1);
    f.request(); // pending 2 > connecting 1
    assert.equal(f.connector.attempts.length, 2);
    assert.deepEqual(f.sizes(), { ready: 0, busy: 0, connecting: 2, pending: 2 });
  });

  it('new request at max_connections waits in pending without a new connection and counts upstream_cx_overflow', async () => {
    const f = makePool({ limits: { maxConnections: 1 } });
    f.request();
    const b = f.request();
    assert.ok(b.handle);
    assert.equal(f.connector.attempts.length, 1);
    assert.deepEqual(f.sizes(), { ready: 0, busy: 0, connecting: 1, pending: 2 });
    assert.equal(f.stat('upstream_cx_overflow'), 1);
    assert.equal(f.breakers.status().cx_open, 1);
    assert.equal(f.pool.isStarved, true);
  });

  it('new request over max_pending_requests fails with overflow (503 UO) and counts upstream_rq_pending_overflow', () => {
    const f = makePool({ limits: { maxPendingRequests: 2 } });
    f.request();
    f.request();
    const c = f.request();
    assert.equal(c.handle, null);
    assert.deepEqual(c.failure, { reason: 'overflow', flag: 'UO' });
    assert.equal(f.stat('upstream_rq_pending_overflow'), 1);
    assert.deepEqual(f.sizes(), { ready: 0, busy: 0, connecting: 2, pending: 2 });
    assert.equal(f.breakers.status().rq_pending_open, 1);
  });

  it('connect succeeds with pending non-empty: the oldest pending request is sent on it and it goes to busy', async () => {
    const f = makePool();
    const a = f.request();
    const b = f.request();
    const sock = f.connector.attempts[0]!.succeed();
    await flush();
    assert.ok(a.conn, 'oldest request served first');
    assert.equal(b.conn, null);
    assert.match(sock.written(), /GET \/1 /);
    assert.deepEqual(f.sizes(), { ready: 0, busy: 1, connecting: 1, pending: 1 });
    assert.equal(f.stat('upstream_rq_pending_active'), 1);
    assert.equal(f.stat('upstream_rq_active'), 1);
    assert.equal(f.stat('rq_active'), 1);
    assert.equal(f.stat('rq_total'), 1);
  });

  it('connect succeeds with pending empty: the connection goes to the front of ready and its idle timer starts', async () => {
    const f = makePool({ settings: { idleTimeoutMs: 5000 } });
    const a = f.request();
    a.handle!.cancel();
    f.connector.attempts[0]!.succeed();
    await flush();
    assert.deepEqual(f.sizes(), { ready: 1, busy: 0, connecting: 0, pending: 0 });
    assert.equal(f.clock.pending(), 1, 'only the idle timer remains (connect timer cancelled)');
    f.clock.advance(4999);
    assert.equal(f.sizes().ready, 1);
    f.clock.advance(1);
    assert.equal(f.sizes().ready, 0);
    assert.equal(f.stat('upstream_cx_idle_timeout'), 1);
  });

  it('connect fails: the connection is removed, upstream_cx_connect_fail counts and the oldest pending request fails with UF', async () => {
    const f = makePool();
    const a = f.request();
    const b = f.request();
    f.connector.attempts[0]!.fail('ECONNREFUSED');
    await flush();
    assert.deepEqual(a.failure, { reason: 'connection_failure', flag: 'UF' });
    assert.equal(b.failure, null, 'b is still covered by the other connect');
    assert.deepEqual(f.sizes(), { ready: 0, busy: 0, connecting: 1, pending: 1 });
    assert.equal(f.stat('upstream_cx_connect_fail'), 1);
    assert.equal(f.stat('cx_connect_fail'), 1);
    assert.equal(f.stat('upstream_cx_destroy'), 1, 'total = active + destroy');
    assert.equal(f.stat('upstream_cx_destroy_remote'), 1);
    assert.equal(f.stat('upstream_cx_active'), 1);
    assert.equal(f.stat('upstream_rq_pending_failure_eject'), 1);
    assert.equal(f.stat('upstream_rq_pending_active'), 1);
    assert.equal(f.breakers.count(0), 1, 'connection slot given back');
  });

  it('connect times out: upstream_cx_connect_timeout counts and the oldest pending request fails with reason timeout (UF)', async () => {
    const f = makePool({ settings: { connectTimeoutMs: 250 } });
    const a = f.request();
    f.clock.advance(250);
    assert.deepEqual(a.failure, { reason: 'timeout', flag: 'UF' });
    assert.deepEqual(f.sizes(), { ready: 0, busy: 0, connecting: 0, pending: 0 });
    assert.equal(f.stat('upstream_cx_connect_timeout'), 1);
    assert.equal(f.stat('upstream_cx_connect_fail'), 1);
    assert.equal(f.stat('upstream_cx_active'), 0);
    // The connect finishing late must not resurrect it.
    const late = f.connector.attempts[0]!.succeed();
    await flush();
    assert.equal(late.destroyed, true);
    assert.deepEqual(f.sizes(), { ready: 0, busy: 0, connecting: 0, pending: 0 });
  });

  it('connect fails while pending is still covered by other connects: no request fails', async () => {
    const f = makePool();
    const a = f.request();
    const b = f.request();
    b.handle!.cancel(); // pending 1, connecting 2
    f.connector.attempts[1]!.fail();
    await flush();
    assert.equal(a.failure, null);
    assert.deepEqual(f.sizes(), { ready: 0, busy: 0, connecting: 1, pending: 1 });
  });

  it('response complete, reusable, pending non-empty: the oldest pending request is sent on it and it stays busy', async () => {
    const f = makePool({ limits: { maxConnections: 1 } });
    const a = f.request();
    const b = f.request();
    const c = f.request();
    const sock = f.connector.attempts[0]!.succeed();
    await flush();
    assert.deepEqual(f.sizes(), { ready: 0, busy: 1, connecting: 0, pending: 2 });
    a.finish(true);
    assert.ok(b.conn);
    assert.equal(c.conn, null);
    assert.match(sock.written(), /GET \/2 /);
    assert.deepEqual(f.sizes(), { ready: 0, busy: 1, connecting: 0, pending: 1 });
    assert.equal(f.stat('upstream_rq_active'), 1);
    assert.equal(f.stat('upstream_rq_total'), 2);
    assert.equal(f.stat('upstream_cx_total'), 1);
  });

  it('response complete, reusable, pending empty: the connection moves to the front of ready and its idle timer starts', async () => {
    const f = makePool({ settings: { idleTimeoutMs: 1000 } });
    const a = f.request();
    const sock = f.connector.attempts[0]!.succeed();
    await flush();
    sock.paused = true; // the request path paused it for backpressure
    f.clock.advance(500);
    a.finish(true);
    assert.deepEqual(f.sizes(), { ready: 1, busy: 0, connecting: 0, pending: 0 });
    assert.equal(f.pool.ready.front()!.socket, sock);
    assert.equal(sock.paused, false, 'an idle connection is read so a close or stray bytes are seen');
    assert.equal(f.stat('upstream_rq_active'), 0);
    assert.equal(f.stat('rq_active'), 0);
    f.clock.advance(999);
    assert.equal(f.sizes().ready, 1, 'idle timer runs from the release');
    f.clock.advance(1);
    assert.equal(f.sizes().ready, 0);
  });

  it('response complete, not reusable: the connection is closed and a new one opens when pending exceeds connecting', async () => {
    const f = makePool({ limits: { maxConnections: 1 } });
    const a = f.request();
    const b = f.request();
    const sock = f.connector.attempts[0]!.succeed();
    await flush();
    a.finish(false);
    assert.equal(sock.destroyed, true);
    assert.deepEqual(f.sizes(), { ready: 0, busy: 0, connecting: 1, pending: 1 });
    assert.equal(f.connector.attempts.length, 2);
    assert.equal(f.stat('upstream_cx_destroy_local'), 1);
    assert.equal(f.stat('upstream_cx_destroy_with_active_rq'), 0);
    assert.equal(b.conn, null);
    f.connector.attempts[1]!.succeed();
    await flush();
    assert.ok(b.conn);
  });

  it('response complete on a connection that reached max_requests_per_connection: it is closed even if reusable', async () => {
    const f = makePool({ settings: { maxRequestsPerConnection: 2 } });
    const a = f.request();
    const sock = f.connector.attempts[0]!.succeed();
    await flush();
    a.finish(true);
    const b = f.request();
    assert.equal(b.conn!.requestCount, 2);
    assert.equal(f.stat('upstream_cx_max_requests'), 1);
    b.finish(true);
    assert.equal(sock.destroyed, true);
    assert.deepEqual(f.sizes(), { ready: 0, busy: 0, connecting: 0, pending: 0 });
  });

  it('connection closes while ready: it is removed (upstream_cx_destroy_remote)', async () => {
    const f = makePool();
    const a = f.request();
    const sock = f.connector.attempts[0]!.succeed();
    await flush();
    a.finish(true);
    sock.peerClose();
    assert.deepEqual(f.sizes(), { ready: 0, busy: 0, connecting: 0, pending: 0 });
    assert.equal(f.stat('upstream_cx_destroy_remote'), 1);
    assert.equal(f.stat('upstream_cx_active'), 0);
    assert.equal(f.stat('cx_active'), 0);
    assert.equal(f.breakers.count(0), 0);
  });

  it('a ready connection that receives bytes is closed and the bytes reach nobody (S8)', async () => {
    const f = makePool();
    const a = f.request();
    const sock = f.connector.attempts[0]!.succeed();
    await flush();
    a.finish(true);
    sock.peerSend('HTTP/1.1 200 OK\r\n\r\n');
    assert.deepEqual(a.received, []);
    assert.equal(sock.destroyed, true);
    assert.deepEqual(f.sizes(), { ready: 0, busy: 0, connecting: 0, pending: 0 });
    assert.equal(f.stat('upstream_cx_destroy_local'), 1);
    const b = f.request();
    assert.equal(b.conn, null, 'the next request waits for a fresh connection');
    assert.equal(f.connector.attempts.length, 2);
  });

  it('a ready connection that gets a FIN is closed', async () => {
    const f = makePool();
    const a = f.request();
    const sock = f.connector.attempts[0]!.succeed();
    await flush();
    a.finish(true);
    sock.peerEnd();
    assert.equal(sock.destroyed, true);
    assert.equal(f.sizes().ready, 0);
    assert.equal(f.stat('upstream_cx_destroy_remote'), 1);
  });

  it('connection closes while busy: it is removed, its request is told, and a new connection opens for pending', async () => {
    const f = makePool({ limits: { maxConnections: 1 } });
    const a = f.request();
    const b = f.request();
    const sock = f.connector.attempts[0]!.succeed();
    await flush();
    sock.peerClose('ECONNRESET');
    assert.ok(a.closed, 'the request learns its connection died');
    assert.equal(a.closed!.error?.code, 'ECONNRESET');
    assert.deepEqual(f.sizes(), { ready: 0, busy: 0, connecting: 1, pending: 1 });
    assert.equal(f.stat('upstream_cx_destroy_remote'), 1);
    assert.equal(f.stat('upstream_cx_destroy_with_active_rq'), 1);
    assert.equal(f.stat('upstream_cx_destroy_remote_with_active_rq'), 1);
    assert.equal(f.stat('upstream_rq_active'), 0);
    assert.equal(f.breakers.count(2), 0, 'max_requests slot given back');
    assert.equal(b.conn, null);
  });

  it('pending request cancelled: it leaves pending and the connection it caused goes to ready', async () => {
    const f = makePool();
    const a = f.request();
    a.handle!.cancel();
    assert.deepEqual(f.sizes(), { ready: 0, busy: 0, connecting: 1, pending: 0 });
    assert.equal(f.stat('upstream_rq_pending_active'), 0);
    assert.equal(f.stat('upstream_rq_cancelled'), 1);
    assert.equal(f.breakers.count(1), 0);
    const sock = f.connector.attempts[0]!.succeed();
    await flush();
    assert.deepEqual(f.sizes(), { ready: 1, busy: 0, connecting: 0, pending: 0 });
    assert.equal(sock.writes.length, 0);
    assert.equal(a.conn, null);
    assert.equal(a.failure, null);
  });

  it('idle timeout closes a ready connection and counts upstream_cx_idle_timeout', async () => {
    const f = makePool({ settings: { idleTimeoutMs: 100 } });
    const [s1, s2] = await twoParked(f, 60);
    f.clock.advance(40); // the first connection idle 100 ms, the second 40 ms
    assert.equal(s1.destroyed, true);
    assert.equal(s2.destroyed, false);
    assert.deepEqual(f.sizes(), { ready: 1, busy: 0, connecting: 0, pending: 0 });
    assert.equal(f.stat('upstream_cx_idle_timeout'), 1);
    f.clock.advance(60);
    assert.equal(s2.destroyed, true);
    assert.equal(f.stat('upstream_cx_idle_timeout'), 2);
    assert.equal(f.stat('upstream_cx_active'), 0);
  });

  it('an idle timeout changed by a reload applies to connections already in ready', async () => {
    const f = makePool({ settings: { idleTimeoutMs: 3_600_000 } });
    const [s1, s2] = await twoParked(f, 2000);
    f.pool.updateSettings({ connectTimeoutMs: 1000, idleTimeoutMs: 1000, maxRequestsPerConnection: 0 });
    assert.equal(s1.destroyed, true, 'idle 2 s already: past the new 1 s timeout');
    assert.equal(s2.destroyed, false);
    f.clock.advance(1000);
    assert.equal(s2.destroyed, true);
    assert.equal(f.stat('upstream_cx_idle_timeout'), 2);
  });

  it('an idle timeout turned on by a reload (0 before) starts for connections already in ready', async () => {
    const f = makePool({ settings: { idleTimeoutMs: 0 } });
    const a = f.request();
    const s = f.connector.attempts[0]!.succeed();
    await flush();
    a.finish(true);
    f.pool.updateSettings({ connectTimeoutMs: 1000, idleTimeoutMs: 500, maxRequestsPerConnection: 0 });
    f.clock.advance(499);
    assert.equal(s.destroyed, false);
    f.clock.advance(1);
    assert.equal(s.destroyed, true);
  });

  it('a connection reused before its idle timeout is not closed by it', async () => {
    const f = makePool({ settings: { idleTimeoutMs: 100 } });
    const a = f.request();
    const s = f.connector.attempts[0]!.succeed();
    await flush();
    a.finish(true);
    f.clock.advance(90);
    const b = f.request();
    f.clock.advance(50);
    assert.equal(s.destroyed, false, 'busy connections have no idle timeout');
    b.finish(true);
    f.clock.advance(99);
    assert.equal(s.destroyed, false);
    f.clock.advance(1);
    assert.equal(s.destroyed, true);
  });

  it('pool drained: no new requests, pending fail, ready close now, busy close after their response, then the pool reports empty', async () => {
    let drained = 0;
    const f = makePool({
      owner: { onPoolDrained: () => drained++, onPoolCapacityFreed: () => {}, onPoolStarvedChange: () => {} },
    });
    const a = f.request();
    const b = f.request();
    const s1 = f.connector.attempts[0]!.succeed();
    const s2 = f.connector.attempts[1]!.succeed();
    await flush();
    const c = f.request(); // pending, opens connect #3
    assert.deepEqual(f.sizes(), { ready: 0, busy: 2, connecting: 1, pending: 1 });

    f.pool.drain();
    assert.deepEqual(c.failure, { reason: 'drained', flag: 'UF' });
    assert.deepEqual(f.sizes(), { ready: 0, busy: 2, connecting: 0, pending: 0 });
    const late = f.request();
    assert.deepEqual(late.failure, { reason: 'drained', flag: 'UF' });
    assert.equal(drained, 0);

    a.finish(true); // busy closes after its response even though reusable
    assert.equal(s1.destroyed, true);
    assert.equal(drained, 0);
    b.finish(true);
    assert.equal(s2.destroyed, true);
    assert.equal(drained, 1, 'empty pool reported once');
    assert.deepEqual(f.sizes(), { ready: 0, busy: 0, connecting: 0, pending: 0 });
    assert.equal(f.stat('upstream_cx_active'), 0);
    assert.equal(f.stat('upstream_rq_pending_active'), 0);
    assert.equal(f.stat('upstream_rq_active'), 0);
    // The connect abandoned by the drain must not come back.
    const abandoned = f.connector.attempts[2]!.succeed();
    await flush();
    assert.equal(abandoned.destroyed, true);
    assert.deepEqual(f.sizes(), { ready: 0, busy: 0, connecting: 0, pending: 0 });
    assert.equal(drained, 1);
  });

  it('draining a pool with ready connections closes them at once', async () => {
    let drained = 0;
    const f = makePool({
      owner: { onPoolDrained: () => drained++, onPoolCapacityFreed: () => {}, onPoolStarvedChange: () => {} },
    });
    const a = f.request();
    const s = f.connector.attempts[0]!.succeed();
    await flush();
    a.finish(true);
    f.pool.drain();
    assert.equal(s.destroyed, true);
    assert.equal(drained, 1);
    assert.equal(f.stat('upstream_cx_destroy_local'), 1);
  });
});
