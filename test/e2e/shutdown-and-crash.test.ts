/** Foundation acceptance 3 and 4: SIGTERM drains in-flight requests; a crashed worker is replaced while the listener keeps accepting. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { endpoint, prefixRoute, proxyConfig } from './support/config.ts';
import { freePort, RUNTIMES, startProxy, type LogLine, type ProxyProcess } from './support/proxy-process.ts';
import { sleep, withTimeout } from './support/traffic.ts';
import { startUpstream, type Upstream } from './support/upstreams.ts';

/** How long the slow upstream takes to answer. */
const SLOW_MS = 1500;
/** The slow answer's body: big enough to span many writes, with content that shows truncation or reordering. */
const SLOW_BODY = Buffer.from(Array.from({ length: 20_000 }, (_, i) => `${String(i).padStart(5, '0')}\n`).join(''));
/** When worker 0's first incarnation throws (after its init): late enough that traffic runs before it. */
const CRASH_AFTER_MS = 1000;
/** Traffic kept going after the replacement: longer than CRASH_AFTER_MS, so a replacement that crashed too would show. */
const TAIL_MS = 1500;

type Outcome = { ok: true; status: number; body: Buffer } | { ok: false; error: string };

/** One GET on a fresh connection (`Connection: close`); never rejects, never waits longer than `timeoutMs`. */
function getFresh(port: number, path: string, timeoutMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path, agent: false, headers: { connection: 'close' }, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => resolve({ ok: true, status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', (e) => resolve({ ok: false, error: String(e) }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ ok: false, error: e.code ?? e.message }));
    req.end();
  });
}

function shutdownConfig(port: number, upstreamPort: number): string {
  return proxyConfig({
    port,
    workers: 2,
    drainTimeout: '10s',
    routes: [
      { match: { path: '/probe' }, direct_response: { status: 200, body: 'probe\n' } },
      prefixRoute('/', 'slow', { timeout: '10s' }),
    ],
    clusters: [{ name: 'slow', endpoints: [endpoint(upstreamPort)] }],
  });
}

function crashConfig(port: number, accessLog: string): string {
  return proxyConfig({
    port,
    workers: 2,
    drainTimeout: '5s',
    listener: { access_log: { path: accessLog, format: 'json' } },
    routes: [{ match: { prefix: '/' }, direct_response: { status: 200, body: 'ok\n' } }],
    clusters: [{ name: 'unused', endpoints: [endpoint(9)] }],
  });
}

for (const runtime of RUNTIMES) {
  describe(`SIGTERM with a slow request in flight on ${runtime}`, () => {
    let upstream: Upstream | undefined;
    let proxy: ProxyProcess | undefined;

    before(async () => {
      upstream = await startUpstream('slow', (req, res) => {
        req.resume();
        req.on('end', () => {
          setTimeout(() => {
            res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(SLOW_BODY.length) });
            res.end(SLOW_BODY);
          }, SLOW_MS);
        });
      });
      proxy = await startProxy({ runtime, config: shutdownConfig(await freePort(), upstream.port) });
    });

    after(async () => {
      await proxy?.stop();
      await upstream?.close();
    });

    it('the in-flight request completes with its full body, new connections get no service, then the process exits 0', async () => {
      const p = proxy!;
      const up = upstream!;
      const port = Number((await p.waitForLog((l) => l.msg.startsWith('listener ingress ready'))).port);
      const probe = await getFresh(port, '/probe', 2000);
      assert.ok(probe.ok && probe.status === 200, `the listener serves before SIGTERM: ${JSON.stringify(probe)}`);

      const started = Date.now();
      const slow = getFresh(port, '/slow', 10_000);
      const deadline = Date.now() + 5000;
      while (up.inFlight === 0 && Date.now() < deadline) await sleep(10);
      assert.equal(up.inFlight, 1, 'the slow request reached the upstream');

      p.kill('SIGTERM');
      await p.waitForLog((l) => l.msg.startsWith('draining'), 5000);

      // The workers close their listeners on the drain message; within a second (well inside the
      // slow request) a new connection must be refused or left without an answer.
      let refused: string | undefined;
      const probeUntil = Date.now() + 1000;
      while (refused === undefined && Date.now() < probeUntil) {
        const r = await getFresh(port, '/probe', 500);
        if (!r.ok) refused = r.error;
        else await sleep(50);
      }
      assert.ok(refused !== undefined, 'a connection attempt after SIGTERM was still served a second later');
      assert.equal(up.inFlight, 1, `the slow request is still in flight when the listener is closed (${refused})`);

      const res = await slow;
      const completedAt = Date.now();
      assert.ok(res.ok, `the in-flight request completes: ${JSON.stringify(res)}`);
      assert.equal(res.status, 200);
      assert.equal(res.body.length, SLOW_BODY.length, 'full body length');
      assert.ok(res.body.equals(SLOW_BODY), 'body bytes intact');
      assert.ok(completedAt - started >= SLOW_MS - 100, 'the answer came from the slow upstream');

      const code = await withTimeout(p.exited, 8000, 'exit after drain');
      assert.equal(code, 0, `exit code; logs:\n${p.logs.map((l) => JSON.stringify(l)).join('\n')}\n${p.stderr.join('\n')}`);
      assert.ok(p.logs.some((l) => l.msg === 'proxy stopped'), 'logs "proxy stopped"');
      assert.ok(!p.logs.some((l) => l.msg.includes('drain timeout reached')), 'drained before the drain timeout');
    });
  });

  describe(`an injected worker crash on ${runtime}`, () => {
    let proxy: ProxyProcess | undefined;
    let dir = '';
    let accessLog = '';

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'proxy-e2e-crash-'));
      accessLog = join(dir, 'access.log');
      proxy = await startProxy({
        runtime,
        config: crashConfig(await freePort(), accessLog),
        env: { PROXY_TEST_INJECT_WORKER_CRASH_MS: String(CRASH_AFTER_MS) },
      });
    });

    after(async () => {
      await proxy?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('is logged by main, a replacement takes its place, and requests keep succeeding throughout', async (t) => {
      const p = proxy!;
      const port = Number((await p.waitForLog((l) => l.msg.startsWith('listener ingress ready'))).port);

      // Sequential fresh connections, from before the crash until well after the replacement.
      type Sent = { i: number; at: number; outcome: Outcome };
      const sent: Sent[] = [];
      let stop = false;
      const traffic = (async () => {
        for (let i = 0; !stop; i++) {
          const at = Date.now();
          sent.push({ i, at, outcome: await getFresh(port, `/crash/${i}`, 2000) });
          await sleep(10);
        }
      })();

      let died: LogLine;
      let replaced: LogLine;
      let replacedAt: number;
      try {
        died = await p.waitForLog((l) => l.msg.startsWith('worker 0 died'), 10_000);
        replaced = await p.waitForLog((l) => l.msg === 'worker 0 replaced and listening', 10_000);
        replacedAt = Date.now();
        await sleep(TAIL_MS);
      } finally {
        stop = true;
        await traffic;
      }
      assert.notEqual(died.exitCode, 0, `the death is reported with a non-zero exit code: ${JSON.stringify(died)}`);
      assert.equal(replaced.incarnation, 1);
      assert.equal(p.logs.filter((l) => l.msg.startsWith('worker 0 died')).length, 1, 'the replacement did not crash too');
      assert.ok(!p.logs.some((l) => l.msg.startsWith('worker 1 died')), 'worker 1 lived on');

      const failed = sent.filter((s) => !s.outcome.ok || s.outcome.status !== 200);
      const gap = sent.filter((s) => s.at >= Date.parse(String(died.time)) && s.at < replacedAt).length;
      t.diagnostic(`${sent.length} requests, ${failed.length} failed, ${gap} sent between the death and the replacement`);
      for (const f of failed) t.diagnostic(`failed ${f.at - Date.parse(String(died.time))} ms after the death was logged: ${JSON.stringify(f.outcome)}`);
      // A sequential client has at most one connection at worker 0 when it dies: that one may be reset.
      assert.ok(failed.length <= 1, `requests that failed: ${JSON.stringify(failed)}`);
      const crashAt = Date.parse(String(died.time));
      assert.ok(sent.some((s) => s.at < crashAt), 'traffic ran before the crash');
      const afterReplacement = sent.filter((s) => s.at >= replacedAt);
      assert.ok(afterReplacement.length >= 20, `requests after the replacement: ${afterReplacement.length}`);
      assert.ok(afterReplacement.every((s) => s.outcome.ok && s.outcome.status === 200), 'every request after the replacement succeeded');

      // The new worker 0 accepts connections on the shared port.
      const deadline = Date.now() + 5000;
      let served = 0;
      while (Date.now() < deadline) {
        const text = existsSync(accessLog) ? readFileSync(accessLog, 'utf8') : '';
        const byPath = new Map(
          text
            .split('\n')
            .filter((l) => l.trim() !== '')
            .map((l) => JSON.parse(l) as { path: string; worker: number })
            .map((l) => [l.path, l.worker]),
        );
        served = afterReplacement.filter((s) => byPath.get(`/crash/${s.i}`) === 0).length;
        if (served > 0 && afterReplacement.every((s) => byPath.has(`/crash/${s.i}`))) break;
        await sleep(100);
      }
      assert.ok(served > 0, 'the replacement worker 0 served connections');

      const started = Date.now();
      assert.equal(await p.stop(), 0, 'exit code after SIGTERM');
      assert.ok(Date.now() - started < 4000, 'the drain did not wait for the dead worker');
    });
  });
}
