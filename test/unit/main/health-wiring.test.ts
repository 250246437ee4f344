/** Health checks and outlier detection across reloads: what a removed or changed setting leaves behind, and new hosts. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Logger } from '../../../src/common/log.ts';
import { parseConfig } from '../../../src/config/index.ts';
import type { ProxyConfig } from '../../../src/config/types.ts';
import { encodeRun } from '../../../src/health/outlier-report.ts';
import { HealthWiring, initialHostHealth } from '../../../src/main/health-wiring.ts';
import { StatsStore } from '../../../src/stats/stats-store.ts';
import { ClusterManager } from '../../../src/upstream/cluster-manager.ts';
import { toUpstreamCluster } from '../../../src/wiring/config-mapping.ts';
import { ManualClock } from '../../support/manual-clock.ts';
import { FakeNetwork, settle } from '../health/fakes.ts';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
const HC = '    health_check: { path: /healthz, interval: 1s, timeout: 500ms, unhealthy_threshold: 1, healthy_threshold: 1 }';
const A = '127.0.0.1:9101';
const B = '127.0.0.1:9102';
const C = '127.0.0.1:9103';

function config(extra: string, ports = [9101, 9102]): ProxyConfig {
  const endpoints = ports.map((p) => `      - { address: 127.0.0.1, port: ${p} }`).join('\n');
  return parseConfig(
    `listeners:\n  - name: l\n    address: 127.0.0.1\n    port: 9000\n    virtual_hosts: [{ name: v, domains: ["*"], routes: [{ match: { prefix: / }, cluster: b }] }]\nclusters:\n  - name: b\n    endpoints:\n${endpoints}\n${extra}`,
    'test.yaml',
    () => undefined,
  );
}

/** Main's side of one cluster `b`: the cluster manager and the health wiring, as the proxy builds them. */
function setup(first: ProxyConfig, arrange: (net: FakeNetwork) => void = () => {}) {
  const clock = new ManualClock();
  const net = new FakeNetwork(() => clock.now());
  arrange(net);
  const stats = new StatsStore();
  const state = { config: first, running: false };
  const cm = new ClusterManager(first.clusters.map(toUpstreamCluster), {
    clock,
    initialHostHealth: (cluster) => initialHostHealth(state.config, cluster, state.running),
  });
  const wiring = new HealthWiring(cm, net.connect, clock, stats, quiet);
  wiring.apply(first);
  state.running = true;
  const reload = async (next: ProxyConfig) => {
    state.config = next;
    await cm.applyConfig(next.clusters.map(toUpstreamCluster));
    wiring.apply(next);
  };
  const health = (key: string) => cm.getCluster('b')!.hosts.find((h) => h.key === key)!.health;
  const fiveXx = (host: string, n: number) => wiring.onOutlierBatch({ type: 'outlier_report', worker: 0, hosts: [{ cluster: 'b', host, runs: [encodeRun(1, n)] }] });
  return { clock, net, stats, cm, wiring, reload, health, fiveXx };
}

describe('health wiring across reloads', () => {
  it('a reload that removes health_check clears the failed flag no check could clear any more', async () => {
    const s = setup(config(HC), (net) => net.set(A, { kind: 'status', status: 503 }));
    await settle();
    assert.equal(s.health(A).failedActiveHealthCheck, true);
    await s.reload(config(''));
    assert.equal(s.health(A).failedActiveHealthCheck, false);
    s.wiring.stop();
  });

  it('a reload that removes outlier_detection returns its ejected hosts', async () => {
    const s = setup(config('    outlier_detection: { consecutive_5xx: 3, base_ejection_time: 60s, max_ejection_percent: 50 }'));
    s.fiveXx(A, 3);
    assert.equal(s.health(A).failedOutlierCheck, true);
    await s.reload(config(''));
    assert.equal(s.health(A).failedOutlierCheck, false);
    assert.equal(s.stats.value('cluster.b.outlier_detection.ejections_active'), 0);
    s.wiring.stop();
  });

  it('a reload that changes outlier_detection applies the new settings', async () => {
    const s = setup(config('    outlier_detection: { consecutive_5xx: 3, base_ejection_time: 60s, max_ejection_percent: 50 }'));
    s.fiveXx(A, 3);
    await s.reload(config('    outlier_detection: { consecutive_5xx: 1, base_ejection_time: 2s, interval: 1s, max_ejection_percent: 50 }'));
    assert.equal(s.health(A).failedOutlierCheck, false, 'the old ejection ended with the old detector');
    s.fiveXx(B, 1);
    assert.equal(s.health(B).failedOutlierCheck, true, 'consecutive_5xx: 1 now');
    s.clock.advance(3000);
    assert.equal(s.health(B).failedOutlierCheck, false, 'back after the new 2 s base ejection time');
    s.wiring.stop();
  });

  it('a host added by a reload to a health-checked cluster takes no traffic until its first check passes', async () => {
    const s = setup(config(HC));
    await settle();
    s.net.set(C, { kind: 'connect-hang' });
    await s.reload(config(HC, [9101, 9102, 9103]));
    assert.equal(s.health(C).failedActiveHealthCheck, true, 'pending: not in rotation');
    assert.equal(s.health(A).failedActiveHealthCheck, false, 'the hosts already checked keep their verdict');
    s.net.set(C, { kind: 'status', status: 200 });
    s.clock.advance(1500);
    await settle();
    s.clock.advance(1000);
    await settle();
    assert.equal(s.health(C).failedActiveHealthCheck, false, 'healthy once a check passed');
    s.wiring.stop();
  });

  it('hosts of the first config start in rotation (the start waits for the first round instead)', () => {
    const s = setup(config(HC));
    assert.equal(s.health(A).failedActiveHealthCheck, false);
    s.wiring.stop();
  });

  it('health-check and outlier counters exist at 0 from the start', () => {
    const s = setup(config(`${HC}\n    outlier_detection: {}`));
    for (const name of ['health_check.network_failure', 'health_check.timeout', 'outlier_detection.ejections_overflow', 'outlier_detection.ejections_enforced_consecutive_gateway_failure']) {
      assert.equal(s.stats.value(`cluster.b.${name}`), 0, name);
      assert.ok(s.stats.has(`cluster.b.${name}`), name);
    }
    s.wiring.stop();
  });
});
