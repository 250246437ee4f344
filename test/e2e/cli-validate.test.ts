/** Foundation acceptance 2: `proxy validate` names the broken field and exits 1, on every runtime. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { commandFor, ROOT, RUNTIMES, type ProxyRuntime } from './support/proxy-process.ts';

const FIXTURES = join(ROOT, 'test/fixtures/configs');

/** Each broken config and what its message must name: the field path (or, without one, the position). */
const BROKEN: { file: string; names: RegExp }[] = [
  { file: 'wrong-type.yaml', names: /: clusters\[0\]\.endpoints: expected a list/ },
  { file: 'unknown-key.yaml', names: /: clusters\[0\]\.conect_timeout: unknown field \(did you mean "connect_timeout"\?\)/ },
  { file: 'bad-duration.yaml', names: /: listeners\[0\]\.request_headers_timeout: .*bare number 10/ },
  { file: 'duplicate-cluster-name.yaml', names: /: clusters\[1\]\.name: duplicate cluster name "backend"/ },
  { file: 'missing-cluster.yaml', names: /: listeners\[0\]\.virtual_hosts\[0\]\.routes\[1\]\.cluster: unknown cluster "backnd"/ },
  { file: 'port-out-of-range.yaml', names: /: clusters\[1\]\.endpoints\[0\]\.port: expected an integer from 1 to 65535, found 70000/ },
  { file: 'empty-endpoints.yaml', names: /: clusters\[0\]\.endpoints: expected at least 1 endpoint/ },
  { file: 'bad-yaml-syntax.yaml', names: /: YAML syntax error: .*\(line \d+, column \d+\)/ },
  { file: 'does-not-exist.yaml', names: /: cannot read the config file: no such file/ },
  { file: 'negative-limit.yaml', names: /: clusters\[0\]\.circuit_breakers\.max_pending_requests: expected an integer from 0 to 4294967295, found -5/ },
];

interface Outcome {
  code: number | string;
  stdout: string;
  stderr: string;
}

/** Runs `proxy validate --config <path>` as a subprocess (bounded: killed after 20 s). */
function validate(runtime: ProxyRuntime, configPath: string): Promise<Outcome> {
  const { cmd, args } = commandFor(runtime);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...args, 'validate', '--config', configPath], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? signal ?? -1, stdout, stderr });
    });
  });
}

for (const runtime of RUNTIMES) {
  // Two at a time: each run is a short-lived process, mostly startup.
  describe(`proxy validate on ${runtime}`, { concurrency: 2 }, () => {
    for (const { file, names } of BROKEN) {
      it(`${file}: exits 1 with a message naming the field, without a stack trace`, async () => {
        const path = join(FIXTURES, file);
        const out = await validate(runtime, path);
        const text = out.stdout + out.stderr;
        assert.equal(out.code, 1, `exit code; output:\n${text}`);
        assert.ok(text.includes(path), `the message names the file:\n${text}`);
        assert.match(text, names);
        assert.doesNotMatch(text, /^\s+at /m, `no stack trace:\n${text}`);
      });
    }

    it('config.example.yaml: exits 0', async () => {
      const out = await validate(runtime, join(ROOT, 'config.example.yaml'));
      assert.equal(out.code, 0, `exit code; output:\n${out.stdout}${out.stderr}`);
      assert.match(out.stdout + out.stderr, /config OK/);
    });
  });
}
