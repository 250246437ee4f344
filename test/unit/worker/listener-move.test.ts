import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { tick } from '../../support/memory-runtime.ts';
import { startGenerationRuntime, type GenerationRuntime } from '../../support/generation-runtime.ts';

const yaml = (port: number, cluster: string) => `
admin: { address: 127.0.0.1, port: 0 }
workers: 1
listeners:
  - name: ingress
    address: 127.0.0.1
    port: ${port}
    virtual_hosts:
      - name: all
        domains: ["*"]
        routes:
          - match: { prefix: / }
            cluster: ${cluster}
clusters:
  - name: a
    endpoints: [{ address: 127.0.0.1, port: 2 }]
  - name: b
    endpoints: [{ address: 127.0.0.1, port: 3 }]
`;

describe('a reload that moves a listener', () => {
  let w: GenerationRuntime;
  before(async () => {
    w = await startGenerationRuntime(yaml(7000, 'a'), new Set([7001]));
  });
  after(async () => {
    await w.stop();
  });

  it('binds the new port before it closes the old one', async () => {
    w.events.length = 0;
    const answer = await w.push(yaml(7002, 'a'));
    assert.deepEqual(answer.errors, []);
    assert.deepEqual(answer.listeners, [{ name: 'ingress', host: '127.0.0.1', port: 7002 }]);
    assert.deepEqual(w.events, ['bind 7002', 'close 7000']);
  });

  it('keeps the old port, with the new routes, when the new one is taken, and says so', async () => {
    w.events.length = 0;
    const answer = await w.push(yaml(7001, 'b'));
    assert.deepEqual(answer.errors, ['listener ingress: listen 127.0.0.1:7001: address in use; it keeps serving on 127.0.0.1:7002']);
    assert.deepEqual(answer.listeners, [{ name: 'ingress', host: '127.0.0.1', port: 7002 }]);
    assert.deepEqual(w.events, [], 'the old socket was not closed');
    assert.deepEqual([...w.open.keys()], [7002]);
    const client = w.accept(7002);
    client.feed(new TextEncoder().encode('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    await tick();
    assert.deepEqual(w.connects.map((c) => c.port), [3], 'the request went to cluster b, the new route');
    client.peerClose();
  });
});
