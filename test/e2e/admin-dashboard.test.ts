import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { createAdapter } from '../../runtime-adapters/detect.ts';
import type { HttpServer } from '../../runtime-adapters/types.ts';
import { createAdminApp } from '../../src/admin/app.ts';
import { launchChromium } from '../support/chromium.ts';
import { FakeAdminSource, pool } from '../unit/admin/fake-source.ts';

const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url));
/** The acceptance bound: a change in the data shows on the page within this long. */
const UPDATE_WITHIN_MS = 2000;

const H1 = 'backend-127.0.0.1:9001';
const H2 = 'backend-127.0.0.1:9002';

describe('admin dashboard in headless Chromium', () => {
  const source = new FakeAdminSource();
  let server: HttpServer | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let base = '';
  const pageErrors: string[] = [];
  let traffic: ReturnType<typeof setInterval> | undefined;

  before(async () => {
    const app = createAdminApp(source, { workerTimeoutMs: 300 });
    server = await createAdapter().serveHttp({ host: '127.0.0.1', port: 0, fetch: app.fetch });
    base = `http://127.0.0.1:${server.port}`;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(5000);
    page.on('pageerror', (err) => pageErrors.push(String(err)));
    page.on('console', (msg) => {
      if (msg.type() === 'error') pageErrors.push(msg.text());
    });
  });

  after(async () => {
    if (traffic) clearInterval(traffic);
    await browser?.close();
    await server?.close();
  });

  /** Waits (bounded) until the element with `data-testid=id` shows `text`. */
  async function shows(id: string, text: string, timeout = UPDATE_WITHIN_MS): Promise<void> {
    try {
      await page.waitForFunction(
        ([i, t]) => document.querySelector(`[data-testid="${CSS.escape(i)}"]`)?.textContent === t,
        [id, text] as const,
        { timeout, polling: 50 },
      );
    } catch (err) {
      const actual = await page.evaluate((i) => document.querySelector(`[data-testid="${CSS.escape(i)}"]`)?.textContent ?? null, id);
      assert.fail(`${id}: expected '${text}' within ${timeout} ms, page shows ${JSON.stringify(actual)} (${String(err)})`);
    }
  }

  it('shows every worker pool number from /admin/clusters', async () => {
    await page.goto(`${base}/admin/`, { timeout: 10_000 });
    await page.waitForFunction(() => document.querySelector('[data-testid="live-status"]')?.getAttribute('data-state') === 'live', null, { timeout: 5000 });
    await shows(`pool-${H1}-w0-http1.1-ready`, '2');
    await shows(`pool-${H1}-w0-http1.1-busy`, '1');
    await shows(`pool-${H1}-w1-http1.1-busy`, '4');
    await shows(`pool-${H1}-w1-http1.1-connecting`, '1');
    await shows(`pool-${H1}-w1-http1.1-pending`, '2');
    await shows(`pool-${H1}-w1-http1.0-ready`, '1');
    await shows(`pool-${H2}-w0-http1.1-ready`, '1');
    await shows(`health-${H1}`, 'healthy');
    await shows(`weight-${H2}`, '3');
  });

  it('shows changed pool numbers within 2 s', async () => {
    source.setPool(1, { port: 9001, protocol: 'http/1.1' }, { busy: 9, pending: 0, connecting: 0, ready: 3 });
    source.setPool(0, { port: 9002 }, { busy: 5 });
    const started = performance.now();
    await shows(`pool-${H1}-w1-http1.1-busy`, '9');
    await shows(`pool-${H1}-w1-http1.1-pending`, '0');
    await shows(`pool-${H1}-w1-http1.1-ready`, '3');
    await shows(`pool-${H2}-w0-http1.1-busy`, '5');
    await shows(`pool-${H1}-total-busy`, '10');
    assert.ok(performance.now() - started < UPDATE_WITHIN_MS + 500);
  });

  it('adds a column when a worker opens a pool for a host, and shows health changes', async () => {
    source.pools.get(1)?.push(pool({ port: 9002, ready: 6, busy: 2 }));
    const h2 = source.clusterStates[0]?.host_statuses[1];
    assert.ok(h2);
    h2.health_status = { ...h2.health_status, failed_outlier_check: true };
    await shows(`pool-${H2}-w1-http1.1-ready`, '6');
    await shows(`pool-${H2}-w1-http1.1-busy`, '2');
    await shows(`health-${H2}`, 'ejected');
    await shows('cluster-healthy-backend', '1/2');
    const fragmentLoads = await page.evaluate(() => (window as unknown as { __dashboard: { fragmentLoads: number } }).__dashboard.fragmentLoads);
    assert.equal(fragmentLoads, 1, 'the region was re-rendered once for the new column, not on every poll');
  });

  it('shows request rates computed from counter deltas', async () => {
    const cluster = source.clusterStates[0];
    const rqTotal = cluster?.stats.find((s) => s.name === 'upstream_rq_total');
    const downstream = source.statList.find((s) => s.name === 'http.ingress.downstream_rq_total');
    assert.ok(rqTotal && downstream);
    // 20 requests every 100 ms: 200 rq/s.
    traffic = setInterval(() => {
      rqTotal.value += 20;
      downstream.value += 20;
    }, 100);
    await page.waitForFunction(() => {
      const v = Number(document.querySelector('[data-testid="cluster-rps-backend"]')?.textContent);
      return v >= 120 && v <= 300;
    }, null, { timeout: 3000, polling: 50 });
    const total = Number(await page.getByTestId('total-rps').textContent());
    assert.ok(total >= 120 && total <= 300, `total rq/s ${total}`);
  });

  it('shows a worker that stops answering as unavailable', async () => {
    source.stuck.add(0);
    await page.getByTestId(`pool-${H1}-w0-unavailable`).waitFor({ timeout: UPDATE_WITHIN_MS + 1000 });
    source.stuck.delete(0);
    await shows(`pool-${H1}-w0-http1.1-ready`, '2', UPDATE_WITHIN_MS + 1000);
  });

  it('renders without script errors and saves a screenshot', async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}dashboard.png`, fullPage: true, timeout: 10_000 });
    assert.deepEqual(pageErrors, []);
  });
});
