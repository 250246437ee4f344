/** A reload that removes a cluster while one of its requests waits in a pool (the worker used to throw). */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { OK_RESPONSE, tick } from '../../support/memory-runtime.ts';
import { startGenerationRuntime, type GenerationRuntime } from '../../support/generation-runtime.ts';

const yaml = (clusters: string[], target: string) => `
admin: { address: 127.0.0.1, port: 0 }
workers: 1
listeners:
  - name: ingress
    address: 127.0.0.1
    port: 7100
    virtual_hosts:
      - name: all
        domains: ["*"]
        routes:
          - match: { prefix: / }
            cluster: ${target}
clusters:
${clusters.map((c, i) => `  - name: ${c}
    circuit_breakers: { max_connections: 1 }
    endpoints:
      - { address: 127.0.0.1, port: ${11 + i} }`).join('\n')}
`;

const enc = new TextEncoder();

describe('a reload that removes a cluster with a request pending in its pool', () => {
  let w: GenerationRuntime;
  before(async () => {
    w = await startGenerationRuntime(yaml(['app', 'other'], 'app'));
  });
  after(async () => {
    await w.stop();
  });

  it('is applied, the pending request gets 503 and the busy one finishes on its connection', async () => {
    const busy = w.accept(7100);
    busy.feed(enc.encode('GET /busy HTTP/1.1\r\nHost: x\r\n\r\n'));
    await tick();
    const pending = w.accept(7100);
    pending.feed(enc.encode('GET /pending HTTP/1.1\r\nHost: x\r\n\r\n'));
    await tick();
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
