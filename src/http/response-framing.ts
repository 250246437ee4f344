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
): DownstreamFraming {
  const noBody = requestMethod === 'HEAD' || upstream === 'none';
  if (upstream === 'content-length' || (noBody && contentLength >= 0 && status !== 204 && status >= 200)) {
    return { framing: 'content-length', length: contentLength, hasBody: !noBody, chunked: false, closeDelimited: false };
  }
  if (noBody) return { framing: 'none', length: -1, hasBody: false, chunked: false, closeDelimited: false };
  if (clientMinor === 1) return { framing: 'chunked', length: -1, hasBody: true, chunked: true, closeDelimited: false };
  return { framing: 'none', length: -1, hasBody: true, chunked: false, closeDelimited: true };
}
