/** S4 / RFC 9112 §6.1 through the proxy: an HTTP/1.0 response with Transfer-Encoding has faulty framing. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { memoryWorkerForTests, OK_RESPONSE, tick } from '../../support/memory-runtime.ts';

const latin1 = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

describe('an HTTP/1.0 upstream response with Transfer-Encoding', () => {
  const suite = memoryWorkerForTests();

  it('is a 502 upstream protocol error, and its connection is closed, never reused', async () => {
    const client = suite.worker.connect();
    client.feed(latin1('GET /p HTTP/1.1\r\nHost: a\r\n\r\n'));
    await tick();
    const up = suite.worker.upstreams.at(-1)!;
    up.feed(latin1('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n'));
    await tick();
    assert.match(client.text(), /^HTTP\/1\.1 502 Bad Gateway\r\n[\s\S]*\r\n\r\nupstream protocol error$/);
    assert.equal(up.destroyed, true);

    const sentBefore = up.text().length;
    const upstreamsBefore = suite.worker.upstreams.length;
    const next = suite.worker.connect();
    next.feed(latin1('GET /q HTTP/1.1\r\nHost: a\r\n\r\n'));
    await tick();
    assert.equal(up.text().length, sentBefore, 'the next request did not go to that connection');
    assert.equal(suite.worker.upstreams.length, upstreamsBefore + 1, 'it went to a new one');
    suite.worker.upstreams.at(-1)!.feed(OK_RESPONSE);
    assert.match(next.text(), /^HTTP\/1\.1 200 OK\r\n/);
    client.peerClose();
    next.peerClose();
  });
});
