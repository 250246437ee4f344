/** What the proxy refuses to start with, beyond config validation: a listener port another program holds, an access log it cannot write. */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { describe, it } from 'node:test';
import { endpoint, prefixRoute, proxyConfig } from './support/config.ts';
import { freePort, RUNTIMES, startProxy } from './support/proxy-process.ts';

/** Holds `port` without SO_REUSEPORT, as another program would: a reuse-port bind to it fails. */
function holdPort(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer((c) => c.destroy());
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
}

for (const runtime of RUNTIMES) {
  describe(`start checks (${runtime})`, () => {
    it('a listener port another program holds stops the start with an error naming the listener, and exit code 1', async () => {
      const port = await freePort();
      const blocker = await holdPort(port);
      try {
        const proxy = await startProxy({
          runtime,
          waitReady: false,
          config: proxyConfig({ port, workers: 2, routes: [prefixRoute('/', 'a')], clusters: [{ name: 'a', endpoints: [endpoint(1)] }] }),
        });
        assert.equal(await proxy.exited, 1);
        const all = proxy.stderr.join('\n');
        assert.match(all, new RegExp(`listeners\\[0\\] \\(ingress\\): .*127\\.0\\.0\\.1:${port}.*another program holds this port`), all);
      } finally {
        await new Promise<void>((r) => blocker.close(() => r()));
      }
    });

    it('an access log in a directory that does not exist stops the start with the field path, and exit code 1', async () => {
      const proxy = await startProxy({
        runtime,
        waitReady: false,
        config: proxyConfig({
          port: await freePort(),
          listener: { access_log: { path: '/nonexistent-dir/access.log' } },
          routes: [prefixRoute('/', 'a')],
          clusters: [{ name: 'a', endpoints: [endpoint(1)] }],
        }),
      });
      assert.equal(await proxy.exited, 1);
      const all = proxy.stderr.join('\n');
      assert.match(all, /config\.yaml: listeners\[0\]\.access_log\.path: expected a file the proxy can append to, found "\/nonexistent-dir\/access\.log" \(.*ENOENT/, all);
    });
  });
}
