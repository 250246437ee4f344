/** `port: 0` picks one free port for the listener, shared by every worker and kept across reloads. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { endpoint, prefixRoute, proxyConfig } from './support/config.ts';
import { tcpSockets } from './support/proxy-observe.ts';
import { RUNTIMES, startProxy, type ProxyProcess } from './support/proxy-process.ts';
import { startUpstream, type Upstream } from './support/upstreams.ts';

for (const runtime of RUNTIMES) {
  describe(`a listener on port 0 with two workers (${runtime})`, () => {
    let up: Upstream;
    let proxy: ProxyProcess;
    before(async () => {
      up = await startUpstream('good');
      proxy = await startProxy({
        runtime,
        config: proxyConfig({ port: 0, workers: 2, routes: [prefixRoute('/', 'good')], clusters: [{ name: 'good', endpoints: [endpoint(up.port)] }] }),
      });
    });
    after(async () => {
      await proxy?.stop();
      await up?.close();
    });

    /** The port of each listening socket of the process besides the admin's. */
    const listenerPorts = () => {
      const byInode = new Map<string, number>();
      for (const s of tcpSockets(proxy.child.pid!)) {
        const port = Number(s.local.slice(s.local.lastIndexOf(':') + 1));
        if (s.state === 'LISTEN' && port !== proxy.adminPort) byInode.set(s.inode, port);
      }
      return [...byInode.values()];
    };

    it('binds both workers to the one port it announces, and serves on it', async () => {
      const ready = await proxy.waitForLog((l) => l.msg.startsWith('listener ingress ready on'));
      const port = Number(ready.port);
      assert.ok(port > 0);
      const ports = listenerPorts();
      // Node listens with several sockets per worker (node-listener.ts), Bun and Deno with one.
      assert.ok(ports.length >= 2, `a socket per worker at least: ${ports.length}`);
      assert.deepEqual([...new Set(ports)], [port], 'every socket on the announced port');
      const res = await fetch(`http://127.0.0.1:${port}/x`);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'good');
    });

    it('keeps that port through a reload of the same file', async () => {
      const before = listenerPorts();
      const res = await fetch(`http://127.0.0.1:${proxy.adminPort}/admin/reload`, { method: 'POST' });
      assert.equal(res.status, 200, await res.text());
      assert.deepEqual(listenerPorts(), before);
    });
  });
}
