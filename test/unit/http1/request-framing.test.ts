/** R1-R4: request body framing — Content-Length, Transfer-Encoding and chunked syntax. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bytes, parseOneRequest, requestError, runRequests } from './helpers.ts';

const H = 'Host: example.com\r\n';

function post(fields: string, body = ''): string {
  return `POST /p HTTP/1.1\r\n${H}${fields}\r\n${body}`;
}

describe('R1: Transfer-Encoding together with Content-Length', () => {
  for (const [what, fields] of [
    ['chunked + CL', 'Transfer-Encoding: chunked\r\nContent-Length: 5\r\n'],
    ['CL first, then chunked', 'Content-Length: 5\r\nTransfer-Encoding: chunked\r\n'],
    ['CL: 0 + chunked', 'Content-Length: 0\r\nTransfer-Encoding: chunked\r\n'],
    ['identity + CL', 'Transfer-Encoding: identity\r\nContent-Length: 5\r\n'],
    [',chunked + CL', 'Transfer-Encoding: ,chunked\r\nContent-Length: 5\r\n'],
  ] as const) {
    it(`R1: ${what} is answered 400 content_length_and_chunked_not_allowed`, () => {
      const e = requestError(post(fields, '5\r\nhello\r\n0\r\n\r\n'));
      assert.equal(e?.detail, 'http1.content_length_and_chunked_not_allowed');
      assert.equal(e?.status, 400);
    });
  }
});

describe('R2: Content-Length is exactly one 1*DIGIT', () => {
  it('R2: leading zeros and OWS around the value are fine (007 is 7)', () => {
    const m = parseOneRequest(post('Content-Length: \t007 \r\n', 'abcdefg'));
    assert.equal(m.head.contentLength, 7);
    assert.equal(m.head.framing, 'content-length');
    assert.equal(m.body, 'abcdefg');
  });
  for (const v of ['+5', '-5', '0x5', '5e2', '5.0', '5,5', '5, 5', '', '1 2', '٥', '9007199254740992', '99999999999999999999']) {
    it(`R2: Content-Length ${JSON.stringify(v)} is answered 400 invalid_content_length`, () => {
      const e = requestError(post(`Content-Length: ${v}\r\n`, 'hello'));
      assert.equal(e?.detail, 'http1.invalid_content_length');
      assert.equal(e?.status, 400);
    });
  }
  it('R2: 2^53-1 is the largest length accepted (exact integer)', () => {
    const o = runRequests(bytes(post('Content-Length: 9007199254740991\r\n')));
    assert.equal(o.error, null);
    assert.equal(o.messages[0]!.head.contentLength, Number.MAX_SAFE_INTEGER);
  });
  it('R2: two Content-Length lines, even identical, are answered 400', () => {
    const e = requestError(post('Content-Length: 5\r\nContent-Length: 5\r\n', 'hello'));
    assert.equal(e?.detail, 'http1.multiple_content_length');
    assert.equal(e?.status, 400);
  });
  it('R2: a length above the configured body limit is answered 413', () => {
    const e = requestError(post('Content-Length: 11\r\n', 'hello world'), { maxBodyBytes: 10 });
    assert.equal(e?.detail, 'http1.body_too_large');
    assert.equal(e?.status, 413);
  });
  it('R2: Content_Length (underscore) is an ordinary field, never framing', () => {
    const o = runRequests(bytes(post('Content_Length: 5\r\n', 'hello')));
    assert.equal(o.messages[0]!.head.framing, 'none');
    assert.equal(o.messages[0]!.body, '');
  });
});

describe('R3: Transfer-Encoding must be a single chunked', () => {
  for (const v of ['chunked', 'Chunked', 'CHUNKED', '\tchunked ', ' chunked']) {
    it(`R3: ${JSON.stringify(v)} gives chunked framing`, () => {
      const m = parseOneRequest(post(`Transfer-Encoding: ${v}\r\n`, '5\r\nhello\r\n0\r\n\r\n'));
      assert.equal(m.head.framing, 'chunked');
      assert.equal(m.body, 'hello');
    });
  }
  for (const [v, status, detail] of [
    ['gzip, chunked', 501, 'http1.unsupported_transfer_encoding'],
    ['deflate, chunked', 501, 'http1.unsupported_transfer_encoding'],
    ['identity', 501, 'http1.unsupported_transfer_encoding'],
    ['gzip', 501, 'http1.unsupported_transfer_encoding'],
    ['"chunked"', 501, 'http1.unsupported_transfer_encoding'],
    ['chunk', 501, 'http1.unsupported_transfer_encoding'],
    ['chunkedchunked', 501, 'http1.unsupported_transfer_encoding'],
    ['\xa0chunked', 501, 'http1.unsupported_transfer_encoding'],
    ['chunked, gzip', 400, 'http1.invalid_transfer_encoding'],
    ['chunked, chunked', 400, 'http1.invalid_transfer_encoding'],
    [',chunked', 400, 'http1.invalid_transfer_encoding'],
    ['chunked,', 400, 'http1.invalid_transfer_encoding'],
    ['gzip,,chunked', 400, 'http1.invalid_transfer_encoding'],
    ['', 400, 'http1.invalid_transfer_encoding'],
    ['\x0bchunked', 400, 'http1.invalid_characters'],
  ] as const) {
    it(`R3: Transfer-Encoding ${JSON.stringify(v)} is answered ${status}`, () => {
      const e = requestError(post(`Transfer-Encoding: ${v}\r\n`, '5\r\nhello\r\n0\r\n\r\n'));
      assert.equal(e?.detail, detail);
      assert.equal(e?.status, status);
    });
  }
  it('R3: Transfer-Encoding gzip, chunked is answered 501', () => {
    assert.equal(requestError(post('Transfer-Encoding: gzip, chunked\r\n'))?.status, 501);
  });
  it('R3: two Transfer-Encoding: chunked lines make two elements: 400', () => {
    const e = requestError(post('Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n', '0\r\n\r\n'));
    assert.equal(e?.detail, 'http1.invalid_transfer_encoding');
  });
  it('R3: a second TE line with another coding after chunked: 400 (chunked not last)', () => {
    const e = requestError(post('Transfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n', '0\r\n\r\n'));
    assert.equal(e?.status, 400);
  });
  it('R3: HTTP/1.0 with Transfer-Encoding is answered 400', () => {
    const e = requestError('POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n');
    assert.equal(e?.detail, 'http1.invalid_transfer_encoding');
    assert.equal(e?.status, 400);
  });
});

function chunked(body: string, opts = {}): ReturnType<typeof requestError> {
  return requestError(post('Transfer-Encoding: chunked\r\n', body), opts);
}

describe('R4: chunked body syntax', () => {
  it('R4: sizes are 1-16 hex digits, any case, leading zeros allowed; data is reassembled', () => {
    const m = parseOneRequest(post('Transfer-Encoding: chunked\r\n', '00000A\r\n0123456789\r\nf\r\nabcdefghijklmno\r\n0000\r\n\r\n'));
    assert.equal(m.body, '0123456789abcdefghijklmno');
    assert.equal(m.complete, true);
  });
  for (const size of ['0x5', '+5', '-5', '5_', ' 5', '\t5', 'g', '']) {
    it(`R4: chunk size ${JSON.stringify(size)} is answered 400 invalid_chunk_size`, () => {
      assert.equal(chunked(`${size}\r\nhello\r\n0\r\n\r\n`)?.detail, 'http1.invalid_chunk_size');
    });
  }
  it('R4: whitespace after the size not followed by ";" (5 \\r\\n) is answered 400', () => {
    assert.equal(chunked('5 \r\nhello\r\n0\r\n\r\n')?.detail, 'http1.invalid_chunk_size');
  });
  it('R4: 17 hex digits are too many, even with leading zeros', () => {
    assert.equal(chunked('00000000000000005\r\nhello\r\n0\r\n\r\n')?.detail, 'http1.chunk_size_too_large');
  });
  it('R4: a size above 2^53-1 is rejected digit by digit (no precision loss)', () => {
    assert.equal(chunked('20000000000000\r\n')?.detail, 'http1.chunk_size_too_large');
    assert.equal(chunked('1fffffffffffff\r\nab')?.detail ?? null, null);
  });
  it('R4: chunk sizes adding up above the body limit are answered 413', () => {
    const e = chunked('6\r\nhello \r\n6\r\nworld!\r\n0\r\n\r\n', { maxBodyBytes: 10 });
    assert.equal(e?.detail, 'http1.body_too_large');
    assert.equal(e?.status, 413);
  });
  it('R4: data not followed by CRLF is answered 400', () => {
    assert.equal(chunked('5\r\nhelloX\r\n0\r\n\r\n')?.detail, 'http1.invalid_chunk_terminator');
    assert.equal(chunked('5\r\nhello\n0\r\n\r\n')?.detail, 'http1.invalid_chunk_terminator');
    assert.equal(chunked('3\r\nhello\r\n0\r\n\r\n')?.detail, 'http1.invalid_chunk_terminator');
  });
  for (const ext of [';a', ';a=b', ';a="q \\" x"', ' ;a', '\t; a = b', ';a;b=c;d="e"', ';a=b ;c']) {
    it(`R4: chunk extension ${JSON.stringify(ext)} is valid and discarded`, () => {
      const m = parseOneRequest(post('Transfer-Encoding: chunked\r\n', `5${ext}\r\nhello\r\n0${ext}\r\n\r\n`));
      assert.equal(m.body, 'hello');
    });
  }
  for (const ext of [';', '; ', ';a=', ';a="x', ';a b', ';a=b ', ';a ', ';@', ';a="\x01"', ';a=b\rc', ';a=b\n']) {
    it(`R4: chunk extension ${JSON.stringify(ext)} is answered 400`, () => {
      const e = chunked(`5${ext}\r\nhello\r\n0\r\n\r\n`);
      assert.ok(e !== null && e.status === 400, String(e?.detail));
    });
  }
  it('R4: extensions are bounded (4 KiB per size line)', () => {
    assert.equal(chunked(`5;a="${'x'.repeat(5000)}"\r\nhello\r\n0\r\n\r\n`)?.detail, 'http1.invalid_chunk_extension');
  });
  it('R4: trailer fields are validated like header fields and reported separately', () => {
    const m = parseOneRequest(post('Transfer-Encoding: chunked\r\n', '5\r\nhello\r\n0\r\nX-Sum: 1\r\nX-Two: 2\r\n\r\n'));
    assert.deepEqual(m.trailers, ['X-Sum', '1', 'X-Two', '2']);
    assert.deepEqual(m.head.headers.includes('X-Sum'), false);
    assert.equal(chunked('5\r\nhello\r\n0\r\nBad Name: 1\r\n\r\n')?.detail, 'http1.whitespace_before_colon');
    assert.equal(chunked('5\r\nhello\r\n0\r\nX: a\r\n b\r\n\r\n')?.detail, 'http1.obs_fold_rejected');
    assert.equal(chunked('5\r\nhello\r\n0\r\nX: a\x00\r\n\r\n')?.detail, 'http1.invalid_characters');
  });
  it('R4: trailers obey the header count limit (431)', () => {
    const e = chunked('0\r\n' + 'X: 1\r\n'.repeat(5) + '\r\n', { maxHeaderCount: 4 });
    assert.equal(e?.detail, 'http1.too_many_headers');
    assert.equal(e?.status, 431);
  });
  it('R4: an error after the head was reported comes after onHead, never with onComplete', () => {
    const o = runRequests(bytes(post('Transfer-Encoding: chunked\r\n', '5\r\nhel')));
    assert.equal(o.error, null);
    const bad = runRequests(bytes(post('Transfer-Encoding: chunked\r\n', '5\r\nhelloXX')));
    assert.equal(bad.messages.length, 1);
    assert.equal(bad.messages[0]!.complete, false);
    assert.equal(bad.error?.detail, 'http1.invalid_chunk_terminator');
  });
});
