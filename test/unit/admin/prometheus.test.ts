import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { prometheusName, prometheusText } from '../../../src/admin/prometheus.ts';
import type { Stat } from '../../../src/admin/types.ts';
import { harness } from './helpers.ts';

/** `metric{labels}` → value, from the parser's output. */
function samples(text: string): Map<string, { type: string; value: number }> {
  const out = new Map<string, { type: string; value: number }>();
  for (const family of parsePrometheusTextFormat(text)) {
    for (const m of family.metrics) {
      const labels = Object.entries(m.labels ?? {})
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      out.set(`${family.name}{${labels}}`, { type: family.type, value: Number(m.value) });
    }
  }
  return out;
}

/** Checks the exposition format's structure, which the lenient parser does not. */
function assertWellFormed(text: string): void {
  assert.ok(text.endsWith('\n'), 'ends with a newline');
  const typed = new Set<string>();
  let current: string | undefined;
  for (const line of text.slice(0, -1).split('\n')) {
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge)$/.exec(line);
    if (type) {
      const name = type[1] as string;
      assert.ok(!typed.has(name), `one TYPE line per family: ${name}`);
      typed.add(name);
      current = name;
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*",?)*\})? (-?[0-9.e+]+|NaN|[+-]Inf)$/.exec(line);
    assert.ok(sample, `valid sample line: ${line}`);
    assert.equal(sample[1], current, `sample follows its family's TYPE line: ${line}`);
  }
}

describe('Prometheus exposition', () => {
  it('serves every stat at /admin/stats/prometheus in a form a Prometheus parser reads back exactly', async () => {
    const { app, source } = harness();
    const res = await app.request('/admin/stats/prometheus');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    assertWellFormed(text);
    const got = samples(text);
    const want: [string, string, number][] = [
      ['envoy_cluster_upstream_rq_total{envoy_cluster_name=backend}', 'COUNTER', 80],
      ['envoy_cluster_upstream_rq_total{envoy_cluster_name=api}', 'COUNTER', 7],
      ['envoy_cluster_upstream_cx_total{envoy_cluster_name=backend}', 'COUNTER', 12],
      ['envoy_cluster_upstream_rq_active{envoy_cluster_name=backend}', 'GAUGE', 2],
      ['envoy_cluster_upstream_rq_xx{envoy_cluster_name=backend,envoy_response_code_class=2}', 'COUNTER', 75],
      ['envoy_cluster_upstream_rq_xx{envoy_cluster_name=backend,envoy_response_code_class=5}', 'COUNTER', 5],
      ['envoy_cluster_upstream_rq{envoy_cluster_name=backend,envoy_response_code=503}', 'COUNTER', 5],
      ['envoy_http_downstream_rq_total{envoy_http_conn_manager_prefix=ingress}', 'COUNTER', 87],
      ['envoy_http_downstream_rq_xx{envoy_http_conn_manager_prefix=ingress,envoy_response_code_class=2}', 'COUNTER', 82],
      ['envoy_http_downstream_cx_active{envoy_http_conn_manager_prefix=ingress}', 'GAUGE', 6],
      ['envoy_listener_worker_downstream_cx_total{envoy_listener_address=ingress,envoy_worker_id=0}', 'COUNTER', 9],
      ['envoy_listener_worker_downstream_cx_total{envoy_listener_address=ingress,envoy_worker_id=1}', 'COUNTER', 11],
      ['envoy_listener_worker_downstream_cx_active{envoy_listener_address=ingress,envoy_worker_id=1}', 'GAUGE', 4],
      ['envoy_listener_downstream_cx_total{envoy_listener_address=0.0.0.0_10000}', 'COUNTER', 20],
      ['envoy_server_uptime{}', 'GAUGE', 3725],
    ];
    for (const [key, type, value] of want) assert.deepEqual(got.get(key), { type, value }, key);
    assert.equal(got.size, source.statList.length);
  });

  it('writes one TYPE line per metric family, before all of its samples', () => {
    const text = prometheusText([
      { name: 'cluster.b.upstream_rq_total', value: 1, type: 'counter' },
      { name: 'http.x.downstream_rq_total', value: 2, type: 'counter' },
      { name: 'cluster.a.upstream_rq_total', value: 3, type: 'counter' },
    ]);
    assert.equal(
      text,
      '# TYPE envoy_cluster_upstream_rq_total counter\n' +
        'envoy_cluster_upstream_rq_total{envoy_cluster_name="a"} 3\n' +
        'envoy_cluster_upstream_rq_total{envoy_cluster_name="b"} 1\n' +
        '# TYPE envoy_http_downstream_rq_total counter\n' +
        'envoy_http_downstream_rq_total{envoy_http_conn_manager_prefix="x"} 2\n',
    );
  });

  it('escapes backslashes, quotes and newlines in label values so they parse back unchanged', () => {
    const name = 'we"ird\\name\nx';
    const text = prometheusText([{ name: `cluster.${name}.upstream_rq_total`, value: 9, type: 'counter' }]);
    assertWellFormed(text);
    assert.ok(text.includes('envoy_cluster_name="we\\"ird\\\\name\\nx"'));
    const [family] = parsePrometheusTextFormat(text);
    assert.equal(family?.metrics[0]?.labels?.envoy_cluster_name, name);
  });

  it('replaces characters Prometheus names cannot hold with underscores', () => {
    assert.deepEqual(prometheusName('server.memory-rss'), { metric: 'envoy_server_memory_rss', labels: [] });
    assert.deepEqual(prometheusName('cluster.backend.health_check.attempt'), {
      metric: 'envoy_cluster_health_check_attempt',
      labels: [['envoy_cluster_name', 'backend']],
    });
  });

  it('keeps a cluster or listener name with dots whole in its label, so each family stays one family', async () => {
    const { app, source } = harness();
    source.statList = [
      { name: 'cluster.api.v1.upstream_rq_total', value: 3, type: 'counter' },
      { name: 'cluster.api.upstream_rq_total', value: 4, type: 'counter' },
      { name: 'cluster.api.v1.upstream_rq_2xx', value: 2, type: 'counter' },
      { name: 'http.in.gress.downstream_rq_total', value: 5, type: 'counter' },
    ];
    source.scopeNames = ['api.v1', 'api', 'in.gress'];
    const text = await (await app.request('/admin/stats/prometheus')).text();
    assertWellFormed(text);
    assert.deepEqual([...samples(text).keys()].sort(), [
      'envoy_cluster_upstream_rq_total{envoy_cluster_name=api.v1}',
      'envoy_cluster_upstream_rq_total{envoy_cluster_name=api}',
      'envoy_cluster_upstream_rq_xx{envoy_cluster_name=api.v1,envoy_response_code_class=2}',
      'envoy_http_downstream_rq_total{envoy_http_conn_manager_prefix=in.gress}',
    ]);
    // Without the names, Envoy's extractors cut at the first dot.
    assert.equal(prometheusName('cluster.api.v1.upstream_rq_total').metric, 'envoy_cluster_v1_upstream_rq_total');
  });

  it('drops a sample that would give a family a second type rather than emit an unscrapable page', () => {
    const stats: Stat[] = [
      { name: 'cluster.a.thing', value: 1, type: 'counter' },
      { name: 'cluster.b.thing', value: 2, type: 'gauge' },
    ];
    assert.equal(prometheusText(stats), '# TYPE envoy_cluster_thing counter\nenvoy_cluster_thing{envoy_cluster_name="a"} 1\n');
  });

  it('applies ?filter= to the Prometheus output, and /admin/stats?format=prometheus is the same page', async () => {
    const { app } = harness();
    const a = await (await app.request('/admin/stats/prometheus?filter=^http\\.')).text();
    const b = await (await app.request('/admin/stats?format=prometheus&filter=^http\\.')).text();
    assert.equal(a, b);
    assert.deepEqual([...samples(a).keys()].sort(), [
      'envoy_http_downstream_cx_active{envoy_http_conn_manager_prefix=ingress}',
      'envoy_http_downstream_rq_total{envoy_http_conn_manager_prefix=ingress}',
      'envoy_http_downstream_rq_xx{envoy_http_conn_manager_prefix=ingress,envoy_response_code_class=2}',
    ]);
    const bad = await app.request('/admin/stats/prometheus?filter=(');
    assert.equal(bad.status, 400);
  });
});
