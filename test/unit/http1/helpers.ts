/** Test helpers for the HTTP/1 codec: drive a parser over split input and record what it reported. */
import { readFile } from 'node:fs/promises';
import { RequestParser } from '../../../src/http1/request-parser.ts';
import { ResponseParser } from '../../../src/http1/response-parser.ts';
import type { RequestHead, ResponseHead } from '../../../src/http1/head.ts';
import { HttpCodecError } from '../../../src/http1/errors.ts';
import type {
  RequestHandler,
  RequestParserOptions,
  ResponseHandler,
  ResponseParserOptions,
} from '../../../src/http1/types.ts';
import { seededRandom } from '../../support/seeded-random.ts';


/** Deterministic PRNG shared by the test suites, so every random split and mutation replays. */
export const rng = seededRandom;

/** One byte per char. */
export function bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** One char per byte. */
export function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!);
  return s;
}

/** How input is cut before feeding: whole, one byte at a time, or seeded random pieces. */
export type Split = 'whole' | 'bytewise' | number;

export function split(input: Uint8Array, how: Split): Uint8Array[] {
  if (how === 'whole') return [input];
  const out: Uint8Array[] = [];
  if (how === 'bytewise') {
    for (let i = 0; i < input.length; i++) out.push(input.slice(i, i + 1));
    return out;
  }
  const r = rng(how);
  let i = 0;
  while (i < input.length) {
    const n = 1 + Math.floor(r() * Math.min(64, input.length));
    out.push(input.slice(i, i + n));
    i += n;
  }
  return out;
}

/** What a parser reported for one message. */
export interface Recorded {
  head: RequestHead | ResponseHead;
  informational: boolean;
  body: string;
  trailers: string[] | null;
  complete: boolean;
}

export interface Outcome {
  messages: Recorded[];
  error: HttpCodecError | null;
  /** A start line had begun when input ran out (llhttp counts it as a started message). */
  midHead: boolean;
  /** Bytes handed over after a protocol switch, or null. */
  remainder: string | null;
  state: string;
}

/** Anything other than HttpCodecError escaping feed() is a bug: rethrow it with context. */
function guard(fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof HttpCodecError) throw new Error('HttpCodecError thrown instead of reported', { cause: e });
    throw e;
  }
}

/** Records every event into an Outcome; refuses events after onError (R18). */
class Recorder implements RequestHandler, ResponseHandler {
  readonly out: Outcome = { messages: [], error: null, midHead: false, remainder: null, state: '' };
  /** The last complete message asked for a protocol switch. */
  switched = false;
  onResume: () => void = () => {};
  private cur: Recorded | null = null;

  private alive(): void {
    if (this.out.error !== null) throw new Error('event after onError');
  }
  onInformational(head: ResponseHead): void {
    this.alive();
    this.out.messages.push({ head, informational: true, body: '', trailers: null, complete: true });
  }
  onHead(head: RequestHead | ResponseHead): void {
    this.alive();
    this.cur = { head, informational: false, body: '', trailers: null, complete: false };
    this.out.messages.push(this.cur);
  }
  onBody(chunk: Uint8Array, start: number, end: number): void {
    this.alive();
    this.cur!.body += latin1(chunk.subarray(start, end));
  }
  onTrailers(fields: string[]): void {
    this.cur!.trailers = fields;
  }
  onComplete(): void {
    this.alive();
    this.cur!.complete = true;
    if (this.cur!.head.upgrade) this.switched = true;
    else this.onResume();
  }
  onError(err: HttpCodecError): void {
    if (this.out.error !== null) throw new Error('onError called twice');
    this.out.error = err;
  }

  /** Feed the pieces, then collect the end state (and the tunnel bytes after a switch). */
  drive(p: RequestParser | ResponseParser, input: Uint8Array, how: Split, finish: boolean | undefined): Outcome {
    for (const piece of split(input, how)) guard(() => p.feed(piece));
    if (finish) guard(() => p.finish());
    this.out.midHead = p.state === 'head';
    if (this.switched) this.out.remainder = latin1(p.takeRemainder());
    this.out.state = p.state;
    return this.out;
  }
}

/**
 * Feed `input` to a request parser in pieces, resuming after every complete request (pipelining)
 * except one that asks for a protocol switch, whose remaining bytes are taken as a tunnel would.
 */
export function runRequests(
  input: Uint8Array,
  how: Split = 'whole',
  options: RequestParserOptions & { finish?: boolean } = {},
): Outcome {
  const rec = new Recorder();
  const p = new RequestParser(rec, options);
  rec.onResume = () => p.resume();
  return rec.drive(p, input, how, options.finish);
}

/**
 * Feed `input` to a response parser that expects `expect` responses (as if that many requests
 * were pipelined), each to `method`, with an upgrade requested when `upgrade`.
 */
export function runResponses(
  input: Uint8Array,
  how: Split = 'whole',
  opts: { method?: string; upgrade?: boolean; expect?: number; finish?: boolean } & ResponseParserOptions = {},
): Outcome {
  const rec = new Recorder();
  const p = new ResponseParser(rec, opts);
  for (let i = 0; i < (opts.expect ?? 1); i++) p.expectResponseTo(opts.method ?? 'GET', opts.upgrade ?? false);
  return rec.drive(p, input, how, opts.finish);
}

/** Parse one request that must be valid; returns its head and body. */
export function parseOneRequest(raw: string, options: RequestParserOptions = {}): Recorded {
  const o = runRequests(bytes(raw), 'whole', options);
  if (o.error) throw new Error(`unexpected ${o.error.detail}`);
  const m = o.messages[0];
  if (!m) throw new Error('no message');
  return m;
}

/** The error a request input produces (whole, bytewise and random splits must agree). */
export function requestError(raw: string | Uint8Array, options: RequestParserOptions = {}): HttpCodecError | null {
  const input = typeof raw === 'string' ? bytes(raw) : raw;
  const whole = runRequests(input, 'whole', options).error;
  for (const how of ['bytewise', 7] as const) {
    const e = runRequests(input, how, options).error;
    if ((e?.detail ?? null) !== (whole?.detail ?? null)) {
      throw new Error(`split ${how} gave ${e?.detail} but whole gave ${whole?.detail}`);
    }
  }
  return whole;
}

/** The error a response input produces, with the same split agreement check. */
export function responseError(
  raw: string | Uint8Array,
  opts: { method?: string; upgrade?: boolean; expect?: number; finish?: boolean } & ResponseParserOptions = {},
): HttpCodecError | null {
  const input = typeof raw === 'string' ? bytes(raw) : raw;
  const whole = runResponses(input, 'whole', opts).error;
  for (const how of ['bytewise', 7] as const) {
    const e = runResponses(input, how, opts).error;
    if ((e?.detail ?? null) !== (whole?.detail ?? null)) {
      throw new Error(`split ${how} gave ${e?.detail} but whole gave ${whole?.detail}`);
    }
  }
  return whole;
}

export interface Vector {
  id: string;
  kind: 'request' | 'response';
  mode: string;
  raw: string;
  rawEncoding: 'text' | 'base64';
  expect: 'ok' | 'error';
  method?: string;
  url?: string;
  statusCode?: number;
  statusText?: string;
  versionMajor?: number;
  versionMinor?: number;
  headers?: [string, string][];
  body?: string;
  keepAlive?: boolean;
  messageCount: number;
  completeCount: number;
  upgrade?: { offset: number };
  finish?: string;
  tags: string[];
  messages: {
    method?: string;
    url?: string;
    statusCode?: number;
    statusText?: string;
    versionMinor?: number;
    headers?: [string, string][];
    body?: string;
    complete?: boolean;
  }[];
}

/** The llhttp vectors, read from ../shared at test time (never copied). */
export async function loadVectors(file: 'requests.json' | 'responses.json'): Promise<Vector[]> {
  const url = new URL(`../../../../shared/corpus/http1/${file}`, import.meta.url);
  const json = JSON.parse(await readFile(url, 'utf8')) as { vectors: Vector[] };
  return json.vectors;
}

export function rawBytes(v: Vector): Uint8Array {
  if (v.rawEncoding === 'base64') {
    const bin = atob(v.raw);
    return bytes(bin);
  }
  return bytes(v.raw);
}
