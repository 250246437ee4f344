/** /admin/config_dump shows the config in effect: the command line's overrides and the admin's bound port. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { endpoint, prefixRoute, proxyConfig } from './support/config.ts';
import { freePort, RUNTIMES, startProxy } from './support/proxy-process.ts';

for (const runtime of RUNTIMES) {
  describe(`config_dump (${runtime})`, () => {
    it('shows --workers and --drain-timeout over the file, and the admin port picked at start', async () => {
      const proxy = await startProxy({
        runtime,
        args: ['--workers', '1', '--drain-timeout', '1s'],
        config: proxyConfig({ port: await freePort(), workers: 2, drainTimeout: '5s', routes: [prefixRoute('/', 'a')], clusters: [{ name: 'a', endpoints: [endpoint(9)] }] }),
      });
      try {
        const res = await fetch(`http://127.0.0.1:${proxy.adminPort}/admin/config_dump`);
        const dump = (await res.json()) as { config: { workers: number; drainTimeoutMs: number; admin: { port: number } } };
        assert.equal(dump.config.workers, 1);
        assert.equal(dump.config.drainTimeoutMs, 1000);
        assert.equal(dump.config.admin.port, proxy.adminPort);
      } finally {
        await proxy.stop();
      }
    });
  });
}
