/** Shared helpers for the admin unit tests: an app over a fake source with a manual clock. */
import type { Hono } from 'hono';
import { createAdminApp } from '../../../src/admin/app.ts';
import { ManualClock } from '../../support/manual-clock.ts';
import { FakeAdminSource } from './fake-source.ts';

export interface Harness {
  source: FakeAdminSource;
  clock: ManualClock;
  app: Hono;
  errors: { error: unknown; where: string }[];
}

export function harness(workerTimeoutMs = 1000, extra: { loopbackOnly?: boolean } = {}): Harness {
  const source = new FakeAdminSource();
  const clock = new ManualClock();
  const errors: Harness['errors'] = [];
  const app = createAdminApp(source, {
    clock,
    workerTimeoutMs,
    onError: (error, where) => errors.push({ error, where }),
    ...extra,
  });
  return { source, clock, app, errors };
}

/** Lets promise callbacks run until `done()` holds (bounded: no timers, no sleeps). */
export async function settle(done: () => boolean, rounds = 10_000): Promise<void> {
  for (let i = 0; i < rounds && !done(); i++) await Promise.resolve();
  if (!done()) throw new Error('condition not reached after microtask rounds');
}

/** Resolves `promise` while driving the manual clock: waits for a timer to be set, then fires it. */
export async function advanceWhilePending<T>(clock: ManualClock, answer: T | Promise<T>, ms: number): Promise<T> {
  await settle(() => clock.pending() > 0);
  clock.advance(ms);
  return answer;
}
