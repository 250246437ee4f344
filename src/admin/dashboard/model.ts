/**
 * What the dashboard shows, derived from the admin's JSON: element ids (`data-testid`), health
 * labels, pool columns, per-worker listener stats, and the topology signature. `client-script.ts`
 * mirrors these functions in browser JavaScript; a unit test keeps the two in step.
 */
import { formatHostAddress, healthFlags } from '../clusters-text.ts';
import type { ClusterStatus, HostHealthStatus, HostStatus, PoolStatus, Stat } from '../types.ts';

export type PoolField = 'ready' | 'busy' | 'connecting' | 'pending';
export const POOL_FIELDS: readonly PoolField[] = ['ready', 'busy', 'connecting', 'pending'];

/** `http/1.1` → `http1.1`, as in the `/admin/clusters` text lines. */
export function protocolId(protocol: string): string {
  return protocol.replace('/', '');
}

export function hostId(host: HostStatus): string {
  return formatHostAddress(host.address.socket_address);
}

/** One column of a host's pool table: a pool, a worker that did not answer, or a worker without a pool for this host. */
export type PoolColumn =
  | { kind: 'pool'; key: string; worker: number; pool: PoolStatus }
  | { kind: 'unavailable'; key: string; worker: number }
  | { kind: 'none'; key: string; worker: number };

/** Every worker that appears in any host's pools (answered or unavailable), ascending. */
export function workersInPools(clusters: ClusterStatus[]): number[] {
  const seen = new Set<number>();
  for (const c of clusters) for (const h of c.host_statuses) for (const p of h.pools) seen.add(p.worker);
  return [...seen].sort((a, b) => a - b);
}

export function poolColumns(cluster: string, host: HostStatus, workers: number[]): PoolColumn[] {
  const base = `pool-${cluster}-${hostId(host)}-w`;
  const out: PoolColumn[] = [];
  for (const worker of workers) {
    let any = false;
    for (const p of host.pools) {
      if (p.worker !== worker) continue;
      any = true;
      if ('unavailable' in p) out.push({ kind: 'unavailable', key: `${base}${worker}-unavailable`, worker });
      else out.push({ kind: 'pool', key: `${base}${worker}-${protocolId(p.protocol)}`, worker, pool: p });
    }
    if (!any) out.push({ kind: 'none', key: `${base}${worker}-none`, worker });
  }
  return out;
}

/** `healthy`, `unhealthy`, `ejected`, `draining`, `degraded`: the badge a host gets. */
export function healthLabel(h: HostHealthStatus): string {
  if (h.pending_dynamic_removal || h.eds_health_status === 'DRAINING') return 'draining';
  if (h.failed_active_health_check) return 'unhealthy';
  if (h.failed_outlier_check) return 'ejected';
  if (h.eds_health_status === 'UNHEALTHY' || h.eds_health_status === 'TIMEOUT') return 'unhealthy';
  if (h.eds_health_status === 'DEGRADED') return 'degraded';
  return 'healthy';
}

/** Envoy's failure flags as a short sentence (`failed_active_hc · failed_outlier_check`), empty when healthy. */
export function healthReason(h: HostHealthStatus): string {
  const flags = healthFlags(h);
  return flags === 'healthy' ? '' : flags.slice(1).split('/').join(' · ');
}

/** Per-worker listener stats summed over listeners: `listener.<name>.worker_<n>.<stat>`. */
export interface WorkerStats {
  worker: number;
  cxTotal: number;
  cxActive: number;
  rqTotal: number | undefined;
}

const WORKER_STAT = /^listener\.[^.]+\.worker_(\d+)\.(downstream_cx_total|downstream_cx_active|downstream_rq_total)$/;

export function workerStats(stats: Stat[]): WorkerStats[] {
  const by = new Map<number, WorkerStats>();
  for (const s of stats) {
    const m = WORKER_STAT.exec(s.name);
    if (!m) continue;
    const worker = Number(m[1]);
    let w = by.get(worker);
    if (!w) {
      w = { worker, cxTotal: 0, cxActive: 0, rqTotal: undefined };
      by.set(worker, w);
    }
    if (m[2] === 'downstream_cx_total') w.cxTotal += s.value;
    else if (m[2] === 'downstream_cx_active') w.cxActive += s.value;
    else w.rqTotal = (w.rqTotal ?? 0) + s.value;
  }
  return [...by.values()].sort((a, b) => a.worker - b.worker);
}

/**
 * Names every element the dashboard renders from data (clusters, hosts, pool columns, workers).
 * The page reloads its server-rendered part when this changes; otherwise it only updates numbers.
 */
export function topology(clusters: ClusterStatus[], stats: Stat[]): string {
  const workers = workersInPools(clusters);
  const parts: string[] = [];
  for (const w of dashboardWorkers(clusters, stats)) parts.push(`worker-${w}`);
  for (const c of clusters) {
    parts.push(`cluster-${c.name}`);
    for (const h of c.host_statuses) {
      parts.push(`host-${c.name}-${hostId(h)}`);
      for (const col of poolColumns(c.name, h, workers)) parts.push(col.key);
    }
  }
  return parts.join(',');
}

/** Workers seen in per-worker listener stats or in any pool, ascending: one panel each. */
export function dashboardWorkers(clusters: ClusterStatus[], stats: Stat[]): number[] {
  const all = new Set<number>(workersInPools(clusters));
  for (const w of workerStats(stats)) all.add(w.worker);
  return [...all].sort((a, b) => a - b);
}

/** Sum of a stat family over every name matching `pattern`. */
export function sumStats(stats: Stat[], pattern: RegExp): number {
  let total = 0;
  for (const s of stats) if (pattern.test(s.name)) total += s.value;
  return total;
}

export function statValue(stats: { name: string; value: number }[], name: string): number {
  for (const s of stats) if (s.name === name) return s.value;
  return 0;
}

/** `3d 4h`, `2h 5m`, `4m 10s`, `12s`. */
export function formatUptime(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86400);
  const hr = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${hr}h`;
  if (hr > 0) return `${hr}h ${m}m`;
  if (m > 0) return `${m}m ${s % 60}s`;
  return `${s}s`;
}

/** Fill level of a circuit-breaker meter: `ok` below 75 %, `warn` below 100 %, `full` at the limit. */
export function meterLevel(used: number, max: number): string {
  if (max <= 0) return used > 0 ? 'full' : 'ok';
  const f = used / max;
  return f >= 1 ? 'full' : f >= 0.75 ? 'warn' : 'ok';
}
