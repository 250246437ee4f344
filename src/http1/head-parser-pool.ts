/**
 * Head scanners lent to parsers only while they read a head or a trailer section. A scanner with
 * its field offsets and framing facts is about 800 bytes, and a connection spends almost all its
 * life between heads: at 1,000 proxied connections (2,000 parsers) nearly every scanner sat idle.
 * One pool per thread (module state is per thread), one free list per mode.
 */
import { HeadParser, MODE_REQUEST } from './head-parser.ts';

/** Idle scanners kept per mode; more are left to the collector. A head spanning reads keeps its scanner until it ends. */
const KEEP = 16;

export class HeadParserPool {
  private readonly requests: HeadParser[] = [];
  private readonly responses: HeadParser[] = [];
  /** Scanners made, for tests and the curious: it stays small while heads arrive whole. */
  created = 0;

  acquire(mode: number, maxBytes: number, maxFields: number, maxStartLine: number): HeadParser {
    const free = mode === MODE_REQUEST ? this.requests : this.responses;
    const h = free.pop();
    if (h === undefined) {
      this.created++;
      return new HeadParser(mode, maxBytes, maxFields, maxStartLine);
    }
    h.setLimits(maxBytes, maxFields, maxStartLine);
    return h;
  }

  release(h: HeadParser): void {
    h.release();
    const free = h.mode === MODE_REQUEST ? this.requests : this.responses;
    if (free.length < KEEP) free.push(h);
  }
}

export const HEAD_PARSERS = new HeadParserPool();
