import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatResponseFlags, hasFlag, ResponseFlag, responseFlagNames } from '../../../src/http/response-flags.ts';

describe('response flags', () => {
  it('no flags print as -', () => {
    assert.equal(formatResponseFlags(0), '-');
  });

  it('several flags share one number and print comma-separated in Envoy order', () => {
    const f = ResponseFlag.URX | ResponseFlag.UF;
    assert.equal(formatResponseFlags(f), 'UF,URX');
    assert.equal(formatResponseFlags(ResponseFlag.UPE | ResponseFlag.DC | ResponseFlag.UH), 'UH,DC,UPE');
    assert.deepEqual(responseFlagNames(f), ['UF', 'URX']);
  });

  it('hasFlag tests one bit', () => {
    const f = ResponseFlag.UT | ResponseFlag.URX;
    assert.equal(hasFlag(f, ResponseFlag.UT), true);
    assert.equal(hasFlag(f, ResponseFlag.UC), false);
  });

  it('every flag is a distinct single bit', () => {
    const values = Object.values(ResponseFlag);
    assert.equal(new Set(values).size, values.length);
    for (const v of values) assert.equal(v & (v - 1), 0);
  });

  it('the same combination formats to the same string each time', () => {
    const f = ResponseFlag.LR | ResponseFlag.DC;
    assert.equal(formatResponseFlags(f), formatResponseFlags(f));
    assert.equal(formatResponseFlags(f), 'LR,DC');
  });
});
