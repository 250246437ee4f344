import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClustersResponse, HostStatus } from '../../../src/admin/types.ts';
import { pool } from './fake-source.ts';
import { advanceWhilePending, harness } from './helpers.ts';

function host(body: ClustersResponse, cluster: string, port: number): HostStatus {
  const c = body.cluster_statuses.find((x) => x.name === cluster);
  assert.ok(c, `cluster ${cluster}`);
  const h = c.host_statuses.find((x) => x.address.socket_address.port_value === port);
  assert.ok(h, `host :${port}`);
  return h;
}

describe('GET /admin/clusters', () => {
  it('answers JSON in the shape of Envoy /clusters?format=json with pools per worker and protocol', async () => {
    const { app } = harness();
    const res = await app.request('/admin/clusters');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    const body = (await res.json()) as ClustersResponse;
    assert.deepEqual(body.cluster_statuses.map((c) => c.name), ['backend', 'api']);
    const backend = body.cluster_statuses[0];
    assert.ok(backend);
    assert.equal(backend.added_via_api, false);
    assert.deepEqual(backend.circuit_breakers.thresholds[0], {
      priority: 'DEFAULT',
      max_connections: 1024,
      max_pending_requests: 512,
      max_requests: 1024,
      max_retries: 3,
      occupancy: { connections: 5, pending_requests: 1, requests: 4, retries: 0 },
    });
    const h = host(body, 'backend', 9001);
    assert.deepEqual(h.address, { socket_address: { address: '127.0.0.1', port_value: 9001 } });
    assert.deepEqual(h.health_status, {
      eds_health_status: 'HEALTHY',
      failed_active_health_check: false,
      failed_outlier_check: false,
    });
    assert.equal(h.weight, 1);
    assert.deepEqual(h.stats.find((s) => s.name === 'cx_active'), { name: 'cx_active', value: 3, type: 'GAUGE' });
    assert.deepEqual(h.pools, [
      { worker: 0, protocol: 'http/1.1', ready: 2, busy: 1, connecting: 0, pending: 0 },
      { worker: 1, protocol: 'http/1.0', ready: 1, busy: 0, connecting: 0, pending: 0 },
      { worker: 1, protocol: 'http/1.1', ready: 0, busy: 4, connecting: 1, pending: 2 },
    ]);
    assert.deepEqual(host(body, 'backend', 9002).pools, [
      { worker: 0, protocol: 'http/1.1', ready: 1, busy: 0, connecting: 0, pending: 0 },
    ]);
    assert.deepEqual(host(body, 'api', 9100).pools, []);
  });

  it('answers Envoy-style text lines with ?format=text', async () => {
    const { app } = harness();
    const res = await app.request('/admin/clusters?format=text');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
    const lines = (await res.text()).trimEnd().split('\n');
    for (const expected of [
      'backend::default_priority::max_connections::1024',
      'backend::default_priority::max_pending_requests::512',
      'backend::default_priority::active_connections::5',
      'backend::added_via_api::false',
      'backend::127.0.0.1:9001::cx_active::3',
      'backend::127.0.0.1:9001::rq_total::40',
      'backend::127.0.0.1:9001::health_flags::healthy',
      'backend::127.0.0.1:9001::weight::1',
      'backend::127.0.0.1:9001::worker_0::http1.1::ready::2',
      'backend::127.0.0.1:9001::worker_0::http1.1::busy::1',
      'backend::127.0.0.1:9001::worker_1::http1.1::connecting::1',
      'backend::127.0.0.1:9001::worker_1::http1.1::pending::2',
      'backend::127.0.0.1:9001::worker_1::http1.0::ready::1',
      'backend::127.0.0.1:9002::weight::3',
      'api::[::1]:9100::health_flags::/failed_active_hc/failed_outlier_check',
    ]) {
      assert.ok(lines.includes(expected), `missing line ${expected}`);
    }
    for (const line of lines) assert.match(line, /^[^:]+::.+::.+$/);
  });

  it('rejects an unknown format with 400', async () => {
    const { app } = harness();
    const res = await app.request('/admin/clusters?format=yaml');
    assert.equal(res.status, 400);
    assert.match(await res.text(), /unknown format 'yaml'/);
  });

  it('shows a worker that does not answer within the timeout as unavailable instead of waiting', async () => {
    const { app, source, clock } = harness(1000);
    source.stuck.add(1);
    const pending = app.request('/admin/clusters');
    const res = await advanceWhilePending(clock, pending, 1000);
    assert.equal(res.status, 200);
    const body = (await res.json()) as ClustersResponse;
    assert.deepEqual(host(body, 'backend', 9001).pools, [
      { worker: 0, protocol: 'http/1.1', ready: 2, busy: 1, connecting: 0, pending: 0 },
      { worker: 1, unavailable: true },
    ]);
    assert.deepEqual(host(body, 'api', 9100).pools, [{ worker: 1, unavailable: true }]);
  });

  it('waits no longer than the timeout: one millisecond short, the answer is still pending', async () => {
    const { app, source, clock } = harness(1000);
    source.stuck.add(0);
    let done = false;
    const pending = Promise.resolve(app.request('/admin/clusters')).then((r) => {
      done = true;
      return r;
    });
    await advanceWhilePending(clock, Promise.resolve(), 999);
    for (let i = 0; i < 100; i++) await Promise.resolve();
    assert.equal(done, false);
    clock.advance(1);
    const res = await pending;
    assert.equal(res.status, 200);
  });

  it('shows a worker whose answer fails as unavailable, in the text format too', async () => {
    const { app, source } = harness();
    source.failing.add(0);
    const text = await (await app.request('/admin/clusters?format=text')).text();
    assert.ok(text.includes('backend::127.0.0.1:9001::worker_0::unavailable::true\n'));
    assert.ok(text.includes('backend::127.0.0.1:9001::worker_1::http1.1::busy::4\n'));
  });

  it('asks each worker once when several requests arrive while a round is in flight', async () => {
    const { app, source, clock } = harness();
    source.stuck.add(1);
    const a = app.request('/admin/clusters');
    const b = app.request('/admin/clusters?format=text');
    const [ra, rb] = await advanceWhilePending(clock, Promise.all([a, b]), 1000);
    assert.equal(ra.status, 200);
    assert.equal(rb.status, 200);
    assert.equal(source.calls.workerPools, 2);
    assert.equal(clock.pending(), 0);
  });

  it('reflects new pool numbers on the next request', async () => {
    const { app, source } = harness();
    source.setPool(0, { port: 9001 }, { busy: 7 });
    source.pools.get(0)?.push(pool({ cluster: 'api', address: '::1', port: 9100, ready: 5 }));
    const body = (await (await app.request('/admin/clusters')).json()) as ClustersResponse;
    assert.deepEqual(host(body, 'backend', 9001).pools[0], {
      worker: 0, protocol: 'http/1.1', ready: 2, busy: 7, connecting: 0, pending: 0,
    });
    assert.deepEqual(host(body, 'api', 9100).pools, [
      { worker: 0, protocol: 'http/1.1', ready: 5, busy: 1, connecting: 0, pending: 0 },
    ]);
  });
});
