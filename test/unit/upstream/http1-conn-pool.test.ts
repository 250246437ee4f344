/** HTTP/1 pool behaviour beyond the transition table: cancellation, busy close, breakers, misuse. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IllegalTransitionError } from '../../../src/common/errors.ts';
import { nextConnState } from '../../../src/upstream/connection-state.ts';
import { flush } from '../../support/fake-socket.ts';
import { makePool } from './pool-fixture.ts';

describe('HTTP/1 pool', () => {
  it('a request cancelled while pending never reaches a socket', async () => {
    const f = makePool({ limits: { maxConnections: 1 } });
    const a = f.request();
    const b = f.request();
    b.cancel();
    const sock = f.connector.attempts[0]!.succeed();
    await flush();
    a.finish(true);
    f.request().finish(true);
    assert.equal(b.callbacksAfterCancel, 0);
    assert.equal(b.conn, null);
    assert.doesNotMatch(sock.written(), /GET \/2 /);
    assert.match(sock.written(), /GET \/1 .*GET \/3 /s);
  });

  it('cancelling a handle twice, or after it was served, is an illegal transition', async () => {
    const f = makePool();
    const a = f.request();
    const handle = a.handle!;
    f.connector.attempts[0]!.succeed();
    await flush();
    assert.ok(a.conn);
    assert.throws(() => handle.cancel(), IllegalTransitionError);
  });

  it('a connection that closes while busy never returns to ready', async () => {
    const f = makePool();
    const a = f.request();
    const sock = f.connector.attempts[0]!.succeed();
    await flush();
    const conn = a.conn!;
    sock.peerSend('HTTP/1.1 200 OK\r\n');
    sock.peerClose();
    assert.ok(a.closed);
    assert.equal(f.sizes().ready, 0);
    assert.throws(() => conn.release(true), IllegalTransitionError, 'a dead connection cannot be released into ready');
    assert.equal(f.sizes().ready, 0);
    const b = f.request();
    assert.equal(b.conn, null, 'the next request gets a new connection, not the dead one');
    assert.equal(f.connector.attempts.length, 2);
  });

  it('a connection handed straight to the next pending request is resumed if the last one paused it', async () => {
    const f = makePool({ limits: { maxConnections: 1 } });
    const a = f.request();
    const b = f.request();
    const sock = f.connector.attempts[0]!.succeed();
    await flush();
    a.conn!.pause();
    assert.equal(sock.paused, true);
    a.finish(true);
    assert.ok(b.conn);
    assert.equal(sock.paused, false);
  });

  it('bytes on a busy connection reach the attached handler only', async () => {
    const f = makePool();
    const a = f.request();
    const sock = f.connector.attempts[0]!.succeed();
    await flush();
    sock.peerSend('HTTP/1.1 204 No Content\r\n\r\n');
    assert.equal(a.received.length, 1);
    assert.equal(f.stat('upstream_cx_rx_bytes_total'), a.received[0]!.length);
    assert.ok(f.stat('upstream_cx_tx_bytes_total') > 0);
  });

  it('destroy() by the request path closes the connection, never reuses it, and counts destroy_local_with_active_rq', async () => {
    const f = makePool();
    const a = f.request();
    const sock = f.connector.attempts[0]!.succeed();
    await flush();
    a.reset();
    assert.equal(sock.destroyed, true);
    assert.deepEqual(f.sizes(), { ready: 0, busy: 0, connecting: 0, pending: 0 });
    assert.equal(f.stat('upstream_cx_destroy_local_with_active_rq'), 1);
    assert.equal(f.stat('upstream_rq_active'), 0);
    await flush(); // the socket's late onClose is ignored
    assert.equal(f.stat('upstream_cx_destroy'), 1);
  });

  it('a request that gives up after the upstream half-closed counts destroy_remote_with_active_rq, not local', async () => {
    const f = makePool();
    const a = f.request();
    const sock = f.connector.attempts[0]!.succeed();
    await flush();
    sock.peerEnd();
    a.reset();
    assert.equal(sock.destroyed, true);
    assert.equal(f.stat('upstream_cx_destroy_remote_with_active_rq'), 1);
    assert.equal(f.stat('upstream_cx_destroy_local_with_active_rq'), 0);
    assert.equal(f.stat('upstream_cx_destroy_remote'), 1);
    assert.equal(f.stat('upstream_cx_destroy_local'), 0);
    assert.equal(f.stat('upstream_rq_active'), 0);
  });

  it('a close-delimited response ended by the upstream FIN counts a remote destroy', async () => {
    const f = makePool();
    const a = f.request();
    const sock = f.connector.attempts[0]!.succeed();
    await flush();
    sock.peerEnd();
    a.finish(false);
    assert.equal(f.stat('upstream_cx_destroy_remote'), 1);
    assert.equal(f.stat('upstream_cx_destroy_local'), 0);
    assert.equal(f.stat('upstream_cx_destroy_with_active_rq'), 0);
  });

  it('connections with nothing in flight close with a FIN; a request that gives up resets its connection', async () => {
    const f = makePool({ settings: { idleTimeoutMs: 1000 } });
    // Idle timeout: a clean close.
    const a = f.request();
    const idle = f.connector.attempts[0]!.succeed();
    await flush();
    a.finish(true);
    f.clock.advance(1000);
    assert.equal(idle.destroyed, true);
    assert.equal(idle.closedCleanly, true, 'an idle connection is closed, not reset');
    // A finished response on a connection that may not be reused: a clean close.
    const b = f.request();
    const done = f.connector.attempts[1]!.succeed();
    await flush();
    b.finish(false);
    assert.equal(done.closedCleanly, true, 'a finished, non-reusable connection is closed, not reset');
    // A request that gives up mid-flight: a reset.
    const c = f.request();
    const aborted = f.connector.attempts[2]!.succeed();
    await flush();
    c.reset();
    assert.equal(aborted.destroyed, true);
    assert.equal(aborted.closedCleanly, false, 'an abandoned request resets its connection');
    // Stray bytes on an idle connection (S8): a reset.
    const d = f.request();
    const stray = f.connector.attempts[3]!.succeed();
    await flush();
    d.finish(true);
    stray.peerSend('HTTP/1.1 200 OK\r\n\r\n');
    assert.equal(stray.destroyed, true);
    assert.equal(stray.closedCleanly, false);
  });

  it('writing on a connection after releasing it is refused', async () => {
    const f = makePool();
    const a = f.request();
    f.connector.attempts[0]!.succeed();
    await flush();
    const conn = a.conn!;
    a.finish(true);
    assert.throws(() => conn.write(new Uint8Array(1)), IllegalTransitionError);
    assert.throws(() => conn.attach(a), IllegalTransitionError);
  });

  it('at max_requests a ready connection is not used: the request fails with overflow (UO)', async () => {
    const f = makePool({ limits: { maxRequests: 1 } });
    const a = f.request();
    const b = f.request();
    f.connector.attempts[0]!.succeed();
    f.connector.attempts[1]!.succeed();
    await flush();
    assert.ok(a.conn);
    assert.deepEqual(b.failure, { reason: 'overflow', flag: 'UO' });
    assert.deepEqual(f.sizes(), { ready: 1, busy: 1, connecting: 0, pending: 0 });
    const c = f.request();
    assert.deepEqual(c.failure, { reason: 'overflow', flag: 'UO' });
    assert.equal(f.stat('upstream_rq_pending_overflow'), 2);
    assert.equal(f.breakers.status().rq_open, 1);
    a.finish(true);
    const d = f.request();
    assert.ok(d.conn);
  });

  it('with max_requests already reached a new request fails at once (UO), without waiting or opening a connection', async () => {
    const f = makePool({ limits: { maxRequests: 1 } });
    const a = f.request();
    f.connector.attempts[0]!.succeed();
    await flush();
    assert.ok(a.conn);
    const b = f.request();
    assert.deepEqual(b.failure, { reason: 'overflow', flag: 'UO' });
    assert.equal(f.connector.attempts.length, 1, 'no connection opened for it');
    assert.deepEqual(f.sizes(), { ready: 0, busy: 1, connecting: 0, pending: 0 });
    assert.equal(f.stat('upstream_rq_pending_overflow'), 1);
    assert.equal(f.stat('upstream_rq_pending_total'), 1, 'only the first request waited (for its connection)');
  });

  it('a pool refused a connection by max_connections gets one when a slot frees', async () => {
    const f = makePool({ limits: { maxConnections: 1 } });
    const a = f.request();
    const b = f.request();
    assert.equal(f.breakers.connectionWaiters(), 1);
    const s = f.connector.attempts[0]!.succeed();
    await flush();
    // The connection serves a, then b, never idling while b waits.
    a.finish(true);
    assert.ok(b.conn);
    assert.equal(f.breakers.connectionWaiters(), 0);
    b.finish(true);
    assert.equal(s.destroyed, false);
    assert.deepEqual(f.sizes(), { ready: 1, busy: 0, connecting: 0, pending: 0 });
  });

  it('a connection is given back instead of idling while another pool of the cluster waits for a slot', async () => {
    const f = makePool({ limits: { maxConnections: 1 } });
    const a = f.request();
    const s = f.connector.attempts[0]!.succeed();
    await flush();
    f.breakers.addConnectionWaiter(); // some other pool (maybe on another worker) is starved
    a.finish(true);
    assert.equal(s.destroyed, true);
    assert.equal(f.breakers.count(0), 0);
    f.breakers.removeConnectionWaiter();
  });

  it('the connection state machine rejects transitions its state does not allow', () => {
    assert.equal(nextConnState('connecting', 'connected_idle'), 'ready');
    assert.equal(nextConnState('connecting', 'connected_assign'), 'busy');
    assert.equal(nextConnState('ready', 'assign'), 'busy');
    assert.equal(nextConnState('busy', 'reassign'), 'busy');
    assert.equal(nextConnState('busy', 'release'), 'ready');
    assert.throws(() => nextConnState('ready', 'release'), IllegalTransitionError);
    assert.throws(() => nextConnState('connecting', 'assign'), IllegalTransitionError);
    assert.throws(() => nextConnState('closed', 'close'), IllegalTransitionError);
    assert.throws(() => nextConnState('closed', 'connected_idle'), IllegalTransitionError);
  });

  it('logical DNS address changes apply to new connections only', async () => {
    const f = makePool();
    const host = f.pool.host as { address: string };
    const a = f.request();
    f.connector.attempts[0]!.succeed();
    await flush();
    host.address = '10.0.0.2';
    f.request();
    assert.equal(f.connector.attempts[1]!.host, '10.0.0.2');
    assert.equal(a.conn!.address, '127.0.0.1');
  });
});
