/** The WebSocket tunnel: bytes both ways, closing together, and the stream idle timeout. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Tunnel } from '../../../src/http/tunnel.ts';
import type { UpstreamConnection } from '../../../src/upstream/pool-types.ts';
import { FakeSocket } from '../../support/fake-socket.ts';
import { ManualClock } from '../../support/manual-clock.ts';

/** The upstream side as the tunnel sees it: a pooled connection over a fake socket. */
function upstreamOver(socket: FakeSocket): UpstreamConnection {
  const conn = {
    attach: (h) => socket.setHandler(h),
    write: (b: Uint8Array) => socket.write(b),
    pause: () => socket.pause(),
    resume: () => socket.resume(),
    destroy: () => socket.destroy(),
  } as Partial<UpstreamConnection>;
  return conn as UpstreamConnection;
}

function open(timeoutMs: number) {
  const clock = new ManualClock();
  const client = new FakeSocket();
  const upstream = new FakeSocket();
  const seen = { timeouts: 0, done: 0, byClient: null as boolean | null };
  const tunnel = new Tunnel(client, upstreamOver(upstream), { clock, timeoutMs, onTimeout: () => seen.timeouts++ }, (byClient) => {
    seen.done++;
    seen.byClient = byClient;
  });
  tunnel.start(new TextEncoder().encode('c0'), new TextEncoder().encode('u0'));
  return { clock, client, upstream, seen };
}

describe('tunnel', () => {
  it('carries the bytes read past the upgrade, then bytes both ways', () => {
    const { client, upstream } = open(0);
    assert.equal(client.written(), 'u0');
    assert.equal(upstream.written(), 'c0');
    client.peerSend('ping');
    upstream.peerSend('pong');
    assert.equal(upstream.written(), 'c0ping');
    assert.equal(client.written(), 'u0pong');
  });

  it('pauses a side whose peer cannot take more, and resumes it on drain', () => {
    const { client, upstream } = open(0);
    upstream.writeResult = false;
    client.peerSend('big');
    assert.equal(client.paused, true);
    upstream.handler!.onDrain();
    assert.equal(client.paused, false);
  });

  it('closes both sides once when either ends, and says which side ended it', () => {
    const { client, upstream, seen } = open(0);
    upstream.peerEnd();
    client.peerClose();
    assert.equal(client.ended, true);
    assert.equal(upstream.destroyed, true, 'the upstream connection never goes back to a pool');
    assert.equal(seen.done, 1);
    assert.equal(seen.byClient, false, 'the upstream ended it');
    const other = open(0);
    other.client.peerEnd();
    assert.equal(other.seen.byClient, true, 'the client ended it');
  });

  it('closes both sides after the idle timeout with nothing moving, and reports it once', () => {
    const { clock, client, upstream, seen } = open(100);
    clock.advance(99);
    assert.equal(seen.done, 0);
    clock.advance(1);
    assert.equal(seen.timeouts, 1);
    assert.equal(seen.done, 1);
    assert.equal(client.ended, true);
    assert.equal(upstream.destroyed, true);
    assert.equal(clock.pending(), 0, 'no timer left behind');
  });

  it('a byte either way moves the idle deadline', () => {
    const { clock, client, upstream, seen } = open(100);
    clock.advance(80);
    client.peerSend('a');
    clock.advance(80);
    upstream.peerSend('b');
    clock.advance(80);
    assert.equal(seen.timeouts, 0, '80 ms since the last byte');
    clock.advance(20);
    assert.equal(seen.timeouts, 1);
  });

  it('with timeout 0 stays open however long nothing moves, and arms no timer', () => {
    const { clock, seen } = open(0);
    assert.equal(clock.pending(), 0);
    clock.advance(3_600_000);
    assert.equal(seen.done, 0);
  });

  it('closed by a side cancels its idle timer', () => {
    const { clock, client, seen } = open(100);
    client.peerClose();
    assert.equal(clock.pending(), 0);
    clock.advance(500);
    assert.equal(seen.timeouts, 0);
  });
});
