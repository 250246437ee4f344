/** Canonical HTTP/1 writers (R20): one buffer per head, our own framing, no hop-by-hop fields. */
import { ProxyError } from '../common/errors.ts';
import type { FieldTable } from './field-table.ts';
import { DROP, EXPECT, fieldDisposition, fieldDispositionAt, HOST, KEEP, mayNominate, nominatedFields, UPGRADE } from './hop-by-hop.ts';
import { HeadBuffer } from './head-buffer.ts';
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
   * Our Connection field: 'close', 'keep-alive' (for HTTP/1.0 peers), 'upgrade' (the first Upgrade
   * field then stays, as `Upgrade: websocket`: the only protocol the proxy switches to, R16), or nothing.
   */
  connection?: 'close' | 'keep-alive' | 'upgrade' | null;
  /** Appended after the received fields, flat `[name, value, ...]`, never filtered (trusted, R17: no nomination removes them). */
  extraHeaders?: readonly string[];
}

/** Write a request head (R20): `METHOD SP path SP HTTP/1.x`, one Host, received order, our framing. */
export function encodeRequestHead(req: OutgoingRequest, opts: HeadWriteOptions): Uint8Array {
  checkFraming(opts);
  const w = SCRATCH;
  writeRequestLine(w, req.method, req.path, opts);
  // No Host received (HTTP/1.0 client) but one is needed: it goes first.
  if (req.host !== null && !hasHost(req.headers)) w.field('Host', req.host);
  writeFields(w, req.headers, opts, true, req.host);
  return w.take();
}

/** Write a response head: status line with reason, filtered fields, our framing and Connection. */
export function encodeResponseHead(res: OutgoingResponse, opts: HeadWriteOptions): Uint8Array {
  checkFraming(opts);
  const w = SCRATCH;
  writeStatusLine(w, res.status, res.reason, opts);
  writeFields(w, res.headers, opts, false, null);
  return w.take();
}

/**
 * A proxied request head written from the received fields' text: like `encodeRequestHead` over
 * the received list with the `omit` names removed (lowercase; fields the caller replaces) and
 * `added` appended, the Host value replaced by `host` when given.
 */
export function encodeRequestHeadFrom(
  method: string,
  path: string,
  fields: FieldTable,
  omit: readonly string[],
  host: string | null,
  added: readonly string[],
  opts: HeadWriteOptions,
): Uint8Array {
  checkFraming(opts);
  const w = SCRATCH;
  writeRequestLine(w, method, path, opts);
  writeTableFields(w, fields, omit, added, opts, true, host);
  return w.take();
}

/** A proxied response head written from the received fields' text, with `added` after them. */
export function encodeResponseHeadFrom(
  status: number,
  reason: string,
  fields: FieldTable,
  added: readonly string[],
  opts: HeadWriteOptions,
): Uint8Array {
  writeResponseHeadFrom(SCRATCH, status, reason, fields, added, opts);
  return SCRATCH.take();
}

/** `encodeResponseHeadFrom` appended to `w` (a batch that also carries the body). */
export function writeResponseHeadFrom(
  w: HeadBuffer,
  status: number,
  reason: string,
  fields: FieldTable,
  added: readonly string[],
  opts: HeadWriteOptions,
): void {
  checkFraming(opts);
  writeStatusLine(w, status, reason, opts);
  writeTableFields(w, fields, NO_NAMES, added, opts, false, null);
}

const NO_NAMES: readonly string[] = [];

/** `METHOD SP path SP HTTP/1.x CRLF`. */
function writeRequestLine(w: HeadBuffer, method: string, path: string, opts: HeadWriteOptions): void {
  w.str(method);
  w.str(' ');
  w.str(path);
  w.str((opts.versionMinor ?? 1) === 1 ? ' HTTP/1.1\r\n' : ' HTTP/1.0\r\n');
}

/** `HTTP/1.x SP status SP reason CRLF`. */
function writeStatusLine(w: HeadBuffer, status: number, reason: string, opts: HeadWriteOptions): void {
  w.str((opts.versionMinor ?? 1) === 1 ? 'HTTP/1.1 ' : 'HTTP/1.0 ');
  w.uint(status);
  w.str(' ');
  w.str(reason);
  w.crlf();
}

/** The same filtering as `writeFields`, copying names and values as ranges of the head text. */
function writeTableFields(
  w: HeadBuffer,
  fields: FieldTable,
  omit: readonly string[],
  added: readonly string[],
  opts: HeadWriteOptions,
  request: boolean,
  host: string | null,
): void {
  const keepUpgrade = opts.connection === 'upgrade';
  const nominated = mayNominate(fields) ? nominatedFields(fields.strings()) : null;
  const text = fields.text;
  let hostSeen = false;
  let upgradeSeen = false;
  // Kept lines already in canonical form (`name: value` CRLF) that follow each other in the
  // received head are copied as one run: [runStart, runEnd) of `text`.
  let runStart = 0;
  let runEnd = -1;
  for (let i = 0; i < fields.count; i++) {
    const ns = fields.nameStart(i);
    const ne = fields.nameEnd(i);
    const d = fieldDispositionAt(text, ns, ne);
    let value: string | null = null;
    if (d !== KEEP) {
      if (dropped(d, request, keepUpgrade, d === UPGRADE ? upgradeSeen : hostSeen)) continue;
      if (d === HOST && request) {
        hostSeen = true;
        value = host;
      } else if (d === UPGRADE) {
        upgradeSeen = true;
        value = WEBSOCKET;
      }
    }
    if (omit.length !== 0 && isOmitted(fields, i, omit)) continue;
    if (nominated !== null && nominated.includes(fields.name(i).toLowerCase())) continue;
    if (value === null) {
      const lineEnd = canonicalLineEnd(fields, i, text);
      if (lineEnd > 0) {
        if (ns !== runEnd) {
          if (runEnd > 0) w.range(text, runStart, runEnd);
          runStart = ns;
        }
        runEnd = lineEnd;
        continue;
      }
    }
    if (runEnd > 0) {
      w.range(text, runStart, runEnd);
      runEnd = -1;
    }
    w.range(text, ns, ne);
    w.str(': ');
    if (value !== null) w.str(value);
    else if (fields.isFolded(i)) w.str(fields.value(i));
    else w.range(text, fields.valueStart(i), fields.valueEnd(i));
    w.crlf();
  }
  if (runEnd > 0) w.range(text, runStart, runEnd);
  // R17: the proxy's own fields are not the peer's to remove: nominations apply to received fields only.
  for (let i = 0; i < added.length; i += 2) w.field(added[i]!, added[i + 1]!);
  writeTail(w, opts);
}

/**
 * Where field `i`'s line ends (after its CRLF) when the received line is exactly what the writer
 * would produce: `name: value` with one SP, a non-empty value and no trailing OWS; else 0.
 */
function canonicalLineEnd(fields: FieldTable, i: number, text: string): number {
  const ne = fields.nameEnd(i);
  const vs = fields.valueStart(i);
  const ve = fields.valueEnd(i);
  if (vs !== ne + 2 || ve === vs || text.charCodeAt(ne + 1) !== 0x20 || text.charCodeAt(ve) !== 0x0d) return 0;
  if (fields.isFolded(i)) return 0;
  return ve + 2;
}

function isOmitted(fields: FieldTable, i: number, omit: readonly string[]): boolean {
  for (let k = 0; k < omit.length; k++) if (fields.nameIs(i, omit[k]!)) return true;
  return false;
}

const SCRATCH = new HeadBuffer();

function hasHost(headers: readonly string[]): boolean {
  for (let i = 0; i < headers.length; i += 2) {
    if (fieldDisposition(headers[i]!) === HOST) return true;
  }
  return false;
}

/** Filtered fields + our framing/Connection + extra fields + the empty line. */
function writeFields(
  w: HeadBuffer,
  headers: readonly string[],
  opts: HeadWriteOptions,
  request: boolean,
  host: string | null,
): void {
  const keepUpgrade = opts.connection === 'upgrade';
  const nominated = nominatedFields(headers);
  let hostSeen = false;
  let upgradeSeen = false;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!;
    let value = headers[i + 1]!;
    const d = fieldDisposition(name);
    if (d !== KEEP) {
      if (dropped(d, request, keepUpgrade, d === UPGRADE ? upgradeSeen : hostSeen)) continue;
      if (d === HOST && request) {
        hostSeen = true;
        if (host !== null) value = host;
      } else if (d === UPGRADE) {
        upgradeSeen = true;
        value = WEBSOCKET;
      }
    }
    if (nominated !== null && nominated.includes(name.toLowerCase())) continue;
    w.field(name, value);
  }
  writeTail(w, opts);
}

/** Our framing and Connection fields, the trusted extra fields, and the empty line. */
function writeTail(w: HeadBuffer, opts: HeadWriteOptions): void {
  if (opts.framing === 'content-length') {
    w.str('Content-Length: ');
    w.uint(opts.contentLength!);
    w.crlf();
  }
  else if (opts.framing === 'chunked') w.str('Transfer-Encoding: chunked\r\n');
  const conn = opts.connection;
  if (conn === 'close') w.str('Connection: close\r\n');
  else if (conn === 'keep-alive') w.str('Connection: keep-alive\r\n');
  else if (conn === 'upgrade') w.str('Connection: upgrade\r\n');
  const extra = opts.extraHeaders;
  if (extra !== undefined) {
    for (let i = 0; i < extra.length; i += 2) w.field(extra[i]!, extra[i + 1]!);
  }
  w.crlf();
}

/** Checked before a byte is written, so a refused head leaves nothing half-written in a shared buffer. */
function checkFraming(opts: HeadWriteOptions): void {
  if (opts.framing !== 'content-length') return;
  const n = opts.contentLength;
  if (n === undefined || !Number.isSafeInteger(n) || n < 0) {
    throw new ProxyError('HTTP1_WRITER_BAD_LENGTH', `content-length framing needs a length, got ${n}`);
  }
}

/**
 * Whether a field of disposition `d` (not KEEP) stays out of the written head (R17, R15, R11).
 * `seen`: a Host (requests) or Upgrade field was already written, so a repeat goes.
 */
function dropped(d: number, request: boolean, keepUpgrade: boolean, seen: boolean): boolean {
  if (d === DROP) return true;
  if (d === UPGRADE) return !keepUpgrade || seen;
  if (d === EXPECT) return request;
  return d === HOST && request && seen;
}

/**
 * R16: the value written for the kept Upgrade field. The parsers make `websocket` the only
 * protocol the proxy switches to (h2c and others are never forwarded), so the received list,
 * which may also offer them, is not copied.
 */
const WEBSOCKET = 'websocket';

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
