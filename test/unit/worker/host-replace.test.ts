import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { OK_RESPONSE, tick } from '../../support/memory-runtime.ts';
import { busyAndPending, oneRouteYaml, startGenerationRuntime, type GenerationRuntime } from '../../support/generation-runtime.ts';

const yaml = (ports: number[]) => oneRouteYaml({ app: ports }, 'app');

describe('a reload that replaces every host of a cluster', () => {
  let w: GenerationRuntime;
  before(async () => {
    w = await startGenerationRuntime(yaml([11]));
  });
  after(async () => {
    await w.stop();
  });

  it('re-picks the pending requests onto the new hosts, and the busy one finishes on its old host', async () => {
    const { busy, pending } = await busyAndPending(w);
    assert.deepEqual(w.connects.map((c) => c.port), [11], 'max_connections 1: the second request waits in the pool');

    const answer = await w.push(yaml([12]));
    assert.deepEqual(answer.errors, []);
    await tick();
    // The one connection max_connections allows is still busy on the removed host.
    assert.deepEqual(w.connects.map((c) => c.port), [11]);
    w.connects[0]!.socket.feed(OK_RESPONSE);
    assert.match(busy.text(), /^HTTP\/1\.1 200 OK\r\n[\s\S]*ok$/);
    // A pool waiting for a connection slot looks again on the cluster's maintenance tick (25 ms).
    for (let i = 0; i < 40 && w.connects.length < 2; i++) await tick();
    await tick();
    assert.deepEqual(w.connects.map((c) => c.port), [11, 12], 'then the pending request went to the new host');
    assert.match(w.connects[1]!.socket.text(), /^GET \/pending HTTP\/1\.1\r\n/);
    w.connects[1]!.socket.feed(OK_RESPONSE);
    assert.match(pending.text(), /^HTTP\/1\.1 200 OK\r\n[\s\S]*ok$/);
    busy.peerClose();
    pending.peerClose();
  });
});
