/** The admin endpoint of a live proxy under real load: per-worker pools, Prometheus counters, idle pools, and the dashboard. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import type { Browser, Page } from 'playwright-core';
import type { ClustersResponse, HostPools, PoolStatus } from '../../src/admin/types.ts';
import { launchChromium } from '../support/chromium.ts';
import { freePort, RUNTIMES, startProxy, type ProxyProcess } from './support/proxy-process.ts';
import { endpoint, prefixRoute, proxyConfig } from './support/config.ts';
import { adminJson, get, Load, sleep, waitUntil } from './support/traffic.ts';
import { startUpstream, type Handler, type Upstream } from './support/upstreams.ts';

const CONCURRENCY = 32;
const WORKERS = 2;
/** Upstream latency: long enough that most of the 32 connections are busy at any moment. */
const LATENCY_MS = 80;
const IDLE_TIMEOUT_S = 4;

/** Answers after LATENCY_MS (or 2 s on /slow) with its name in `x-upstream`. */
const slowHandler: Handler = (req, res, up) => {
  req.resume();
  const delay = req.url === '/slow' ? 2000 : LATENCY_MS;
  const t = setTimeout(() => {
    res.writeHead(200, { 'content-type': 'text/plain', 'x-upstream': up.name });
    res.end(up.name);
  }, delay);
  res.on('close', () => clearTimeout(t));
};

function configYaml(port: number, upstreams: Upstream[]): string {
  return proxyConfig({
    port,
    workers: WORKERS,
    drainTimeout: '2s',
    routes: [prefixRoute('/', 'backend')],
    clusters: [
      {
        name: 'backend',
        lb_policy: 'round_robin',
        endpoints: upstreams.map((u) => endpoint(u.port)),
        http_protocol_options: { idle_timeout: `${IDLE_TIMEOUT_S}s` },
      },
    ],
  });
}

function isPool(p: HostPools): p is PoolStatus {
  return !('unavailable' in p);
}

/** Every pool of cluster `backend`, with the host's port. */
function pools(body: ClustersResponse): Array<PoolStatus & { port: number }> {
  const c = body.cluster_statuses.find((x) => x.name === 'backend');
  assert.ok(c, 'cluster backend is listed');
  const out: Array<PoolStatus & { port: number }> = [];
  for (const h of c.host_statuses) {
    for (const p of h.pools) {
      assert.ok(isPool(p), `worker ${p.worker} answered for ${h.address.socket_address.port_value}`);
      out.push({ ...p, port: h.address.socket_address.port_value });
    }
  }
  return out;
}

/** `backend::127.0.0.1:<port>::worker_<w>::http1.1::<field>::<n>` lines of `?format=text`. */
function textPools(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^backend::127\.0\.0\.1:(\d+)::worker_(\d+)::http1\.1::(ready|busy|connecting|pending)::(\d+)$/.exec(line);
    if (m) out.set(`${m[1]}/${m[2]}/${m[3]}`, Number(m[4]));
  }
  return out;
}

function sumField(m: Map<string, number>, field: string): number {
  let n = 0;
  for (const [k, v] of m) if (k.endsWith(`/${field}`)) n += v;
  return n;
}

/** Prometheus samples as `metric{label=value,...}` → value, labels sorted. */
function promSamples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const family of parsePrometheusTextFormat(text)) {
    for (const m of family.metrics) {
      const labels = Object.entries(m.labels ?? {})
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      out.set(`${family.name}{${labels}}`, Number(m.value));
    }
  }
  return out;
}

let browser: Browser | undefined;
after(async () => {
  await browser?.close();
});

for (const runtime of RUNTIMES) {
  describe(`admin on a live proxy with ${WORKERS} workers (${runtime})`, () => {
    let ups: Upstream[] = [];
    let proxy: ProxyProcess | undefined;
    let port = 0;
    let page: Page | undefined;
    /** Requests the load sent and the client connections it opened. */
    let sent = 0;
    let clientConnections = 0;

    const inFlight = () => ups.reduce((n, u) => n + u.inFlight, 0);

    before(async () => {
      ups = [await startUpstream('a', slowHandler), await startUpstream('b', slowHandler)];
      port = await freePort();
      proxy = await startProxy({ runtime, config: configYaml(port, ups) });
    });

    after(async () => {
      await page?.close();
      await proxy?.stop();
      await Promise.all(ups.map((u) => u.close()));
    });

    it('shows per-worker pools whose busy sum matches the upstreams\' in-flight count under 32-connection load', async () => {
      const admin = proxy!.adminPort;
      const load = new Load({ port, concurrency: CONCURRENCY });
      try {
        await waitUntil('load to warm up', () => load.results.length >= 3 * CONCURRENCY, 10_000);
        for (let i = 0; i < 5; i++) {
          const before = inFlight();
          const body = await adminJson<ClustersResponse>(admin, '/admin/clusters');
          const afterIt = inFlight();
          const busy = pools(body).reduce((n, p) => n + p.busy, 0);
          const upstream = (before + afterIt) / 2;
          assert.ok(Math.abs(busy - upstream) <= CONCURRENCY, `busy ${busy} vs upstream in flight ${before}..${afterIt}`);
          assert.ok(busy > 0, `busy ${busy} > 0 under load`);
          const workers = new Set(pools(body).map((p) => p.worker));
          assert.deepEqual([...workers].sort(), [0, 1], 'both workers hold pools');
          for (const p of pools(body)) assert.ok(p.busy + p.ready + p.connecting <= CONCURRENCY);

          const beforeText = inFlight();
          const text = await get(admin, '/admin/clusters?format=text');
          const afterText = inFlight();
          assert.equal(text.status, 200);
          const lines = textPools(text.body);
          assert.ok(lines.size >= 4 * WORKERS, `per-worker pool lines:\n${text.body}`);
          const textBusy = sumField(lines, 'busy');
          assert.ok(Math.abs(textBusy - (beforeText + afterText) / 2) <= CONCURRENCY, `text busy ${textBusy} vs ${beforeText}..${afterText}`);
          await sleep(100);
        }
      } finally {
        await load.stop();
      }
      assert.deepEqual(load.failures(), []);
      sent = load.results.length;
      clientConnections = load.sockets;
      assert.equal(clientConnections, CONCURRENCY);
    });

    it('shows busy 0, pending 0 and ready > 0 in every pool after the load stops', async () => {
      const admin = proxy!.adminPort;
      const body = await waitUntil(
        'pools to settle',
        async () => {
          const b = await adminJson<ClustersResponse>(admin, '/admin/clusters');
          return pools(b).every((p) => p.busy === 0 && p.pending === 0 && p.connecting === 0) ? b : undefined;
        },
        2000,
      );
      const all = pools(body);
      assert.ok(all.length >= WORKERS, 'pools are still there');
      for (const p of all) assert.ok(p.ready > 0, `worker ${p.worker} pool to ${p.port} keeps ready connections: ${JSON.stringify(p)}`);
      const ready = all.reduce((n, p) => n + p.ready, 0);
      assert.equal(ready, ups.reduce((n, u) => n + u.openConnections, 0), 'every open upstream connection is a ready one');

      const lines = textPools((await get(admin, '/admin/clusters?format=text')).body);
      assert.equal(sumField(lines, 'busy'), 0);
      assert.equal(sumField(lines, 'pending'), 0);
      assert.equal(sumField(lines, 'ready'), ready);
      for (const [k, v] of lines) if (k.endsWith('/ready')) assert.ok(v > 0, `${k} ready > 0`);
    });

    it('exposes Prometheus counters equal to what the test sent', async () => {
      const r = await get(proxy!.adminPort, '/admin/stats/prometheus');
      assert.equal(r.status, 200);
      assert.match(String(r.headers['content-type']), /^text\/plain; version=0\.0\.4/);
      assert.match(r.body, /^# TYPE envoy_cluster_upstream_rq_total counter$/m);
      const s = promSamples(r.body);
      const c = 'envoy_cluster_name=backend';
      const h = 'envoy_http_conn_manager_prefix=ingress';
      assert.equal(s.get(`envoy_cluster_upstream_rq_total{${c}}`), sent);
      assert.equal(s.get(`envoy_cluster_upstream_rq_xx{${c},envoy_response_code_class=2}`), sent);
      assert.equal(s.get(`envoy_http_downstream_rq_total{${h}}`), sent);
      assert.equal(s.get(`envoy_http_downstream_rq_xx{envoy_http_conn_manager_prefix=ingress,envoy_response_code_class=2}`), sent);
      assert.equal(s.get(`envoy_http_downstream_cx_total{${h}}`), clientConnections);
      assert.equal(s.get(`envoy_cluster_upstream_cx_total{${c}}`), ups.reduce((n, u) => n + u.connections, 0));
      assert.equal(s.get(`envoy_cluster_upstream_rq_active{${c}}`), 0);
      assert.equal(s.get(`envoy_cluster_upstream_rq_pending_active{${c}}`), 0);
      let perWorker = 0;
      for (let w = 0; w < WORKERS; w++) {
        const v = s.get(`envoy_listener_worker_downstream_cx_total{envoy_listener_address=ingress,envoy_worker_id=${w}}`);
        assert.ok(v !== undefined && v > 0, `worker ${w} accepted connections (${v})`);
        perWorker += v;
      }
      assert.equal(perWorker, clientConnections);
    });

    it('shows a real host\'s pool numbers on the dashboard in Chromium', async () => {
      const admin = proxy!.adminPort;
      browser ??= await launchChromium();
      page = await browser.newPage();
      page.setDefaultTimeout(5000);
      await page.goto(`http://127.0.0.1:${admin}/admin/`, { timeout: 10_000 });
      await page.waitForFunction(() => document.querySelector('[data-testid="live-status"]')?.getAttribute('data-state') === 'live', null, { timeout: 5000 });
      const shows = async (id: string, text: string): Promise<void> => {
        try {
          await page!.waitForFunction(
            ([i, t]) => document.querySelector(`[data-testid="${CSS.escape(i)}"]`)?.textContent === t,
            [id, text] as const,
            { timeout: 2000, polling: 50 },
          );
        } catch {
          const actual = await page!.evaluate((i) => document.querySelector(`[data-testid="${CSS.escape(i)}"]`)?.textContent ?? null, id);
          assert.fail(`${id}: expected '${text}', the page shows ${JSON.stringify(actual)}`);
        }
      };
      for (const p of pools(await adminJson<ClustersResponse>(admin, '/admin/clusters'))) {
        const id = `pool-backend-127.0.0.1:${p.port}-w${p.worker}-http1.1`;
        await shows(`${id}-ready`, String(p.ready));
        await shows(`${id}-busy`, '0');
        await shows(`${id}-pending`, '0');
      }
      // Three 2-second requests: the page's busy totals follow the real pools.
      const slow = [get(port, '/slow'), get(port, '/slow'), get(port, '/slow')];
      await page.waitForFunction(
        (ids) => ids.reduce((n, i) => n + Number(document.querySelector(`[data-testid="${CSS.escape(i)}"]`)?.textContent ?? 0), 0) === 3,
        ups.map((u) => `pool-backend-127.0.0.1:${u.port}-total-busy`),
        { timeout: 2000, polling: 50 },
      );
      for (const r of await Promise.all(slow)) assert.equal(r.status, 200);
    });

    it('closes the idle pooled connections at the idle timeout', async () => {
      const admin = proxy!.adminPort;
      await waitUntil('upstream connections to close', () => ups.every((u) => u.openConnections === 0), (IDLE_TIMEOUT_S + 3) * 1000, 100);
      const body = await waitUntil(
        'pools to empty',
        async () => {
          const b = await adminJson<ClustersResponse>(admin, '/admin/clusters');
          return pools(b).every((p) => p.ready === 0 && p.busy === 0) ? b : undefined;
        },
        1000,
      );
      assert.ok(body);
      const s = promSamples((await get(admin, '/admin/stats/prometheus')).body);
      const total = ups.reduce((n, u) => n + u.connections, 0);
      assert.equal(s.get('envoy_cluster_upstream_cx_idle_timeout{envoy_cluster_name=backend}'), total);
      assert.equal(s.get('envoy_cluster_upstream_cx_active{envoy_cluster_name=backend}'), 0);
    });
  });
}
