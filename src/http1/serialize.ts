/** Canonical HTTP/1 writers (R20): one buffer per head, our own framing, no hop-by-hop fields. */
import { ProxyError } from '../common/errors.ts';
import { DROP, EXPECT, fieldDisposition, HOST, KEEP, nominatedFields, UPGRADE } from './hop-by-hop.ts';
import { writeString } from './latin1.ts';

/** The framing the writer declares for the body that follows (never copied from the peer). */
export type OutgoingFraming = 'none' | 'content-length' | 'chunked';

/** What a writer needs of a request; a parsed RequestHead fits as is. */
export interface OutgoingRequest {
  readonly method: string;
  /** origin-form (or `*`, or the authority for CONNECT). */
  readonly path: string;
  /** Flat `[name, value, ...]`; hop-by-hop and framing fields in it are dropped. */
  readonly headers: readonly string[];
  /** Value for Host: replaces the received one in place, or is added first. null: leave as is. */
  readonly host: string | null;
}

/** What a writer needs of a response; a parsed ResponseHead fits as is. */
export interface OutgoingResponse {
  readonly status: number;
  readonly reason: string;
  readonly headers: readonly string[];
}

/** Per-write choices. Keep one object per connection and mutate it to avoid allocations. */
export interface HeadWriteOptions {
  /** HTTP/1.<versionMinor> on the start line; default 1 (0 for the HTTP/1.0 pool). */
  versionMinor?: number;
  framing: OutgoingFraming;
  /** Required when framing is 'content-length' (also for HEAD/304 responses, S5). */
  contentLength?: number;
  /**
   * Our Connection field: 'close', 'keep-alive' (for HTTP/1.0 peers), 'upgrade' (also keeps the
   * Upgrade field, R16), or nothing.
   */
  connection?: 'close' | 'keep-alive' | 'upgrade' | null;
  /** Appended after the received fields, flat `[name, value, ...]`, never filtered (trusted). */
  extraHeaders?: readonly string[];
}

/** Write a request head (R20): `METHOD SP path SP HTTP/1.x`, one Host, received order, our framing. */
export function encodeRequestHead(req: OutgoingRequest, opts: HeadWriteOptions): Uint8Array {
  const minor = opts.versionMinor ?? 1;
  const line = req.method + ' ' + req.path + (minor === 1 ? ' HTTP/1.1\r\n' : ' HTTP/1.0\r\n');
  return toBytes(writeHead(line, req.headers, opts, true, req.host));
}

/** Write a response head: status line with reason, filtered fields, our framing and Connection. */
export function encodeResponseHead(res: OutgoingResponse, opts: HeadWriteOptions): Uint8Array {
  const minor = opts.versionMinor ?? 1;
  const line = (minor === 1 ? 'HTTP/1.1 ' : 'HTTP/1.0 ') + res.status + ' ' + res.reason + '\r\n';
  return toBytes(writeHead(line, res.headers, opts, false, null));
}

/** Start line + filtered fields + our framing/Connection + extra fields + the empty line. */
function writeHead(
  line: string,
  headers: readonly string[],
  opts: HeadWriteOptions,
  request: boolean,
  host: string | null,
): string {
  const keepUpgrade = opts.connection === 'upgrade';
  const nominated = nominatedFields(headers);
  let s = '';
  let hostSeen = false;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!;
    let value = headers[i + 1]!;
    const d = fieldDisposition(name);
    if (d !== KEEP) {
      if (d === DROP) continue;
      if (d === UPGRADE && !keepUpgrade) continue;
      if (d === EXPECT && request) continue;
      if (d === HOST && request) {
        if (hostSeen) continue;
        hostSeen = true;
        if (host !== null) value = host;
      }
    }
    if (nominated !== null && nominated.includes(name.toLowerCase())) continue;
    s += name + ': ' + value + '\r\n';
  }
  if (opts.framing === 'content-length') {
    const n = opts.contentLength;
    if (n === undefined || !Number.isSafeInteger(n) || n < 0) {
      throw new ProxyError('HTTP1_WRITER_BAD_LENGTH', `content-length framing needs a length, got ${n}`);
    }
    s += 'Content-Length: ' + n + '\r\n';
  }
  else if (opts.framing === 'chunked') s += 'Transfer-Encoding: chunked\r\n';
  const conn = opts.connection;
  if (conn === 'close') s += 'Connection: close\r\n';
  else if (conn === 'keep-alive') s += 'Connection: keep-alive\r\n';
  else if (conn === 'upgrade') s += 'Connection: upgrade\r\n';
  const extra = opts.extraHeaders;
  if (extra !== undefined) {
    for (let i = 0; i < extra.length; i += 2) s += extra[i]! + ': ' + extra[i + 1]! + '\r\n';
  }
  // No Host received (HTTP/1.0 client) but one is needed: it goes first.
  if (host !== null && !hostSeen) return line + 'Host: ' + host + '\r\n' + s + '\r\n';
  return line + s + '\r\n';
}

function toBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  writeString(s, out, 0);
  return out;
}

const CHUNK_HEADER_CACHE: Uint8Array[] = [];

/** `<hex size>\r\n`, the line before `size` bytes of chunk data (size > 0). */
export function encodeChunkHeader(size: number): Uint8Array {
  if (size < 256) {
    const hit = CHUNK_HEADER_CACHE[size];
    if (hit !== undefined) return hit;
    const made = toBytes(size.toString(16) + '\r\n');
    CHUNK_HEADER_CACHE[size] = made;
    return made;
  }
  return toBytes(size.toString(16) + '\r\n');
}

/** The CRLF that ends each chunk's data. */
export const CRLF: Uint8Array = toBytes('\r\n');

/** `0\r\n\r\n`: the last-chunk and an empty trailer section. */
export const LAST_CHUNK: Uint8Array = toBytes('0\r\n\r\n');

/** One chunk (header, data, CRLF) in one buffer: a copy, for small pieces written in one call. */
export function encodeChunk(data: Uint8Array): Uint8Array {
  const head = encodeChunkHeader(data.length);
  const out = new Uint8Array(head.length + data.length + 2);
  out.set(head, 0);
  out.set(data, head.length);
  out[out.length - 2] = 13;
  out[out.length - 1] = 10;
  return out;
}

/** Fields that must never travel as trailers (R4): framing, routing and hop-by-hop. */
function forbiddenTrailer(name: string): boolean {
  return fieldDisposition(name) !== KEEP;
}

/** The last-chunk followed by `trailers` (forbidden names dropped) and the final CRLF. */
export function encodeLastChunk(trailers: readonly string[] | null): Uint8Array {
  if (trailers === null || trailers.length === 0) return LAST_CHUNK;
  let s = '0\r\n';
  for (let i = 0; i < trailers.length; i += 2) {
    if (!forbiddenTrailer(trailers[i]!)) s += trailers[i]! + ': ' + trailers[i + 1]! + '\r\n';
  }
  return toBytes(s + '\r\n');
}
