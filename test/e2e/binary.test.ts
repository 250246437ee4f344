/** The compiled executable (dist/proxy) works alone: copied to an empty directory, it reports its version, validates, runs its demo, proxies and serves admin. */

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, ROOT } from './support/proxy-process.ts';
import { startUpstream } from './support/upstreams.ts';
import type { Upstream } from './support/upstreams.ts';

const BUILT = join(ROOT, 'dist/proxy');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const NAMES = ['alpha', 'bravo', 'charlie'];
const READY_MS = 30_000;
const STOP_MS = 10_000;

interface Reply {
  status: number;
  body: string;
}

function get(port: number, path: string, agent: Agent | false = false): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent, timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** Runs the binary to completion (bounded) in `cwd`. */
function runBinary(bin: string, args: string[], cwd: string) {
  return spawnSync(bin, args, { cwd, encoding: 'utf8', timeout: 30_000, env: { ...process.env, NO_COLOR: '1' } });
}

function configYaml(port: number, adminPort: number, upstreamPorts: number[]): string {
  return [
    'admin: { address: 127.0.0.1, port: ' + adminPort + ' }',
    'workers: 1',
    'drain_timeout: 1s',
    'listeners:',
    '  - name: ingress',
    '    address: 127.0.0.1',
    `    port: ${port}`,
    '    virtual_hosts:',
    '      - name: all',
    '        domains: ["*"]',
    '        routes:',
    '          - match: { prefix: / }',
    '            cluster: trio',
    'clusters:',
    '  - name: trio',
    '    lb_policy: round_robin',
    '    endpoints:',
    ...upstreamPorts.map((p) => `      - { address: 127.0.0.1, port: ${p} }`),
    '',
  ].join('\n');
}

/** Newest modification time of the sources the binary is built from. */
function newestSourceMtime(): number {
  // config.example.yaml is built into the binary for its demo.
  let newest = Math.max(statSync(join(ROOT, 'package.json')).mtimeMs, statSync(join(ROOT, 'config.example.yaml')).mtimeMs);
  for (const dir of ['src', 'runtime-adapters']) {
    for (const entry of readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
    }
  }
  return newest;
}

describe('the compiled binary, alone in an empty directory', () => {
  let dir = '';
  let bin = '';
  let upstreams: Upstream[] = [];
  let child: ChildProcess | undefined;
  let output = '';

  before(() => {
    // Built when missing or older than the sources (a build takes about a second).
    if (!existsSync(BUILT) || statSync(BUILT).mtimeMs < newestSourceMtime()) {
      const build = spawnSync(process.execPath, [join(ROOT, 'scripts/build.ts'), 'bin'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
      assert.equal(build.status, 0, `building dist/proxy failed:\n${build.stdout}${build.stderr}`);
    }
    dir = mkdtempSync(join(tmpdir(), 'proxy-binary-'));
    bin = join(dir, 'proxy');
    copyFileSync(BUILT, bin);
  });

  after(async () => {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      const proc = child;
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_MS);
      await exited;
      clearTimeout(timer);
    }
    await Promise.all(upstreams.map((u) => u.close()));
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('prints the version and the build commit', () => {
    const result = runBinary(bin, ['--version'], dir);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`^proxy ${VERSION.replaceAll('.', '\\.')} \\(commit [0-9a-z-]+\\) on bun \\d`));
    assert.doesNotMatch(result.stdout, /commit dev\b/, 'the build stamps the commit (or "unknown"), never "dev"');
  });

  it('validates a good config with exit 0 and a bad one with exit 1', async () => {
    writeFileSync(join(dir, 'good.yaml'), configYaml(await freePort(), await freePort(), [await freePort()]));
    const good = runBinary(bin, ['validate', '--config', 'good.yaml'], dir);
    assert.equal(good.status, 0, good.stderr);
    assert.match(good.stdout, /config OK: 1 listener, 1 cluster/);

    writeFileSync(join(dir, 'bad.yaml'), 'listeners: []\nclustrs: []\n');
    const bad = runBinary(bin, ['validate', '--config', 'bad.yaml'], dir);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /clustrs/);
  });

  it('runs the demo on the config.example.yaml it was built with, with no file beside it', async () => {
    const proc = spawn(bin, ['demo', '--workers', '1', '--log-format', 'json', '--log-level', 'warn'], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    proc.stdout?.setEncoding('utf8').on('data', (d: string) => (log += d));
    proc.stderr?.setEncoding('utf8').on('data', (d: string) => (log += d));
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    try {
      const deadline = Date.now() + READY_MS;
      while ((await get(10000, '/healthz').catch(() => undefined))?.status !== 200) {
        assert.ok(proc.exitCode === null, `the demo exited (${proc.exitCode}):\n${log}`);
        assert.ok(Date.now() < deadline, `the demo did not answer within ${READY_MS} ms:\n${log}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      // The example's header-matched route: cluster second (upstream 2 only), prefix rewritten.
      const pinned = await new Promise<{ body: string; servedBy: string | undefined }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: 10000, path: '/b/hello', headers: { 'x-pin': 'b' }, timeout: 5_000 }, (res) => {
          let body = '';
          res.setEncoding('utf8').on('data', (d: string) => (body += d));
          res.on('end', () => resolve({ body, servedBy: res.headers['x-served-by'] as string | undefined }));
        });
        req.on('error', reject);
        req.end();
      });
      assert.equal(pinned.body, 'hello from demo-upstream-2 (GET /hello)\n');
      assert.equal(pinned.servedBy, 'proxy', 'the example adds x-served-by to responses');
    } finally {
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_MS);
      await exited;
      clearTimeout(timer);
    }
  });

  it('rotates requests over three upstreams in exact round-robin order and lists their pools in /admin/clusters', async () => {
    upstreams = await Promise.all(NAMES.map((name) => startUpstream(name)));
    const port = await freePort();
    const adminPort = await freePort();
    writeFileSync(join(dir, 'x.yaml'), configYaml(port, adminPort, upstreams.map((u) => u.port)));
    const proc = spawn(bin, ['--config', 'x.yaml', '--log-format', 'json', '--log-level', 'warn'], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    proc.stdout?.setEncoding('utf8').on('data', (d: string) => (output += d));
    proc.stderr?.setEncoding('utf8').on('data', (d: string) => (output += d));

    const deadline = Date.now() + READY_MS;
    for (;;) {
      assert.ok(proc.exitCode === null && proc.signalCode === null, `the proxy exited (${proc.exitCode ?? proc.signalCode}):\n${output}`);
      assert.ok(Date.now() < deadline, `the proxy did not answer within ${READY_MS} ms:\n${output}`);
      const reply = await get(port, '/').catch(() => undefined);
      if (reply?.status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    // One keep-alive client connection, then fresh connections: the rotation is per request.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const bodies: string[] = [];
    try {
      for (let i = 0; i < 9; i++) {
        const reply = await get(port, `/r${i}`, agent);
        assert.equal(reply.status, 200, reply.body);
        bodies.push(reply.body);
      }
    } finally {
      agent.destroy();
    }
    for (let i = 0; i < 3; i++) bodies.push((await get(port, `/fresh${i}`)).body);

    assert.deepEqual([...bodies.slice(0, 3)].sort(), NAMES, `the first three requests reach all three upstreams: ${bodies.join(' ')}`);
    for (let i = 3; i < bodies.length; i++) assert.equal(bodies[i], bodies[i - 3], `request ${i} continues the rotation: ${bodies.join(' ')}`);

    const admin = await get(adminPort, '/admin/clusters');
    assert.equal(admin.status, 200, admin.body);
    const clusters = JSON.parse(admin.body) as {
      cluster_statuses: { name: string; host_statuses: { address: { socket_address: { port_value: number } }; pools: { worker: number; ready?: number; busy?: number; unavailable?: true }[] }[] }[];
    };
    const trio = clusters.cluster_statuses.find((c) => c.name === 'trio');
    assert.ok(trio, admin.body);
    assert.deepEqual(
      trio.host_statuses.map((h) => h.address.socket_address.port_value).sort((a, b) => a - b),
      upstreams.map((u) => u.port).sort((a, b) => a - b),
    );
    for (const host of trio.host_statuses) {
      assert.equal(host.pools.length, 1, `one pool per host with workers: 1: ${JSON.stringify(host)}`);
      const pool = host.pools[0];
      assert.ok(pool !== undefined && pool.unavailable !== true, JSON.stringify(host));
      assert.ok((pool.ready ?? 0) + (pool.busy ?? 0) >= 1, `the pool keeps its upstream connection: ${JSON.stringify(host)}`);
    }
  });
});
