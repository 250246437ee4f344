/** The request path's head writers: the codec's serializers plus our Connection policy and reason phrases. */
import type { RequestHead, ResponseHead } from '../http1/head.ts';
import type { HeadBuffer } from '../http1/head-buffer.ts';
import {
  encodeRequestHead,
  encodeRequestHeadFrom,
  encodeResponseHead,
  writeResponseHeadFrom,
  type HeadWriteOptions,
  type OutgoingFraming,
} from '../http1/serialize.ts';
import { REPLACED_REQUEST_FIELDS } from './forwarded-headers.ts';

export { CRLF, LAST_CHUNK, encodeChunkHeader } from '../http1/serialize.ts';

export const CONTINUE_100: Uint8Array = new TextEncoder().encode('HTTP/1.1 100 Continue\r\n\r\n');

const REASONS: Record<number, string> = {
  101: 'Switching Protocols',
  200: 'OK',
  204: 'No Content',
  301: 'Moved Permanently',
  302: 'Found',
  303: 'See Other',
  304: 'Not Modified',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  411: 'Length Required',
  413: 'Content Too Large',
  414: 'URI Too Long',
  417: 'Expectation Failed',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
};

export function reasonPhrase(status: number): string {
  return REASONS[status] ?? '';
}

/** A request head for the upstream: HTTP/1.0 pools ask for keep-alive explicitly. */
export function serializeRequestHead(
  method: string,
  path: string,
  versionMinor: number,
  headers: readonly string[],
  framing: OutgoingFraming,
  contentLength: number,
  upgrade: boolean,
): Uint8Array {
  return encodeRequestHead(
    { method, path, headers, host: null },
    {
      versionMinor,
      framing,
      contentLength,
      connection: upgrade ? 'upgrade' : versionMinor === 0 ? 'keep-alive' : null,
    },
  );
}

/** `serializeRequestHead` copying the received fields from the head's text (no header edits). */
export function serializeRequestHeadFrom(
  head: RequestHead,
  path: string,
  versionMinor: number,
  host: string | null,
  added: readonly string[],
  framing: OutgoingFraming,
  upgrade: boolean,
  contentLength: number = head.contentLength,
): Uint8Array {
  return encodeRequestHeadFrom(head.method, path, head.fields, REPLACED_REQUEST_FIELDS, host, added, {
    versionMinor,
    framing,
    contentLength,
    connection: upgrade ? 'upgrade' : versionMinor === 0 ? 'keep-alive' : null,
  });
}

/**
 * A response head for the client. `close`: we close after it; else an HTTP/1.0 client is told
 * keep-alive explicitly. An empty reason is replaced by the standard phrase.
 */
export function serializeResponseHead(
  status: number,
  reason: string,
  headers: readonly string[],
  framing: OutgoingFraming,
  contentLength: number,
  close: boolean,
  upgrade: boolean,
  clientMinor: number,
): Uint8Array {
  return encodeResponseHead(
    { status, reason: reason || reasonPhrase(status), headers },
    {
      framing,
      contentLength,
      connection: upgrade ? 'upgrade' : close ? 'close' : clientMinor === 0 ? 'keep-alive' : null,
    },
  );
}

/** `serializeResponseHead` for a proxied head whose fields are copied from its text, `added` after them, written into `w`. */
export function writeResponseHeadFromInto(
  w: HeadBuffer,
  head: ResponseHead,
  added: readonly string[],
  framing: OutgoingFraming,
  contentLength: number,
  close: boolean,
  clientMinor: number,
): void {
  writeResponseHeadFrom(w, head.status, head.reason || reasonPhrase(head.status), head.fields, added, responseOptions(framing, contentLength, close, clientMinor));
}

/** One options object, refilled per head: a head is written synchronously, before the next one. */
const RESPONSE_OPTIONS: HeadWriteOptions = { framing: 'none', contentLength: 0, connection: null };

function responseOptions(framing: OutgoingFraming, contentLength: number, close: boolean, clientMinor: number): HeadWriteOptions {
  const o = RESPONSE_OPTIONS;
  o.framing = framing;
  o.contentLength = contentLength;
  o.connection = close ? 'close' : clientMinor === 0 ? 'keep-alive' : null;
  return o;
}
