/** A reload answers once every live worker confirmed the generation, or said why it could not. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GenerationWait, type GenerationOutcome } from '../../../src/main/generation-wait.ts';
import { ManualClock } from '../../support/manual-clock.ts';

/** The outcome once settled, or null while the wait still holds the answer. */
function track(p: Promise<GenerationOutcome>): { value: GenerationOutcome | null } {
  const box: { value: GenerationOutcome | null } = { value: null };
  void p.then((v) => {
    box.value = v;
  });
  return box;
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('generation wait', () => {
  it('answers when the last worker confirms, with the errors each reported', async () => {
    const wait = new GenerationWait(new ManualClock(), 5000);
    const out = track(wait.start(2, [0, 1]));
    wait.applied(0, 2, []);
    await settle();
    assert.equal(out.value, null, 'worker 1 has not confirmed');
    wait.applied(1, 2, ['listeners[0] (a): port taken']);
    await settle();
    assert.deepEqual(out.value, { errors: ['worker 1: listeners[0] (a): port taken'], notes: [] });
  });

  it('ignores a confirmation of another generation', async () => {
    const wait = new GenerationWait(new ManualClock(), 5000);
    const out = track(wait.start(3, [0]));
    wait.applied(0, 2, []);
    await settle();
    assert.equal(out.value, null);
  });

  it('names each worker silent after the timeout', async () => {
    const clock = new ManualClock();
    const wait = new GenerationWait(clock, 5000);
    const out = track(wait.start(4, [0, 1]));
    wait.applied(0, 4, []);
    clock.advance(5000);
    await settle();
    assert.deepEqual(out.value?.errors, ['worker 1: did not confirm generation 4 within 5000 ms']);
  });

  it('a worker that exits before confirming no longer holds the answer, and is named in a note', async () => {
    const clock = new ManualClock();
    const wait = new GenerationWait(clock, 5000);
    const out = track(wait.start(5, [0, 1]));
    wait.applied(0, 5, []);
    wait.exited(1);
    await settle();
    assert.deepEqual(out.value, { errors: [], notes: ['worker 1 exited before confirming generation 5; its replacement starts with it'] });
    assert.equal(clock.pending(), 0, 'the timeout was cancelled');
  });

  it('a newer wait answers the older one at once with what it had', async () => {
    const wait = new GenerationWait(new ManualClock(), 5000);
    const older = track(wait.start(6, [0]));
    const newer = track(wait.start(7, [0]));
    await settle();
    assert.deepEqual(older.value, { errors: [], notes: [] });
    wait.applied(0, 7, []);
    await settle();
    assert.deepEqual(newer.value, { errors: [], notes: [] });
  });

  it('with no live worker answers at once', async () => {
    const out = track(new GenerationWait(new ManualClock(), 5000).start(8, []));
    await settle();
    assert.deepEqual(out.value, { errors: [], notes: [] });
  });
});
