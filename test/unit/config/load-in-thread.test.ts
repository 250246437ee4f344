/** The config loader thread, for real, on the runtime running the tests: main reads, the thread validates and ends. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAdapter } from '../../../runtime-adapters/detect.ts';
import type { RuntimeAdapter, WorkerHandle } from '../../../runtime-adapters/types.ts';
import { ConfigError } from '../../../src/config/errors.ts';
import { ConfigLoaderError, ThreadConfigLoader } from '../../../src/config/load-in-thread.ts';
import { answerLoad } from '../../../src/config/loader-thread.ts';
import { parseConfig } from '../../../src/config/parse.ts';
import { EXAMPLE_CONFIG, fixturePath, MINIMAL, noEnv, readTextFile } from './config-helpers.ts';

const LOADER_ENTRY = new URL('../../../src/config-loader.ts', import.meta.url).href;
const BROKEN_ENTRY = new URL('./fixtures/broken-loader.ts', import.meta.url).href;

/** The runtime's adapter, with every thread it starts recorded (and its exit code once it ends). */
function recordingAdapter(): { adapter: RuntimeAdapter; threads: Array<{ handle: WorkerHandle; exitCode: number | null }> } {
  const real = createAdapter();
  const threads: Array<{ handle: WorkerHandle; exitCode: number | null }> = [];
  const adapter = Object.create(real) as RuntimeAdapter;
  adapter.spawnWorker = (entry, data) => {
    const handle = real.spawnWorker(entry, data);
    const thread = { handle, exitCode: null as number | null };
    handle.onExit((code) => {
      thread.exitCode = code;
    });
    threads.push(thread);
    return handle;
  };
  return { adapter, threads };
}

describe('config loader thread', () => {
  it('returns the same validated config as parsing in-process, and the thread has ended when it does', async () => {
    const { adapter, threads } = recordingAdapter();
    const path = decodeURIComponent(EXAMPLE_CONFIG.pathname);
    const config = await new ThreadConfigLoader(adapter, LOADER_ENTRY, readTextFile).load(path);
    assert.deepEqual(config, parseConfig(await readTextFile(path), path, noEnv));
    assert.equal(threads.length, 1);
    assert.notEqual(threads[0]!.exitCode, null, 'the loader thread is terminated before load() resolves');
  });

  it('reports an invalid file as a ConfigError with every issue, its field path and position', async () => {
    const { adapter, threads } = recordingAdapter();
    const path = fixturePath('many-errors.yaml');
    const inProcess = await readTextFile(path).then((text) => {
      try {
        parseConfig(text, path, noEnv);
      } catch (error) {
        return error as ConfigError;
      }
      throw new Error('many-errors.yaml parsed without errors');
    });
    await assert.rejects(new ThreadConfigLoader(adapter, LOADER_ENTRY, readTextFile).load(path), (error: unknown) => {
      assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
      assert.equal(error.code, 'CONFIG_INVALID');
      assert.equal(error.fileName, path);
      assert.ok(error.issues.length > 1);
      assert.deepEqual(error.issues, inProcess.issues);
      assert.equal(error.message, inProcess.message);
      return true;
    });
    assert.notEqual(threads[0]!.exitCode, null);
  });

  it('reports a file it cannot read without starting a thread', async () => {
    const { adapter, threads } = recordingAdapter();
    const path = fixturePath('no-such-file.yaml');
    await assert.rejects(new ThreadConfigLoader(adapter, LOADER_ENTRY, readTextFile).load(path), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.message, `${path}: cannot read the config file: no such file`);
      return true;
    });
    assert.equal(threads.length, 0);
  });

  it('a loader thread that dies before answering is a ConfigLoaderError, not a hang', async () => {
    const { adapter } = recordingAdapter();
    await assert.rejects(new ThreadConfigLoader(adapter, BROKEN_ENTRY, readTextFile).load(decodeURIComponent(EXAMPLE_CONFIG.pathname)), (error: unknown) => {
      assert.ok(error instanceof ConfigLoaderError, `expected a ConfigLoaderError, got ${String(error)}`);
      assert.equal(error.code, 'CONFIG_LOADER_FAILED');
      assert.match(error.message, /exited with code [1-9]\d* before answering/);
      return true;
    });
  });
});

describe('config loader answers', () => {
  it('${VAR} is resolved with the lookup it is given', () => {
    const text = MINIMAL.replace('port: 10000', 'port: ${PROXY_PORT}');
    assert.notEqual(text, MINIMAL);
    const reply = answerLoad({ t: 'load', text, fileName: 'x.yaml' }, (name) => (name === 'PROXY_PORT' ? '10101' : undefined));
    assert.equal(reply.t, 'loaded');
    assert.equal(reply.t === 'loaded' && reply.config.listeners[0]!.port, 10101);
  });

  it('an exception that is not a config problem comes back as failed, with its message', () => {
    // Main always sends text; a request without it is the loader's own failure, not the file's.
    const reply = answerLoad({ t: 'load', text: 42 as unknown as string, fileName: 'x.yaml' }, noEnv);
    assert.equal(reply.t, 'failed');
    assert.match(reply.t === 'failed' ? reply.message : '', /not a string/);
  });
});
