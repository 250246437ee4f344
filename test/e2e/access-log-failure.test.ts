/** An access log the disk refuses at run time: traffic is untouched, the loss is counted and logged once. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { endpoint, prefixRoute, proxyConfig } from './support/config.ts';
import { stat, waitForStat } from './support/proxy-observe.ts';
import { freePort, RUNTIMES, startProxy, type ProxyProcess } from './support/proxy-process.ts';
import { sleep } from './support/traffic.ts';
import { startUpstream, type Upstream } from './support/upstreams.ts';

for (const runtime of RUNTIMES) {
  describe(`an access log on a full disk (${runtime})`, () => {
    let up: Upstream;
    let proxy: ProxyProcess;
    let port: number;
    before(async () => {
      up = await startUpstream('good');
      port = await freePort();
      // /dev/full opens for appending and refuses every write with ENOSPC.
      proxy = await startProxy({
        runtime,
        config: proxyConfig({
          port,
          listener: { access_log: { path: '/dev/full' } },
          routes: [prefixRoute('/', 'good')],
          clusters: [{ name: 'good', endpoints: [endpoint(up.port)] }],
        }),
      });
    });
    after(async () => {
      await proxy?.stop();
      await up?.close();
    });

    it('answers every request, counts failed writes and dropped lines, and warns once', async () => {
      const get = async () => {
        const res = await fetch(`http://127.0.0.1:${port}/x`);
        assert.equal(res.status, 200);
        assert.equal(await res.text(), 'good');
      };
      await get();
      await waitForStat(proxy.adminPort, 'filesystem.write_failed', (v) => v >= 1);
      // Lines logged within a second of a failure are dropped (then the file is opened again).
      for (let i = 0; i < 40 && (await stat(proxy.adminPort, 'access_log.lines_dropped')) === 0; i++) {
        await get();
        await sleep(50);
      }
      assert.ok((await stat(proxy.adminPort, 'access_log.lines_dropped')) >= 1, 'lines written while the file fails are counted');
      const warnings = proxy.logs.filter((l) => l.level === 'warn' && l.msg.startsWith('access log /dev/full: write failed (ENOSPC)'));
      assert.equal(warnings.length, 1, JSON.stringify(proxy.logs));
    });
  });
}
