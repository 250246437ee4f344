/** Bun web Workers: the parent side handle, and the worker scope its parent port talks through. */
import { WorkerHandleBase } from './worker-handle-base.ts';

/**
 * A web Worker as Bun runs it. What Bun 1.4.5 delivers (verified): `close` always comes, with
 * `code`: n after `process.exit(n)` in the worker, 0 after `terminate()`, 1 after an uncaught
 * exception under `bun run` — but 0 after an unhandled rejection, and 0 for every crash under
 * `bun test`. A crash is always preceded by `error` (an ErrorEvent; Bun prints the error
 * itself), so a close after an error reports at least 1.
 */
export class BunWorkerHandle extends WorkerHandleBase {
  private readonly worker: Worker;
  private crashed = false;

  constructor(id: number, entry: string, data: unknown) {
    super(id);
    this.worker = new Worker(entry);
    this.worker.addEventListener('message', (event: MessageEvent) => this.deliver(event.data));
    this.worker.addEventListener('error', () => { this.crashed = true; });
    this.worker.addEventListener('close', (event: Event) => {
      const code = (event as Event & { code?: unknown }).code;
      const reported = typeof code === 'number' ? code : 0;
      this.finish(reported === 0 && this.crashed ? 1 : reported);
    });
    this.worker.postMessage(data);
  }

  postMessage(message: unknown): void {
    if (this.exitCode === null) this.worker.postMessage(message);
  }

  async terminate(): Promise<void> {
    if (this.exitCode !== null) return;
    this.worker.terminate();
    await this.exited;
  }
}

/** The worker's global scope, as far as messaging goes. */
export interface WorkerScope {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
}
