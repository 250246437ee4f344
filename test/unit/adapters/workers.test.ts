/** Worker threads through the adapter for the runtime running the tests. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAdapter } from '../../../runtime-adapters/detect.ts';
import type { WorkerHandle } from '../../../runtime-adapters/types.ts';
import { WORKER_YOUNG_GENERATION_MB } from '../../../runtime-adapters/node.ts';

const adapter = createAdapter();
const ENTRY = new URL('./fixtures/echo-worker.ts', import.meta.url).href;

interface Reply {
  kind: string;
  seen?: number;
  isMainThread?: boolean;
  value?: unknown;
}

/** Collects a worker's messages and its exit, each awaitable with a bound. */
class WorkerProbe {
  readonly worker: WorkerHandle;
  private readonly messages: Reply[] = [];
  private exitCode: number | undefined;
  private wake: (() => void) | undefined;

  constructor(worker: WorkerHandle) {
    this.worker = worker;
    worker.onMessage((m) => {
      this.messages.push(m as Reply);
      this.wake?.();
    });
    worker.onExit((code) => {
      this.exitCode = code;
      this.wake?.();
    });
  }

  async next(kind: string): Promise<Reply> {
    await this.until(() => this.messages.some((m) => m.kind === kind), `message '${kind}'`);
    const i = this.messages.findIndex((m) => m.kind === kind);
    return this.messages.splice(i, 1)[0]!;
  }

  async exit(): Promise<number> {
    await this.until(() => this.exitCode !== undefined, 'worker exit');
    return this.exitCode!;
  }

  private until(done: () => boolean, label: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${label}`)), 8000);
      const check = (): void => {
        if (!done()) return;
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      this.wake = check;
      check();
    });
  }
}

describe(`${adapter.name} adapter: workers`, () => {
  it('is the main thread here, with no parent port', () => {
    assert.equal(adapter.isMainThread(), true);
    assert.equal(adapter.parentPort(), null);
  });

  it('delivers the spawn data as the first message and shares a SharedArrayBuffer both ways', async () => {
    const counters = new SharedArrayBuffer(8);
    const view = new Int32Array(counters);
    Atomics.store(view, 1, 41);
    const probe = new WorkerProbe(adapter.spawnWorker(ENTRY, { kind: 'init', counters }));

    const ready = await probe.next('ready');
    assert.equal(ready.isMainThread, false);
    assert.equal(ready.seen, 41, 'the worker reads what main stored');
    assert.equal(Atomics.load(view, 0), 1, 'main sees what the worker added');

    probe.worker.postMessage({ kind: 'echo', value: { nested: [1, 'two'] } });
    assert.deepEqual((await probe.next('echo')).value, { nested: [1, 'two'] });

    await probe.worker.terminate();
    assert.equal(await probe.exit(), 0, 'a deliberate terminate is not a crash');
  });

  it('bounds a worker heap: V8 young generation on Node, heap control on Bun', async () => {
    const probe = new WorkerProbe(adapter.spawnWorker(ENTRY, { kind: 'init', counters: new SharedArrayBuffer(8) }));
    await probe.next('ready');
    probe.worker.postMessage({ kind: 'memory' });
    const memory = (await probe.next('memory')).value as { youngGenerationMb?: number; heapControl: boolean };
    await probe.worker.terminate();
    assert.equal(memory.heapControl, adapter.name === 'bun', 'only Bun workers trim their heap themselves');
    if (adapter.name === 'node') assert.equal(memory.youngGenerationMb, WORKER_YOUNG_GENERATION_MB);
  });

  it('reports a non-zero exit code when the worker dies of an uncaught exception', async () => {
    const probe = new WorkerProbe(adapter.spawnWorker(ENTRY, { kind: 'init', counters: new SharedArrayBuffer(8) }));
    await probe.next('ready');
    probe.worker.postMessage({ kind: 'throw' });
    assert.notEqual(await probe.exit(), 0);
    await probe.worker.terminate();
  });

  it('reports the code a worker passes to exit()', async () => {
    const probe = new WorkerProbe(adapter.spawnWorker(ENTRY, { kind: 'init', counters: new SharedArrayBuffer(8) }));
    await probe.next('ready');
    probe.worker.postMessage({ kind: 'exit', code: 3 });
    assert.equal(await probe.exit(), 3);
  });
});
