/** A malformed upstream response: 502 while nothing reached the client, a reset once something did. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ONE_ROUTE_CONFIG, startMemoryWorker, tick, type MemoryWorker } from '../../support/memory-runtime.ts';

const enc = new TextEncoder();

describe('a malformed upstream response', () => {
  let w: MemoryWorker;
  before(async () => {
    w = await startMemoryWorker(ONE_ROUTE_CONFIG, true);
  });
  after(async () => {
    await w.stop();
  });

  it('is answered 502 when the bad chunk arrives in the same read as the head', async () => {
    const client = w.connect();
    client.feed(enc.encode('GET /a HTTP/1.1\r\nHost: a\r\n\r\n'));
    await tick();
    const up = w.upstreams.at(-1)!;
    up.feed(enc.encode('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'));
    await tick();
    const text = client.text();
    assert.match(text, /^HTTP\/1\.1 502 Bad Gateway\r\n/);
    assert.match(text, /upstream protocol error$/);
    assert.doesNotMatch(text, /200 OK/, 'the retracted head never reached the client');
    assert.equal(up.destroyed, true, 'the upstream connection is not reused');
  });

  it('resets the client when the head already went out in an earlier read', async () => {
    const client = w.connect();
    client.feed(enc.encode('GET /b HTTP/1.1\r\nHost: a\r\n\r\n'));
    await tick();
    const up = w.upstreams.at(-1)!;
    up.feed(enc.encode('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'));
    await tick();
    assert.match(client.text(), /^HTTP\/1\.1 200 OK\r\n/);
    up.feed(enc.encode('zz\r\n'));
    await tick();
    assert.doesNotMatch(client.text(), /502/);
    assert.equal(client.destroyed, true, 'a response cut short is a reset, never a second status line');
  });
});
