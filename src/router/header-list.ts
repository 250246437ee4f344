/** Reading and editing a flat header list (`[name, value, …]`) in place, names case-insensitive. */
import { equalsIgnoreCase } from './ascii.ts';
import type { HeaderList } from './types.ts';

/** The first value of `lowerName`, or null. */
export function getHeader(headers: readonly string[], lowerName: string): string | null {
  for (let i = 0; i + 1 < headers.length; i += 2) {
    if (equalsIgnoreCase(headers[i]!, lowerName)) return headers[i + 1]!;
  }
  return null;
}

/** Every value of `lowerName` joined with "," (Envoy's view of a repeated header), or null. */
export function getJoinedHeader(headers: readonly string[], lowerName: string): string | null {
  let found: string | null = null;
  for (let i = 0; i + 1 < headers.length; i += 2) {
    if (!equalsIgnoreCase(headers[i]!, lowerName)) continue;
    found = found === null ? headers[i + 1]! : `${found},${headers[i + 1]!}`;
  }
  return found;
}

/** True when `lowerName` is present. */
export function hasHeader(headers: readonly string[], lowerName: string): boolean {
  for (let i = 0; i + 1 < headers.length; i += 2) {
    if (equalsIgnoreCase(headers[i]!, lowerName)) return true;
  }
  return false;
}

/** Remove every field named `lowerName`, keeping the others in order; returns how many went. */
export function removeHeader(headers: HeaderList, lowerName: string): number {
  let w = 0;
  for (let r = 0; r + 1 < headers.length; r += 2) {
    const name = headers[r]!;
    if (equalsIgnoreCase(name, lowerName)) continue;
    if (w !== r) {
      headers[w] = name;
      headers[w + 1] = headers[r + 1]!;
    }
    w += 2;
  }
  const removed = (headers.length - w) >> 1;
  headers.length = w;
  return removed;
}

/** Add a field line at the end. */
export function appendHeader(headers: HeaderList, name: string, value: string): void {
  headers.push(name, value);
}

/**
 * Give `lowerName` the single value `value`: the first existing line keeps its place and takes the
 * value, later ones go; with none, `name` is added at the end. Returns whether one existed.
 */
export function setHeader(headers: HeaderList, name: string, lowerName: string, value: string): boolean {
  for (let i = 0; i + 1 < headers.length; i += 2) {
    if (!equalsIgnoreCase(headers[i]!, lowerName)) continue;
    headers[i + 1] = value;
    let w = i + 2;
    for (let r = i + 2; r + 1 < headers.length; r += 2) {
      const n = headers[r]!;
      if (equalsIgnoreCase(n, lowerName)) continue;
      if (w !== r) {
        headers[w] = n;
        headers[w + 1] = headers[r + 1]!;
      }
      w += 2;
    }
    headers.length = w;
    return true;
  }
  headers.push(name, value);
  return false;
}
