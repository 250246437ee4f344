import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CLIENT_MODEL_JS, CLIENT_SCRIPT } from '../../../src/admin/dashboard/client-script.ts';
import * as model from '../../../src/admin/dashboard/model.ts';
import type { ClustersResponse, HostHealthStatus } from '../../../src/admin/types.ts';
import { advanceWhilePending, harness } from './helpers.ts';

/** The text content of the element carrying `data-testid="id"` (elements without nested tags). */
function textOf(html: string, id: string): string | undefined {
  const escaped = id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`data-testid="${escaped}"[^>]*>([^<]*)<`).exec(html);
  return m?.[1];
}

function attrOf(html: string, id: string, attr: string): string | undefined {
  const escaped = id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const tag = new RegExp(`<[^>]*data-testid="${escaped}"[^>]*>`).exec(html)?.[0];
  return tag ? new RegExp(`${attr}="([^"]*)"`).exec(tag)?.[1] : undefined;
}

describe('GET /admin/ dashboard', () => {
  it('serves a self-contained HTML page at /admin/ and /admin', async () => {
    const { app } = harness();
    for (const path of ['/admin/', '/admin']) {
      const res = await app.request(path);
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get('content-type') ?? '', /text\/html/);
      const html = await res.text();
      assert.ok(html.startsWith('<!doctype html><html lang="en">'));
      assert.ok(!/\s(src|href)="(https?:)?\/\//.test(html), 'no external assets');
      assert.ok(html.includes('<style>') && html.includes('<script nonce='));
    }
  });

  it('allows only its own inline script through the Content-Security-Policy nonce', async () => {
    const { app } = harness();
    const res = await app.request('/admin/');
    const csp = res.headers.get('content-security-policy') ?? '';
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    assert.ok(nonce, csp);
    assert.ok((await res.text()).includes(`<script nonce="${nonce}">`));
    const again = (await app.request('/admin/')).headers.get('content-security-policy') ?? '';
    assert.notEqual(/nonce-([^']+)/.exec(again)?.[1], nonce, 'a fresh nonce per page');
  });

  it('shows server info, cluster cards, health badges, weights and every worker pool number', async () => {
    const { app } = harness();
    const html = await (await app.request('/admin/')).text();
    assert.equal(textOf(html, 'server-version'), '0.1.0');
    assert.equal(textOf(html, 'server-runtime'), 'node 24.21.0');
    assert.equal(textOf(html, 'server-state'), 'LIVE');
    assert.equal(textOf(html, 'server-workers'), '2');
    assert.equal(textOf(html, 'server-listening-model'), 'reuseport');
    assert.equal(textOf(html, 'server-uptime'), '1h 2m');
    assert.ok(html.includes('data-testid="cluster-backend"') && html.includes('data-testid="cluster-api"'));
    assert.equal(textOf(html, 'health-backend-127.0.0.1:9001'), 'healthy');
    assert.equal(textOf(html, 'health-api-[::1]:9100'), 'unhealthy');
    assert.equal(attrOf(html, 'health-api-[::1]:9100', 'data-health'), 'unhealthy');
    assert.equal(textOf(html, 'health-reason-api-[::1]:9100'), 'failed_active_hc · failed_outlier_check');
    assert.equal(textOf(html, 'weight-backend-127.0.0.1:9002'), '3');
    assert.equal(textOf(html, 'cluster-healthy-backend'), '2/2');
    assert.equal(textOf(html, 'cb-backend-connections'), '5 / 1024');
    assert.equal(textOf(html, 'pool-backend-127.0.0.1:9001-w0-http1.1-ready'), '2');
    assert.equal(textOf(html, 'pool-backend-127.0.0.1:9001-w0-http1.1-busy'), '1');
    assert.equal(textOf(html, 'pool-backend-127.0.0.1:9001-w1-http1.1-busy'), '4');
    assert.equal(textOf(html, 'pool-backend-127.0.0.1:9001-w1-http1.1-connecting'), '1');
    assert.equal(textOf(html, 'pool-backend-127.0.0.1:9001-w1-http1.1-pending'), '2');
    assert.equal(textOf(html, 'pool-backend-127.0.0.1:9001-w1-http1.0-ready'), '1');
    assert.equal(textOf(html, 'pool-backend-127.0.0.1:9001-total-busy'), '5');
    assert.ok(html.includes('data-testid="pool-backend-127.0.0.1:9002-w1-none"'));
    assert.equal(textOf(html, 'worker-1-busy'), '4');
    assert.equal(textOf(html, 'worker-1-cx-active'), '4');
    assert.equal(textOf(html, 'healthy-hosts'), '2 / 3');
    assert.match(html, /data-testid="listener-ingress"><b>ingress<\/b><code>0\.0\.0\.0:10000<\/code>/);
  });

  it('shows a worker that did not answer as an unavailable column', async () => {
    const { app, source, clock } = harness(1000);
    source.stuck.add(0);
    const res = await advanceWhilePending(clock, app.request('/admin/'), 1000);
    const html = await res.text();
    assert.ok(html.includes('data-testid="pool-backend-127.0.0.1:9001-w0-unavailable"'));
    assert.equal(textOf(html, 'pool-backend-127.0.0.1:9001-w1-http1.1-busy'), '4');
  });

  it('serves the live region alone with ?fragment=live, tagged with its topology', async () => {
    const { app, source } = harness();
    const res = await app.request('/admin/?fragment=live');
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.ok(html.startsWith('<div id="live" data-testid="live-region" data-topology="'));
    assert.ok(!html.includes('<script'));
    const clusters = ((await (await app.request('/admin/clusters')).json()) as ClustersResponse).cluster_statuses;
    const topology = model.topology(clusters, source.statList);
    assert.equal(attrOf(html, 'live-region', 'data-topology'), topology);
  });

  it('shows an empty state when no clusters are configured', async () => {
    const { app, source } = harness();
    source.clusterStates = [];
    const html = await (await app.request('/admin/')).text();
    assert.equal(textOf(html, 'no-clusters'), 'no clusters configured');
  });
});

describe('dashboard browser script', () => {
  it('is valid JavaScript', () => {
    assert.doesNotThrow(() => new Function(CLIENT_SCRIPT));
    assert.ok(!CLIENT_SCRIPT.includes('</script'), 'cannot close its own script tag');
  });

  it('computes ids, columns, health and topology exactly as the server renders them', async () => {
    const browser = new Function(`${CLIENT_MODEL_JS}\nreturn DashboardModel;`)() as typeof model & { FIELDS: string[] };
    const { app, source } = harness();
    source.failing.add(1);
    source.pools.get(0)?.push({ cluster: 'api', address: '::1', port: 9100, protocol: 'http/1.0', ready: 0, busy: 0, connecting: 3, pending: 1 });
    const clusters = ((await (await app.request('/admin/clusters')).json()) as ClustersResponse).cluster_statuses;
    const stats = ((await (await app.request('/admin/stats?format=json')).json()) as { stats: { name: string; value: number }[] }).stats;
    const typed = source.statList;
    assert.deepEqual(browser.FIELDS, model.POOL_FIELDS);
    assert.equal(browser.topology(clusters, stats as never), model.topology(clusters, typed));
    assert.deepEqual(browser.workersInPools(clusters), model.workersInPools(clusters));
    assert.deepEqual(browser.dashboardWorkers(clusters, stats as never), model.dashboardWorkers(clusters, typed));
    assert.deepEqual(browser.workerStats(stats as never), model.workerStats(typed));
    for (const c of clusters) {
      for (const h of c.host_statuses) {
        assert.equal(browser.hostId(h), model.hostId(h));
        assert.deepEqual(browser.poolColumns(c.name, h, [0, 1, 2]), model.poolColumns(c.name, h, [0, 1, 2]));
      }
    }
    const statuses: HostHealthStatus['eds_health_status'][] = ['UNKNOWN', 'HEALTHY', 'UNHEALTHY', 'DRAINING', 'TIMEOUT', 'DEGRADED'];
    for (const eds of statuses) {
      for (const bits of [0, 1, 2, 3, 4, 7]) {
        const h: HostHealthStatus = {
          eds_health_status: eds,
          failed_active_health_check: (bits & 1) !== 0,
          failed_outlier_check: (bits & 2) !== 0,
          pending_dynamic_removal: (bits & 4) !== 0,
        };
        assert.equal(browser.healthLabel(h), model.healthLabel(h));
        assert.equal(browser.healthReason(h), model.healthReason(h));
      }
    }
    for (const s of [0, 59, 61, 3599, 3725, 90061]) assert.equal(browser.formatUptime(s), model.formatUptime(s));
    for (const [u, m] of [[0, 0], [1, 0], [3, 4], [7, 8], [10, 10], [5, 1024]] as const) {
      assert.equal(browser.meterLevel(u, m), model.meterLevel(u, m));
    }
    assert.equal(browser.sumStats(stats as never, /^http\./), model.sumStats(typed, /^http\./));
  });
});
