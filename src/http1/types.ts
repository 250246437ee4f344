/** Public types of the HTTP/1 codec: body framing, parser limits and the event handler interfaces. */
import type { HttpCodecError } from './errors.ts';
import type { RequestHead, ResponseHead } from './head.ts';

/** How a message body is delimited (RFC 9112 §6.3). */
export type BodyFraming = 'none' | 'content-length' | 'chunked' | 'until-close';

/** Limits of the request (downstream) parser. */
export interface RequestParserOptions {
  /** Request line bytes (without CRLF) → 414. Default 8192. */
  maxRequestLineBytes?: number;
  /** Request line + header section bytes → 431 (`max_request_headers_kb`). Default 61440. Also bounds trailers. */
  maxHeaderBytes?: number;
  /** Header field lines → 431. Default 100. Also bounds trailers. */
  maxHeaderCount?: number;
  /** Body bytes → 413. Default: no limit. */
  maxBodyBytes?: number;
  /** R12: HTTP/1.1 requests need exactly one Host line. Default true; false only for host-less test corpora. */
  requireHost?: boolean;
}

/** Limits of the response (upstream) parser. Every violation is a 502. */
export interface ResponseParserOptions {
  /** Status line + header section bytes. Default 81920. Also bounds trailers. */
  maxHeaderBytes?: number;
  /** Header field lines. Default 100. */
  maxHeaderCount?: number;
  /** Body bytes. Default: no limit. */
  maxBodyBytes?: number;
  /** Informational (1xx) responses before the final one. Default 10. */
  max1xx?: number;
}

/** Events shared by both parsers. Set once per parser; no per-message closures. */
export interface MessageHandler {
  /**
   * A body piece: bytes [start, end) of the fed chunk (valid until the chunk's owner reuses it).
   * A range, not a view: on JavaScriptCore the first view of a small fresh array moves its bytes
   * out of the GC heap, and a proxy that copies the piece into a batch needs no view at all.
   */
  onBody(chunk: Uint8Array, start: number, end: number): void;
  /** Chunked trailer fields, flat `[name, value, ...]`; only called when there is at least one. */
  onTrailers(fields: string[]): void;
  /** The message ended. The request parser then pauses until `resume()` (R19). */
  onComplete(): void;
  /** A protocol error. Fatal: the parser ignores every later byte (R18). */
  onError(err: HttpCodecError): void;
}

/** Events of the request (downstream) parser. */
export interface RequestHandler extends MessageHandler {
  onHead(head: RequestHead): void;
}

/** Events of the response (upstream) parser. */
export interface ResponseHandler extends MessageHandler {
  /** A 1xx other than an accepted 101 (S6): the owner decides whether to forward it. */
  onInformational(head: ResponseHead): void;
  /** The final response head (or an accepted 101: `head.upgrade` is then true). */
  onHead(head: ResponseHead): void;
}

/** Parser lifecycle, exposed for connection managers (e.g. 408 only once a request started). */
export type ParserState =
  | 'idle' // between messages, nothing of the next one seen yet
  | 'head' // inside a start line or header section
  | 'body' // inside a body or trailers
  | 'paused' // stopped by pause() or after a request completed; resume() continues
  | 'closed' // a non-persistent message completed, or finish() was called
  | 'upgraded' // protocol switched (101 / CONNECT): takeRemainder() hands the bytes over
  | 'detached' // takeRemainder() was called; the parser is done
  | 'error';
