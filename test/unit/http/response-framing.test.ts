import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { downstreamFraming } from '../../../src/http/response-framing.ts';

describe('downstream response framing', () => {
  it('keeps a Content-Length response as Content-Length', () => {
    assert.deepEqual(downstreamFraming('GET', 1, 200, 'content-length', 12), {
      framing: 'content-length', length: 12, hasBody: true, chunked: false, closeDelimited: false,
    });
  });
  it('re-chunks a chunked or close-delimited body for an HTTP/1.1 client (S7)', () => {
    for (const f of ['chunked', 'until-close'] as const) {
      const r = downstreamFraming('GET', 1, 200, f, -1);
      assert.equal(r.framing, 'chunked');
      assert.equal(r.chunked, true);
    }
  });
  it('ends a length-less body with the close for an HTTP/1.0 client', () => {
    const r = downstreamFraming('GET', 0, 200, 'chunked', -1);
    assert.equal(r.framing, 'none');
    assert.equal(r.closeDelimited, true);
    assert.equal(r.hasBody, true);
  });
  it('writes no body for HEAD but keeps its Content-Length (S5)', () => {
    assert.deepEqual(downstreamFraming('HEAD', 1, 200, 'none', 5000), {
      framing: 'content-length', length: 5000, hasBody: false, chunked: false, closeDelimited: false,
    });
  });
  it('keeps the Content-Length of a 304 and drops it for a 204 (S5)', () => {
    assert.equal(downstreamFraming('GET', 1, 304, 'none', 10).framing, 'content-length');
    assert.equal(downstreamFraming('GET', 1, 204, 'none', 10).framing, 'none');
  });
  it('never declares a body for a HEAD response without a length', () => {
    assert.deepEqual(downstreamFraming('HEAD', 1, 200, 'none', -1), {
      framing: 'none', length: -1, hasBody: false, chunked: false, closeDelimited: false,
    });
  });
});
