/** Envoy's `/clusters` text format (`backend::127.0.0.1:9001::cx_active::3`), plus our per-worker pool lines. */
import type { ClusterStatus, HostHealthStatus, SocketAddress } from './types.ts';

/** `127.0.0.1:9001`, or `[::1]:9001` for IPv6, as Envoy prints host addresses. */
export function formatHostAddress(a: SocketAddress): string {
  return a.address.includes(':') ? `[${a.address}]:${a.port_value}` : `${a.address}:${a.port_value}`;
}

/** Envoy's `health_flags` value: `healthy`, or every failure flag prefixed with `/`. */
export function healthFlags(h: HostHealthStatus): string {
  let flags = '';
  if (h.failed_active_health_check) flags += '/failed_active_hc';
  if (h.failed_outlier_check) flags += '/failed_outlier_check';
  const eds = h.eds_health_status;
  if (eds === 'UNHEALTHY' || eds === 'DRAINING' || eds === 'TIMEOUT') flags += '/failed_eds_health';
  if (eds === 'DEGRADED') flags += '/degraded_eds_health';
  if (h.pending_dynamic_removal) flags += '/pending_dynamic_removal';
  return flags === '' ? 'healthy' : flags;
}

function byName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export function clustersText(clusters: ClusterStatus[]): string {
  const lines: string[] = [];
  for (const c of clusters) {
    const n = c.name;
    for (const t of c.circuit_breakers.thresholds) {
      const p = `${n}::${t.priority.toLowerCase()}_priority::`;
      lines.push(
        `${p}max_connections::${t.max_connections}`,
        `${p}max_pending_requests::${t.max_pending_requests}`,
        `${p}max_requests::${t.max_requests}`,
        `${p}max_retries::${t.max_retries}`,
        `${p}active_connections::${t.occupancy.connections}`,
        `${p}active_pending_requests::${t.occupancy.pending_requests}`,
        `${p}active_requests::${t.occupancy.requests}`,
        `${p}active_retries::${t.occupancy.retries}`,
      );
    }
    lines.push(`${n}::added_via_api::${c.added_via_api}`);
    for (const h of c.host_statuses) {
      const p = `${n}::${formatHostAddress(h.address.socket_address)}::`;
      for (const s of [...h.stats].sort(byName)) lines.push(`${p}${s.name}::${s.value}`);
      if (h.hostname !== undefined) lines.push(`${p}hostname::${h.hostname}`);
      lines.push(`${p}health_flags::${healthFlags(h.health_status)}`, `${p}weight::${h.weight}`);
      for (const pool of h.pools) {
        const w = `${p}worker_${pool.worker}::`;
        if ('unavailable' in pool) {
          lines.push(`${w}unavailable::true`);
          continue;
        }
        const q = `${w}${pool.protocol.replace('/', '')}::`;
        lines.push(
          `${q}ready::${pool.ready}`,
          `${q}busy::${pool.busy}`,
          `${q}connecting::${pool.connecting}`,
          `${q}pending::${pool.pending}`,
        );
      }
    }
  }
  return lines.length === 0 ? '' : lines.join('\n') + '\n';
}
