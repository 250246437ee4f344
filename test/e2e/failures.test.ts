/** Issue 5 acceptance 3: every local reply of DESIGN §7 provoked for real, with its status, body, access-log flag and stat. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { endpoint, prefixRoute, proxyConfig } from './support/config.ts';
import { freePort, RUNTIMES, startProxy, type ProxyProcess } from './support/proxy-process.ts';
import { startUpstream, type Upstream } from './support/upstreams.ts';
import {
  closeBeforeHeaders,
  closeMidBody,
  hang,
  rawResponse,
  sendGarbage,
  startRawUpstream,
  until,
  type RawExchange,
  type RawUpstream,
} from './support/raw-upstream.ts';
import { getRequest, rawConnect, rawExchange } from './support/raw-client.ts';
import { hostHealth, pools, stat, waitForAccess, waitForStat } from './support/proxy-observe.ts';

const RESET_BEFORE_HEADERS = 'upstream connect error or disconnect/reset before headers. reset reason: ';
const ROUTE_TIMEOUT_MS = 300;
const HEADERS_TIMEOUT_MS = 400;

interface Upstreams {
  good: Upstream;
  /** Answers 500 to health checks (and to everything). */
  sick: Upstream;
  /** Answers after 400 ms. */
  slow: Upstream;
  /** Answers 503 to everything. */
  failing: Upstream;
  closer: RawUpstream;
  hanger: RawUpstream;
  garbage: RawUpstream;
  midBody: RawUpstream;
  /** Hangs on /dc/*; requests are released by the test. */
  holder: RawUpstream;
  /** A node:http upstream the test kills while a request is in flight. */
  victim: Upstream;
  /** A port nothing listens on. */
  closedPort: number;
}

function configFor(port: number, accessLog: string, u: Upstreams): string {
  const retry = { retry_policy: { retry_on: '5xx,connect-failure', num_retries: 2 } };
  const one = (name: string, port: number, extra: Record<string, unknown> = {}) => ({ name, endpoints: [endpoint(port)], ...extra });
  return proxyConfig({
    port,
    listener: {
      request_headers_timeout: `${HEADERS_TIMEOUT_MS}ms`,
      max_request_headers_kb: 8,
      access_log: { path: accessLog, format: 'json' },
    },
    routes: [
      prefixRoute('/ok/', 'good'),
      prefixRoute('/uh/', 'sick'),
      prefixRoute('/uo/', 'slow'),
      prefixRoute('/uf/', 'refused'),
      prefixRoute('/uc/', 'closer'),
      prefixRoute('/ut/', 'hanger', { timeout: `${ROUTE_TIMEOUT_MS}ms` }),
      prefixRoute('/upe/', 'garbage'),
      prefixRoute('/midbody/', 'midbody'),
      prefixRoute('/dc/', 'holder'),
      prefixRoute('/kill/', 'victim'),
      prefixRoute('/retry-cf/', 'retry_cf', retry),
      prefixRoute('/retry-5xx/', 'retry_5xx', retry),
      prefixRoute('/retry-exhausted/', 'retry_exhausted', retry),
    ],
    clusters: [
      one('good', u.good.port),
      one('sick', u.sick.port, {
        health_check: { path: '/healthz', interval: '200ms', timeout: '500ms', unhealthy_threshold: 1, healthy_threshold: 1 },
      }),
      one('slow', u.slow.port, { circuit_breakers: { max_pending_requests: 1, max_connections: 1 } }),
      one('refused', u.closedPort, { connect_timeout: '1s' }),
      one('closer', u.closer.port),
      one('hanger', u.hanger.port),
      one('garbage', u.garbage.port),
      one('midbody', u.midBody.port),
      one('holder', u.holder.port, { circuit_breakers: { max_connections: 1 } }),
      one('victim', u.victim.port),
      { name: 'retry_cf', endpoints: [endpoint(u.closedPort), endpoint(u.good.port)] },
      { name: 'retry_5xx', endpoints: [endpoint(u.failing.port), endpoint(u.good.port)] },
      { name: 'retry_exhausted', endpoints: [endpoint(u.failing.port)] },
    ],
  });
}

function delayed(ms: number) {
  return (req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    const t = setTimeout(() => res.end('slow'), ms);
    res.on('close', () => clearTimeout(t));
  };
}

function status(code: number) {
  return (req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    res.statusCode = code;
    res.end(`status ${code}`);
  };
}

async function startUpstreams(): Promise<Upstreams> {
  // The holder keeps /dc/* requests; the test releases them by answering on the exchange.
  const holder = await startRawUpstream((ex: RawExchange) => {
    if (!ex.path.startsWith('/dc/')) ex.socket.write(rawResponse(200, 'held'));
  });
  return {
    good: await startUpstream('good'),
    sick: await startUpstream('sick', status(500)),
    slow: await startUpstream('slow', delayed(400)),
    failing: await startUpstream('failing', status(503)),
    closer: await startRawUpstream(closeBeforeHeaders),
    hanger: await startRawUpstream(hang),
    garbage: await startRawUpstream(sendGarbage),
    midBody: await startRawUpstream(closeMidBody(1_000_000, 10_000)),
    holder,
    victim: await startUpstream('victim', () => {}),
    // Free a moment ago and bound by nobody since: connects to it are refused.
    closedPort: await freePort(),
  };
}

async function stopUpstreams(u: Upstreams | undefined): Promise<void> {
  if (!u) return;
  await Promise.all([u.good, u.sick, u.slow, u.failing, u.closer, u.hanger, u.garbage, u.midBody, u.holder, u.victim].map((s) => s.close()));
}

for (const runtime of RUNTIMES) {
  describe(`local replies and response flags on ${runtime}`, () => {
    let proxy: ProxyProcess | undefined;
    let ups: Upstreams | undefined;
    let dir = '';
    let log = '';
    let port = 0;
    let admin = 0;
    const c = (cluster: string, name: string) => `cluster.${cluster}.${name}`;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'proxy-e2e-failures-'));
      log = join(dir, 'access.log');
      ups = await startUpstreams();
      port = await freePort();
      proxy = await startProxy({ runtime, config: configFor(port, log, ups) });
      admin = proxy.adminPort;
    });

    after(async () => {
      if (proxy) await proxy.stop();
      await stopUpstreams(ups);
      rmSync(dir, { recursive: true, force: true });
    });

    it('no matching route answers 404 with flag NR and counts http.ingress.no_route', async () => {
      const r = await rawExchange(port, getRequest('/nowhere/1'));
      assert.equal(r.status, 404);
      assert.equal(r.body.length, 0);
      const e = await waitForAccess(log, (x) => x.path === '/nowhere/1');
      assert.equal(e.response_code, 404);
      assert.equal(e.response_flags, 'NR');
      // As Envoy: the request id and the appended x-forwarded-for exist before routing.
      assert.match(e.request_id ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-/);
      assert.equal(e.x_forwarded_for, '127.0.0.1');
      await waitForStat(admin, 'http.ingress.no_route', (v) => v >= 1);
    });

    it('a cluster whose only host fails its health check answers 503 "no healthy upstream" with flag UH', async () => {
      const deadline = Date.now() + 5000;
      while ((await hostHealth(admin, 'sick', `127.0.0.1:${ups!.sick.port}`))?.failed_active_health_check !== true) {
        assert.ok(Date.now() < deadline, 'the sick host is marked failed_active_health_check within 5 s');
        await new Promise((r) => setTimeout(r, 50));
      }
      const r = await rawExchange(port, getRequest('/uh/1'));
      assert.equal(r.status, 503);
      assert.equal(r.body.toString(), 'no healthy upstream');
      const e = await waitForAccess(log, (x) => x.path === '/uh/1');
      assert.equal(e.response_flags, 'UH');
      await waitForStat(admin, c('sick', 'upstream_cx_none_healthy'), (v) => v >= 1);
      assert.ok((await stat(admin, c('sick', 'health_check.failure'))) >= 1, 'health_check.failure counted');
    });

    it('with max_pending_requests 1 and max_connections 1, concurrent requests to a slow upstream overflow with 503 UO', async () => {
      const replies = await Promise.all([1, 2, 3, 4].map((i) => rawExchange(port, getRequest(`/uo/${i}`))));
      const overflowed = replies.filter((r) => r.status === 503);
      const served = replies.filter((r) => r.status === 200);
      assert.ok(overflowed.length >= 1, `some requests overflow: ${replies.map((r) => r.status).join(',')}`);
      assert.ok(served.length >= 1, `some requests are served: ${replies.map((r) => r.status).join(',')}`);
      assert.equal(overflowed.length + served.length, 4);
      for (const r of overflowed) assert.equal(r.body.toString(), 'upstream overflow');
      const i = replies.findIndex((r) => r.status === 503) + 1;
      const e = await waitForAccess(log, (x) => x.path === `/uo/${i}`);
      assert.equal(e.response_code, 503);
      assert.equal(e.response_flags, 'UO');
      await waitForStat(admin, c('slow', 'upstream_rq_pending_overflow'), (v) => v >= overflowed.length);
      assert.ok(ups!.slow.peakConnections <= 1, `the upstream saw at most one connection at once (${ups!.slow.peakConnections})`);
    });

    it('a refused connect answers 503 with reset reason "connection failure", flag UF and upstream_cx_connect_fail', async () => {
      const r = await rawExchange(port, getRequest('/uf/1'));
      assert.equal(r.status, 503);
      assert.equal(r.body.toString(), `${RESET_BEFORE_HEADERS}connection failure`);
      const e = await waitForAccess(log, (x) => x.path === '/uf/1');
      assert.equal(e.response_flags, 'UF');
      await waitForStat(admin, c('refused', 'upstream_cx_connect_fail'), (v) => v >= 1);
      // Charged to the cluster's response codes as Envoy does (chargeUpstreamAbort).
      await waitForStat(admin, c('refused', 'upstream_rq_503'), (v) => v >= 1);
      assert.ok((await stat(admin, c('refused', 'upstream_rq_5xx'))) >= 1);
      assert.ok((await stat(admin, c('refused', 'upstream_rq_completed'))) >= 1);
    });

    it('an upstream that closes before response headers answers 503 "connection termination" with flag UC', async () => {
      const r = await rawExchange(port, getRequest('/uc/1'));
      assert.equal(r.status, 503);
      assert.equal(r.body.toString(), `${RESET_BEFORE_HEADERS}connection termination`);
      const e = await waitForAccess(log, (x) => x.path === '/uc/1');
      assert.equal(e.response_flags, 'UC');
      await waitForStat(admin, c('closer', 'upstream_cx_destroy_with_active_rq'), (v) => v >= 1);
      await waitForStat(admin, c('closer', 'upstream_rq_rx_reset'), (v) => v >= 1);
    });

    it('killing the upstream mid-request answers 503 UC, and requests after it 503 UF', async () => {
      const victim = ups!.victim;
      const inFlight = rawExchange(port, getRequest('/kill/1'));
      await until(() => victim.inFlight === 1, 5000, 'the request at the victim');
      await victim.close();
      const r = await inFlight;
      assert.equal(r.status, 503);
      assert.equal(r.body.toString(), `${RESET_BEFORE_HEADERS}connection termination`);
      assert.equal((await waitForAccess(log, (x) => x.path === '/kill/1')).response_flags, 'UC');
      const after = await rawExchange(port, getRequest('/kill/2'));
      assert.equal(after.status, 503);
      assert.equal(after.body.toString(), `${RESET_BEFORE_HEADERS}connection failure`);
      assert.equal((await waitForAccess(log, (x) => x.path === '/kill/2')).response_flags, 'UF');
      await waitForStat(admin, c('victim', 'upstream_cx_connect_fail'), (v) => v >= 1);
    });

    it('an upstream that never answers hits the route timeout: 504 "upstream request timeout", flag UT, upstream connection closed', async () => {
      const hanger = ups!.hanger;
      const closedBefore = hanger.closedConnections;
      const started = Date.now();
      const r = await rawExchange(port, getRequest('/ut/1'));
      const took = Date.now() - started;
      assert.equal(r.status, 504);
      assert.equal(r.body.toString(), 'upstream request timeout');
      assert.ok(took >= ROUTE_TIMEOUT_MS - 20 && took < ROUTE_TIMEOUT_MS + 2000, `answered after ${took} ms`);
      assert.equal((await waitForAccess(log, (x) => x.path === '/ut/1')).response_flags, 'UT');
      await waitForStat(admin, c('hanger', 'upstream_rq_timeout'), (v) => v >= 1);
      await hanger.waitForClosed(closedBefore + 1);
    });

    it('an upstream that answers garbage gets 502 "upstream protocol error", flag UPE and upstream_cx_protocol_error', async () => {
      const r = await rawExchange(port, getRequest('/upe/1'));
      assert.equal(r.status, 502);
      assert.equal(r.body.toString(), 'upstream protocol error');
      assert.equal((await waitForAccess(log, (x) => x.path === '/upe/1')).response_flags, 'UPE');
      await waitForStat(admin, c('garbage', 'upstream_cx_protocol_error'), (v) => v >= 1);
    });

    it('an upstream that closes mid-body makes the client see a truncated body and a closed connection, never a clean end', async () => {
      const r = await rawExchange(port, getRequest('/midbody/1'), { timeoutMs: 5000 });
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('content-length'), '1000000');
      assert.ok(r.body.length < 1_000_000, `only part of the body arrived (${r.body.length})`);
      assert.ok(r.end === 'reset' || r.end === 'eof', `the connection ended abruptly (${r.end})`);
      const e = await waitForAccess(log, (x) => x.path === '/midbody/1');
      assert.equal(e.response_code, 200);
      assert.equal(e.response_flags, 'UR', 'upstream reset after the response started');
      await waitForStat(admin, c('midbody', 'upstream_rq_rx_reset'), (v) => v >= 1);
      assert.equal(await stat(admin, c('midbody', 'upstream_cx_protocol_error')), 0, 'a truncation is not a protocol error');
      // As Envoy, the code counts once the head is in, even though the response never completed.
      assert.equal(await stat(admin, c('midbody', 'upstream_rq_200')), 1);
      assert.equal(await stat(admin, c('midbody', 'upstream_rq_2xx')), 1);
    });

    it('a client that disconnects while its request is at the upstream is logged DC and the busy upstream connection is closed', async () => {
      const holder = ups!.holder;
      const closedBefore = holder.closedConnections;
      const client = await rawConnect(port);
      client.on('error', () => {});
      client.write(getRequest('/dc/busy'));
      await holder.waitForPath('/dc/busy');
      client.destroy();
      const e = await waitForAccess(log, (x) => x.path === '/dc/busy');
      assert.ok(e.response_flags?.includes('DC'), `flag DC: ${e.response_flags}`);
      await holder.waitForClosed(closedBefore + 1);
      await waitForStat(admin, c('holder', 'upstream_rq_tx_reset'), (v) => v >= 1);
      const row = (await pools(admin)).find((p) => p.cluster === 'holder');
      assert.ok(row, 'the holder pool is listed');
      assert.equal(row.busy, 0);
      assert.equal(row.pending, 0);
    });

    it('a client that disconnects while its request waits in the pool is logged DC and the pending request is removed', async () => {
      const holder = ups!.holder;
      // /dc/first takes the only connection (max_connections 1); /dc/queued waits behind it.
      const first = rawExchange(port, getRequest('/dc/first'), { timeoutMs: 10_000 });
      const firstAtUpstream = await holder.waitForPath('/dc/first');
      const client = await rawConnect(port);
      client.on('error', () => {});
      client.write(getRequest('/dc/queued'));
      const deadline = Date.now() + 5000;
      while ((await pools(admin)).find((p) => p.cluster === 'holder')?.pending !== 1) {
        assert.ok(Date.now() < deadline, 'the second request waits in the pool');
        await new Promise((r) => setTimeout(r, 20));
      }
      const cancelledBefore = await stat(admin, c('holder', 'upstream_rq_cancelled'));
      client.destroy();
      const e = await waitForAccess(log, (x) => x.path === '/dc/queued');
      assert.ok(e.response_flags?.includes('DC'), `flag DC: ${e.response_flags}`);
      await waitForStat(admin, c('holder', 'upstream_rq_cancelled'), (v) => v === cancelledBefore + 1);
      const row = (await pools(admin)).find((p) => p.cluster === 'holder')!;
      assert.equal(row.pending, 0);
      // Release the first request: the connection goes back to ready and the cancelled request is never sent.
      firstAtUpstream.socket.write(rawResponse(200, 'released'));
      const r = await first;
      assert.equal(r.status, 200);
      assert.equal(r.body.toString(), 'released');
      await new Promise((res) => setTimeout(res, 100));
      assert.ok(!holder.paths.includes('/dc/queued'), `the upstream never saw the cancelled request: ${holder.paths.join(' ')}`);
      const after = (await pools(admin)).find((p) => p.cluster === 'holder')!;
      assert.deepEqual([after.busy, after.pending], [0, 0]);
    });

    it('a client that disconnects mid-upload is logged DC and the upstream connection carrying the partial body is closed, not reused', async () => {
      const holder = ups!.holder;
      const closedBefore = holder.closedConnections;
      const client = await rawConnect(port);
      client.on('error', () => {});
      client.write('POST /dc/upload HTTP/1.1\r\nhost: a\r\ncontent-length: 100000\r\n\r\n');
      client.write(Buffer.alloc(1000, 0x61));
      await holder.waitForPath('/dc/upload');
      client.destroy();
      const e = await waitForAccess(log, (x) => x.path === '/dc/upload');
      assert.ok(e.response_flags?.includes('DC'), `flag DC: ${e.response_flags}`);
      await holder.waitForClosed(closedBefore + 1);
      const row = (await pools(admin)).find((p) => p.cluster === 'holder')!;
      assert.deepEqual([row.busy, row.pending], [0, 0]);
    });

    it('a malformed request answers 400 with Connection: close, flag DPE and http.ingress.downstream_cx_protocol_error', async () => {
      const before = await stat(admin, 'http.ingress.downstream_cx_protocol_error');
      const [total, fourxx] = [await stat(admin, 'http.ingress.downstream_rq_total'), await stat(admin, 'http.ingress.downstream_rq_4xx')];
      const r = await rawExchange(port, 'GET /ok/dpe HTTP/1.1\r\nhost: a\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\nxx', { closeWaitMs: 2000 });
      assert.equal(r.status, 400);
      assert.equal(r.headers.get('connection'), 'close');
      assert.ok(r.closedAfter, 'the proxy closes the connection after the 400');
      const e = await waitForAccess(log, (x) => x.response_code === 400);
      assert.equal(e.response_flags, 'DPE');
      await waitForStat(admin, 'http.ingress.downstream_cx_protocol_error', (v) => v === before + 1);
      // Counted as a request too, so the per-class counters never exceed the total.
      assert.equal(await stat(admin, 'http.ingress.downstream_rq_4xx'), fourxx + 1);
      assert.equal(await stat(admin, 'http.ingress.downstream_rq_total'), total + 1);
    });

    it('a request head over max_request_headers_kb answers 431 with flag DPE', async () => {
      const big = `x-big: ${'a'.repeat(9 * 1024)}\r\n`;
      const r = await rawExchange(port, getRequest('/ok/big', big), { closeWaitMs: 2000 });
      assert.equal(r.status, 431);
      assert.ok(r.closedAfter, 'the proxy closes the connection after the 431');
      const e = await waitForAccess(log, (x) => x.response_code === 431);
      assert.equal(e.response_flags, 'DPE');
      await waitForStat(admin, 'http.ingress.downstream_cx_protocol_error', (v) => v >= 2);
    });

    it('half a request head answers 408 after request_headers_timeout and closes', async () => {
      const before = await stat(admin, 'http.ingress.downstream_rq_header_timeout');
      const started = Date.now();
      const r = await rawExchange(port, 'GET /ok/slowloris HTTP/1.1\r\nhost: a\r\n', { closeWaitMs: 2000, timeoutMs: 5000 });
      const took = Date.now() - started;
      assert.equal(r.status, 408);
      assert.ok(took >= HEADERS_TIMEOUT_MS - 20 && took < HEADERS_TIMEOUT_MS + 2000, `answered after ${took} ms`);
      assert.ok(r.closedAfter, 'the proxy closes the connection after the 408');
      const e = await waitForAccess(log, (x) => x.response_code === 408);
      // Timed from the request's first byte, as Envoy's %START_TIME% and %DURATION%.
      assert.ok(e.duration >= HEADERS_TIMEOUT_MS - 20, `logged duration ${e.duration} ms`);
      assert.ok(Math.abs(Date.parse(e.start_time) - started) < 500, `logged start ${e.start_time}`);
      await waitForStat(admin, 'http.ingress.downstream_rq_header_timeout', (v) => v === before + 1);
    });

    it('retry_on connect-failure with one refusing and one good host: every request gets 200 and upstream_rq_retry counts', async () => {
      for (let i = 0; i < 4; i++) {
        const r = await rawExchange(port, getRequest(`/retry-cf/${i}`));
        assert.equal(r.status, 200, `request ${i}: ${r.status} ${r.body.toString()}`);
        assert.equal(r.body.toString(), 'good');
      }
      await waitForStat(admin, c('retry_cf', 'upstream_rq_retry'), (v) => v >= 1);
      await waitForStat(admin, c('retry_cf', 'upstream_cx_connect_fail'), (v) => v >= 1);
    });

    it('retry_on 5xx with one failing and one good host: every request gets 200 and upstream_rq_retry counts', async () => {
      for (let i = 0; i < 4; i++) {
        const r = await rawExchange(port, getRequest(`/retry-5xx/${i}`));
        assert.equal(r.status, 200, `request ${i}: ${r.status} ${r.body.toString()}`);
        assert.equal(r.body.toString(), 'good');
      }
      assert.ok(ups!.failing.requests >= 1, 'the failing host was tried');
      await waitForStat(admin, c('retry_5xx', 'upstream_rq_retry'), (v) => v >= 1);
      await waitForStat(admin, c('retry_5xx', 'upstream_rq_retry_success'), (v) => v >= 1);
    });

    it('with every retry used up, the client gets the last upstream response itself, flagged URX', async () => {
      const r = await rawExchange(port, getRequest('/retry-exhausted/1'));
      assert.equal(r.status, 503);
      assert.equal(r.body.toString(), 'status 503', 'the upstream body, not an empty local reply');
      const e = await waitForAccess(log, (x) => x.path === '/retry-exhausted/1');
      assert.equal(e.response_flags, 'URX');
      assert.equal(e.response_code_details, 'via_upstream');
      await waitForStat(admin, c('retry_exhausted', 'upstream_rq_retry'), (v) => v === 2);
      assert.equal(await stat(admin, c('retry_exhausted', 'upstream_rq_retry_success')), 0, 'a retried request that ends in URX is no retry success');
    });

    it('every pool is back to busy 0, pending 0 after the failures', async () => {
      const deadline = Date.now() + 5000;
      for (;;) {
        const stuck = (await pools(admin)).filter((p) => p.busy !== 0 || p.pending !== 0);
        if (stuck.length === 0) break;
        assert.ok(Date.now() < deadline, `pools still busy or pending: ${JSON.stringify(stuck)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    });
  });
}
