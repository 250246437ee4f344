/** Active health checks and outlier detection on a live proxy: a failing host leaves the rotation and comes back. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ClustersResponse, HostState } from '../../src/admin/types.ts';
import { endpoint, prefixRoute, proxyConfig } from './support/config.ts';
import { freePort, RUNTIMES, startProxy, type LogLine, type ProxyProcess } from './support/proxy-process.ts';
import { adminJson, get, sleep } from './support/traffic.ts';
import { startUpstream, type Upstream } from './support/upstreams.ts';

const UNHEALTHY_THRESHOLD = 2;
const HEALTHY_THRESHOLD = 2;
const CONSECUTIVE_5XX = 5;
const BASE_EJECTION_MS = 1000;
/** Time for main's health verdict to reach both workers once it is logged. */
const PROPAGATION_MS = 100;

/** An upstream whose health endpoint and whose proxied requests can be made to fail; it records when. */
interface Host {
  up: Upstream;
  /** /healthz answers 503 while set. */
  failChecks: boolean;
  /** Other paths answer 500 while set. */
  failRequests: boolean;
  /** Answer time (epoch ms) and status of every /healthz request. */
  checks: Array<{ at: number; status: number }>;
  /** Answer time and status of every proxied request. */
  served: Array<{ at: number; status: number }>;
}

async function startHost(name: string): Promise<Host> {
  const host: Host = { up: undefined as unknown as Upstream, failChecks: false, failRequests: false, checks: [], served: [] };
  host.up = await startUpstream(name, (req, res, up) => {
    req.resume();
    const check = req.url === '/healthz';
    const status = check ? (host.failChecks ? 503 : 200) : host.failRequests ? 500 : 200;
    (check ? host.checks : host.served).push({ at: Date.now(), status });
    res.writeHead(status, { 'content-type': 'text/plain', 'x-upstream': up.name });
    res.end(up.name);
  });
  return host;
}

function configYaml(port: number, checked: Host[], outlier: Host[]): string {
  return proxyConfig({
    port,
    workers: 2,
    drainTimeout: '2s',
    routes: [prefixRoute('/hc/', 'checked'), prefixRoute('/', 'od')],
    clusters: [
      {
        name: 'checked',
        endpoints: checked.map((h) => endpoint(h.up.port)),
        health_check: {
          path: '/healthz',
          interval: '200ms',
          timeout: '200ms',
          unhealthy_threshold: UNHEALTHY_THRESHOLD,
          healthy_threshold: HEALTHY_THRESHOLD,
        },
      },
      {
        name: 'od',
        endpoints: outlier.map((h) => endpoint(h.up.port)),
        // With two hosts Envoy's default max_ejection_percent (10) never allows an ejection.
        outlier_detection: {
          consecutive_5xx: CONSECUTIVE_5XX,
          interval: '200ms',
          base_ejection_time: `${BASE_EJECTION_MS}ms`,
          max_ejection_percent: 50,
        },
      },
    ],
  });
}

async function hostState(adminPort: number, cluster: string, port: number): Promise<HostState> {
  const body = await adminJson<ClustersResponse>(adminPort, '/admin/clusters');
  const h = body.cluster_statuses.find((c) => c.name === cluster)?.host_statuses.find((x) => x.address.socket_address.port_value === port);
  assert.ok(h, `${cluster} lists ${port}`);
  return h;
}

/** `n` requests on fresh connections (so both workers take some); the upstream names that answered. */
async function spread(port: number, path: string, n: number): Promise<string[]> {
  const names: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await get(port, path);
    assert.equal(r.status, 200, `${path}: ${r.status} ${r.body}`);
    names.push(String(r.headers['x-upstream']));
  }
  return names;
}

const logTime = (l: LogLine) => Date.parse(String(l.time));

for (const runtime of RUNTIMES) {
  describe(`health checking and outlier detection (${runtime})`, () => {
    let h1: Host, h2: Host, o1: Host, o2: Host;
    let proxy: ProxyProcess | undefined;
    let port = 0;
    const key = (h: Host) => `127.0.0.1:${h.up.port}`;

    before(async () => {
      [h1, h2, o1, o2] = await Promise.all(['h1', 'h2', 'o1', 'o2'].map(startHost)) as [Host, Host, Host, Host];
      port = await freePort();
      proxy = await startProxy({ runtime, config: configYaml(port, [h1, h2], [o1, o2]) });
    });

    after(async () => {
      await proxy?.stop();
      await Promise.all([h1, h2, o1, o2].map((h) => h?.up.close()));
    });

    it(`marks a failing host unhealthy after ${UNHEALTHY_THRESHOLD} failed checks and sends it no traffic`, async () => {
      const admin = proxy!.adminPort;
      assert.ok(h1.checks.length > 0 && h2.checks.length > 0, 'both hosts were checked before ready');
      assert.equal((await hostState(admin, 'checked', h1.up.port)).health_status.failed_active_health_check, false);
      assert.deepEqual(new Set(await spread(port, '/hc/x', 6)), new Set(['h1', 'h2']));

      h1.failChecks = true;
      const line = await proxy!.waitForLog((l) => l.msg.startsWith(`health check: checked ${key(h1)} is now unhealthy`), 3000);
      const failed = h1.checks.filter((c) => c.status === 503 && c.at <= logTime(line));
      assert.equal(failed.length, UNHEALTHY_THRESHOLD, 'failed checks before the verdict');

      const state = await hostState(admin, 'checked', h1.up.port);
      assert.equal(state.health_status.failed_active_health_check, true);
      assert.equal(state.health_status.eds_health_status, 'HEALTHY', 'not an EDS verdict: Envoy tools would read UNHEALTHY as one');
      await sleep(PROPAGATION_MS);
      const before = h1.served.length;
      assert.deepEqual(new Set(await spread(port, '/hc/x', 12)), new Set(['h2']));
      assert.equal(h1.served.length, before, 'the unhealthy host received no request');
      assert.equal(h2.checks.filter((c) => c.status !== 200).length, 0);
    });

    it(`brings the host back after ${HEALTHY_THRESHOLD} successful checks`, async () => {
      const t0 = Date.now();
      h1.failChecks = false;
      const line = await proxy!.waitForLog((l) => l.msg.startsWith(`health check: checked ${key(h1)} is now healthy`) && logTime(l) >= t0, 3000);
      const passed = h1.checks.filter((c) => c.status === 200 && c.at >= t0 && c.at <= logTime(line));
      assert.equal(passed.length, HEALTHY_THRESHOLD, 'successful checks before the verdict');
      assert.equal((await hostState(proxy!.adminPort, 'checked', h1.up.port)).health_status.failed_active_health_check, false);
      await sleep(PROPAGATION_MS);
      const names = await spread(port, '/hc/x', 12);
      assert.ok(names.includes('h1'), `h1 serves again: ${names.join(',')}`);
    });

    it(`ejects a host after ${CONSECUTIVE_5XX} consecutive 5xx and lets it back after the ejection time`, async () => {
      const admin = proxy!.adminPort;
      o1.failRequests = true;
      const isEjection = (l: LogLine) => l.msg.startsWith(`outlier detection: ejected od ${key(o1)}`);
      // One request at a time, on fresh connections: both workers report results.
      let ejection: LogLine | undefined;
      for (let i = 0; i < 60 && !ejection; i++) {
        const r = await get(port, '/x');
        assert.ok(r.status === 200 || r.status === 500, `status ${r.status}`);
        ejection = proxy!.logs.find(isEjection);
        if (o1.served.length >= CONSECUTIVE_5XX) await sleep(20);
      }
      ejection ??= await proxy!.waitForLog(isEjection, 1000);
      const ejectedAt = logTime(ejection);
      const failuresBefore = o1.served.filter((s) => s.status === 500 && s.at <= ejectedAt).length;
      assert.ok(failuresBefore >= CONSECUTIVE_5XX, `ejected only after ${CONSECUTIVE_5XX} 5xx (saw ${failuresBefore})`);
      // Workers report results every 100 ms, so a few more may arrive before the verdict.
      assert.ok(failuresBefore <= CONSECUTIVE_5XX + 7, `ejected soon after the ${CONSECUTIVE_5XX}th 5xx (saw ${failuresBefore})`);
      assert.match(ejection.msg, /consecutive_5xx/);

      const state = await hostState(admin, 'od', o1.up.port);
      assert.equal(state.health_status.failed_outlier_check, true);
      await sleep(PROPAGATION_MS);
      const servedBefore = o1.served.length;
      assert.deepEqual(new Set(await spread(port, '/x', 12)), new Set(['o2']));
      assert.equal(o1.served.length, servedBefore, 'the ejected host received no request');

      o1.failRequests = false;
      const back = await proxy!.waitForLog((l) => l.msg.startsWith(`outlier detection: od ${key(o1)} is back`), BASE_EJECTION_MS + 2000);
      const out = logTime(back) - ejectedAt;
      assert.ok(out >= BASE_EJECTION_MS - 50, `ejected for ${out} ms, at least base_ejection_time`);
      assert.equal((await hostState(admin, 'od', o1.up.port)).health_status.failed_outlier_check, false);
      await sleep(PROPAGATION_MS);
      const names = await spread(port, '/x', 12);
      assert.ok(names.includes('o1'), `o1 serves again: ${names.join(',')}`);

      const stats = (await get(admin, '/admin/stats?filter=^cluster\\.od\\.outlier_detection\\.')).body;
      assert.match(stats, /^cluster\.od\.outlier_detection\.ejections_enforced_consecutive_5xx: 1$/m, stats);
      assert.match(stats, /^cluster\.od\.outlier_detection\.ejections_active: 0$/m, stats);
    });
  });
}

for (const runtime of RUNTIMES) {
  describe(`the first round of health checks (${runtime})`, () => {
    it('a host whose first check fails gets no request, not even in the first moments after start', async () => {
      const good = await startUpstream('good');
      const served: string[] = [];
      // Answers its first check slowly, and with 503: the window a proxy that listens early would route into.
      const bad = await startUpstream('bad', (req, res) => {
        req.resume();
        if (req.url === '/healthz') {
          setTimeout(() => {
            res.writeHead(503);
            res.end();
          }, 500);
          return;
        }
        served.push(String(req.url));
        res.writeHead(200, { 'x-upstream': 'bad' });
        res.end('bad');
      });
      const port = await freePort();
      // Not waiting for 'proxy ready': requests go in as soon as the port takes connections.
      const proxy = await startProxy({
        runtime,
        waitReady: false,
        config: proxyConfig({
          port,
          workers: 2,
          drainTimeout: '1s',
          routes: [prefixRoute('/', 'app')],
          clusters: [{ name: 'app', endpoints: [endpoint(good.port), endpoint(bad.port)], health_check: { path: '/healthz', interval: '5s', timeout: '1s' } }],
        }),
      });
      try {
        const names: string[] = [];
        const deadline = Date.now() + 20_000;
        while (names.length < 10) {
          assert.ok(Date.now() < deadline, `the proxy did not serve 10 requests: ${proxy.stderr.join('\n')}`);
          const r = await get(port, '/first').catch(() => null);
          if (r === null) await sleep(5);
          else names.push(String(r.headers['x-upstream']));
        }
        assert.deepEqual([...new Set(names)], ['good']);
        assert.deepEqual(served, [], 'the failing host was never sent a request');
      } finally {
        await proxy.stop();
        await Promise.all([good.close(), bad.close()]);
      }
    });
  });
}
