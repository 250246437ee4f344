/** Envoy's downstream_cx_destroy stats: who closed the connection first, and whether a request was in flight. */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { endpoint, prefixRoute, proxyConfig } from './support/config.ts';
import { stat, waitForStat } from './support/proxy-observe.ts';
import { freePort, RUNTIMES, startProxy, type ProxyProcess } from './support/proxy-process.ts';
import { sleep } from './support/traffic.ts';
import { startUpstream, type Upstream } from './support/upstreams.ts';

const H = 'http.ingress.';

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

/** Sends `request` and resolves with what arrived once `done` holds for it (bounded). */
function exchange(s: Socket, request: string, done: (text: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`no answer: ${JSON.stringify(text)}`)), 5000);
    const onData = (d: Buffer) => {
      text += d.toString('latin1');
      if (done(text)) {
        clearTimeout(timer);
        s.off('data', onData);
        resolve(text);
      }
    };
    s.on('data', onData);
    s.write(request);
  });
}

for (const runtime of RUNTIMES) {
  describe(`downstream connection destroy stats (${runtime})`, () => {
    let up: Upstream;
    let proxy: ProxyProcess;
    let port: number;
    before(async () => {
      up = await startUpstream('good', (req, res) => {
        req.resume();
        if (req.url === '/slow') return; // never answered: the client gives up
        res.end('good');
      });
      port = await freePort();
      proxy = await startProxy({ runtime, config: proxyConfig({ port, routes: [prefixRoute('/', 'good')], clusters: [{ name: 'good', endpoints: [endpoint(up.port)] }] }) });
    });
    after(async () => {
      await proxy?.stop();
      await up?.close();
    });

    it('counts a client FIN as remote, Connection: close as local, and a client leaving mid-request as remote with an active request', async () => {
      const admin = proxy.adminPort;
      const ended = (t: string) => t.endsWith('good');
      const a = await open(port);
      await exchange(a, 'GET /a HTTP/1.1\r\nHost: x\r\n\r\n', ended);
      a.end();
      await waitForStat(admin, `${H}downstream_cx_destroy_remote`, (v) => v === 1);

      const b = await open(port);
      await exchange(b, 'GET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', ended);
      await waitForStat(admin, `${H}downstream_cx_destroy_local`, (v) => v === 1);
      b.destroy();

      const c = await open(port);
      c.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
      for (let i = 0; i < 200 && up.inFlight === 0; i++) await sleep(10);
      c.destroy();
      await waitForStat(admin, `${H}downstream_cx_destroy_remote_active_rq`, (v) => v === 1);
      assert.equal(await stat(admin, `${H}downstream_cx_destroy_remote`), 2);
      assert.equal(await stat(admin, `${H}downstream_cx_destroy_local_active_rq`), 0);
      assert.equal(await stat(admin, `${H}downstream_cx_destroy`), 3);
    });
  });
}
