/** An HTTP/1.0 cluster and a chunked client body: buffered whole, sent with a Content-Length (R20). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { memoryWorkerForTests, ONE_ROUTE_CONFIG, tick } from '../../support/memory-runtime.ts';

const enc = new TextEncoder();
const CONFIG = ONE_ROUTE_CONFIG.replace('            cluster: origin', '            cluster: origin\n            per_request_buffer_limit_bytes: 16').replace(
  '  - name: origin\n',
  '  - name: origin\n    protocol: http/1.0\n',
);
const RESPONSE = enc.encode('HTTP/1.0 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok');

describe('a chunked request body to an HTTP/1.0 cluster', () => {
  const suite = memoryWorkerForTests(CONFIG);

  it('is held until complete, then sent with a Content-Length and no Transfer-Encoding', async () => {
    const client = suite.worker.connect();
    client.feed(enc.encode('POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n'));
    await tick();
    assert.equal(suite.worker.upstreams.length, 0, 'no upstream request before the body is complete');
    client.feed(enc.encode('3\r\nabc\r\n0\r\n\r\n'));
    await tick();
    const up = suite.worker.upstreams[0];
    assert.ok(up, 'the request went upstream once complete');
    const sent = up.text();
    assert.match(sent, /^POST \/up HTTP\/1\.0\r\n/);
    assert.match(sent, /\r\nContent-Length: 8\r\n/);
    assert.doesNotMatch(sent, /transfer-encoding/i);
    assert.match(sent, /\r\n\r\nhelloabc$/);
    up.feed(RESPONSE);
    assert.match(client.text(), /^HTTP\/1\.1 200 OK\r\n[\s\S]*ok$/);
    client.peerClose();
  });

  it('longer than the route buffer limit is answered 413 without reaching the upstream', async () => {
    const before = suite.worker.upstreams.length;
    const client = suite.worker.connect();
    client.feed(enc.encode('POST /big HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n0123456789abcdef\r\n5\r\nmore!\r\n'));
    await tick();
    assert.match(client.text(), /^HTTP\/1\.1 413 Content Too Large\r\n[\s\S]*Connection: close\r\n/);
    assert.equal(suite.worker.upstreams.length, before, 'nothing was sent upstream');
  });
});
