/** Fast random UUIDv4 request ids: one getRandomValues call per 256 ids instead of one per request. */

const HEX_DIGITS = new TextEncoder().encode('0123456789abcdef');
const DASH = 0x2d;
const POOL_IDS = 256;

/**
 * `crypto.randomUUID()` costs a quarter of a request's CPU on Bun (a kernel random read per
 * call); buffering the same cryptographic randomness gives the same ids at a fraction of it.
 * The 36 characters are written as bytes and decoded once: concatenating 20 pieces built a rope
 * that the head writer then had to flatten (about twice the time on Bun and Node).
 */
export class RequestIdGenerator {
  private readonly pool = new Uint8Array(16 * POOL_IDS);
  private at = this.pool.length;
  private readonly out = new Uint8Array(36);
  private readonly decoder = new TextDecoder();

  next(): string {
    if (this.at === this.pool.length) {
      crypto.getRandomValues(this.pool);
      this.at = 0;
    }
    const b = this.pool;
    const i = this.at;
    this.at += 16;
    const out = this.out;
    let o = 0;
    for (let k = 0; k < 16; k++) {
      if (k === 4 || k === 6 || k === 8 || k === 10) out[o++] = DASH;
      let v = b[i + k]!;
      // Version 4 and the RFC 4122 variant, as randomUUID() sets them.
      if (k === 6) v = (v & 0x0f) | 0x40;
      else if (k === 8) v = (v & 0x3f) | 0x80;
      out[o++] = HEX_DIGITS[v >> 4]!;
      out[o++] = HEX_DIGITS[v & 15]!;
    }
    return this.decoder.decode(out);
  }
}
