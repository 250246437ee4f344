/** How a proxied response is framed toward the client (RFC 9112 §6, HTTP1-RULES S5/S7). */
import type { OutgoingFraming } from '../http1/serialize.ts';
import type { BodyFraming } from '../http1/types.ts';

export interface DownstreamFraming {
  framing: OutgoingFraming;
  /** Content-Length to declare (also kept for HEAD/304, which carry no body), else -1. */
  length: number;
  /** Body bytes follow the head. */
  hasBody: boolean;
  /** We re-chunk the body (upstream chunked or close-delimited, HTTP/1.1 client). */
  chunked: boolean;
  /** The body ends with the close (length-less body to an HTTP/1.0 client). */
  closeDelimited: boolean;
}

/**
 * The upstream's own framing bytes are never forwarded: a known length stays a Content-Length,
 * anything else becomes chunked for HTTP/1.1 clients and close-delimited for HTTP/1.0 ones.
 */
export function downstreamFraming(
  requestMethod: string,
  clientMinor: number,
  status: number,
  upstream: BodyFraming,
  contentLength: number,
  out: DownstreamFraming = { framing: 'none', length: -1, hasBody: false, chunked: false, closeDelimited: false },
): DownstreamFraming {
  const noBody = requestMethod === 'HEAD' || upstream === 'none';
  if (upstream === 'content-length' || (noBody && contentLength >= 0 && status !== 204 && status >= 200)) {
    return fill(out, 'content-length', contentLength, !noBody, false, false);
  }
  if (noBody) return fill(out, 'none', -1, false, false, false);
  if (clientMinor === 1) return fill(out, 'chunked', -1, true, true, false);
  return fill(out, 'none', -1, true, false, true);
}

/** `out` is refilled rather than a new object made: the response writer decides once per response. */
function fill(out: DownstreamFraming, framing: OutgoingFraming, length: number, hasBody: boolean, chunked: boolean, closeDelimited: boolean): DownstreamFraming {
  out.framing = framing;
  out.length = length;
  out.hasBody = hasBody;
  out.chunked = chunked;
  out.closeDelimited = closeDelimited;
  return out;
}
