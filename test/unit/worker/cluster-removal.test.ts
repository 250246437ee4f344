/** A reload that removes a cluster while one of its requests waits in a pool (the worker used to throw). */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { OK_RESPONSE, tick } from '../../support/memory-runtime.ts';
import { busyAndPending, oneRouteYaml, startGenerationRuntime, type GenerationRuntime } from '../../support/generation-runtime.ts';

const yaml = (clusters: string[], target: string) => oneRouteYaml(Object.fromEntries(clusters.map((c, i) => [c, [11 + i]])), target);

describe('a reload that removes a cluster with a request pending in its pool', () => {
  let w: GenerationRuntime;
  before(async () => {
    w = await startGenerationRuntime(yaml(['app', 'other'], 'app'));
  });
  after(async () => {
    await w.stop();
  });

  it('is applied, the pending request gets 503 and the busy one finishes on its connection', async () => {
    const { busy, pending } = await busyAndPending(w);
    assert.equal(w.connects.length, 1, 'max_connections 1: the second request waits in the pool');

    const answer = await w.push(yaml(['other'], 'other'));
    assert.deepEqual(answer.errors, []);
    await tick();
    assert.match(pending.text(), /^HTTP\/1\.1 503 Service Unavailable\r\n[\s\S]*no healthy upstream$/);
    w.connects[0]!.socket.feed(OK_RESPONSE);
    assert.match(busy.text(), /^HTTP\/1\.1 200 OK\r\n[\s\S]*ok$/);
    assert.equal(w.connects.length, 1, 'nothing connected to the removed cluster after the reload');
    busy.peerClose();
    pending.peerClose();
  });
});
