/** The parsers' contract with their owners: events, pause/resume, hand-over, EOF, illegal calls. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IllegalTransitionError } from '../../../src/common/errors.ts';
import { RequestParser } from '../../../src/http1/request-parser.ts';
import { ResponseParser } from '../../../src/http1/response-parser.ts';
import type { RequestHead } from '../../../src/http1/head.ts';
import type { RequestHandler, ResponseHandler } from '../../../src/http1/types.ts';
import { bytes, latin1 } from './helpers.ts';

const H = 'Host: example.com\r\n';

class Log implements RequestHandler, ResponseHandler {
  events: string[] = [];
  /** The chunk each body piece was reported in. */
  chunks: Uint8Array[] = [];
  heads: RequestHead[] = [];
  onInformational(h: { status: number }): void {
    this.events.push(`info ${h.status}`);
  }
  onHead(h: RequestHead | { status: number }): void {
    if ('path' in h) this.heads.push(h);
    this.events.push('path' in h ? `head ${h.path}` : `head ${h.status}`);
  }
  onBody(c: Uint8Array, start: number, end: number): void {
    this.chunks.push(c);
    this.events.push(`body ${latin1(c.subarray(start, end))}`);
  }
  onTrailers(f: string[]): void {
    this.events.push(`trailers ${f.join(',')}`);
  }
  onComplete(): void {
    this.events.push('complete');
  }
  onError(e: { detail: string }): void {
    this.events.push(`error ${e.detail}`);
  }
}

describe('request parser contract', () => {
  it('body pieces are reported as ranges of the fed chunk, not copies', () => {
    const log = new Log();
    const p = new RequestParser(log);
    const input = bytes(`POST / HTTP/1.1\r\n${H}Content-Length: 5\r\n\r\nhello`);
    p.feed(input);
    assert.equal(log.chunks[0], input);
    assert.deepEqual(log.events, ['head /', 'body hello', 'complete']);
    const chunked = bytes(`POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`);
    const log2 = new Log();
    new RequestParser(log2).feed(chunked);
    assert.equal(log2.chunks[0], chunked);
  });

  it('state follows idle → head → body → paused → idle', () => {
    const log = new Log();
    const p = new RequestParser(log);
    assert.equal(p.state, 'idle');
    p.feed(bytes('\r\n'));
    assert.equal(p.state, 'idle');
    p.feed(bytes('POS'));
    assert.equal(p.state, 'head');
    p.feed(bytes(`T / HTTP/1.1\r\n${H}Content-Length: 2\r\n\r\na`));
    assert.equal(p.state, 'body');
    p.feed(bytes('b'));
    assert.equal(p.state, 'paused');
    p.resume();
    assert.equal(p.state, 'idle');
  });

  it('pause() inside onBody stops parsing; input is queued until resume()', () => {
    const log = new Log();
    const p: RequestParser = new RequestParser({
      ...handlers(log),
      onBody(c: Uint8Array, s: number, e: number) {
        log.onBody(c, s, e);
        p.pause();
      },
    });
    const input = `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n1\r\na\r\n1\r\nb\r\n0\r\n\r\n`;
    p.feed(bytes(input));
    assert.deepEqual(log.events, ['head /', 'body a']);
    assert.equal(p.state, 'paused');
    p.feed(bytes('GET /2'));
    p.resume();
    assert.deepEqual(log.events, ['head /', 'body a', 'body b']);
    p.resume();
    assert.deepEqual(log.events.slice(2), ['body b', 'complete']);
    p.resume();
    assert.equal(p.state, 'head');
  });

  it('resume() inside onComplete continues with the next pipelined request at once', () => {
    const log = new Log();
    const p: RequestParser = new RequestParser({
      ...handlers(log),
      onComplete() {
        log.onComplete();
        p.resume();
      },
    });
    p.feed(bytes(`GET /a HTTP/1.1\r\n${H}\r\nGET /b HTTP/1.1\r\n${H}\r\n`));
    assert.deepEqual(log.events, ['head /a', 'complete', 'head /b', 'complete']);
  });

  it('feed() from inside a callback is queued behind the current input', () => {
    const log = new Log();
    let fed = false;
    const p: RequestParser = new RequestParser({
      ...handlers(log),
      onHead(h: RequestHead) {
        log.onHead(h);
        if (!fed) {
          fed = true;
          p.feed(bytes('de'));
        }
      },
    });
    p.feed(bytes(`POST / HTTP/1.1\r\n${H}Content-Length: 5\r\n\r\nabc`));
    assert.deepEqual(log.events, ['head /', 'body abc', 'body de', 'complete']);
  });

  it('illegal calls throw IllegalTransitionError', () => {
    const p = new RequestParser(new Log());
    assert.throws(() => p.resume(), IllegalTransitionError);
    assert.throws(() => p.takeRemainder(), IllegalTransitionError);
    p.feed(bytes(`GET / HTTP/1.1\r\n${H}\r\nrest`));
    assert.equal(latin1(p.takeRemainder()), 'rest');
    assert.throws(() => p.feed(bytes('x')), IllegalTransitionError);
    const q = new RequestParser(new Log());
    q.finish();
    assert.throws(() => q.feed(bytes('x')), IllegalTransitionError);
  });

  it('finish() mid-message reports premature_eof; between messages it just closes', () => {
    const log = new Log();
    const p = new RequestParser(log);
    p.feed(bytes(`POST / HTTP/1.1\r\n${H}Content-Length: 5\r\n\r\nab`));
    p.finish();
    assert.deepEqual(log.events.slice(-1), ['error http1.premature_eof']);
    const idle = new Log();
    const q = new RequestParser(idle);
    q.finish();
    assert.deepEqual(idle.events, []);
    assert.equal(q.state, 'closed');
  });

  it('finish() while paused applies once the queued bytes are parsed', () => {
    const log = new Log();
    const p = new RequestParser(log);
    p.feed(bytes(`GET /a HTTP/1.1\r\n${H}\r\nGET /b HTT`));
    p.finish();
    assert.deepEqual(log.events, ['head /a', 'complete']);
    p.resume();
    assert.deepEqual(log.events.slice(-1), ['error http1.premature_eof']);
  });

  it('after a Connection: close request, resume() refuses further requests', () => {
    const log = new Log();
    const p = new RequestParser(log);
    p.feed(bytes(`GET / HTTP/1.1\r\n${H}Connection: close\r\n\r\nGET / HTTP/1.1\r\n`));
    assert.equal(log.heads[0]!.keepAlive, false);
    p.resume();
    assert.deepEqual(log.events.slice(-1), ['error http1.data_after_close']);
  });

  it('bufferedBytes reports what waits behind a pause (R19 bound)', () => {
    const p = new RequestParser(new Log());
    p.feed(bytes(`GET / HTTP/1.1\r\n${H}\r\n`));
    p.feed(new Uint8Array(1000));
    assert.equal(p.bufferedBytes, 1000);
  });

  it('head.get() finds a field case-insensitively', () => {
    const log = new Log();
    new RequestParser(log).feed(bytes(`GET / HTTP/1.1\r\n${H}X-Test: 1\r\nx-test: 2\r\n\r\n`));
    assert.equal(log.heads[0]!.get('x-test'), '1');
    assert.equal(log.heads[0]!.get('nope'), undefined);
  });
});

describe('response parser contract', () => {
  it('expectResponseTo() after a closing response or an error throws', () => {
    const p = new ResponseParser(new Log());
    p.expectResponseTo('GET', false);
    p.feed(bytes('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'));
    assert.throws(() => p.expectResponseTo('GET', false), IllegalTransitionError);
  });

  it('one parser serves consecutive exchanges on a kept-alive connection', () => {
    const log = new Log();
    const p = new ResponseParser(log);
    for (const body of ['one', 'two']) {
      p.expectResponseTo('GET', false);
      assert.equal(p.outstanding, 1);
      p.feed(bytes(`HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n${body}`));
      assert.equal(p.outstanding, 0);
    }
    assert.deepEqual(log.events, ['head 200', 'body one', 'complete', 'head 200', 'body two', 'complete']);
  });

  it('finish() on an idle connection with a request outstanding reports nothing (the owner sees UC)', () => {
    const log = new Log();
    const p = new ResponseParser(log);
    p.expectResponseTo('GET', false);
    p.finish();
    assert.deepEqual(log.events, []);
    assert.equal(p.state, 'closed');
  });

  it('R21/S8: reusable, asked inside onComplete, is false when bytes follow the response in the same read', () => {
    const verdicts: boolean[] = [];
    const errors: string[] = [];
    const run = (raw: string): void => {
      const p: ResponseParser = new ResponseParser({
        ...new Log(),
        onInformational: () => {},
        onHead: () => {},
        onBody: () => {},
        onTrailers: () => {},
        onComplete: () => verdicts.push(p.reusable),
        onError: (e) => errors.push(e.detail),
      });
      p.expectResponseTo('GET', false);
      p.feed(bytes(raw));
      p.finish();
    };
    run('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    run('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n\r\n');
    run('HTTP/1.1 204 No Content\r\n\r\n\r\n');
    run('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nX');
    run('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    run('HTTP/1.1 200 OK\r\n\r\nuntil close');
    assert.deepEqual(verdicts, [true, false, false, false, false, false]);
    assert.deepEqual(errors, ['http1.data_after_response', 'http1.data_after_response', 'http1.data_after_response']);
  });

  it('bytesAfterMessage tells a request owner, inside onComplete, that pipelined bytes wait', () => {
    const seen: number[] = [];
    const p: RequestParser = new RequestParser({ ...handlers(new Log()), onComplete: () => seen.push(p.bytesAfterMessage) });
    p.feed(bytes(`GET / HTTP/1.1\r\n${H}\r\nGET /2`));
    assert.deepEqual(seen, [6]);
  });

  it('after an accepted 101, resume() is illegal and takeRemainder() hands over the tunnel bytes', () => {
    const p = new ResponseParser(new Log());
    p.expectResponseTo('GET', true);
    p.feed(bytes('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\nab'));
    p.feed(bytes('cd'));
    assert.equal(p.state, 'upgraded');
    assert.throws(() => p.resume(), IllegalTransitionError);
    assert.equal(latin1(p.takeRemainder()), 'abcd');
    assert.equal(p.state, 'detached');
  });
});

function handlers(log: Log): RequestHandler {
  return {
    onHead: (h) => log.onHead(h),
    onBody: (c, s, e) => log.onBody(c, s, e),
    onTrailers: (f) => log.onTrailers(f),
    onComplete: () => log.onComplete(),
    onError: (e) => log.onError(e),
  };
}
