/** Stop and reload signals at the edges: while starting, and again while draining. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { endpoint, prefixRoute, proxyConfig } from './support/config.ts';
import { freePort, RUNTIMES, startProxy } from './support/proxy-process.ts';
import { hang, startRawUpstream } from './support/raw-upstream.ts';

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms))),
  ]);
}

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
  });
}
