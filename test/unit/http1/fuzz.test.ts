/**
 * Seeded, time-bounded property tests: valid messages round-trip through writer and parser, and
 * random mutations of them never make a parser throw, over-report a body, or depend on how the
 * input was split.
 */
import { describe, it } from 'node:test';
import process from 'node:process';
import assert from 'node:assert/strict';
import { HttpCodecError } from '../../../src/http1/errors.ts';
import type { RequestHead, ResponseHead } from '../../../src/http1/head.ts';
import { fieldDisposition, KEEP } from '../../../src/http1/hop-by-hop.ts';
import { encodeChunkHeader, encodeLastChunk, encodeRequestHead, encodeResponseHead, CRLF } from '../../../src/http1/serialize.ts';
import { bytes, latin1, rng, runRequests, runResponses, type Outcome, type Split } from './helpers.ts';

/** Per property; the three together stay under 3 s (FUZZ_MS=60000 for a long local run). */
const BUDGET_MS = Number(process.env.FUZZ_MS ?? 700);
const STATUSES = new Set([400, 413, 414, 417, 431, 501, 505, 502]);

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const int = (r: Rand, n: number): number => Math.floor(r() * n);

function str(r: Rand, alphabet: string, min: number, max: number): string {
  let s = '';
  const n = min + int(r, max - min + 1);
  for (let i = 0; i < n; i++) s += alphabet[int(r, alphabet.length)]!;
  return s;
}

const TOKEN = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~";
const PATH = 'abcdefghijklmnopqrstuvwxyz0123456789-._~!$&\'()*+,;=:@/%';
const VCHAR = Array.from({ length: 94 }, (_, i) => String.fromCharCode(0x21 + i)).join('');
const NAMES = ['Accept', 'User-Agent', 'Cookie', 'X-Req', 'Content-Type', 'Connection', 'Keep-Alive', 'TE', 'Expect', 'X_Under', 'Set-Cookie'];

/** A field value: VCHAR/obs-text with inner SP/HTAB, never edge whitespace (it would be trimmed). */
function value(r: Rand): string {
  let v = str(r, VCHAR + '  \t', 0, 40);
  if (r() < 0.2) v += '\xe9\x80\xff';
  return v.replace(/^[ \t]+|[ \t]+$/g, '');
}

function fields(r: Rand): string[] {
  const out: string[] = [];
  const n = int(r, 10);
  for (let i = 0; i < n; i++) {
    const name = r() < 0.6 ? pick(r, NAMES) : str(r, TOKEN, 1, 12);
    if (name.toLowerCase() === 'expect' || name.toLowerCase() === 'host') continue;
    out.push(name, name.toLowerCase() === 'connection' ? 'keep-alive' : value(r));
  }
  return out;
}

interface Message {
  raw: Uint8Array;
  body: string;
  headers: string[];
  trailers: string[] | null;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Body in the framing chosen: Content-Length bytes, or chunks with random sizes and extensions. */
function body(r: Rand, head: (framing: 'none' | 'content-length' | 'chunked', length: number) => Uint8Array): Message {
  const kind = pick(r, ['none', 'content-length', 'chunked'] as const);
  const data = kind === 'none' ? '' : str(r, VCHAR + '\r\n\x00\xff', 0, 300);
  const parts = [head(kind, data.length)];
  let trailers: string[] | null = null;
  if (kind === 'content-length') parts.push(bytes(data));
  if (kind === 'chunked') {
    for (let i = 0; i < data.length; ) {
      const n = 1 + int(r, 64);
      const piece = data.slice(i, i + n);
      parts.push(r() < 0.3 ? bytes(`${piece.length.toString(16)};ext="v"\r\n`) : encodeChunkHeader(piece.length), bytes(piece), CRLF);
      i += n;
    }
    trailers = r() < 0.3 ? ['X-Trailer', value(r)] : null;
    parts.push(encodeLastChunk(trailers));
  }
  return { raw: concat(parts), body: data, headers: [], trailers: trailers && trailers.length ? trailers : null };
}

function request(r: Rand): Message & { method: string; path: string; host: string } {
  const method = pick(r, ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'X-CUSTOM']);
  const path = '/' + str(r, PATH, 0, 30) + (r() < 0.3 ? '?' + str(r, PATH + '?', 0, 20) : '');
  const host = pick(r, ['example.com', 'a.b.c:8080', '[::1]:443', '10.0.0.1']);
  const headers = fields(r);
  const m = body(r, (framing, length) => encodeRequestHead({ method, path, host, headers }, { framing, contentLength: length }));
  return { ...m, method, path, host, headers };
}

function response(r: Rand): Message & { status: number; reason: string } {
  const status = pick(r, [200, 201, 202, 206, 301, 400, 404, 500, 503]);
  const reason = str(r, VCHAR + ' \xe9', 0, 20);
  const headers = fields(r);
  const m = body(r, (framing, length) => encodeResponseHead({ status, reason, headers }, { framing: framing === 'none' ? 'content-length' : framing, contentLength: length }));
  return { ...m, status, reason, headers };
}

/** What the writer keeps of a field list (R17). */
function forwarded(headers: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) if (fieldDisposition(headers[i]!) === KEEP) out.push(headers[i]!, headers[i + 1]!);
  return out;
}

/** Everything a parser reported, as one comparable string. */
function summary(o: Outcome): string {
  return JSON.stringify({
    error: o.error?.detail ?? null,
    remainder: o.remainder,
    messages: o.messages.map((m) => [m.head.headers, m.body, m.trailers, m.complete, 'method' in m.head ? (m.head as RequestHead).target : (m.head as ResponseHead).status]),
  });
}

function checkInvariants(o: Outcome, input: Uint8Array): void {
  if (o.error) {
    assert.ok(o.error instanceof HttpCodecError);
    assert.ok(STATUSES.has(o.error.status), `status ${o.error.status}`);
    assert.match(o.error.detail, /^http1\./);
  }
  let total = 0;
  for (const m of o.messages) {
    total += m.body.length;
    if (m.head.framing === 'content-length') {
      assert.ok(m.body.length <= m.head.contentLength, 'body longer than Content-Length');
      if (m.complete) assert.equal(m.body.length, m.head.contentLength);
    }
    if (m.head.framing === 'none') assert.equal(m.body, '');
  }
  assert.ok(total <= input.length, 'reported more body bytes than were fed');
}

function mutate(r: Rand, input: Uint8Array): Uint8Array {
  let b = Array.from(input);
  const interesting = [13, 10, 32, 9, 58, 59, 44, 48, 49, 97, 0, 0x7f, 0x80, 0xff, 0x22, 0x5c, 0x46];
  const n = 1 + int(r, 4);
  for (let k = 0; k < n && b.length > 0; k++) {
    const at = int(r, b.length);
    switch (int(r, 6)) {
      case 0:
        b[at] = pick(r, interesting);
        break;
      case 1:
        b.splice(at, 0, pick(r, interesting));
        break;
      case 2:
        b.splice(at, 1 + int(r, 3));
        break;
      case 3:
        b = b.slice(0, at);
        break;
      case 4:
        b.splice(at, 0, ...b.slice(at, at + 1 + int(r, 20)));
        break;
      default:
        b[at] = int(r, 256);
    }
  }
  return Uint8Array.from(b);
}

function timeBounded(seed: number, body: (r: Rand, i: number) => void): number {
  const end = performance.now() + BUDGET_MS;
  let i = 0;
  while (performance.now() < end || i < 200) {
    body(rng(seed + i), i);
    i++;
  }
  return i;
}

describe('property tests (seeded, time-bounded)', () => {
  it('parse(serialize(request)) round-trips method, path, host, fields, body and trailers under any split', () => {
    timeBounded(1000, (r) => {
      const m = request(r);
      for (const how of ['whole', int(r, 1e9)] as Split[]) {
        const o = runRequests(m.raw, how);
        assert.equal(o.error, null, `${o.error?.detail} in ${JSON.stringify(latin1(m.raw))}`);
        const h = o.messages[0]!.head as RequestHead;
        assert.deepEqual([h.method, h.path, h.host], [m.method, m.path, m.host]);
        assert.deepEqual([h.headers[0], h.headers[1]], ['Host', m.host]);
        assert.deepEqual(forwarded(h.headers), forwarded(m.headers));
        assert.equal(o.messages[0]!.body, m.body);
        assert.deepEqual(o.messages[0]!.trailers, m.trailers);
        assert.equal(o.messages[0]!.complete, true);
      }
    });
  });

  it('parse(serialize(response)) round-trips status, reason, fields, body and trailers under any split', () => {
    timeBounded(2000, (r) => {
      const m = response(r);
      const o = runResponses(m.raw, int(r, 1e9));
      assert.equal(o.error, null, o.error?.detail);
      const h = o.messages[0]!.head as ResponseHead;
      assert.deepEqual([h.status, h.reason], [m.status, m.reason]);
      assert.deepEqual(forwarded(h.headers), forwarded(m.headers));
      assert.equal(o.messages[0]!.body, m.body);
      assert.deepEqual(o.messages[0]!.trailers, m.trailers);
    });
  });

  it('mutated messages: only HttpCodecError via onError, bodies never over-reported, split-independent', () => {
    let errors = 0;
    const n = timeBounded(3000, (r) => {
      const isRequest = r() < 0.6;
      const valid = isRequest ? request(r) : response(r);
      const input = mutate(r, r() < 0.3 ? concat([valid.raw, (isRequest ? request(r) : response(r)).raw]) : valid.raw);
      const requireHost = r() < 0.7;
      const run = (how: Split): Outcome =>
        isRequest ? runRequests(input, how, { requireHost, finish: true }) : runResponses(input, how, { expect: 2, finish: true });
      const whole = run('whole');
      checkInvariants(whole, input);
      if (whole.error) errors++;
      for (const how of ['bytewise', int(r, 1e9)] as Split[]) {
        const other = run(how);
        checkInvariants(other, input);
        assert.equal(summary(other), summary(whole), `split ${how} differs on ${JSON.stringify(latin1(input))}`);
      }
    });
    assert.ok(errors > n / 10, `mutations should mostly break messages (${errors}/${n})`);
    if (process.env.FUZZ_STATS) console.log(`mutation cases: ${n}, rejected: ${errors}`);
  });
});
