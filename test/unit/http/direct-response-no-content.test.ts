/** S5 on the proxy's own replies: a 204 or 304 (or 1xx) has neither body nor Content-Length. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../../src/config/errors.ts';
import { parseConfig } from '../../../src/config/parse.ts';
import type { HeadBuffer } from '../../../src/http1/head-buffer.ts';
import { ResponseWriter } from '../../../src/http/response-writer.ts';
import { ONE_ROUTE_CONFIG, startMemoryWorker, tick, type MemoryWorker } from '../../support/memory-runtime.ts';

const latin1 = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const text = (b: Uint8Array): string => String.fromCharCode(...b);

function routes(extra: string): string {
  return ONE_ROUTE_CONFIG.replace('          - match: { prefix: / }\n            cluster: origin', `${extra}\n          - match: { prefix: / }\n            cluster: origin`);
}

describe('a direct_response without content', () => {
  let w: MemoryWorker;
  before(async () => {
    w = await startMemoryWorker(
      routes(
        [
          '          - match: { prefix: /nc }',
          '            direct_response: { status: 204 }',
          '          - match: { prefix: /nm }',
          '            direct_response: { status: 304 }',
          '          - match: { prefix: /ok }',
          '            direct_response: { status: 200, body: hi }',
        ].join('\n'),
      ),
      true,
    );
  });
  after(async () => {
    await w.stop();
  });

  it('a 204 and a 304 are written without Content-Length; a 200 keeps its length and body', async () => {
    const client = w.connect();
    client.feed(latin1('GET /nc HTTP/1.1\r\nHost: a\r\n\r\nGET /nm HTTP/1.1\r\nHost: a\r\n\r\nGET /ok HTTP/1.1\r\nHost: a\r\n\r\n'));
    await tick();
    assert.equal(
      client.text(),
      'HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 304 Not Modified\r\n\r\nHTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nContent-Length: 2\r\n\r\nhi',
    );
    assert.equal(client.ended, false, 'the connection stays open: each reply ended at its head');
    client.peerClose();
  });
});

describe('ResponseWriter.local', () => {
  function written(status: number, method = 'GET'): string {
    const out: Uint8Array[] = [];
    const sink = {
      write: (b: Uint8Array) => out.push(b.slice()) > 0,
      writeRange: (c: Uint8Array, s: number, e: number) => out.push(c.slice(s, e)) > 0,
      batch: (): HeadBuffer | null => null,
    };
    new ResponseWriter(sink, method, 1).local(status, ['x-a', '1'], latin1('body'), false);
    return out.map(text).join('');
  }

  it('writes no body and no Content-Length for 1xx, 204 and 304, whatever body it is given', () => {
    assert.equal(written(204), 'HTTP/1.1 204 No Content\r\nx-a: 1\r\n\r\n');
    assert.equal(written(304), 'HTTP/1.1 304 Not Modified\r\nx-a: 1\r\n\r\n');
    assert.equal(written(103), 'HTTP/1.1 103 \r\nx-a: 1\r\n\r\n');
    assert.equal(written(200), 'HTTP/1.1 200 OK\r\nx-a: 1\r\nContent-Length: 4\r\n\r\nbody');
    assert.equal(written(200, 'HEAD'), 'HTTP/1.1 200 OK\r\nx-a: 1\r\nContent-Length: 4\r\n\r\n');
  });
});

describe('direct_response config validation', () => {
  function error(yaml: string): string {
    try {
      parseConfig(yaml, 'test.yaml', () => undefined);
    } catch (e) {
      if (e instanceof ConfigError) return e.format();
      throw e;
    }
    throw new Error('expected a ConfigError, but the config parsed');
  }

  it('rejects a body on a 204 or 304 direct_response, naming the field and what was expected', () => {
    for (const status of [204, 304]) {
      const message = error(routes(`          - match: { prefix: /x }\n            direct_response: { status: ${status}, body: gone }`));
      assert.match(
        message,
        new RegExp(`routes\\[0\\]\\.direct_response\\.body: expected no body with status ${status} \\(a ${status} response has no content\\), found "gone"`),
      );
    }
  });

  it('accepts a 204 or 304 without a body, and a body on any other status', () => {
    for (const route of ['direct_response: { status: 204 }', 'direct_response: { status: 304, body: "" }', 'direct_response: { status: 200, body: ok }']) {
      assert.doesNotThrow(() => parseConfig(routes(`          - match: { prefix: /x }\n            ${route}`), 'test.yaml', () => undefined), route);
    }
  });
});
