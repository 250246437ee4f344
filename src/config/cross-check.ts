/**
 * Checks that span several fields: unique names, free address:port pairs, routes that name a
 * cluster that exists. They read the raw document defensively so they run (and report) even
 * when the schema found other problems.
 */

import { normalizeHost } from '../router/host.ts';
import { didYouMeanSuffix } from './did-you-mean.ts';
import { formatPath } from './path.ts';
import type { PathIssue, PathSegment } from './path.ts';

type Raw = Record<string, unknown>;

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function asRecord(value: unknown): Raw | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Raw) : undefined;
}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Report every repeat of a name among `items[*].name`; returns the names that were seen. */
function checkUniqueNames(items: unknown[], listPath: PathSegment[], what: string, issues: PathIssue[]): Set<string> {
  const firstIndex = new Map<string, number>();
  items.forEach((item, index) => {
    const name = asString(asRecord(item)?.['name']);
    if (name === undefined) return;
    const first = firstIndex.get(name);
    if (first === undefined) {
      firstIndex.set(name, index);
    } else {
      issues.push({ path: [...listPath, index, 'name'], message: `duplicate ${what} name "${name}" (already used by ${formatPath([...listPath, first])})` });
    }
  });
  return new Set(firstIndex.keys());
}

const WILDCARDS = new Set(['0.0.0.0', '::', '0:0:0:0:0:0:0:0']);

// With SO_REUSEPORT two sockets on the same port could both bind and silently split traffic,
// so overlapping binds are refused here rather than left to the kernel.
function overlaps(a: string, b: string): boolean {
  return a === b || WILDCARDS.has(a) || WILDCARDS.has(b);
}

interface Bind {
  address: string;
  port: number;
  path: PathSegment[];
}

function checkBinds(root: Raw, issues: PathIssue[]): void {
  const binds: Bind[] = [];
  const admin = asRecord(root['admin']);
  // No admin block means the default admin socket, 127.0.0.1:9901: a listener may collide with it too.
  const adminPort = admin === undefined ? 9901 : admin['port'];
  if (typeof adminPort === 'number' && adminPort !== 0) {
    binds.push({ address: asString(admin?.['address']) ?? '127.0.0.1', port: adminPort, path: ['admin'] });
  }
  asList(root['listeners']).forEach((item, index) => {
    const listener = asRecord(item);
    const port = listener?.['port'];
    const address = asString(listener?.['address']);
    if (typeof port === 'number' && port !== 0 && address !== undefined) binds.push({ address, port, path: ['listeners', index] });
  });
  for (let i = 0; i < binds.length; i++) {
    const later = binds[i];
    if (later === undefined) continue;
    const earlier = binds.slice(0, i).find((b) => b.port === later.port && overlaps(b.address, later.address));
    if (earlier !== undefined) {
      issues.push({
        path: [...later.path, 'port'],
        message: `${later.address}:${later.port} overlaps ${earlier.address}:${earlier.port} of ${formatPath(earlier.path)}`,
      });
    }
  }
}

function checkVirtualHosts(root: Raw, clusterNames: Set<string>, issues: PathIssue[]): void {
  const known = [...clusterNames];
  asList(root['listeners']).forEach((item, listenerIndex) => {
    const listenerPath: PathSegment[] = ['listeners', listenerIndex];
    const virtualHosts = asList(asRecord(item)?.['virtual_hosts']);
    checkUniqueNames(virtualHosts, [...listenerPath, 'virtual_hosts'], 'virtual host', issues);
    const domainOwner = new Map<string, PathSegment[]>();
    virtualHosts.forEach((vhItem, vhIndex) => {
      const vhPath: PathSegment[] = [...listenerPath, 'virtual_hosts', vhIndex];
      const virtualHost = asRecord(vhItem);
      asList(virtualHost?.['domains']).forEach((domainItem, domainIndex) => {
        const raw = asString(domainItem);
        if (raw === undefined) return;
        // The router's own normalization: `a.com.` and `a.com` are one name.
        const domain = normalizeHost(raw);
        const owner = domainOwner.get(domain);
        if (owner === undefined) domainOwner.set(domain, [...vhPath, 'domains', domainIndex]);
        else issues.push({ path: [...vhPath, 'domains', domainIndex], message: `domain "${domain}" is already served by ${formatPath(owner)}` });
      });
      asList(virtualHost?.['routes']).forEach((routeItem, routeIndex) => {
        const cluster = asString(asRecord(routeItem)?.['cluster']);
        if (cluster === undefined || clusterNames.has(cluster)) return;
        const knownText = known.length === 0 ? 'no clusters are defined' : `known clusters: ${known.join(', ')}`;
        issues.push({
          path: [...vhPath, 'routes', routeIndex, 'cluster'],
          message: `unknown cluster "${cluster}"${didYouMeanSuffix(cluster, known)}; ${knownText}`,
        });
      });
    });
  });
}

/** Every cross-field problem in a (substituted) config document. */
export function crossCheck(document: unknown): PathIssue[] {
  const root = asRecord(document);
  if (root === undefined) return [];
  const issues: PathIssue[] = [];
  const clusterNames = checkUniqueNames(asList(root['clusters']), ['clusters'], 'cluster', issues);
  checkUniqueNames(asList(root['listeners']), ['listeners'], 'listener', issues);
  checkBinds(root, issues);
  checkVirtualHosts(root, clusterNames, issues);
  return issues;
}
