/** Incremental parser for requests from clients (downstream): R1-R19 enforced at the byte level. */
import type { CodecDetail } from './errors.ts';
import { RequestHead } from './head.ts';
import { MODE_REQUEST } from './head-parser.ts';
import {
  MessageParser,
  ST_BODY_CHUNKED,
  ST_BODY_LENGTH,
  ST_CLOSED,
  ST_COMPLETE,
  ST_IDLE,
} from './message-parser.ts';
import { analyzeTarget, TargetInfo } from './target.ts';
import type { BodyFraming, RequestHandler, RequestParserOptions } from './types.ts';

export const DEFAULT_MAX_REQUEST_LINE = 8192;
export const DEFAULT_MAX_REQUEST_HEADERS = 60 * 1024;
export const DEFAULT_MAX_HEADER_COUNT = 100;

const NO_BODY = 0;

/**
 * Feed it client bytes; it calls handler.onHead / onBody / onTrailers / onComplete / onError.
 * After onComplete it pauses (R19): call resume() to parse the next pipelined request, or
 * takeRemainder() to switch the connection to a tunnel.
 */
export class RequestParser extends MessageParser {
  private readonly handler: RequestHandler;
  private readonly requireHost: boolean;
  private readonly target = new TargetInfo();
  private keepAlive = true;

  constructor(handler: RequestHandler, options: RequestParserOptions = {}) {
    const maxLine = options.maxRequestLineBytes ?? DEFAULT_MAX_REQUEST_LINE;
    const maxHead = options.maxHeaderBytes ?? DEFAULT_MAX_REQUEST_HEADERS;
    const maxCount = options.maxHeaderCount ?? DEFAULT_MAX_HEADER_COUNT;
    super(handler, { mode: MODE_REQUEST, maxBytes: maxHead, maxFields: maxCount, maxStartLine: maxLine }, 'request', options.maxBodyBytes ?? Infinity);
    this.handler = handler;
    this.requireHost = options.requireHost ?? true;
  }

  protected canStart(): boolean {
    return true;
  }

  protected closedDetail(): CodecDetail {
    return 'http1.data_after_close';
  }

  protected headDone(): void {
    const h = this.head!;
    const f = h.facts;
    const text = h.text();
    const method = knownMethod(text, h.methodEnd) ?? text.slice(0, h.methodEnd);
    const target = text.slice(h.methodEnd + 1, h.targetEnd);
    const minor = h.versionMinor;

    if (method === 'PRI' && target === '*') return this.fail('http1.h2_preface_rejected');
    const t = this.target;
    analyzeTarget(method, target, t);
    if (t.error !== null) return this.fail(t.error);

    // R12: exactly one valid Host on HTTP/1.1 (duplicates were rejected line by line).
    if (f.hostLines === 1) {
      if (f.hostInvalid) return this.fail('http1.invalid_host');
    } else if (minor === 1 && this.requireHost) {
      return this.fail('http1.missing_host_header');
    }

    // R1 / R3 / R2.
    let framing: BodyFraming = 'none';
    let kind = NO_BODY;
    const cl = f.contentLength;
    if (f.teLines > 0) {
      if (f.contentLengthLines > 0) return this.fail('http1.content_length_and_chunked_not_allowed');
      const coding = f.transferCoding();
      if (minor === 0 || coding === 'malformed') return this.fail('http1.invalid_transfer_encoding');
      if (coding === 'unsupported') return this.fail('http1.unsupported_transfer_encoding');
      framing = 'chunked';
      kind = ST_BODY_CHUNKED;
    } else if (f.contentLengthLines > 0) {
      if (cl > this.maxBody) return this.fail('http1.body_too_large');
      framing = 'content-length';
      kind = ST_BODY_LENGTH;
    }

    // R16: CONNECT carries no content and always asks for a tunnel. An upgrade request never has
    // a body (whatever protocol it names: we do not implement "body, then switch"), and only a
    // websocket one is an upgrade: h2c and other protocols go upstream as a plain request,
    // without the Upgrade field.
    let upgrade = false;
    if (method === 'CONNECT') {
      if (kind === ST_BODY_CHUNKED || cl > 0) return this.fail('http1.body_disallowed');
      upgrade = true;
    } else if (minor === 1 && f.connUpgrade && f.upgradeOtherThanH2c) {
      if (kind === ST_BODY_CHUNKED || cl > 0) return this.fail('http1.upgrade_with_body');
      upgrade = f.upgradeWebsocket;
    }

    // R15.
    if (f.expectOther) return this.fail('http1.expectation_failed');

    const keepAlive = f.persistent(minor);
    this.keepAlive = keepAlive;
    const fields = h.fieldTable(text);
    const host = t.authority ?? (f.hostLines === 1 ? fields.value(f.hostField) : null);
    this.handler.onHead(
      new RequestHead(
        method,
        target,
        t.path,
        t.form,
        minor,
        fields,
        host,
        framing,
        cl,
        keepAlive,
        upgrade,
        f.expectContinue && minor === 1,
      ),
    );
    this.startBody(kind, cl);
  }

  protected complete(): void {
    this.st = ST_COMPLETE;
    this.paused = true;
    this.handler.onComplete();
  }

  protected afterComplete(): void {
    this.st = this.keepAlive ? ST_IDLE : ST_CLOSED;
  }
}

/** The common methods as shared constants: no string made per request for them. */
function knownMethod(text: string, n: number): string | null {
  switch (n) {
    case 3:
      return text.startsWith('GET') ? 'GET' : text.startsWith('PUT') ? 'PUT' : null;
    case 4:
      return text.startsWith('POST') ? 'POST' : text.startsWith('HEAD') ? 'HEAD' : null;
    case 5:
      return text.startsWith('PATCH') ? 'PATCH' : null;
    case 6:
      return text.startsWith('DELETE') ? 'DELETE' : null;
    case 7:
      return text.startsWith('OPTIONS') ? 'OPTIONS' : null;
    default:
      return null;
  }
}
