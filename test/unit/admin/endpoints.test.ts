import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { harness, settle } from './helpers.ts';

describe('admin read endpoints', () => {
  it('serves the effective config at /admin/config_dump as JSON', async () => {
    const { app, source } = harness();
    const res = await app.request('/admin/config_dump');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    assert.deepEqual(await res.json(), source.config);
  });

  it('lists listeners as Envoy listener_statuses, and as name::address lines with ?format=text', async () => {
    const { app, source } = harness();
    source.listenerList.push({ name: 'v6', local_address: { socket_address: { address: '::1', port_value: 10001 } } });
    assert.deepEqual(await (await app.request('/admin/listeners')).json(), { listener_statuses: source.listenerList });
    assert.equal(await (await app.request('/admin/listeners?format=text')).text(), 'ingress::0.0.0.0:10000\nv6::[::1]:10001\n');
    const unknown = await app.request('/admin/listeners?format=yaml');
    assert.equal(unknown.status, 400);
    assert.match(await unknown.text(), /unknown format 'yaml': use json or text/);
  });

  it('reports version, runtime, uptime, workers, listening model and state at /admin/server_info', async () => {
    const { app } = harness();
    const body = (await (await app.request('/admin/server_info')).json()) as Record<string, unknown>;
    assert.equal(body.version, '0.1.0');
    assert.deepEqual(body.runtime, { name: 'node', version: '24.21.0' });
    assert.equal(body.uptime_seconds, 3725);
    assert.equal(body.uptime_current_epoch, '3725s');
    assert.equal(body.workers, 2);
    assert.equal(body.listening_model, 'reuseport');
    assert.equal(body.state, 'LIVE');
  });

  it('answers /admin/ready 200 LIVE when ready, 503 with the state while starting or draining', async () => {
    const { app, source } = harness();
    let res = await app.request('/admin/ready');
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'LIVE\n');
    source.ready = false;
    source.state = 'INITIALIZING';
    res = await app.request('/admin/ready');
    assert.equal(res.status, 503);
    assert.equal(await res.text(), 'INITIALIZING\n');
    source.state = 'DRAINING';
    res = await app.request('/admin/ready');
    assert.equal(res.status, 503);
    assert.equal(await res.text(), 'DRAINING\n');
  });

  it('answers HEAD on a read endpoint without a body', async () => {
    const { app } = harness();
    const res = await app.request('/admin/ready', { method: 'HEAD' });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '');
  });

  it('answers 405 to a POST on a read endpoint', async () => {
    const { app } = harness();
    const res = await app.request('/admin/stats', { method: 'POST' });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'GET, HEAD');
  });

  it('answers 404 with the list of endpoints for an unknown path', async () => {
    const { app } = harness();
    const res = await app.request('/admin/nope');
    assert.equal(res.status, 404);
    assert.match(await res.text(), /POST \/admin\/reload/);
  });

  it('redirects / to the dashboard', async () => {
    const { app } = harness();
    const res = await app.request('/');
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('location'), '/admin/');
  });

  it('marks every answer uncacheable', async () => {
    const { app } = harness();
    for (const path of ['/admin/stats', '/admin/clusters', '/admin/', '/admin/nope']) {
      assert.equal((await app.request(path)).headers.get('cache-control'), 'no-store', path);
    }
  });

  it('answers 500 with the message, and reports it, when the data source throws', async () => {
    const { app, source, errors } = harness();
    source.configDump = () => {
      throw new Error('config lost');
    };
    const res = await app.request('/admin/config_dump');
    assert.equal(res.status, 500);
    assert.deepEqual(await res.json(), { error: 'config lost' });
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.where, 'GET /admin/config_dump');
  });
});

describe('admin mutating endpoints', () => {
  for (const path of ['/admin/reload', '/admin/drain', '/admin/quit']) {
    it(`answers 400 to a GET on ${path} and does nothing`, async () => {
      const { app, source, clock } = harness();
      const res = await app.request(path);
      assert.equal(res.status, 400);
      assert.match(await res.text(), /use POST/);
      clock.advance(10);
      assert.deepEqual(source.calls, { workerPools: 0, reload: 0, drain: 0, quit: 0 });
    });

    it(`refuses a cross-origin POST on ${path} with 403 and does nothing`, async () => {
      const { app, source, clock } = harness();
      const res = await app.request(`http://127.0.0.1:9901${path}`, {
        method: 'POST',
        headers: { origin: 'http://evil.example', host: '127.0.0.1:9901' },
      });
      assert.equal(res.status, 403);
      clock.advance(10);
      assert.deepEqual(source.calls, { workerPools: 0, reload: 0, drain: 0, quit: 0 });
    });
  }

  it('on a loopback admin refuses a Host that is not an IP or localhost (DNS rebinding), before any handler runs', async () => {
    const { app, source, clock } = harness(1000, { loopbackOnly: true });
    // Same-origin to the rebound name: the Origin check alone lets this through.
    const headers = { host: 'attacker.example:9901', origin: 'http://attacker.example:9901' };
    const quit = await app.request('http://attacker.example:9901/admin/quit', { method: 'POST', headers });
    assert.equal(quit.status, 403);
    assert.match(await quit.text(), /Host header must name this admin by IP address or localhost/);
    const dump = await app.request('http://attacker.example:9901/admin/config_dump', { headers });
    assert.equal(dump.status, 403);
    clock.advance(10);
    assert.deepEqual(source.calls, { workerPools: 0, reload: 0, drain: 0, quit: 0 });
    for (const host of ['127.0.0.1:9901', 'localhost:9901', '[::1]:9901', '10.1.2.3', 'LOCALHOST']) {
      const res = await app.request(`http://${host}/admin/server_info`, { headers: { host } });
      assert.equal(res.status, 200, host);
    }
  });

  it('answers 503 to a reload refused while the proxy drains', async () => {
    const { app, source } = harness();
    source.reloadResult = { ok: false, errors: ['the proxy is draining to stop'], unavailable: true };
    const res = await app.request('/admin/reload', { method: 'POST' });
    assert.equal(res.status, 503);
    assert.deepEqual(await res.json(), { ok: false, errors: ['the proxy is draining to stop'] });
  });

  it('reloads on POST /admin/reload and answers 200 {ok:true}', async () => {
    const { app, source } = harness();
    const res = await app.request('/admin/reload', { method: 'POST' });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { ok: true, warnings: [] });
    assert.equal(source.calls.reload, 1);
  });

  it('a reload that waits for a restart in part answers 200 with the generation and the warnings', async () => {
    const { app, source } = harness();
    source.reloadResult = { ok: true, generation: 3, warnings: ['admin: 127.0.0.1:9903 applies on restart; the admin endpoint stays on 127.0.0.1:9901'] };
    const res = await app.request('/admin/reload', { method: 'POST' });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { ok: true, generation: 3, warnings: source.reloadResult.warnings });
  });

  it('a reload the workers could not fully apply answers 500 with applied: true and what failed', async () => {
    const { app, source } = harness();
    const errors = ['worker 0: listener ingress: address in use; it keeps serving on 127.0.0.1:10000'];
    source.reloadResult = { ok: false, applied: true, generation: 4, errors };
    const res = await app.request('/admin/reload', { method: 'POST' });
    assert.equal(res.status, 500);
    assert.deepEqual(await res.json(), { ok: false, applied: true, generation: 4, errors });
  });

  it('answers 400 with the validation errors as JSON when the new config is invalid', async () => {
    const { app, source } = harness();
    source.reloadResult = { ok: false, errors: ['x.yaml: clusters[1].endpoints[0].port: expected a number'] };
    const res = await app.request('/admin/reload', { method: 'POST' });
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), { ok: false, errors: ['x.yaml: clusters[1].endpoints[0].port: expected a number'] });
  });

  it('accepts a same-origin POST (the Origin matches the admin address)', async () => {
    const { app, source } = harness();
    const res = await app.request('http://127.0.0.1:9901/admin/reload', {
      method: 'POST',
      headers: { origin: 'http://127.0.0.1:9901', host: '127.0.0.1:9901' },
    });
    assert.equal(res.status, 200);
    assert.equal(source.calls.reload, 1);
  });

  it('starts draining on POST /admin/drain and answers without waiting for the drain to end', async () => {
    const { app, source, errors } = harness();
    source.drain = () => {
      source.calls.drain++;
      return new Promise(() => {});
    };
    const res = await app.request('/admin/drain', { method: 'POST' });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'OK\n');
    await settle(() => source.calls.drain === 1);
    assert.equal(errors.length, 0);
  });

  it('reports a drain that fails instead of losing the error', async () => {
    const { app, source, errors } = harness();
    source.drain = () => Promise.reject(new Error('listeners stuck'));
    assert.equal((await app.request('/admin/drain', { method: 'POST' })).status, 200);
    await settle(() => errors.length === 1);
    assert.equal(errors[0]?.where, 'drain');
  });

  it('answers POST /admin/quit first and calls quit on a later timer', async () => {
    const { app, source, clock } = harness();
    const res = await app.request('/admin/quit', { method: 'POST' });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'OK\n');
    assert.equal(source.calls.quit, 0);
    clock.advance(0);
    await settle(() => source.calls.quit === 1);
  });
});
