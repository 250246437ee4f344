/** The state machine both parsers share: input queueing, pause/resume, body framing, trailers, EOF. */
import { IllegalTransitionError } from '../common/errors.ts';
import { CR, LF } from './chars.ts';
import { ChunkedDecoder, CS_DATA, CS_TRAILERS } from './chunked.ts';
import { HttpCodecError, type CodecDetail, type CodecSide } from './errors.ts';
import type { HeadParser } from './head-parser.ts';
import { HEAD_PARSERS } from './head-parser-pool.ts';
import type { MessageHandler, ParserState } from './types.ts';

export const ST_IDLE = 0;
const ST_IDLE_LF = 1;
export const ST_HEAD = 2;
export const ST_BODY_LENGTH = 3;
export const ST_BODY_CHUNKED = 4;
const ST_TRAILERS = 5;
export const ST_BODY_EOF = 6;
/** A message completed and the parser waits for the owner (request: resume / takeRemainder). */
export const ST_COMPLETE = 7;
export const ST_CLOSED = 8;
export const ST_UPGRADED = 9;
const ST_DETACHED = 10;
export const ST_ERROR = 11;

const STATE_NAMES: ParserState[] = [
  'idle', 'idle', 'head', 'body', 'body', 'body', 'body', 'paused', 'closed', 'upgraded', 'detached', 'error',
];

/** Empty lines (CRLF) tolerated before a start line (R14). */
const MAX_EMPTY_LINES = 8;

/** Which start line a parser's heads have, and its limits (R10, S11): the scanner it borrows is set to them. */
export interface HeadLimits {
  mode: number;
  maxBytes: number;
  maxFields: number;
  maxStartLine: number;
}

export abstract class MessageParser {
  protected st = ST_IDLE;
  protected paused = false;
  protected readonly chunked = new ChunkedDecoder();
  /** Content-Length bytes still to deliver. */
  protected remaining = 0;
  /** Close-delimited body bytes seen (limit). */
  protected eofBody = 0;
  protected readonly maxBody: number;
  private emptyLines = 0;
  private queue: Uint8Array[] = [];
  private running = false;
  private finished = false;
  /** finish() arrived while input was still queued behind a pause. */
  private eofPending = false;
  /** Unparsed bytes in the current chunk when the last message completed (S8 / R19). */
  protected tail = 0;

  protected sink: MessageHandler;
  /** The head scanner, borrowed from the thread's pool from a head's first byte to its end. */
  protected head: HeadParser | null = null;
  private readonly side: CodecSide;
  private readonly limits: HeadLimits;

  protected constructor(sink: MessageHandler, limits: HeadLimits, side: CodecSide, maxBody: number) {
    this.sink = sink;
    this.limits = limits;
    this.side = side;
    this.maxBody = maxBody;
  }

  /** Where the parser is; 'head' means a message has started (connection managers: 408 vs idle). */
  get state(): ParserState {
    if (this.paused && this.st < ST_COMPLETE) return 'paused';
    return STATE_NAMES[this.st]!;
  }

  /** Bytes received but not parsed yet (pipelined data behind a pause). Bound it (R19). */
  get bufferedBytes(): number {
    let n = 0;
    for (const c of this.queue) n += c.length;
    return n;
  }

  /** Inside onComplete: how many received bytes follow the message that just ended. */
  get bytesAfterMessage(): number {
    return this.tail + this.bufferedBytes;
  }

  /** Give the parser the next bytes from the peer. Protocol errors go to onError, never thrown. */
  feed(chunk: Uint8Array): void {
    const st = this.st;
    if (st === ST_ERROR) return;
    if (st === ST_DETACHED || this.finished) throw new IllegalTransitionError('http1-parser', STATE_NAMES[st]!, 'feed');
    if (chunk.length === 0) return;
    if (this.running || this.paused || this.queue.length !== 0) {
      this.queue.push(chunk);
      return;
    }
    this.running = true;
    try {
      this.parse(chunk, 0);
      if (this.queue.length !== 0) this.pump();
    } finally {
      this.running = false;
    }
  }

  /** Stop parsing after the current event; input keeps being queued until resume(). */
  pause(): void {
    if (this.st === ST_DETACHED) throw new IllegalTransitionError('http1-parser', 'detached', 'pause');
    if (this.st !== ST_ERROR) this.paused = true;
  }

  /** Continue after pause() or, for requests, after a completed message (R19). */
  resume(): void {
    if (this.st === ST_ERROR) return;
    if (!this.paused || this.st === ST_UPGRADED || this.st === ST_DETACHED) {
      throw new IllegalTransitionError('http1-parser', this.state, 'resume');
    }
    this.paused = false;
    if (this.st === ST_COMPLETE) this.afterComplete();
    if (this.running) return;
    this.running = true;
    try {
      this.pump();
    } finally {
      this.running = false;
    }
  }

  /**
   * The peer closed its side. Completes a close-delimited body; reports a truncated message
   * (`http1.premature_eof`); otherwise just marks the parser closed.
   */
  finish(): void {
    if (this.finished || this.st === ST_ERROR || this.st === ST_DETACHED) return;
    if (this.queue.length !== 0 || this.paused) {
      this.eofPending = true;
      return;
    }
    this.applyEof();
  }

  /**
   * Hand over the unparsed bytes after a protocol switch (an upgrade request that got its 101,
   * a CONNECT, an accepted 101 response). The parser is done afterwards.
   */
  takeRemainder(): Uint8Array {
    if (this.st !== ST_COMPLETE && this.st !== ST_UPGRADED) {
      throw new IllegalTransitionError('http1-parser', this.state, 'takeRemainder');
    }
    this.st = ST_DETACHED;
    const q = this.queue;
    this.queue = [];
    if (q.length === 0) return new Uint8Array(0);
    if (q.length === 1) return q[0]!;
    let n = 0;
    for (const c of q) n += c.length;
    const out = new Uint8Array(n);
    let at = 0;
    for (const c of q) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }

  /** Report a protocol error once and ignore every later byte (R18). */
  protected fail(detail: CodecDetail): void {
    this.st = ST_ERROR;
    this.returnHead();
    this.queue = [];
    this.sink.onError(new HttpCodecError(detail, this.side));
  }

  private borrowHead(trailers: boolean): HeadParser {
    const l = this.limits;
    const h = this.head ?? HEAD_PARSERS.acquire(l.mode, l.maxBytes, l.maxFields, l.maxStartLine);
    this.head = h;
    h.begin(trailers);
    return h;
  }

  private returnHead(): void {
    const h = this.head;
    if (h === null) return;
    this.head = null;
    HEAD_PARSERS.release(h);
  }

  /** A head finished: decide framing, emit onHead, and move to a body state or complete(). */
  protected abstract headDone(): void;
  /** May a new message start here? If not, it must call fail() (responses: S8). */
  protected abstract canStart(): boolean;
  /** The message ended: emit onComplete and pick the next state. */
  protected abstract complete(): void;
  /** resume() after ST_COMPLETE: where to go next. */
  protected abstract afterComplete(): void;
  /** Bytes arrived after a non-persistent message. */
  protected abstract closedDetail(): CodecDetail;

  /** Start the body (or finish at once) per the framing decided in headDone(). */
  protected startBody(framing: number, length: number): void {
    if (framing === ST_BODY_LENGTH) {
      if (length === 0) return this.complete();
      this.remaining = length;
      this.st = ST_BODY_LENGTH;
    } else if (framing === ST_BODY_CHUNKED) {
      this.chunked.reset(this.maxBody);
      this.st = ST_BODY_CHUNKED;
    } else if (framing === ST_BODY_EOF) {
      this.eofBody = 0;
      this.st = ST_BODY_EOF;
    } else {
      this.complete();
    }
  }

  private pump(): void {
    while (this.queue.length !== 0 && !this.paused && this.st !== ST_ERROR) {
      this.parse(this.queue.shift()!, 0);
    }
    if (this.eofPending && this.queue.length === 0 && !this.paused) {
      this.eofPending = false;
      this.applyEof();
    }
  }

  private applyEof(): void {
    const st = this.st;
    this.finished = true;
    this.tail = 0;
    if (st === ST_BODY_EOF) this.complete();
    else if (st === ST_HEAD || st === ST_IDLE_LF || (st >= ST_BODY_LENGTH && st <= ST_TRAILERS)) {
      this.fail('http1.premature_eof');
      return;
    }
    if (this.st !== ST_ERROR && this.st !== ST_UPGRADED && this.st !== ST_COMPLETE) this.st = ST_CLOSED;
  }

  private parse(buf: Uint8Array, pos: number): void {
    const end = buf.length;
    const handler = this.sink;
    while (pos < end) {
      if (this.paused) {
        this.queue.unshift(pos === 0 ? buf : buf.subarray(pos));
        return;
      }
      switch (this.st) {
        case ST_IDLE: {
          if (!this.canStart()) return;
          const c = buf[pos]!;
          if (c === CR) {
            if (++this.emptyLines > MAX_EMPTY_LINES) return this.fail('http1.too_many_empty_lines');
            pos++;
            this.st = ST_IDLE_LF;
          } else if (c === LF) {
            return this.fail('http1.bare_lf');
          } else {
            this.emptyLines = 0;
            this.borrowHead(false);
            this.st = ST_HEAD;
          }
          break;
        }
        case ST_IDLE_LF:
          if (buf[pos] !== LF) return this.fail('http1.bare_cr');
          pos++;
          this.st = ST_IDLE;
          break;
        case ST_HEAD: {
          const head = this.head!;
          pos = head.scan(buf, pos);
          if (head.error !== null) return this.fail(head.error);
          if (head.done) {
            this.tail = end - pos;
            // headDone reads the scanner's results; it goes back to the pool once that returns
            // (or already went back, if headDone failed the message).
            this.headDone();
            this.returnHead();
          }
          break;
        }
        case ST_BODY_LENGTH: {
          const n = Math.min(this.remaining, end - pos);
          const from = pos;
          pos += n;
          this.remaining -= n;
          handler.onBody(buf, from, pos);
          if (this.remaining === 0 && this.st === ST_BODY_LENGTH) {
            this.tail = end - pos;
            this.complete();
          }
          break;
        }
        case ST_BODY_CHUNKED: {
          const d = this.chunked;
          if (d.state === CS_DATA) {
            const n = Math.min(d.remaining, end - pos);
            const from = pos;
            pos += n;
            d.remaining -= n;
            if (d.remaining === 0) d.dataDone();
            handler.onBody(buf, from, pos);
            break;
          }
          pos = d.scan(buf, pos, end);
          if (d.error !== null) return this.fail(d.error);
          if (d.state === CS_TRAILERS) {
            this.borrowHead(true);
            this.st = ST_TRAILERS;
          }
          break;
        }
        case ST_TRAILERS: {
          const head = this.head!;
          pos = head.scan(buf, pos);
          if (head.error !== null) return this.fail(head.error);
          if (head.done) {
            const trailers = head.fieldCount !== 0 ? head.fieldTable(head.text()).strings() : null;
            this.returnHead();
            if (trailers !== null) handler.onTrailers(trailers);
            this.tail = end - pos;
            if (this.st === ST_TRAILERS) this.complete();
          }
          break;
        }
        case ST_BODY_EOF: {
          this.eofBody += end - pos;
          if (this.eofBody > this.maxBody) return this.fail('http1.body_too_large');
          handler.onBody(buf, pos, end);
          pos = end;
          break;
        }
        case ST_CLOSED:
          return this.fail(this.closedDetail());
        case ST_COMPLETE:
        case ST_UPGRADED:
          this.queue.unshift(pos === 0 ? buf : buf.subarray(pos));
          return;
        default:
          return;
      }
    }
  }
}
