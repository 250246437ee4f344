import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../../src/config/errors.ts';
import { loadConfig } from '../../../src/config/parse.ts';
import { fixturePath, noEnv, readTextFile } from './config-helpers.ts';

async function loadError(name: string): Promise<ConfigError> {
  const path = fixturePath(name);
  try {
    await loadConfig(readTextFile, path, noEnv);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    assert.equal(error.code, 'CONFIG_INVALID');
    assert.equal(error.fileName, path);
    return error;
  }
  throw new Error(`${name} parsed, but it is broken on purpose`);
}

// The ten broken configs of the foundation issue's acceptance 2: each message names the file
// and the field path.
const CASES: { file: string; path: string; message: RegExp }[] = [
  { file: 'wrong-type.yaml', path: 'clusters[0].endpoints', message: /expected a list, found "127\.0\.0\.1:9001"/ },
  { file: 'unknown-key.yaml', path: 'clusters[0].conect_timeout', message: /unknown field \(did you mean "connect_timeout"\?\)/ },
  { file: 'bad-duration.yaml', path: 'listeners[0].request_headers_timeout', message: /bare number 10 \(add a unit: 10s or 10ms\)/ },
  { file: 'duplicate-cluster-name.yaml', path: 'clusters[1].name', message: /duplicate cluster name "backend" \(already used by clusters\[0\]\)/ },
  { file: 'missing-cluster.yaml', path: 'listeners[0].virtual_hosts[0].routes[1].cluster', message: /unknown cluster "backnd" \(did you mean "backend"\?\); known clusters: backend, metrics/ },
  { file: 'port-out-of-range.yaml', path: 'clusters[1].endpoints[0].port', message: /expected an integer from 1 to 65535, found 70000/ },
  { file: 'empty-endpoints.yaml', path: 'clusters[0].endpoints', message: /expected at least 1 endpoint, found an empty list/ },
  { file: 'negative-limit.yaml', path: 'clusters[0].circuit_breakers.max_pending_requests', message: /expected an integer from 0 to 4294967295, found -5/ },
];

describe('broken configs', () => {
  for (const { file, path, message } of CASES) {
    it(`${file}: the error names the file and ${path}`, async () => {
      const error = await loadError(file);
      assert.equal(error.issues.length, 1, error.format());
      const issue = error.issues[0];
      assert.equal(issue?.path, path);
      assert.match(issue?.message ?? '', message);
      assert.ok(issue?.line !== undefined && issue.column !== undefined, 'the issue has a position');
      assert.ok(error.format().startsWith(`${fixturePath(file)}: ${path}: `), error.format());
    });
  }

  it('port-out-of-range.yaml reads exactly like the documented example', async () => {
    const error = await loadError('port-out-of-range.yaml');
    assert.equal(
      error.format(),
      `${fixturePath('port-out-of-range.yaml')}: clusters[1].endpoints[0].port: expected an integer from 1 to 65535, found 70000 (line 18, column 37)`,
    );
  });

  it('bad-yaml-syntax.yaml: the error names the file, line and column', async () => {
    const error = await loadError('bad-yaml-syntax.yaml');
    const issue = error.issues[0];
    assert.equal(issue?.path, '');
    assert.match(issue?.message ?? '', /^YAML syntax error: /);
    assert.equal(typeof issue?.line, 'number');
    assert.equal(typeof issue?.column, 'number');
    assert.match(error.format(), new RegExp(`^${fixturePath('bad-yaml-syntax.yaml').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: YAML syntax error: .*\\(line \\d+, column \\d+\\)`));
  });

  it('a missing file is a clear ConfigError naming the file', async () => {
    const error = await loadError('does-not-exist.yaml');
    assert.equal(error.format(), `${fixturePath('does-not-exist.yaml')}: cannot read the config file: no such file`);
  });

  it('reports every problem of a file, in file order, not only the first', async () => {
    const error = await loadError('many-errors.yaml');
    assert.deepEqual(
      error.issues.map((i) => i.path),
      [
        'workers',
        'listeners[0].address',
        'listeners[0].virtual_hosts[0].routes[0].match.prefx',
        'clusters[0].lb_policy',
        'clusters[0].endpoints[0].port',
      ],
    );
    assert.match(error.format(), /^.*many-errors\.yaml: 5 errors\n/);
  });
});
