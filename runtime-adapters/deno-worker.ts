/** Deno web Workers: the parent side handle, the exit message that stands in for an exit event, and the worker scope. */
import { WorkerHandleBase } from './worker-handle-base.ts';

/** Posted by a worker's `exit()` just before it stops: Deno's Worker has no exit event. */
export const EXIT_KEY = '__runtimeAdapterExit';

function exitCodeOf(message: unknown): number | null {
  if (typeof message !== 'object' || message === null || !(EXIT_KEY in message)) return null;
  const code = (message as Record<string, unknown>)[EXIT_KEY];
  return typeof code === 'number' ? code : 0;
}

/**
 * A web Worker as Deno runs it. What Deno 2.9.6 delivers (verified): an uncaught exception or
 * unhandled rejection fires `error` on the Worker and the worker stops (without preventDefault
 * the error also takes down this thread); `Deno.exit(n)` / `self.close()` in the worker deliver
 * nothing, and the code is lost. So: `error` → onExit(1); the adapter's `exit(code)` posts the
 * code first; `terminate()` → onExit(0). A worker that stops any other way is not reported.
 */
export class DenoWorkerHandle extends WorkerHandleBase {
  private readonly worker: Worker;

  constructor(id: number, entry: string, data: unknown) {
    super(id);
    this.worker = new Worker(entry, { type: 'module' });
    this.worker.addEventListener('message', (event: MessageEvent) => {
      const code = exitCodeOf(event.data);
      if (code === null) this.deliver(event.data);
      else this.finish(code);
    });
    this.worker.addEventListener('error', (event: ErrorEvent) => {
      event.preventDefault();
      this.worker.terminate();
      this.finish(1);
    });
    this.worker.postMessage(data);
  }

  postMessage(message: unknown): void {
    if (this.exitCode === null) this.worker.postMessage(message);
  }

  terminate(): Promise<void> {
    if (this.exitCode === null) {
      this.worker.terminate();
      this.finish(0);
    }
    return Promise.resolve();
  }
}

/** The worker's global scope, as far as messaging goes. */
export interface WorkerScope {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
}

export function inWorker(): boolean {
  return typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== 'undefined';
}
