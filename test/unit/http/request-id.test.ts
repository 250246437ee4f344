import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RequestIdGenerator } from '../../../src/http/request-id.ts';

describe('request ids', () => {
  it('are RFC 4122 version 4 UUIDs, all different, across pool refills', () => {
    const gen = new RequestIdGenerator();
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const id = gen.next();
      assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      seen.add(id);
    }
    assert.equal(seen.size, 2000);
  });
});
