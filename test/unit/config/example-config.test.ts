import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../../src/config/parse.ts';
import { EXAMPLE_CONFIG, noEnv, readTextFile } from './config-helpers.ts';

describe('config.example.yaml', () => {
  it('parses, with the demo cluster round-robin over both demo upstreams', async () => {
    const config = await loadConfig(readTextFile, decodeURIComponent(EXAMPLE_CONFIG.pathname), noEnv);
    assert.deepEqual(config.admin, { address: '127.0.0.1', port: 9901 });
    assert.equal(config.workers, 'auto');
    assert.equal(config.listeners.length, 1);
    assert.equal(config.listeners[0]?.address, '127.0.0.1');
    assert.equal(config.listeners[0]?.port, 10000);
    const demo = config.clusters.find((c) => c.name === 'demo');
    assert.equal(demo?.lbPolicy, 'round_robin');
    assert.deepEqual(demo?.endpoints.map((e) => `${e.address}:${e.port}`), ['127.0.0.1:9001', '127.0.0.1:9002']);
    assert.equal(config.clusters.length, 2);
  });

  it('answers /healthz directly with 200', async () => {
    const config = await loadConfig(readTextFile, decodeURIComponent(EXAMPLE_CONFIG.pathname), noEnv);
    const healthz = config.listeners[0]?.virtualHosts[0]?.routes.find((r) => r.match.path.kind === 'path' && r.match.path.path === '/healthz');
    assert.deepEqual(healthz?.action, { kind: 'direct_response', status: 200, body: 'ok\n' });
  });

  it('mentions every top-level, listener and cluster field it documents', async () => {
    const text = await readTextFile(decodeURIComponent(EXAMPLE_CONFIG.pathname));
    for (const field of [
      'admin:', 'workers:', 'drain_timeout:', 'tcp_backlog_size:', 'max_request_headers_kb:', 'max_request_headers_count:', 'request_headers_timeout:',
      'idle_timeout:', 'access_log:', 'via:', 'virtual_hosts:', 'domains:', 'safe_regex:', 'headers:', 'query_parameters:',
      'direct_response:', 'redirect:', 'timeout:', 'prefix_rewrite:', 'host_rewrite_literal:', 'retry_policy:', 'retry_on:',
      'num_retries:', 'per_try_timeout:', 'retriable_status_codes:', 'retry_back_off:', 'websocket:', 'request_headers_to_add:',
      'request_headers_to_remove:', 'response_headers_to_add:', 'response_headers_to_remove:', 'type:', 'lb_policy:',
      'connect_timeout:', 'dns_refresh_rate:', 'protocol:', 'endpoints:', 'weight:', 'circuit_breakers:', 'max_connections:',
      'max_pending_requests:', 'max_requests:', 'max_retries:', 'http_protocol_options:', 'max_requests_per_connection:',
      'health_check:', 'interval_jitter:', 'unhealthy_threshold:', 'healthy_threshold:', 'expected_statuses:',
      'outlier_detection:', 'consecutive_5xx:', 'consecutive_gateway_failure:', 'base_ejection_time:', 'max_ejection_time:',
      'max_ejection_percent:', 'per_request_buffer_limit_bytes:',
    ]) {
      assert.ok(text.includes(field), `config.example.yaml does not mention ${field}`);
    }
  });
});
