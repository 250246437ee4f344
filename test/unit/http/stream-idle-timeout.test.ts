/** stream_idle_timeout: a request with nothing moving either way ends, as in Envoy (408 / 504 `SI`). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { memoryWorkerForTests, OK_RESPONSE, ONE_ROUTE_CONFIG, tick } from '../../support/memory-runtime.ts';

const enc = new TextEncoder();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// The route timeout is off, so only the stream idle timeout can end a silent exchange.
const CONFIG = ONE_ROUTE_CONFIG.replace('    port: 1\n', '    port: 1\n    stream_idle_timeout: 100ms\n').replace(
  '            cluster: origin',
  '            cluster: origin\n            timeout: 0s',
);

describe('stream idle timeout', () => {
  const suite = memoryWorkerForTests(CONFIG);

  it('a request body that stops arriving gets 408 stream timeout, the connection closes and the upstream try is reset', async () => {
    const client = suite.worker.connect();
    const before = suite.worker.upstreams.length;
    client.feed(enc.encode('POST /slow HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc'));
    await tick();
    const up = suite.worker.upstreams[before];
    assert.ok(up, 'the request went upstream');
    await sleep(60);
    client.feed(enc.encode('de')); // activity: the deadline moves
    await sleep(60);
    assert.equal(client.text(), '', 'not yet: body bytes arrived 60 ms ago');
    await sleep(250);
    assert.match(client.text(), /^HTTP\/1\.1 408 Request Timeout\r\n[\s\S]*Connection: close\r\n\r\nstream timeout$/);
    assert.equal(client.ended, true);
    assert.equal(up.destroyed, true, 'the upstream connection of the abandoned try is reset');
  });

  it('a complete request whose upstream stays silent gets 504 stream timeout', async () => {
    const client = suite.worker.connect();
    client.feed(enc.encode('GET /silent HTTP/1.1\r\nHost: a\r\n\r\n'));
    await sleep(350);
    assert.match(client.text(), /^HTTP\/1\.1 504 Gateway Timeout\r\n[\s\S]*\r\n\r\nstream timeout$/);
  });

  it('a request answered in time is not touched', async () => {
    const client = suite.worker.connect();
    const before = suite.worker.upstreams.length;
    client.feed(enc.encode('GET /fast HTTP/1.1\r\nHost: a\r\n\r\n'));
    await tick();
    const up = suite.worker.upstreams[before] ?? suite.worker.upstreams.find((u) => !u.destroyed);
    assert.ok(up);
    up.feed(OK_RESPONSE);
    await sleep(250);
    assert.match(client.text(), /^HTTP\/1\.1 200 OK\r\n[\s\S]*ok$/);
    assert.equal(client.ended, false);
    client.peerClose();
  });
});

describe('stream idle timeout without a request headers timeout', () => {
  const suite = memoryWorkerForTests(CONFIG.replace('    stream_idle_timeout: 100ms\n', '    stream_idle_timeout: 100ms\n    request_headers_timeout: 0s\n'));

  it('ends a head that stops arriving with 408, counted from its last byte', async () => {
    const client = suite.worker.connect();
    client.feed(enc.encode('GET /half HTTP/1.1\r\n'));
    await sleep(60);
    client.feed(enc.encode('Host: a\r\n'));
    await sleep(60);
    assert.equal(client.text(), '', 'not yet: a byte arrived 60 ms ago');
    await sleep(250);
    assert.match(client.text(), /^HTTP\/1\.1 408 Request Timeout\r\n[\s\S]*\r\n\r\nstream timeout$/);
  });
});
