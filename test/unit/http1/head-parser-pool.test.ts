/** Parsers borrow their head scanner from the thread's pool only while a head is being read. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HEAD_PARSERS } from '../../../src/http1/head-parser-pool.ts';
import { RequestParser } from '../../../src/http1/request-parser.ts';
import { ResponseParser } from '../../../src/http1/response-parser.ts';
import type { RequestHead, ResponseHead } from '../../../src/http1/head.ts';
import type { RequestHandler, ResponseHandler } from '../../../src/http1/types.ts';
import { bytes } from './helpers.ts';

class Heads implements RequestHandler, ResponseHandler {
  readonly heads: Array<RequestHead | ResponseHead> = [];
  readonly errors: string[] = [];
  trailers: string[] = [];
  completed = 0;
  onInformational(): void {}
  onHead(h: RequestHead | ResponseHead): void {
    this.heads.push(h);
  }
  onBody(): void {}
  onTrailers(fields: string[]): void {
    this.trailers = fields;
  }
  onComplete(): void {
    this.completed++;
  }
  onError(e: { detail: string }): void {
    this.errors.push(e.detail);
  }
}

/** A field's value from a head's flat name/value list; names compare case-insensitively. */
function field(head: RequestHead | ResponseHead | undefined, name: string): string | undefined {
  const list = head?.headers ?? [];
  for (let i = 0; i < list.length; i += 2) if (list[i]!.toLowerCase() === name) return list[i + 1];
  return undefined;
}

const request = (path: string, extra = ''): Uint8Array => bytes(`GET ${path} HTTP/1.1\r\nHost: a.example\r\n${extra}\r\n`);

describe('head scanner pool', () => {
  it('a thousand parsers reading whole heads share a scanner or two instead of one each', () => {
    const before = HEAD_PARSERS.created;
    const parsers: Array<{ parser: RequestParser; log: Heads }> = [];
    for (let i = 0; i < 1000; i++) {
      const log = new Heads();
      parsers.push({ parser: new RequestParser(log), log });
    }
    for (let round = 0; round < 3; round++) {
      for (const [i, { parser }] of parsers.entries()) {
        parser.feed(request(`/${round}/${i}`));
        parser.resume();
      }
    }
    assert.ok(HEAD_PARSERS.created - before <= 1, `scanners made: ${HEAD_PARSERS.created - before}`);
    for (const [i, { log }] of parsers.entries()) {
      assert.deepEqual(log.heads.map((h) => (h as RequestHead).path), [`/0/${i}`, `/1/${i}`, `/2/${i}`]);
    }
  });

  it('a head split across reads keeps its scanner, and other parsers meanwhile read theirs with another', () => {
    const a = new Heads();
    const b = new Heads();
    const pa = new RequestParser(a);
    const pb = new RequestParser(b);
    const whole = request('/first', 'X-Long: ' + 'a'.repeat(200) + '\r\n');
    pa.feed(whole.subarray(0, 40));
    // While /first is half read, another connection's complete head goes through.
    pb.feed(request('/second', 'X-Other: b\r\n'));
    pa.feed(whole.subarray(40));
    assert.deepEqual(a.errors, []);
    assert.deepEqual(b.errors, []);
    assert.equal((a.heads[0] as RequestHead).path, '/first');
    assert.equal(field(a.heads[0], 'x-long'), 'a'.repeat(200));
    assert.equal(field(a.heads[0], 'x-other'), undefined);
    assert.equal((b.heads[0] as RequestHead).path, '/second');
    assert.equal(field(b.heads[0], 'x-other'), 'b');
  });

  it('each parser keeps its own limits on a scanner the last borrower used with other limits', () => {
    const roomy = new Heads();
    const strict = new Heads();
    const big = 'X-Big: ' + 'b'.repeat(3000) + '\r\n';
    new RequestParser(roomy, { maxHeaderBytes: 64 * 1024 }).feed(request('/roomy', big));
    new RequestParser(strict, { maxHeaderBytes: 1024 }).feed(request('/strict', big));
    new RequestParser(roomy, { maxHeaderBytes: 64 * 1024 }).feed(request('/roomy-again', big));
    assert.deepEqual(roomy.errors, []);
    assert.equal(roomy.heads.length, 2);
    assert.deepEqual(strict.errors, ['http1.headers_too_large']);
  });

  it('a response scanner serves trailers too, and goes back after every head and error', () => {
    const before = HEAD_PARSERS.created;
    for (let i = 0; i < 50; i++) {
      const log = new Heads();
      const p = new ResponseParser(log);
      p.expectResponseTo('GET', false);
      p.feed(bytes(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-Trailer: ${i}\r\n\r\n`));
      assert.deepEqual(log.errors, []);
      assert.equal(log.completed, 1);
      assert.deepEqual(log.trailers, ['X-Trailer', String(i)]);
      const bad = new Heads();
      const q = new ResponseParser(bad);
      q.expectResponseTo('GET', false);
      q.feed(bytes('HTTP/1.1 200 OK\r\nBad Header: x\r\n\r\n'));
      assert.equal(bad.errors.length, 1);
    }
    assert.ok(HEAD_PARSERS.created - before <= 1, `scanners made: ${HEAD_PARSERS.created - before}`);
  });
});
