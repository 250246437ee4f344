/** Incremental parser for responses from upstreams: S1-S14, every violation a 502. */
import { IllegalTransitionError } from '../common/errors.ts';
import type { CodecDetail } from './errors.ts';
import { ResponseHead } from './head.ts';
import { MODE_RESPONSE } from './head-parser.ts';
import {
  MessageParser,
  ST_BODY_CHUNKED,
  ST_BODY_EOF,
  ST_BODY_LENGTH,
  ST_CLOSED,
  ST_ERROR,
  ST_IDLE,
  ST_UPGRADED,
} from './message-parser.ts';
import type { BodyFraming, ResponseHandler, ResponseParserOptions } from './types.ts';

export const DEFAULT_MAX_RESPONSE_HEADERS = 80 * 1024;
export const DEFAULT_MAX_1XX = 10;

/** The handler of a parser between exchanges: nothing is fed to it then. */
const BETWEEN_EXCHANGES: ResponseHandler = {
  onInformational() {},
  onHead() {},
  onBody() {},
  onTrailers() {},
  onComplete() {},
  onError() {},
};

const EXPECT_HEAD = 1;
const EXPECT_UPGRADE = 2;
const NO_BODY = 0;

/**
 * Tell it what was asked (`expectResponseTo`) before the response can arrive, then feed upstream
 * bytes. Bytes with no request outstanding, or after a complete response, are an S8 error
 * (`http1.unsolicited_response` / `http1.data_after_response`): close that connection.
 */
export class ResponseParser extends MessageParser {
  private handler: ResponseHandler;
  private readonly max1xx: number;
  /** Outstanding requests, oldest first: EXPECT_* bits. One at a time in the proxy; more only in tests. */
  private readonly expected: number[] = [];
  private informational = 0;
  private answeredOne = false;
  private keepAlive = true;

  constructor(handler: ResponseHandler, options: ResponseParserOptions = {}) {
    const maxHead = options.maxHeaderBytes ?? DEFAULT_MAX_RESPONSE_HEADERS;
    const maxCount = options.maxHeaderCount ?? 100;
    super(handler, { mode: MODE_RESPONSE, maxBytes: maxHead, maxFields: maxCount, maxStartLine: maxHead }, 'response', options.maxBodyBytes ?? Infinity);
    this.handler = handler;
    this.max1xx = options.max1xx ?? DEFAULT_MAX_1XX;
  }

  /**
   * Hand the parser to the next exchange on the same connection (a pooled connection keeps its
   * parser, so a request allocates none). Only valid between responses (`reusable`).
   */
  attach(handler: ResponseHandler): void {
    this.handler = handler;
    this.sink = handler;
  }

  /**
   * The exchange is over and the connection goes back to its pool: the parser must not keep the
   * exchange (and the stream behind it) alive while the connection idles, or every young-generation
   * collection promotes it. Nothing is fed until the next `attach` (the pool takes an idle
   * connection's bytes itself, S8).
   */
  detach(): void {
    this.handler = BETWEEN_EXCHANGES;
    this.sink = BETWEEN_EXCHANGES;
  }

  /** An exchange receives this parser's events. */
  get attached(): boolean {
    return this.handler !== BETWEEN_EXCHANGES;
  }

  /**
   * A request was (or is about to be) sent: its method decides whether the response has a body
   * (HEAD, S5) and whether a 101 is acceptable (S6 / R16).
   */
  expectResponseTo(method: string, upgradeRequested: boolean): void {
    const st = this.st;
    if (st === ST_CLOSED || st === ST_ERROR || st === ST_UPGRADED || st > ST_UPGRADED) {
      throw new IllegalTransitionError('http1-response-parser', this.state, 'expectResponseTo');
    }
    this.expected.push((method === 'HEAD' ? EXPECT_HEAD : 0) | (upgradeRequested ? EXPECT_UPGRADE : 0));
  }

  /** Requests sent whose responses have not completed yet. */
  get outstanding(): number {
    return this.expected.length;
  }

  /**
   * Ask inside onComplete: may this upstream connection carry another request (R21 / S8)? True
   * only for a persistent, length-delimited response with no byte after it and nothing else
   * outstanding. (onError may still follow onComplete for those bytes: never reuse then.)
   */
  get reusable(): boolean {
    return this.st === ST_IDLE && this.keepAlive && this.expected.length === 0 && this.bytesAfterMessage === 0;
  }

  protected canStart(): boolean {
    if (this.expected.length !== 0) return true;
    this.fail(this.answeredOne ? 'http1.data_after_response' : 'http1.unsolicited_response');
    return false;
  }

  protected closedDetail(): CodecDetail {
    return 'http1.data_after_response';
  }

  protected headDone(): void {
    const h = this.head!;
    const f = h.facts;
    const text = h.text();
    const status = h.status;
    const minor = h.versionMinor;
    // "OK" is nearly every reason phrase: a shared constant instead of a string per response.
    const reason =
      h.reasonEnd - h.reasonStart === 2 && text.startsWith('OK', h.reasonStart) ? 'OK' : text.slice(h.reasonStart, h.reasonEnd);
    const exp = this.expected[0]!;

    if (status < 200) {
      const fields = h.fieldTable(text);
      if (status === 101) {
        // S6 / R16: a switch only when we asked for one, and to the protocol we asked for: the
        // proxy only forwards websocket upgrades, so an Upgrade naming anything else (h2c, or
        // websocket among others) would tunnel bytes neither side agreed on.
        if ((exp & EXPECT_UPGRADE) === 0 || !f.upgradeWebsocket || f.upgradeNotWebsocket) return this.fail('http1.unexpected_101');
        this.expected.shift();
        this.answeredOne = true;
        this.informational = 0;
        this.handler.onHead(new ResponseHead(status, reason, minor, fields, 'none', f.contentLength, false, true));
        this.st = ST_UPGRADED;
        this.paused = true;
        this.handler.onComplete();
        return;
      }
      if (++this.informational > this.max1xx) return this.fail('http1.too_many_1xx');
      this.handler.onInformational(new ResponseHead(status, reason, minor, fields, 'none', -1, true, false));
      if (this.st !== ST_ERROR) this.st = ST_IDLE;
      return;
    }

    // S4 / RFC 9112 §6.1: Transfer-Encoding in an HTTP/1.0 message means faulty framing, even
    // where no body is read: the sender is not the HTTP/1.1 peer it claims to be (as R3 on requests).
    if (minor === 0 && f.teLines > 0) return this.fail('http1.invalid_transfer_encoding');
    // S5: HEAD, 204 and 304 never have a body, whatever CL/TE say (CL is kept for forwarding).
    let framing: BodyFraming = 'none';
    let kind = NO_BODY;
    if ((exp & EXPECT_HEAD) === 0 && status !== 204 && status !== 304) {
      if (f.teLines > 0) {
        if (f.contentLengthLines > 0) return this.fail('http1.content_length_and_chunked_not_allowed'); // S2
        if (f.transferCoding() !== 'chunked') return this.fail('http1.invalid_transfer_encoding'); // S4
        framing = 'chunked';
        kind = ST_BODY_CHUNKED;
      } else if (f.contentLengthLines > 0) {
        if (f.contentLength > this.maxBody) return this.fail('http1.body_too_large');
        framing = 'content-length';
        kind = ST_BODY_LENGTH;
      } else {
        framing = 'until-close'; // S7
        kind = ST_BODY_EOF;
      }
    }
    const keepAlive = framing !== 'until-close' && f.persistent(minor);
    this.keepAlive = keepAlive;
    const fields = h.fieldTable(text);
    this.handler.onHead(new ResponseHead(status, reason, minor, fields, framing, f.contentLength, keepAlive, false));
    if (this.st !== ST_ERROR) this.startBody(kind, kind === ST_BODY_LENGTH ? f.contentLength : 0);
  }

  protected complete(): void {
    this.expected.shift();
    this.answeredOne = true;
    this.informational = 0;
    this.st = this.keepAlive ? ST_IDLE : ST_CLOSED;
    this.handler.onComplete();
  }

  protected afterComplete(): void {
    // Responses never stop at ST_COMPLETE; resume() only follows a user pause().
  }
}
