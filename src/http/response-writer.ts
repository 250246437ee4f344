/** Writes one response to the client: its head with our framing, then the body encoded to match. */
import type { ResponseHead } from '../http1/head.ts';
import { nominatedFields } from '../http1/hop-by-hop.ts';
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
      const fields = withoutNominated(head.headers, edited).concat(added);
      this.sink.write(serializeResponseHead(head.status, head.reason, fields, f.framing, f.length, closing, false, this.clientMinor));
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

  /**
   * A response the proxy makes itself, with a Content-Length (no body bytes for HEAD). S5: a 1xx,
   * 204 or 304 has no content, so neither body nor Content-Length (RFC 9110 §8.6, §15.3.5, §15.4.5):
   * a client would read the bytes as the next response.
   */
  local(status: number, headers: readonly string[], body: Uint8Array, close: boolean): void {
    if (status < 200 || status === 204 || status === 304) {
      this.sink.write(serializeResponseHead(status, '', headers, 'none', -1, close, false, this.clientMinor));
      return;
    }
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

/**
 * R17 for a head the route edited: `edited` is the received list after the route's edits, in which
 * the serializer could not tell the upstream's fields from the route's and would let the
 * upstream's Connection remove both. Here only the upstream's own fields are removed: for each
 * nominated name, the leading lines that still carry the received values in order (an appended
 * route line comes after them, an overwritten one no longer matches), and the Connection lines,
 * so nothing is left to nominate the route's or the proxy's fields. A route line whose value is
 * the upstream's own value, in the upstream's place, cannot be told apart and goes too.
 */
function withoutNominated(received: readonly string[], edited: readonly string[]): readonly string[] {
  const nominated = nominatedFields(received);
  if (nominated === null) return edited;
  const out: string[] = [];
  for (let i = 0; i < edited.length; i += 2) {
    const name = edited[i]!.toLowerCase();
    if (name === 'connection') continue;
    if (nominated.includes(name) && isReceivedLine(received, edited, i, name)) continue;
    out.push(edited[i]!, edited[i + 1]!);
  }
  return out;
}

/**
 * Whether line `at` of `edited`, named `name`, is the received one: it and every earlier `name`
 * line of `edited` match the received `name` lines in order.
 */
function isReceivedLine(received: readonly string[], edited: readonly string[], at: number, name: string): boolean {
  let r = 0;
  for (let i = 0; i <= at; i += 2) {
    if (edited[i]!.toLowerCase() !== name) continue;
    while (r < received.length && received[r]!.toLowerCase() !== name) r += 2;
    if (r >= received.length || received[r + 1] !== edited[i + 1]) return false;
    r += 2;
  }
  return true;
}
