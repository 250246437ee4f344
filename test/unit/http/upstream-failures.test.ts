/** DESIGN's failure rows on the request path: what the client gets when the upstream fails at each point. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SocketError } from '../../../runtime-adapters/types.ts';
import { getThroughWorker, memoryWorkerForTests, OK_RESPONSE, ONE_ROUTE_CONFIG, tick } from '../../support/memory-runtime.ts';

const enc = new TextEncoder();
const RESET_BEFORE_HEADERS = 'upstream connect error or disconnect/reset before headers. reset reason: ';

/** Lets timer turns pass until `cond` holds (bounded). */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !cond(); i++) await tick();
}

describe('upstream failures', () => {
  const suite = memoryWorkerForTests();

  const send = (path: string) => {
    const client = suite.worker.connect();
    client.feed(enc.encode(`GET ${path} HTTP/1.1\r\nHost: a\r\n\r\n`));
    return client;
  };

  it('a refused connect answers 503 with reset reason connection failure', async () => {
    suite.worker.connectFailures.push('ECONNREFUSED');
    const client = send('/refused');
    await until(() => client.text() !== '');
    assert.match(client.text(), new RegExp(`^HTTP/1\\.1 503 Service Unavailable\\r\\n[\\s\\S]*\\r\\n\\r\\n${RESET_BEFORE_HEADERS}connection failure$`));
    assert.equal(client.destroyed, false, 'the client connection stays usable');
  });

  it('a connect timeout answers 503 with reset reason connection failure', async () => {
    suite.worker.connectFailures.push('ETIMEDOUT');
    const client = send('/timeout');
    await until(() => client.text() !== '');
    assert.match(client.text(), /^HTTP\/1\.1 503 [\s\S]*reset reason: connection failure$/);
  });

  it('an upstream that closes before any response byte answers 503 with reset reason connection termination', async () => {
    const { client, up } = await getThroughWorker(suite.worker, '/fin');
    up.handler!.onEnd();
    up.peerClose();
    await until(() => client.text() !== '');
    assert.match(client.text(), new RegExp(`^HTTP/1\\.1 503 [\\s\\S]*${RESET_BEFORE_HEADERS}connection termination$`));
  });

  it('a reset after the response head resets the client, which never sees the body as complete', async () => {
    const { client, up } = await getThroughWorker(suite.worker, '/cut');
    up.feed(enc.encode('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'));
    up.peerClose(new SocketError('ECONNRESET', 'read ECONNRESET'));
    await tick();
    assert.match(client.text(), /^HTTP\/1\.1 200 OK\r\n[\s\S]*Content-Length: 10\r\n\r\nabc$/);
    assert.equal(client.destroyed, true);
  });
});

describe('upstream failures under retry_on connect-failure,reset', () => {
  const config = ONE_ROUTE_CONFIG.replace(
    '            cluster: origin',
    '            cluster: origin\n            retry_policy: { retry_on: "connect-failure,reset", num_retries: 2 }',
  );
  const suite = memoryWorkerForTests(config);

  it('a refused connect is retried on a new connection, and the client gets its answer', async () => {
    suite.worker.connectFailures.push('ECONNREFUSED');
    const before = suite.worker.upstreams.length;
    const client = suite.worker.connect();
    client.feed(enc.encode('GET /again HTTP/1.1\r\nHost: a\r\n\r\n'));
    await until(() => suite.worker.upstreams.length > before);
    const up = suite.worker.upstreams.at(-1)!;
    assert.match(up.text(), /^GET \/again HTTP\/1\.1\r\n/);
    up.feed(OK_RESPONSE);
    await tick();
    assert.match(client.text(), /^HTTP\/1\.1 200 OK\r\n[\s\S]*ok$/);
  });

  it('an upstream that closes before responding is retried, and the client gets the second answer', async () => {
    const before = suite.worker.upstreams.length;
    const client = suite.worker.connect();
    client.feed(enc.encode('GET /closed HTTP/1.1\r\nHost: a\r\n\r\n'));
    await until(() => suite.worker.upstreams.length > before);
    const first = suite.worker.upstreams.at(-1)!;
    first.handler!.onEnd();
    first.peerClose();
    await until(() => suite.worker.upstreams.at(-1) !== first);
    const second = suite.worker.upstreams.at(-1)!;
    assert.notEqual(second, first);
    second.feed(OK_RESPONSE);
    await tick();
    assert.match(client.text(), /^HTTP\/1\.1 200 OK\r\n[\s\S]*ok$/);
  });
});

describe('per_try_timeout', () => {
  const config = ONE_ROUTE_CONFIG.replace(
    '            cluster: origin',
    '            cluster: origin\n            timeout: 5s\n            retry_policy: { retry_on: 5xx, num_retries: 1, per_try_timeout: 100ms }',
  );
  const suite = memoryWorkerForTests(config);
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('abandons a try with no answer after it and retries on a new connection', async () => {
    const w = suite.worker;
    const before = w.upstreams.length;
    const client = w.connect();
    client.feed(enc.encode('GET /silent HTTP/1.1\r\nHost: a\r\n\r\n'));
    await until(() => w.upstreams.length > before);
    const first = w.upstreams.at(-1)!;
    await until(() => w.upstreams.at(-1) !== first);
    assert.equal(first.destroyed, true, 'the timed-out try was reset');
    w.upstreams.at(-1)!.feed(OK_RESPONSE);
    await tick();
    assert.match(client.text(), /^HTTP\/1\.1 200 OK\r\n[\s\S]*ok$/);
    // As Envoy, the service time runs from the end of the request: the abandoned try counts.
    const serviceTime = Number(/x-proxy-upstream-service-time: (\d+)/.exec(client.text())?.[1]);
    assert.ok(serviceTime >= 100, `service time ${serviceTime} ms`);
  });

  it('starts once the request is complete: a slow upload is not a timed-out try', async () => {
    const w = suite.worker;
    // The connection may be a new one or one the test before left in the pool.
    const carrying = () => w.upstreams.filter((u) => u.text().includes('POST /upload'));
    const client = w.connect();
    client.feed(enc.encode('POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n01234'));
    await until(() => carrying().length > 0);
    await sleep(250); // longer than per_try_timeout, with the body still coming
    client.feed(enc.encode('56789'));
    await tick();
    assert.equal(carrying().length, 1, 'no retry');
    const up = carrying()[0]!;
    assert.match(up.text(), /\r\n\r\n0123456789$/);
    up.feed(OK_RESPONSE);
    await tick();
    assert.match(client.text(), /^HTTP\/1\.1 200 OK\r\n[\s\S]*ok$/);
  });
});

describe('a route timeout after the response started', () => {
  const suite = memoryWorkerForTests(ONE_ROUTE_CONFIG.replace('            cluster: origin', '            cluster: origin\n            timeout: 100ms'));

  it('resets the client and charges the response code once, with its head (as Envoy)', async () => {
    const w = suite.worker;
    const before = { completed: w.stat('cluster.origin.upstream_rq_completed'), c504: w.stat('cluster.origin.upstream_rq_504') };
    const { client, up } = await getThroughWorker(w, '/trickle');
    up.feed(enc.encode('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab'));
    await until(() => client.destroyed);
    assert.equal(client.destroyed, true);
    assert.equal(w.stat('cluster.origin.upstream_rq_completed') - before.completed, 1);
    assert.equal(w.stat('cluster.origin.upstream_rq_504') - before.c504, 0, 'no 504 for a response that was a 200');
  });
});
