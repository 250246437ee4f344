/** Bun web Workers: the parent side handle, and the worker scope its parent port talks through. */
import type { WorkerHandle } from './types.ts';

/**
 * A web Worker as Bun runs it. What Bun 1.4.5 delivers (verified): `close` always comes, with
 * `code`: n after `process.exit(n)` in the worker, 0 after `terminate()`, 1 after an uncaught
 * exception under `bun run` — but 0 after an unhandled rejection, and 0 for every crash under
 * `bun test`. A crash is always preceded by `error` (an ErrorEvent; Bun prints the error
 * itself), so a close after an error reports at least 1.
 */
export class BunWorkerHandle implements WorkerHandle {
  readonly id: number;
  private readonly worker: Worker;
  private messageFns: Array<(message: unknown) => void> = [];
  private early: unknown[] = [];
  private exitFns: Array<(code: number) => void> = [];
  private exitCode: number | null = null;
  private crashed = false;
  private readonly exited: Promise<void>;
  private markExited!: () => void;

  constructor(id: number, entry: string, data: unknown) {
    this.id = id;
    this.exited = new Promise((resolve) => { this.markExited = resolve; });
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

  onMessage(fn: (message: unknown) => void): void {
    this.messageFns.push(fn);
    if (this.early.length > 0) {
      const early = this.early;
      this.early = [];
      for (const m of early) this.deliver(m);
    }
  }

  onExit(fn: (code: number) => void): void {
    if (this.exitCode !== null) {
      const code = this.exitCode;
      queueMicrotask(() => fn(code));
    } else {
      this.exitFns.push(fn);
    }
  }

  async terminate(): Promise<void> {
    if (this.exitCode !== null) return;
    this.worker.terminate();
    await this.exited;
  }

  private deliver(message: unknown): void {
    if (this.messageFns.length === 0) {
      this.early.push(message);
      return;
    }
    for (const fn of this.messageFns) fn(message);
  }

  private finish(code: number): void {
    if (this.exitCode !== null) return;
    this.exitCode = code;
    for (const fn of this.exitFns) fn(code);
    this.exitFns = [];
    this.markExited();
  }
}

/** The worker's global scope, as far as messaging goes. */
export interface WorkerScope {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
}
