/** Spawns the worker threads, hands each its snapshot, waits for their listeners, and replaces any that die. */
import type { RuntimeAdapter, WorkerHandle } from '../../runtime-adapters/types.ts';
import type { Logger } from '../common/log.ts';
import { ProxyError } from '../common/errors.ts';
import type { MainToWorker, WorkerToMain, ListenerBound } from '../ipc/messages.ts';

/** What the supervisor needs from the rest of main: the init message and a sink for worker messages. */
export interface SupervisorHooks {
  /** `incarnation` is 0 for the first worker in a slot and counts its replacements. */
  initMessage(workerId: number, incarnation: number): MainToWorker;
  onMessage(workerId: number, message: WorkerToMain): void;
  /** A worker was replaced: per-worker state main keeps (stats segments, pending asks) must be reset. */
  onWorkerRestart?(workerId: number): void;
  /** A worker thread ended (crashed, or stopped during shutdown). */
  onWorkerExit?(workerId: number): void;
}

export class WorkerStartError extends ProxyError {
  constructor(message: string) {
    super('WORKER_START_FAILED', message);
    this.name = 'WorkerStartError';
  }
}

type SlotState = 'starting' | 'running' | 'stopping' | 'exited';

interface Slot {
  id: number;
  handle: WorkerHandle;
  state: SlotState;
  incarnation: number;
  bound: ListenerBound[];
  startedAt: number;
}

const RESTART_BACKOFF_MS = [0, 100, 500, 1000, 5000];
/** A worker that lived this long before dying is treated as healthy again (back-off resets). */
const STABLE_AFTER_MS = 30_000;

export class WorkerSupervisor {
  private readonly slots: Slot[] = [];
  private readonly waiters = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private restarts = new Map<number, number>();
  private stopping = false;

  private readonly adapter: RuntimeAdapter;
  private readonly entry: string;
  private readonly count: number;
  private readonly hooks: SupervisorHooks;
  private readonly log: Logger;

  constructor(adapter: RuntimeAdapter, entry: string, count: number, hooks: SupervisorHooks, log: Logger) {
    this.adapter = adapter;
    this.entry = entry;
    this.count = count;
    this.hooks = hooks;
    this.log = log;
  }

  get workerCount(): number {
    return this.count;
  }

  /** Spawn every worker; resolves when all have bound their listeners, rejects on the first bind failure. */
  async start(): Promise<ListenerBound[][]> {
    const ready: Promise<void>[] = [];
    for (let id = 0; id < this.count; id++) ready.push(this.spawn(id, 0));
    await Promise.all(ready);
    return this.slots.map((s) => s.bound);
  }

  send(workerId: number, message: MainToWorker): boolean {
    const slot = this.slots[workerId];
    if (!slot || slot.state === 'exited') return false;
    slot.handle.postMessage(message);
    return true;
  }

  broadcast(message: MainToWorker): void {
    for (const slot of this.slots) {
      if (slot.state === 'running' || slot.state === 'starting' || slot.state === 'stopping') {
        slot.handle.postMessage(message);
      }
    }
  }

  /** Workers whose thread has not ended (a drain waits only for these). */
  liveWorkerIds(): number[] {
    return this.slots.filter((s) => s.state !== 'exited').map((s) => s.id);
  }

  isRunning(workerId: number): boolean {
    return this.slots[workerId]?.state === 'running';
  }

  /** No more restarts: the process is shutting down. */
  beginShutdown(): void {
    this.stopping = true;
    for (const slot of this.slots) if (slot.state !== 'exited') slot.state = 'stopping';
  }

  async terminateAll(): Promise<void> {
    this.beginShutdown();
    await Promise.all(this.slots.map((s) => (s.state === 'exited' ? undefined : s.handle.terminate())));
  }

  private spawn(id: number, incarnation: number): Promise<void> {
    const handle = this.adapter.spawnWorker(this.entry, this.hooks.initMessage(id, incarnation));
    const slot: Slot = { id, handle, state: 'starting', incarnation, bound: [], startedAt: this.adapter.now() };
    this.slots[id] = slot;
    const ready = new Promise<void>((resolve, reject) => this.waiters.set(id, { resolve, reject }));
    handle.onMessage((m) => this.onMessage(slot, m as WorkerToMain));
    handle.onExit((code) => this.onExit(slot, code));
    return ready;
  }

  private onMessage(slot: Slot, message: WorkerToMain): void {
    if (this.slots[slot.id] !== slot) return; // a replaced worker's late message
    if (message.t === 'listening') {
      slot.bound = message.listeners;
      if (slot.state === 'starting') slot.state = 'running';
      const waiter = this.waiters.get(slot.id);
      this.waiters.delete(slot.id);
      waiter?.resolve();
      if (slot.incarnation > 0) {
        this.log.info(`worker ${slot.id} replaced and listening`, { worker: slot.id, incarnation: slot.incarnation });
      }
    } else if (message.t === 'start-failed') {
      const waiter = this.waiters.get(slot.id);
      this.waiters.delete(slot.id);
      waiter?.reject(new WorkerStartError(`worker ${slot.id}: ${message.error}`));
      if (!waiter) this.log.error(`worker ${slot.id} failed to start: ${message.error}`, { worker: slot.id });
    }
    this.hooks.onMessage(slot.id, message);
  }

  private onExit(slot: Slot, code: number): void {
    if (this.slots[slot.id] !== slot) return;
    const wasStopping = this.stopping || slot.state === 'stopping';
    slot.state = 'exited';
    this.hooks.onWorkerExit?.(slot.id);
    const waiter = this.waiters.get(slot.id);
    if (waiter) {
      this.waiters.delete(slot.id);
      waiter.reject(new WorkerStartError(`worker ${slot.id} exited with code ${code} before its listeners were bound`));
      return;
    }
    if (wasStopping) return;
    const lived = this.adapter.now() - slot.startedAt;
    if (lived > STABLE_AFTER_MS) this.restarts.set(slot.id, 0);
    const attempt = this.restarts.get(slot.id) ?? 0;
    this.restarts.set(slot.id, attempt + 1);
    const delay = RESTART_BACKOFF_MS[Math.min(attempt, RESTART_BACKOFF_MS.length - 1)] ?? 5000;
    this.log.error(`worker ${slot.id} died (exit code ${code}); starting a replacement in ${delay} ms`, {
      worker: slot.id,
      exitCode: code,
    });
    setTimeout(() => {
      if (this.stopping) return;
      this.hooks.onWorkerRestart?.(slot.id);
      this.spawn(slot.id, slot.incarnation + 1).catch((e: Error) => {
        this.log.error(`replacement for worker ${slot.id} failed: ${e.message}`, { worker: slot.id });
      });
    }, delay);
  }
}
