/** The response parser that lives with a pooled upstream connection: handed from exchange to exchange, never keeping one alive. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { UpstreamConnection } from '../../../src/upstream/pool-types.ts';
import { type MemorySocket, memoryWorkerForTests, OK_RESPONSE, tick } from '../../support/memory-runtime.ts';

const enc = new TextEncoder();

const suite = memoryWorkerForTests();

/** The pool's side of an upstream socket (its handler is the pooled connection). */
function pooled(up: MemorySocket): UpstreamConnection {
  return up.handler as unknown as UpstreamConnection;
}

describe('upstream connection codec', () => {
  it('lets go of the finished exchange when the connection goes back to the pool, and serves the next one', async () => {
    const client = suite.worker.connect();
    client.feed(enc.encode('GET /one HTTP/1.1\r\nHost: a\r\n\r\n'));
    await tick();
    const up = suite.worker.upstreams.at(-1)!;
    const conn = pooled(up);
    const codec = conn.codec;
    assert.ok(codec, 'the first exchange gave the connection its parser');
    assert.equal(codec.attached, true, 'the exchange in flight receives the response');

    up.feed(OK_RESPONSE);
    assert.match(client.text(), /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nok$/);
    assert.equal(codec.attached, false, 'an idle pooled connection keeps no exchange alive');

    const before = up.writeCount;
    client.feed(enc.encode('GET /two HTTP/1.1\r\nHost: a\r\n\r\n'));
    assert.equal(up.writeCount, before + 1, 'the second request reused the connection');
    assert.equal(conn.codec, codec, 'and its parser');
    assert.equal(codec.attached, true);
    up.feed(OK_RESPONSE);
    assert.equal(codec.attached, false);
    assert.equal(client.text().split('HTTP/1.1 200 OK').length - 1, 2);
    client.peerClose();
  });
});
