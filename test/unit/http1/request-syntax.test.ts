/** R5-R10: line endings, field syntax and the request line. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestHead } from '../../../src/http1/head.ts';
import { bytes, latin1, parseOneRequest, requestError, runRequests } from './helpers.ts';

const H = 'Host: example.com\r\n';

describe('R5: bare LF and bare CR', () => {
  for (const [where, raw, detail] of [
    ['request line (LF)', `GET / HTTP/1.1\n${H}\r\n`, 'http1.bare_lf'],
    ['request line (CR)', `GET / HTTP/1.1\rX: 1\r\n${H}\r\n`, 'http1.bare_cr'],
    ['field line (LF)', `GET / HTTP/1.1\r\n${H}X: 1\n\r\n`, 'http1.bare_lf'],
    ['field line (CR)', `GET / HTTP/1.1\r\n${H}X: 1\rY: 2\r\n\r\n`, 'http1.bare_cr'],
    ['end of head (LF)', `GET / HTTP/1.1\r\n${H}\n`, 'http1.bare_lf'],
    ['end of head (CR)', `GET / HTTP/1.1\r\n${H}\rX`, 'http1.bare_cr'],
    ['chunk size line (LF)', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n`, 'http1.invalid_chunk_size'],
    ['chunk size line (CR)', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5\rhello\r\n0\r\n\r\n`, 'http1.bare_cr'],
    ['last chunk (LF)', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n0\n\r\n`, 'http1.invalid_chunk_size'],
    ['trailer section end (LF)', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n0\r\n\n`, 'http1.bare_lf'],
  ] as const) {
    it(`R5: bare ${detail.endsWith('lf') || where.includes('LF') ? 'LF' : 'CR'} in the ${where} is answered 400`, () => {
      const e = requestError(raw);
      assert.equal(e?.detail, detail);
      assert.equal(e?.status, 400);
    });
  }
});

describe('R6: obs-fold', () => {
  it('R6: a field line starting with SP after a field is answered 400 obs_fold_rejected', () => {
    assert.equal(requestError(`GET / HTTP/1.1\r\n${H}X: a\r\n b\r\n\r\n`)?.detail, 'http1.obs_fold_rejected');
  });
  it('R6: a folded Transfer-Encoding (smuggler linewrapped1) is answered 400', () => {
    const e = requestError(`POST / HTTP/1.1\r\n${H}Transfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n`);
    assert.equal(e?.detail, 'http1.obs_fold_rejected');
  });
});

describe('R7: whitespace before the colon, whitespace-led first line', () => {
  it('R7: "Transfer-Encoding : chunked" is answered 400', () => {
    assert.equal(requestError(`POST / HTTP/1.1\r\n${H}Transfer-Encoding : chunked\r\n\r\n`)?.detail, 'http1.whitespace_before_colon');
  });
  it('R7: a tab before the colon is answered 400', () => {
    assert.equal(requestError(`GET / HTTP/1.1\r\n${H}X\t: 1\r\n\r\n`)?.detail, 'http1.whitespace_before_colon');
  });
  it('R7: a whitespace-led line right after the request line is answered 400', () => {
    assert.equal(requestError(`GET / HTTP/1.1\r\n ${H}\r\n`)?.detail, 'http1.whitespace_before_first_field');
    assert.equal(requestError(`GET / HTTP/1.1\r\n\tContent-Length: 3\r\n${H}\r\nabc`)?.detail, 'http1.whitespace_before_first_field');
  });
});

describe('R8: field names', () => {
  for (const [what, line, detail] of [
    ['empty name', ': x', 'http1.invalid_header_name'],
    ['"@" in name', 'Fo@: x', 'http1.invalid_header_name'],
    ['0x85 in name', 'Content-Length\x85: 3', 'http1.invalid_header_name'],
    ['NUL in name', 'X\x00Y: 1', 'http1.invalid_header_name'],
    ['no colon', 'JustAName', 'http1.missing_colon'],
  ] as const) {
    it(`R8: ${what} is answered 400`, () => {
      assert.equal(requestError(`GET / HTTP/1.1\r\n${H}${line}\r\n\r\n`)?.detail, detail);
    });
  }
  it('R8: underscores and every tchar are valid in names, and names keep their case', () => {
    const m = parseOneRequest(`GET / HTTP/1.1\r\n${H}X_Under!#$%&'*+-.^_\`|~9: v\r\n\r\n`);
    assert.deepEqual(m.head.headers, ['Host', 'example.com', "X_Under!#$%&'*+-.^_`|~9", 'v']);
  });
});

describe('R9: field values', () => {
  for (const [what, c] of [['NUL', '\x00'], ['VT', '\x0b'], ['FF', '\x0c'], ['DEL', '\x7f'], ['ESC', '\x1b'], ['0x01', '\x01']] as const) {
    it(`R9: ${what} in a value is answered 400 invalid_characters`, () => {
      const e = requestError(`GET / HTTP/1.1\r\n${H}X: a${c}b\r\n\r\n`);
      assert.equal(e?.detail, 'http1.invalid_characters');
      assert.equal(e?.status, 400);
    });
  }
  it('R9: obs-text (0x80-0xFF, including 0x80-0x9F) is kept byte for byte, never trimmed', () => {
    const raw = `GET / HTTP/1.1\r\n${H}X: \xa0\x80caf\xe9\x9f\xff\xa0\r\n\r\n`;
    const m = parseOneRequest(raw);
    assert.equal(m.head.headers[3], '\xa0\x80caf\xe9\x9f\xff\xa0');
    assert.equal(latin1(bytes(m.head.headers[3]!)), '\xa0\x80caf\xe9\x9f\xff\xa0');
  });
  it('R9: only SP and HTAB are trimmed around values; HTAB inside is kept', () => {
    const m = parseOneRequest(`GET / HTTP/1.1\r\n${H}X: \t a\tb \t\r\nY:\r\nZ:   \r\n\r\n`);
    assert.deepEqual(m.head.headers.slice(2), ['X', 'a\tb', 'Y', '', 'Z', '']);
  });
  it('R9: non-ASCII in Host makes it invalid (400)', () => {
    assert.equal(requestError('GET / HTTP/1.1\r\nHost: caf\xe9.example\r\n\r\n')?.detail, 'http1.invalid_host');
  });
});

describe('R10: request line', () => {
  it('R10: extension methods are tokens and are kept as sent (case-sensitive)', () => {
    for (const method of ['FOO', 'get', 'M-SEARCH', 'X_Y!']) {
      assert.equal((parseOneRequest(`${method} / HTTP/1.1\r\n${H}\r\n`).head as RequestHead).method, method);
    }
  });
  for (const [what, line, detail, status] of [
    ['a method longer than 32 bytes', `${'A'.repeat(33)} / HTTP/1.1`, 'http1.invalid_method', 400],
    ['a non-token method', 'G@T / HTTP/1.1', 'http1.invalid_method', 400],
    ['two spaces after the method', 'GET  / HTTP/1.1', 'http1.invalid_url', 400],
    ['two spaces before the version', 'GET /  HTTP/1.1', 'http1.invalid_version', 400],
    ['a tab separator', 'GET\t/ HTTP/1.1', 'http1.invalid_method', 400],
    ['a leading space', ' GET / HTTP/1.1', 'http1.invalid_method', 400],
    ['a space after the version', 'GET / HTTP/1.1 ', 'http1.invalid_version', 400],
    ['a non-ASCII target byte', 'GET /caf\xe9 HTTP/1.1', 'http1.invalid_url', 400],
    ['a DEL in the target', 'GET /a\x7fb HTTP/1.1', 'http1.invalid_url', 400],
    ['a #fragment', 'GET /a#b HTTP/1.1', 'http1.fragment_in_target', 400],
    ['HTTP/1.10', 'GET / HTTP/1.10', 'http1.invalid_version', 400],
    ['a lowercase protocol name', 'GET / http/1.1', 'http1.invalid_version', 400],
    ['HTTP/11', 'GET / HTTP/11', 'http1.invalid_version', 400],
    ['HTTP/0.9 (no version)', 'GET /', 'http1.http09_rejected', 400],
    ['HTTP/2.0', 'GET / HTTP/2.0', 'http1.unsupported_version', 505],
    ['HTTP/1.2', 'GET / HTTP/1.2', 'http1.unsupported_version', 505],
    ['HTTP/0.9 with a version', 'GET / HTTP/0.9', 'http1.unsupported_version', 505],
    ['RTSP/1.0', 'GET / RTSP/1.0', 'http1.invalid_version', 400],
  ] as const) {
    it(`R10: ${what} is answered ${status}`, () => {
      const e = requestError(`${line}\r\n${H}\r\n`);
      assert.equal(e?.detail, detail);
      assert.equal(e?.status, status);
    });
  }
  it('R10: errors in the version are found before the line ends (no waiting for CRLF)', () => {
    assert.equal(runRequests(bytes('GET / HTTP/5.6')).error?.status, 505);
    assert.equal(runRequests(bytes('GET / HTTQ')).error?.detail, 'http1.invalid_version');
  });
  it('R10: HTTP/1.0 and HTTP/1.1 set versionMinor', () => {
    assert.equal(parseOneRequest('GET / HTTP/1.0\r\n\r\n').head.versionMinor, 0);
    assert.equal(parseOneRequest(`GET / HTTP/1.1\r\n${H}\r\n`).head.versionMinor, 1);
  });
});
