/** Writes one response to the client: its head with our framing, then the body encoded to match. */
import type { ResponseHead } from '../http1/head.ts';
import { downstreamFraming, type DownstreamFraming } from './response-framing.ts';
import { CRLF, LAST_CHUNK, encodeChunkHeader, serializeResponseHead, writeResponseHeadFromInto } from './wire.ts';
import { HeadBuffer } from '../http1/head-buffer.ts';

/** Where the bytes go (the downstream connection). */
export interface ByteSink {
  write(bytes: Uint8Array): boolean;
  writeRange(chunk: Uint8Array, start: number, end: number): boolean;
  /** The batch being gathered (a head is written straight into it), or null. */
  batch(): HeadBuffer | null;
}

/** A head written outside a batch is taken from here at once (one per thread). */
const OWN_HEAD = new HeadBuffer();

/** Refilled per response head (read before the next head is written, on the same thread). */
const FRAMING: DownstreamFraming = { framing: 'none', length: -1, hasBody: false, chunked: false, closeDelimited: false };

export class ResponseWriter {
  private readonly sink: ByteSink;
  private readonly method: string;
  private readonly clientMinor: number;
  private chunked = false;
  private hasBody = true;
  /** Response body bytes sent (the access log's bytes out). */
  bytesSent = 0;

  constructor(sink: ByteSink, method: string, clientMinor: number) {
    this.sink = sink;
    this.method = method;
    this.clientMinor = clientMinor;
  }

  /**
   * An upstream response head: its received fields (or `edited`, the route's edit of them) and
   * `added` after them. Returns true when the body will end with the close (a length-less body
   * to an HTTP/1.0 client), so the caller must close.
   */
  proxiedHead(head: ResponseHead, edited: readonly string[] | null, added: readonly string[], close: boolean): boolean {
    const f = downstreamFraming(this.method, this.clientMinor, head.status, head.framing, head.contentLength, FRAMING);
    this.hasBody = f.hasBody;
    this.chunked = f.chunked;
    const closing = close || f.closeDelimited;
    if (edited === null) {
      // Into the batch being gathered; without one (another client holds it), into a head of its own.
      const batch = this.sink.batch();
      const w = batch ?? OWN_HEAD;
      writeResponseHeadFromInto(w, head, added, f.framing, f.length, closing, this.clientMinor);
      if (batch === null) this.sink.write(w.take());
    } else {
      this.sink.write(serializeResponseHead(head.status, head.reason, edited.concat(added), f.framing, f.length, closing, false, this.clientMinor));
    }
    return f.closeDelimited;
  }

  /** One body piece; false: the client is slow, stop reading the upstream until it drains. */
  body(chunk: Uint8Array, start: number, end: number): boolean {
    if (!this.hasBody) return true;
    const n = end - start;
    this.bytesSent += n;
    if (!this.chunked) return this.sink.writeRange(chunk, start, end);
    this.sink.write(encodeChunkHeader(n));
    this.sink.writeRange(chunk, start, end);
    return this.sink.write(CRLF);
  }

  /** The body is complete (a truncated one never gets here: its connection is reset instead). */
  end(): void {
    if (this.chunked) this.sink.write(LAST_CHUNK);
  }

  /** A response the proxy makes itself, with a Content-Length (no body bytes for HEAD). */
  local(status: number, headers: readonly string[], body: Uint8Array, close: boolean): void {
    this.sink.write(serializeResponseHead(status, '', headers, 'content-length', body.length, close, false, this.clientMinor));
    if (this.method !== 'HEAD' && body.length > 0) {
      this.sink.write(body);
      this.bytesSent += body.length;
    }
  }

  /** A 1xx forwarded before the final response (S6). */
  informational(head: ResponseHead): void {
    this.sink.write(serializeResponseHead(head.status, head.reason, head.headers, 'none', -1, false, false, 1));
  }

  /** The 101 that turns the connection into a tunnel. */
  switching(head: ResponseHead): void {
    this.sink.write(serializeResponseHead(101, head.reason, head.headers, 'none', -1, false, true, 1));
  }
}
