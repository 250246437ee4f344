import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { harness } from './helpers.ts';

describe('GET /admin/stats', () => {
  it('answers every stat as sorted `name: value` lines', async () => {
    const { app, source } = harness();
    const res = await app.request('/admin/stats');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
    const lines = (await res.text()).trimEnd().split('\n');
    assert.equal(lines.length, source.statList.length);
    const names = lines.map((l) => l.slice(0, l.indexOf(': ')));
    assert.deepEqual(names, [...names].sort());
    assert.ok(lines.includes('cluster.backend.upstream_rq_total: 80'));
    assert.ok(lines.includes('listener.ingress.worker_1.downstream_cx_total: 11'));
  });

  it('keeps only names matching ?filter= as a regex', async () => {
    const { app } = harness();
    const res = await app.request(`/admin/stats?filter=${encodeURIComponent('^cluster\\.backend\\.upstream_rq_\\dxx$')}`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'cluster.backend.upstream_rq_2xx: 75\ncluster.backend.upstream_rq_5xx: 5\n');
  });

  it('matches the filter anywhere in the name, as Envoy does', async () => {
    const { app } = harness();
    const text = await (await app.request('/admin/stats?filter=cx_active')).text();
    assert.equal(text, 'http.ingress.downstream_cx_active: 6\nlistener.ingress.worker_0.downstream_cx_active: 2\nlistener.ingress.worker_1.downstream_cx_active: 4\n');
  });

  it('answers 400 with the reason when the filter is not a valid regex', async () => {
    const { app } = harness();
    const res = await app.request(`/admin/stats?filter=${encodeURIComponent('upstream_(rq')}`);
    assert.equal(res.status, 400);
    const text = await res.text();
    assert.match(text, /invalid regex in filter 'upstream_\(rq'/);
  });

  it('reads the filter as RE2, as Envoy does: POSIX classes and a leading (?i)', async () => {
    const { app } = harness();
    const posix = await (await app.request(`/admin/stats?filter=${encodeURIComponent('upstream_rq_[[:digit:]]xx$')}`)).text();
    assert.match(posix, /upstream_rq_2xx/);
    const folded = await app.request(`/admin/stats?filter=${encodeURIComponent('(?i)^CLUSTER\\.')}`);
    assert.equal(folded.status, 200);
    assert.match(await folded.text(), /^cluster\./m);
  });

  it('answers 400 to a filter with catastrophic backtracking instead of stalling the main thread', async () => {
    const { app } = harness();
    const res = await app.request(`/admin/stats?filter=${encodeURIComponent('^([a-z_.]+)+#')}`);
    assert.equal(res.status, 400);
    assert.match(await res.text(), /invalid regex in filter '\^\(\[a-z_\.\]\+\)\+#': .*repeat/);
  });

  it('answers {stats:[{name,value}]} with ?format=json, filter applied', async () => {
    const { app } = harness();
    const res = await app.request('/admin/stats?format=json&filter=^http\\.');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    assert.deepEqual(await res.json(), {
      stats: [
        { name: 'http.ingress.downstream_cx_active', value: 6 },
        { name: 'http.ingress.downstream_rq_2xx', value: 82 },
        { name: 'http.ingress.downstream_rq_total', value: 87 },
      ],
    });
  });

  it('answers an empty body when nothing matches', async () => {
    const { app } = harness();
    const res = await app.request('/admin/stats?filter=nothing_has_this_name');
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '');
  });

  it('rejects an unknown format with 400', async () => {
    const { app } = harness();
    const res = await app.request('/admin/stats?format=xml');
    assert.equal(res.status, 400);
  });

  it('shows new values on the next request', async () => {
    const { app, source } = harness();
    const stat = source.statList.find((s) => s.name === 'cluster.api.upstream_rq_total');
    assert.ok(stat);
    stat.value = 1234;
    assert.equal(await (await app.request('/admin/stats?filter=cluster\\.api\\.upstream_rq_total')).text(), 'cluster.api.upstream_rq_total: 1234\n');
  });
});
