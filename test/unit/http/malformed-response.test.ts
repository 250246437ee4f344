/** A malformed or cut-off upstream response: 502 while nothing reached the client, a reset once something did. */
import { describe, it } from 'node:test';
import { SocketError } from '../../../runtime-adapters/types.ts';
import assert from 'node:assert/strict';
import { getThroughWorker, memoryWorkerForTests, OK_RESPONSE, ONE_ROUTE_CONFIG, tick } from '../../support/memory-runtime.ts';

const enc = new TextEncoder();

describe('a malformed upstream response', () => {
  const suite = memoryWorkerForTests();

  it('is answered 502 when the bad chunk arrives in the same read as the head', async () => {
    const { client, up } = await getThroughWorker(suite.worker, '/a');
    up.feed(enc.encode('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'));
    await tick();
    const text = client.text();
    assert.match(text, /^HTTP\/1\.1 502 Bad Gateway\r\n/);
    assert.match(text, /upstream protocol error$/);
    assert.doesNotMatch(text, /200 OK/, 'the retracted head never reached the client');
    assert.equal(up.destroyed, true, 'the upstream connection is not reused');
  });

  it('resets the client when the head already went out in an earlier read', async () => {
    const { client, up } = await getThroughWorker(suite.worker, '/b');
    up.feed(enc.encode('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'));
    await tick();
    assert.match(client.text(), /^HTTP\/1\.1 200 OK\r\n/);
    up.feed(enc.encode('zz\r\n'));
    await tick();
    assert.doesNotMatch(client.text(), /502/);
    assert.equal(client.destroyed, true, 'a response cut short is a reset, never a second status line');
  });
});

describe('a malformed upstream response under retry_on reset', () => {
  const config = ONE_ROUTE_CONFIG.replace(
    '            cluster: origin',
    '            cluster: origin\n            retry_policy: { retry_on: reset, num_retries: 1 }',
  );
  const suite = memoryWorkerForTests(config);

  it('is retried on a new connection, and the client gets the answer of the retry', async () => {
    const { client, up: first } = await getThroughWorker(suite.worker, '/r');
    first.feed(enc.encode('HTTP/1.1 2x0 OK\r\n\r\n'));
    for (let i = 0; i < 200 && suite.worker.upstreams.at(-1) === first; i++) await tick();
    const second = suite.worker.upstreams.at(-1)!;
    assert.notEqual(second, first, 'the retry opened another upstream connection');
    assert.equal(first.destroyed, true);
    assert.match(second.text(), /^GET \/r HTTP\/1\.1\r\n/);
    second.feed(OK_RESPONSE);
    await tick();
    assert.match(client.text(), /^HTTP\/1\.1 200 OK\r\n[\s\S]*ok$/);
  });
});

describe('a response delimited by the upstream closing', () => {
  const suite = memoryWorkerForTests();

  it('ended by a FIN is complete: the client gets the last chunk', async () => {
    const { client, up } = await getThroughWorker(suite.worker, '/fin');
    up.feed(enc.encode('HTTP/1.1 200 OK\r\n\r\nwhole-body'));
    up.handler!.onEnd();
    up.peerClose();
    await tick();
    assert.match(client.text(), /\r\n\r\na\r\nwhole-body\r\n0\r\n\r\n$/);
    assert.equal(client.destroyed, false);
  });

  it('ended by a reset is cut short: the client is reset and never gets the last chunk', async () => {
    const { client, up } = await getThroughWorker(suite.worker, '/rst');
    up.feed(enc.encode('HTTP/1.1 200 OK\r\n\r\npartial-bo'));
    up.peerClose(new SocketError('ECONNRESET', 'read ECONNRESET'));
    await tick();
    assert.match(client.text(), /partial-bo/);
    assert.doesNotMatch(client.text(), /\r\n0\r\n\r\n$/, 'no last chunk for a body that did not end');
    assert.equal(client.destroyed, true);
  });
});
