import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RuntimeAdapter } from '../../../runtime-adapters/types.ts';
import { runCli } from '../../../src/cli-commands.ts';
import type { CliDeps, DemoOptions, RunOptions } from '../../../src/cli-commands.ts';
import { ProxyError } from '../../../src/common/errors.ts';
import { ConfigError } from '../../../src/config/errors.ts';
import { loadConfig } from '../../../src/config/parse.ts';
import { EXAMPLE_CONFIG, fixturePath, readTextFile } from './config-helpers.ts';

interface Harness {
  deps: CliDeps;
  stdout: string[];
  stderr: string[];
  runs: RunOptions[];
  demos: DemoOptions[];
}

function harness(overrides: Partial<Pick<CliDeps, 'run' | 'runDemo'>> = {}, env: Record<string, string> = {}): Harness {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const runs: RunOptions[] = [];
  const demos: DemoOptions[] = [];
  const unused = (name: string) => () => {
    throw new Error(`the CLI must not call adapter.${name}`);
  };
  // Only what the CLI may touch is real; everything else fails the test if called.
  const adapter = {
    name: 'node',
    version: '24.0.0',
    listeningModel: 'reuseport',
    writeStdout: (text: string) => stdout.push(text),
    writeStderr: (text: string) => stderr.push(text),
    readTextFile,
    env: (name: string) => env[name],
    isTty: () => false,
    exit: unused('exit'),
    args: unused('args'),
    listen: unused('listen'),
    connect: unused('connect'),
  } as unknown as RuntimeAdapter;
  const deps: CliDeps = {
    adapter,
    version: '1.2.3',
    commit: 'abc1234',
    // In process: the loader thread's own path is covered by test/unit/config/load-in-thread.test.ts.
    loadConfig: (path) => loadConfig(readTextFile, path, (name) => env[name]),
    run: overrides.run ?? (async (opts) => void runs.push(opts)),
    runDemo: overrides.runDemo ?? (async (opts) => void demos.push(opts)),
  };
  return { deps, stdout, stderr, runs, demos };
}

const EXAMPLE = decodeURIComponent(EXAMPLE_CONFIG.pathname);

describe('CLI validate', () => {
  it('prints a summary and exits 0 for a valid config', async () => {
    const h = harness();
    const code = await runCli(h.deps, ['validate', '--config', EXAMPLE]);
    assert.equal(code, 0);
    assert.deepEqual(h.stdout, ['config OK: 1 listener, 2 clusters\n']);
    assert.deepEqual(h.stderr, []);
  });

  for (const file of ['wrong-type.yaml', 'unknown-key.yaml', 'bad-duration.yaml', 'duplicate-cluster-name.yaml', 'missing-cluster.yaml', 'port-out-of-range.yaml', 'empty-endpoints.yaml', 'negative-limit.yaml']) {
    it(`exits 1 on ${file} with the file and field path on stderr, no stack trace`, async () => {
      const h = harness();
      const path = fixturePath(file);
      const code = await runCli(h.deps, ['validate', '--config', path]);
      assert.equal(code, 1);
      assert.deepEqual(h.stdout, []);
      const text = h.stderr.join('');
      assert.match(text, new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: [a-z_]+(\\[\\d+\\])?\\.`));
      assert.ok(!/\n\s+at /.test(text), `a stack trace leaked:\n${text}`);
    });
  }

  it('exits 1 on bad YAML syntax, naming line and column', async () => {
    const h = harness();
    assert.equal(await runCli(h.deps, ['validate', '-c', fixturePath('bad-yaml-syntax.yaml')]), 1);
    assert.match(h.stderr.join(''), /bad-yaml-syntax\.yaml: YAML syntax error: .*\(line \d+, column \d+\)/);
  });

  it('exits 1 on a missing file', async () => {
    const h = harness();
    assert.equal(await runCli(h.deps, ['validate', '--config=/nonexistent/proxy.yaml']), 1);
    assert.equal(h.stderr.join(''), '/nonexistent/proxy.yaml: cannot read the config file: no such file\n');
  });

  it('substitutes environment variables from the adapter', async () => {
    const h = harness({}, { PROXY_PORT: '10000' });
    const code = await runCli(h.deps, ['validate', '--config', fixturePath('with-env.yaml')]);
    assert.equal(code, 0, h.stderr.join(''));
  });

  it('requires --config', async () => {
    const h = harness();
    assert.equal(await runCli(h.deps, ['validate']), 1);
    assert.match(h.stderr.join(''), /--config FILE is required/);
  });
});

describe('CLI run', () => {
  it('passes every flag to run', async () => {
    const h = harness();
    const code = await runCli(h.deps, ['--config', 'x.yaml', '--workers', '3', '--log-level', 'debug', '--log-format=json', '--watch', '--drain-timeout', '5s']);
    assert.equal(code, 0, h.stderr.join(''));
    assert.deepEqual(h.runs, [{ configPath: 'x.yaml', workers: 3, logLevel: 'debug', logFormat: 'json', watch: true, drainTimeoutMs: 5000 }]);
  });

  it('leaves unset flags to the config and defaults', async () => {
    const h = harness();
    assert.equal(await runCli(h.deps, ['-c', 'x.yaml']), 0);
    assert.deepEqual(h.runs, [{ configPath: 'x.yaml', workers: undefined, logLevel: 'info', logFormat: 'human', watch: false, drainTimeoutMs: undefined }]);
  });

  it('accepts --workers auto', async () => {
    const h = harness();
    assert.equal(await runCli(h.deps, ['--config', 'x.yaml', '--workers', 'auto']), 0);
    assert.equal(h.runs[0]?.workers, 'auto');
  });

  it('refuses bad flag values with a message and exit 1, without running', async () => {
    for (const [args, message] of [
      [['--config', 'x.yaml', '--workers', '0'], /--workers: expected auto or an integer from 1 to 1024, found "0"/],
      [['--config', 'x.yaml', '--log-level', 'loud'], /--log-level: expected one of debug, info, warn, error, found "loud"/],
      [['--config', 'x.yaml', '--log-format', 'xml'], /--log-format: expected one of human, json, found "xml"/],
      [['--config', 'x.yaml', '--drain-timeout', '30'], /--drain-timeout: .*add a unit/],
      [['--config'], /--config needs a value/],
      [[], /--config FILE is required/],
    ] as const) {
      const h = harness();
      assert.equal(await runCli(h.deps, [...args]), 1, args.join(' '));
      assert.match(h.stderr.join(''), message);
      assert.deepEqual(h.runs, []);
    }
  });

  it('refuses unknown options with a suggestion', async () => {
    const h = harness();
    assert.equal(await runCli(h.deps, ['--confg', 'x.yaml']), 1);
    assert.match(h.stderr.join(''), /unknown option --confg \(did you mean "--config"\?\)/);
  });

  it('points a usage error of a command at that command\'s help', async () => {
    const h = harness();
    assert.equal(await runCli(h.deps, ['validate', '--workers', '2', '--config', 'x.yaml']), 1);
    assert.match(h.stderr.join(''), /unknown option --workers\nRun "proxy validate --help" for usage\./);
    const root = harness();
    assert.equal(await runCli(root.deps, ['--confg', 'x.yaml']), 1);
    assert.match(root.stderr.join(''), /Run "proxy --help" for usage\./);
  });

  it('refuses unknown commands and stray arguments', async () => {
    const h = harness();
    assert.equal(await runCli(h.deps, ['valdate', '--config', 'x.yaml']), 1);
    assert.match(h.stderr.join(''), /unknown command "valdate" \(did you mean "validate"\?\)/);
    const h3 = harness();
    assert.equal(await runCli(h3.deps, ['toString']), 1);
    assert.match(h3.stderr.join(''), /unknown command "toString"/);
    const h2 = harness();
    assert.equal(await runCli(h2.deps, ['x.yaml']), 1);
    assert.match(h2.stderr.join(''), /to run a config file: proxy --config x\.yaml/);
  });

  it('prints a ConfigError from run as its message and exits 1', async () => {
    const h = harness({ run: async () => { throw new ConfigError('x.yaml', [{ path: 'workers', message: 'expected auto' }]); } });
    assert.equal(await runCli(h.deps, ['--config', 'x.yaml']), 1);
    assert.equal(h.stderr.join(''), 'x.yaml: workers: expected auto\n');
  });

  it('prints other errors from run without a stack trace', async () => {
    const h = harness({ run: async () => { throw new ProxyError('BIND', 'cannot listen on 127.0.0.1:10000: address in use'); } });
    assert.equal(await runCli(h.deps, ['--config', 'x.yaml']), 1);
    assert.equal(h.stderr.join(''), 'proxy: cannot listen on 127.0.0.1:10000: address in use\n');
    const h2 = harness({ run: async () => { throw new TypeError('boom'); } });
    assert.equal(await runCli(h2.deps, ['--config', 'x.yaml']), 1);
    assert.equal(h2.stderr.join(''), 'proxy: unexpected error: boom\n');
  });
});

describe('CLI demo, version and help', () => {
  it('runs the demo with its flags', async () => {
    const h = harness();
    assert.equal(await runCli(h.deps, ['demo', '--workers', '2']), 0);
    assert.deepEqual(h.demos, [{ workers: 2, logLevel: 'info', logFormat: 'human' }]);
    assert.deepEqual(h.runs, []);
  });

  it('prints the version and build commit', async () => {
    const h = harness();
    assert.equal(await runCli(h.deps, ['--version']), 0);
    assert.deepEqual(h.stdout, ['proxy 1.2.3 (commit abc1234) on node 24.0.0\n']);
  });

  it('documents every flag and command in --help, without colour codes off a terminal', async () => {
    const h = harness();
    assert.equal(await runCli(h.deps, ['--help']), 0);
    const help = h.stdout.join('');
    for (const flag of ['--config', '--workers', '--log-level', '--log-format', '--watch', '--drain-timeout', '--version', '--help', 'validate', 'demo']) {
      assert.ok(help.includes(flag), `--help does not mention ${flag}:\n${help}`);
    }
    assert.ok(!help.includes('\x1b['), 'colour codes in non-terminal output');
    assert.deepEqual(h.runs, []);
  });

  it('shows a subcommand\'s own help', async () => {
    const h = harness();
    assert.equal(await runCli(h.deps, ['validate', '--help']), 0);
    const help = h.stdout.join('');
    assert.match(help, /proxy validate/);
    assert.ok(help.includes('--config'));
    assert.ok(!help.includes('--drain-timeout'));
  });
});
