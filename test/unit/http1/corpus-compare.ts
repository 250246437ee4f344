/** Compares one parser outcome with an llhttp corpus vector's expectations. */
import type { RequestHead, ResponseHead } from '../../../src/http1/head.ts';
import type { Outcome, Vector } from './helpers.ts';

function pairs(flat: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
  return out;
}

/** null when the outcome gives llhttp's verdict and parse; otherwise what differs. */
export function disagreement(v: Vector, o: Outcome): string | null {
  if (v.expect === 'error') return o.error ? null : 'llhttp rejects, we accepted';
  if (o.error) return `llhttp accepts, we rejected: ${o.error.detail}`;
  const started = o.messages.length + (o.midHead ? 1 : 0);
  if (started !== v.messageCount) return `messageCount ${started} != ${v.messageCount}`;
  const completed = o.messages.filter((m) => m.complete).length;
  if (completed !== v.completeCount) return `completeCount ${completed} != ${v.completeCount}`;
  for (let i = 0; i < v.messages.length && i < o.messages.length; i++) {
    const want = v.messages[i]!;
    const got = o.messages[i]!;
    if (v.kind === 'request') {
      const h = got.head as RequestHead;
      if (want.method !== undefined && h.method !== want.method) return `message ${i} method ${h.method}`;
      if (want.url !== undefined && h.target !== want.url) return `message ${i} url ${h.target}`;
    } else {
      const h = got.head as ResponseHead;
      if (want.statusCode !== undefined && h.status !== want.statusCode) return `message ${i} status ${h.status}`;
      if (want.statusText !== undefined && h.reason !== want.statusText) return `message ${i} reason ${h.reason}`;
    }
    if (want.versionMinor !== undefined && got.head.versionMinor !== want.versionMinor) return `message ${i} version`;
    if (want.headers !== undefined && JSON.stringify(pairs(got.head.headers)) !== JSON.stringify(want.headers)) {
      return `message ${i} headers ${JSON.stringify(pairs(got.head.headers))}`;
    }
    if (want.body !== undefined && got.body !== want.body) return `message ${i} body ${JSON.stringify(got.body)}`;
  }
  if (v.keepAlive !== undefined && o.messages[0] && o.messages[0].complete) {
    const first = o.messages.find((m) => !m.informational)!;
    if (first.head.keepAlive !== v.keepAlive && !first.head.upgrade) return `keepAlive ${first.head.keepAlive}`;
  }
  if (v.upgrade) {
    const rest = latin1Of(v).slice(v.upgrade.offset);
    if (o.remainder !== rest) return `upgrade remainder ${JSON.stringify(o.remainder)} != ${JSON.stringify(rest)}`;
  } else if (o.remainder !== null) {
    return 'switched protocols but llhttp did not';
  }
  return null;
}

function latin1Of(v: Vector): string {
  return v.rawEncoding === 'base64' ? atob(v.raw) : v.raw;
}
