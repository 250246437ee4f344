/** Virtual host selection by Host, as Envoy: exact, then longest `*suffix`, then longest `prefix*`, then `*`. */
import { RouterConfigError } from './errors.ts';
import { normalizeHost, portStart } from './host.ts';

/** Wildcard domains of one length; a short list is scanned, a long one looked up by slice. */
interface WildcardGroup<V> {
  readonly len: number;
  readonly keys: string[];
  readonly values: V[];
  map: Map<string, V> | null;
}

// Below this many domains of one length, endsWith/startsWith beats slicing for a Map lookup.
const SCAN_LIMIT = 8;
// The cache key is the raw Host, chosen by the client: bounded, cleared when full.
const CACHE_LIMIT = 512;

function addWildcard<V>(groups: WildcardGroup<V>[], key: string, value: V): void {
  let g = groups.find((x) => x.len === key.length);
  if (!g) {
    g = { len: key.length, keys: [], values: [], map: null };
    groups.push(g);
  }
  g.keys.push(key);
  g.values.push(value);
}

function seal<V>(groups: WildcardGroup<V>[]): WildcardGroup<V>[] {
  for (const g of groups) {
    if (g.keys.length > SCAN_LIMIT) g.map = new Map(g.keys.map((k, i) => [k, g.values[i]!]));
  }
  return groups.sort((a, b) => b.len - a.len);
}

function findSuffix<V>(groups: readonly WildcardGroup<V>[], host: string): V | null {
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i]!;
    // The '*' must stand for at least one character.
    if (g.len >= host.length) continue;
    if (g.map !== null) {
      const v = g.map.get(host.slice(host.length - g.len));
      if (v !== undefined) return v;
      continue;
    }
    for (let j = 0; j < g.keys.length; j++) if (host.endsWith(g.keys[j]!)) return g.values[j]!;
  }
  return null;
}

function findPrefix<V>(groups: readonly WildcardGroup<V>[], host: string): V | null {
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i]!;
    if (g.len >= host.length) continue;
    if (g.map !== null) {
      const v = g.map.get(host.slice(0, g.len));
      if (v !== undefined) return v;
      continue;
    }
    for (let j = 0; j < g.keys.length; j++) if (host.startsWith(g.keys[j]!)) return g.values[j]!;
  }
  return null;
}

/** Maps a Host value to the value (virtual host) registered for the best-matching domain. */
export class DomainTable<V> {
  private readonly exact = new Map<string, V>();
  private readonly suffixes: WildcardGroup<V>[];
  private readonly prefixes: WildcardGroup<V>[];
  private readonly fallback: V | null = null;
  private readonly onlyFallback: boolean;
  private readonly cache = new Map<string, V | null>();

  /** `entries`: each value with its domains; `ownerName` names it in errors. */
  constructor(entries: ReadonlyArray<{ domains: readonly string[]; value: V; ownerName: string }>) {
    const seen = new Map<string, string>();
    const suffixes: WildcardGroup<V>[] = [];
    const prefixes: WildcardGroup<V>[] = [];
    for (const { domains, value, ownerName } of entries) {
      const where = `virtual host '${ownerName}'`;
      if (domains.length === 0) throw new RouterConfigError(where, 'domains is empty');
      for (const raw of domains) {
        // Normalized as the Host is: a domain written with a trailing dot can still be selected.
        const d = normalizeHost(raw);
        if (d === '') throw new RouterConfigError(where, 'empty domain');
        const other = seen.get(d);
        if (other !== undefined) {
          throw new RouterConfigError(where, `domain '${raw}' is already used by virtual host '${other}'`);
        }
        seen.set(d, ownerName);
        const stars = d.split('*').length - 1;
        if (d === '*') {
          this.fallback = value;
        } else if (stars === 0) {
          this.exact.set(d, value);
        } else if (stars === 1 && d.startsWith('*')) {
          addWildcard(suffixes, d.slice(1), value);
        } else if (stars === 1 && d.endsWith('*')) {
          addWildcard(prefixes, d.slice(0, -1), value);
        } else {
          throw new RouterConfigError(where, `domain '${raw}': a wildcard '*' may only be the first or last character`);
        }
      }
    }
    this.suffixes = seal(suffixes);
    this.prefixes = seal(prefixes);
    this.onlyFallback = this.exact.size === 0 && suffixes.length === 0 && prefixes.length === 0;
  }

  /** The value for `host` (a raw Host header, maybe with port; '' when absent), or null. */
  find(host: string): V | null {
    if (this.onlyFallback) return this.fallback;
    const cached = this.cache.get(host);
    if (cached !== undefined) return cached;
    const found = this.lookup(host);
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(host, found);
    return found;
  }

  // Each tier is tried with the port, then without it, before the next tier: an exact
  // `example.com` beats `example.*` for `example.com:8080`.
  private lookup(rawHost: string): V | null {
    const host = normalizeHost(rawHost);
    const p = portStart(host);
    const bare = p === -1 ? null : host.slice(0, p);
    let v = this.exact.get(host) ?? (bare !== null ? this.exact.get(bare) : undefined);
    if (v !== undefined) return v;
    const s = findSuffix(this.suffixes, host) ?? (bare !== null ? findSuffix(this.suffixes, bare) : null);
    if (s !== null) return s;
    const pr = findPrefix(this.prefixes, host) ?? (bare !== null ? findPrefix(this.prefixes, bare) : null);
    if (pr !== null) return pr;
    return this.fallback;
  }
}
