/** Stop and reload signals at the edges (while starting, again while draining), and the admin's drain. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { endpoint, prefixRoute, proxyConfig } from './support/config.ts';
import { freePort, RUNTIMES, startProxy } from './support/proxy-process.ts';
import { hang, startRawUpstream } from './support/raw-upstream.ts';
import { sleep, withTimeout } from './support/traffic.ts';
import { startUpstream } from './support/upstreams.ts';

for (const runtime of RUNTIMES) {
  describe(`signals on ${runtime}`, () => {
    it('a SIGTERM while the first health round is pending is carried out once live: a clean stop, exit 0', async () => {
      // Accepts health checks and never answers: the start waits its full 2 s for the first round.
      const silent = await startRawUpstream(hang);
      try {
        const proxy = await startProxy({
          runtime,
          waitReady: false,
          config: proxyConfig({
            port: await freePort(),
            routes: [prefixRoute('/', 'checked')],
            clusters: [{ name: 'checked', endpoints: [endpoint(silent.port)], health_check: { path: '/hc', interval: '1s', timeout: '5s' } }],
          }),
        });
        await proxy.waitForLog((l) => l.msg.startsWith('waiting up to'));
        proxy.kill('SIGTERM');
        const code = await withTimeout(proxy.exited, 15_000, 'exit');
        assert.equal(code, 0, `logs:\n${proxy.logs.map((l) => JSON.stringify(l)).join('\n')}\n${proxy.stderr.join('\n')}`);
        assert.ok(proxy.logs.some((l) => l.msg === 'SIGTERM while starting: stopping once started'));
        assert.ok(proxy.logs.some((l) => l.msg === 'proxy stopped'));
      } finally {
        await silent.close();
      }
    });

    it('while draining, a reload is refused with 503 and a second SIGTERM ends the drain at once', async () => {
      const held = await startRawUpstream(hang);
      try {
        const port = await freePort();
        const proxy = await startProxy({
          runtime,
          config: proxyConfig({ port, drainTimeout: '60s', routes: [prefixRoute('/', 'held', { timeout: '60s' })], clusters: [{ name: 'held', endpoints: [endpoint(held.port)] }] }),
        });
        const inFlight = fetch(`http://127.0.0.1:${port}/slow`).catch(() => null);
        await held.waitForPath('/slow', 5000);
        proxy.kill('SIGTERM');
        await proxy.waitForLog((l) => l.msg.startsWith('draining'));
        const reload = await fetch(`http://127.0.0.1:${proxy.adminPort}/admin/reload`, { method: 'POST' });
        assert.equal(reload.status, 503);
        assert.match(await reload.text(), /draining/);
        const again = Date.now();
        proxy.kill('SIGTERM');
        const code = await withTimeout(proxy.exited, 10_000, 'exit after the second SIGTERM');
        assert.equal(code, 0);
        assert.ok(Date.now() - again < 10_000, 'well before the 60 s drain timeout');
        assert.ok(proxy.logs.some((l) => l.msg === 'SIGTERM again while draining: closing the remaining connections now'));
        await inFlight;
      } finally {
        await held.close();
      }
    });

    it('POST /admin/drain closes the listener and keeps the process and its admin running until quit', async () => {
      const up = await startUpstream('good');
      try {
        const port = await freePort();
        const proxy = await startProxy({
          runtime,
          config: proxyConfig({ port, routes: [prefixRoute('/', 'good')], clusters: [{ name: 'good', endpoints: [endpoint(up.port)] }] }),
        });
        const admin = `http://127.0.0.1:${proxy.adminPort}`;
        assert.equal((await fetch(`http://127.0.0.1:${port}/`)).status, 200);
        assert.equal((await fetch(`${admin}/admin/drain`, { method: 'POST' })).status, 200);
        await proxy.waitForLog((l) => l.msg.startsWith('draining listeners (admin drain)'));
        let refused = false;
        for (let i = 0; i < 50 && !refused; i++) {
          refused = await fetch(`http://127.0.0.1:${port}/`, { headers: { connection: 'close' } }).then(() => false, () => true);
          if (!refused) await sleep(20);
        }
        assert.ok(refused, 'the listener stopped accepting');
        await sleep(300);
        assert.equal(proxy.child.exitCode, null, 'still running');
        assert.equal((await fetch(`${admin}/admin/ready`)).status, 503);
        assert.equal((await fetch(`${admin}/admin/server_info`)).status, 200);
        assert.equal((await fetch(`${admin}/admin/reload`, { method: 'POST' })).status, 503, 'no reload reopens the listeners');
        assert.equal((await fetch(`${admin}/admin/quit`, { method: 'POST' })).status, 200);
        assert.equal(await withTimeout(proxy.exited, 10_000, 'exit after quit'), 0);
      } finally {
        await up.close();
      }
    });
  });
}
