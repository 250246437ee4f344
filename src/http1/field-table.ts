/** A head's fields as offsets into its decoded text: names and values become strings only when asked. */
import { HTAB, SP } from './chars.ts';

/**
 * Slicing every name and value into its own string cost an allocation per string, and another
 * when a writer read it back; a proxied head is mostly copied through unchanged, so writers copy
 * ranges of `text` instead and the string list is made on first use (routing on headers, logs).
 */
export class FieldTable {
  /** The whole head, one char per byte. */
  readonly text: string;
  /** Per field: line start, colon, value start, value end (OWS trimmed) in `text`. */
  private readonly offs: readonly number[];
  readonly count: number;
  /** Fields whose value had obs-fold (S9): their value is the unfolded string, not a range. */
  private readonly folded: readonly number[] | null;
  private list: string[] | null = null;

  constructor(text: string, offs: readonly number[], count: number, folded: readonly number[] | null) {
    this.text = text;
    this.offs = offs;
    this.count = count;
    this.folded = folded;
  }

  nameStart(i: number): number {
    return this.offs[4 * i]!;
  }

  nameEnd(i: number): number {
    return this.offs[4 * i + 1]!;
  }

  valueStart(i: number): number {
    return this.offs[4 * i + 2]!;
  }

  valueEnd(i: number): number {
    return this.offs[4 * i + 3]!;
  }

  /** True when field `i`'s value is only available as a string (`value(i)`), not as a range. */
  isFolded(i: number): boolean {
    return this.folded !== null && this.folded.includes(i);
  }

  /** True when field `i`'s name equals `lower` ignoring ASCII case. */
  nameIs(i: number, lower: string): boolean {
    const s = this.offs[4 * i]!;
    if (this.offs[4 * i + 1]! - s !== lower.length) return false;
    return rangeEqualLower(this.text, s, lower);
  }

  name(i: number): string {
    return this.text.slice(this.offs[4 * i]!, this.offs[4 * i + 1]!);
  }

  value(i: number): string {
    if (this.list !== null) return this.list[2 * i + 1]!;
    const v = this.text.slice(this.offs[4 * i + 2]!, this.offs[4 * i + 3]!);
    return this.isFolded(i) ? unfold(v) : v;
  }

  /** Index of the first field named `lower` (lowercase), or -1. */
  find(lower: string, from = 0): number {
    for (let i = from; i < this.count; i++) if (this.nameIs(i, lower)) return i;
    return -1;
  }

  /** The fields as a flat `[name, value, ...]` list: raw names, OWS-trimmed (unfolded) values. Made once. */
  strings(): string[] {
    if (this.list !== null) return this.list;
    const n = this.count;
    const out = new Array<string>(n * 2);
    for (let f = 0; f < n; f++) {
      out[2 * f] = this.name(f);
      out[2 * f + 1] = this.value(f);
    }
    this.list = out;
    return out;
  }
}

/** True when text[s, s + lower.length) equals `lower` ignoring ASCII case (bounds checked by the caller). */
export function rangeEqualLower(text: string, s: number, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) {
    let c = text.charCodeAt(s + i);
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** S9: each obs-fold (OWS CRLF RWS) becomes one SP; then only SP/HTAB are trimmed (never obs-text). */
function unfold(v: string): string {
  const t = v.replace(/[ \t]*\r\n[ \t]*/g, ' ');
  let s = 0;
  let e = t.length;
  while (s < e && (t.charCodeAt(s) === SP || t.charCodeAt(s) === HTAB)) s++;
  while (e > s && (t.charCodeAt(e - 1) === SP || t.charCodeAt(e - 1) === HTAB)) e--;
  return t.slice(s, e);
}
