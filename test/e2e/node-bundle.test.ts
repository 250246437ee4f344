/**
 * The Node bundle (dist/node) on the machine's own Node: below 22.12 a worker thread cannot share
 * the listening port, so the proxy must run one worker and say so; from 22.12 it runs them all.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { endpoint, prefixRoute, proxyConfig } from './support/config.ts';
import { ROOT, freePort } from './support/proxy-process.ts';
import { startUpstream, type Upstream } from './support/upstreams.ts';

/** The first `node` on PATH that is not this test's own Node 24 (npm puts node_modules/.bin first). */
function systemNode(): string {
  const found = execFileSync('sh', ['-c', 'which -a node'], { encoding: 'utf8' })
    .split('\n')
    .map((s) => s.trim())
    .filter((p) => p && !p.includes('node_modules'));
  assert.ok(found.length > 0, 'no system node on PATH');
  return found[0]!;
}

function versionAtLeast(v: string, major: number, minor: number): boolean {
  const [a, b] = v.replace(/^v/, '').split('.').map(Number);
  return a! > major || (a === major && b! >= minor);
}

describe('Node bundle on the system Node', () => {
  let up: Upstream;
  let child: ChildProcess | undefined;
  let dir: string;
  const node = systemNode();
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();

  before(async () => {
    if (!existsSync(join(ROOT, 'dist/node/cli.js'))) {
      const r = spawnSync(process.execPath, [join(ROOT, 'scripts/build.ts'), 'node'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
      assert.equal(r.status, 0, r.stderr);
    }
    up = await startUpstream('only');
    dir = mkdtempSync(join(tmpdir(), 'proxy-node-bundle-'));
  });

  after(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await up.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`serves traffic and picks the listening model that ${version} supports`, async () => {
    const port = await freePort();
    const config = join(dir, 'c.yaml');
    writeFileSync(
      config,
      proxyConfig({
        port,
        workers: 2,
        routes: [prefixRoute('/', 'up')],
        clusters: [{ name: 'up', endpoints: [endpoint(up.port)] }],
      }),
    );
    child = spawn(node, [join(ROOT, 'dist/node/cli.js'), '--config', config, '--log-format', 'json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: Array<Record<string, unknown>> = [];
    const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not ready; log:\n${lines.map((l) => JSON.stringify(l)).join('\n')}`)), 20_000);
      let buf = '';
      child!.stderr!.setEncoding('utf8');
      child!.stderr!.on('data', (d: string) => {
        buf += d;
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          try {
            const l = JSON.parse(line) as Record<string, unknown>;
            lines.push(l);
            if (l.msg === 'proxy ready') {
              clearTimeout(timer);
              resolve(l);
            }
          } catch {
            /* not JSON */
          }
        }
      });
    });
    const readyLine = await ready;
    const res = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'only');
    if (versionAtLeast(version, 22, 12)) {
      assert.equal(readyLine.workers, 2);
      assert.equal(readyLine.listeningModel, 'reuseport');
    } else {
      assert.equal(readyLine.workers, 1);
      assert.equal(readyLine.listeningModel, 'single-worker');
      const warn = lines.find((l) => l.level === 'warn' && String(l.msg).includes('22.12'));
      assert.ok(warn, `expected a warning naming Node 22.12; log:\n${lines.map((l) => JSON.stringify(l)).join('\n')}`);
    }
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => child!.on('exit', (c) => r(c)));
    assert.equal(code, 0);
  });
});
