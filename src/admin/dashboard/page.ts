/** The dashboard page, server-rendered with Hono's JSX runtime (called as `jsx()`: no .tsx, no build step). */
import { jsx as h } from 'hono/jsx';
import type { Child, JSXNode } from 'hono/jsx';
import { raw } from 'hono/html';
import { formatHostAddress, healthFlags } from '../clusters-text.ts';
import type { ClusterStatus, HostStatus, ListenerStatus, ServerInfo, Stat } from '../types.ts';
import { CLIENT_SCRIPT } from './client-script.ts';
import {
  POOL_FIELDS,
  dashboardWorkers,
  formatUptime,
  meterLevel,
  healthLabel,
  healthReason,
  hostId,
  poolColumns,
  statValue,
  sumStats,
  topology,
  workerStats,
  workersInPools,
} from './model.ts';
import type { PoolColumn } from './model.ts';
import { DASHBOARD_CSS } from './styles.ts';

/** Everything one render of the page needs. */
export interface DashboardData {
  info: ServerInfo;
  listeners: ListenerStatus[];
  clusters: ClusterStatus[];
  stats: Stat[];
}

const PENDING_RATE = '–';

function meterWidth(used: number, max: number): string {
  const pct = max <= 0 ? (used > 0 ? 100 : 0) : Math.min(100, (used * 100) / max);
  return `width: ${pct.toFixed(1)}%`;
}

function header(info: ServerInfo): JSXNode {
  const meta: Child[] = [
    h('span', null, 'state ', h('span', { class: 'badge', 'data-state': info.state, 'data-testid': 'server-state' }, info.state)),
    h('span', null, 'version ', h('b', { 'data-testid': 'server-version' }, info.version)),
    h('span', null, 'runtime ', h('b', { 'data-testid': 'server-runtime' }, `${info.runtime.name} ${info.runtime.version}`)),
    h('span', null, 'workers ', h('b', { 'data-testid': 'server-workers' }, info.workers)),
    h('span', null, 'listening ', h('b', { 'data-testid': 'server-listening-model' }, info.listening_model)),
    h('span', null, 'uptime ', h('b', { 'data-testid': 'server-uptime', 'data-uptime': info.uptime_seconds }, formatUptime(info.uptime_seconds))),
  ];
  if (info.config_generation !== undefined) {
    meta.push(h('span', null, 'config gen ', h('b', { 'data-testid': 'server-generation' }, info.config_generation)));
  }
  return h(
    'header',
    { class: 'top' },
    h('div', { class: 'brand' }, h('div', { class: 'logo' }), 'proxy', h('span', { style: 'color: var(--muted); font-weight: 400' }, 'admin')),
    h('div', { class: 'meta' }, ...meta),
    h('div', { class: 'spacer' }),
    h('div', { class: 'live', 'data-testid': 'live-status', 'data-state': 'connecting' }, h('span', { class: 'dot' }), h('span', { 'data-testid': 'live-text' }, 'connecting…')),
  );
}

function tile(label: string, testid: string, value: Child, unit?: string): JSXNode {
  return h(
    'div',
    { class: 'tile' },
    h('div', { class: 'label' }, label),
    h('div', { class: 'value num' }, h('span', { 'data-testid': testid }, value), unit ? h('span', { class: 'unit' }, unit) : null),
  );
}

function tiles(data: DashboardData): JSXNode {
  let healthy = 0;
  let hosts = 0;
  let pending = 0;
  for (const c of data.clusters) {
    for (const host of c.host_statuses) {
      hosts++;
      if (healthFlags(host.health_status) === 'healthy') healthy++;
      for (const p of host.pools) if (!('unavailable' in p)) pending += p.pending;
    }
  }
  return h(
    'div',
    { class: 'tiles' },
    tile('Downstream requests', 'total-rps', PENDING_RATE, 'rq/s'),
    tile('Active connections', 'total-cx-active', sumStats(data.stats, /^http\.[^.]+\.downstream_cx_active$/)),
    tile('Upstream in flight', 'total-upstream-rq-active', sumStats(data.stats, /^cluster\.[^.]+\.upstream_rq_active$/)),
    tile('Pending in pools', 'total-pending', pending),
    tile('Healthy hosts', 'healthy-hosts', `${healthy} / ${hosts}`),
  );
}

function listenerChips(listeners: ListenerStatus[]): JSXNode | null {
  if (listeners.length === 0) return null;
  return h(
    'div',
    null,
    h('div', { class: 'section-title' }, 'Listeners'),
    h(
      'div',
      { class: 'chips' },
      ...listeners.map((l) =>
        h('span', { class: 'chip', 'data-testid': `listener-${l.name}` }, h('b', null, l.name), h('code', null, formatHostAddress(l.local_address.socket_address))),
      ),
    ),
  );
}

function workersPanel(data: DashboardData): JSXNode | null {
  const workers = dashboardWorkers(data.clusters, data.stats);
  if (workers.length === 0) return null;
  const listenerStats = new Map(workerStats(data.stats).map((w) => [w.worker, w]));
  return h(
    'div',
    null,
    h('div', { class: 'section-title' }, 'Workers'),
    h(
      'div',
      { class: 'workers' },
      ...workers.map((w) => {
        let busy = 0;
        let pending = 0;
        let unavailable = false;
        for (const c of data.clusters) {
          for (const host of c.host_statuses) {
            for (const p of host.pools) {
              if (p.worker !== w) continue;
              if ('unavailable' in p) unavailable = true;
              else {
                busy += p.busy;
                pending += p.pending;
              }
            }
          }
        }
        const ls = listenerStats.get(w);
        const row = (label: string, testid: string, value: Child): JSXNode[] => [
          h('dt', null, label),
          h('dd', { class: 'num', 'data-testid': testid }, value),
        ];
        return h(
          'div',
          { class: 'worker', 'data-testid': `worker-${w}` },
          h('h3', null, h('span', null, `worker ${w}`), unavailable ? h('span', { class: 'badge', 'data-health': 'unhealthy' }, 'unavailable') : null),
          h(
            'dl',
            null,
            ...row('connections/s', `worker-${w}-cx-rate`, PENDING_RATE),
            ...row('active connections', `worker-${w}-cx-active`, ls ? ls.cxActive : 0),
            ...row('requests/s', `worker-${w}-rq-rate`, PENDING_RATE),
            ...row('upstream in flight', `worker-${w}-busy`, busy),
            ...row('pending', `worker-${w}-pending`, pending),
          ),
        );
      }),
    ),
  );
}

function poolHeader(col: PoolColumn): JSXNode {
  if (col.kind === 'unavailable') {
    return h('th', { class: 'unavailable', 'data-testid': col.key, title: 'the worker did not answer in time' }, `worker ${col.worker}`, h('small', null, 'unavailable'));
  }
  if (col.kind === 'none') return h('th', { 'data-testid': col.key }, `worker ${col.worker}`, h('small', null, 'no pool'));
  return h('th', { 'data-testid': col.key }, `worker ${col.worker}`, h('small', null, col.pool.protocol));
}

function poolCell(col: PoolColumn, field: (typeof POOL_FIELDS)[number]): JSXNode {
  if (col.kind === 'unavailable') return h('td', { class: 'unavailable' }, '?');
  if (col.kind === 'none') return h('td', null, '–');
  const n = col.pool[field];
  return h('td', { class: 'num', 'data-testid': `${col.key}-${field}`, 'data-nonzero': String(n > 0) }, n);
}

function hostBlock(cluster: string, host: HostStatus, workers: number[]): JSXNode {
  const id = `${cluster}-${hostId(host)}`;
  const label = healthLabel(host.health_status);
  const cols = poolColumns(cluster, host, workers);
  const totals = { ready: 0, busy: 0, connecting: 0, pending: 0 };
  for (const col of cols) {
    if (col.kind !== 'pool') continue;
    for (const f of POOL_FIELDS) totals[f] += col.pool[f];
  }
  return h(
    'div',
    { class: 'host', 'data-testid': `host-${id}` },
    h(
      'div',
      { class: 'host-head' },
      h('code', null, formatHostAddress(host.address.socket_address)),
      host.hostname !== undefined ? h('span', null, host.hostname) : null,
      h('span', { class: 'badge', 'data-health': label, 'data-testid': `health-${id}`, title: healthFlags(host.health_status) }, label),
      h('span', { class: 'reason', 'data-testid': `health-reason-${id}` }, healthReason(host.health_status)),
      h('span', null, 'weight ', h('b', { class: 'num', 'data-testid': `weight-${id}` }, host.weight)),
      h('span', null, h('b', { class: 'num', 'data-testid': `host-rps-${id}` }, PENDING_RATE), ' rq/s'),
      h('span', null, 'in flight ', h('b', { class: 'num', 'data-testid': `host-rq-active-${id}` }, statValue(host.stats, 'rq_active'))),
      h('span', null, 'connections ', h('b', { class: 'num', 'data-testid': `host-cx-active-${id}` }, statValue(host.stats, 'cx_active'))),
      h('span', null, 'requests ', h('b', { class: 'num', 'data-testid': `host-rq-total-${id}` }, statValue(host.stats, 'rq_total'))),
    ),
    h(
      'div',
      { class: 'table-scroll' },
      h(
        'table',
        { class: 'pools', 'data-testid': `pools-${id}` },
        h('thead', null, h('tr', null, h('th', null, ''), ...cols.map(poolHeader), h('th', { class: 'total' }, 'total', h('small', null, 'all workers')))),
        h(
          'tbody',
          null,
          ...POOL_FIELDS.map((f) =>
            h(
              'tr',
              { class: f },
              h('th', null, f),
              ...cols.map((col) => poolCell(col, f)),
              h('td', { class: 'total num', 'data-testid': `pool-${id}-total-${f}`, 'data-nonzero': String(totals[f] > 0) }, totals[f]),
            ),
          ),
        ),
      ),
    ),
  );
}

const BREAKERS = [
  ['connections', 'max_connections', 'connections'],
  ['pending_requests', 'max_pending_requests', 'pending'],
  ['requests', 'max_requests', 'requests'],
  ['retries', 'max_retries', 'retries'],
] as const;

function clusterCard(c: ClusterStatus, workers: number[]): JSXNode {
  const healthy = c.host_statuses.filter((x) => healthFlags(x.health_status) === 'healthy').length;
  const t = c.circuit_breakers.thresholds.find((x) => x.priority === 'DEFAULT') ?? c.circuit_breakers.thresholds[0];
  return h(
    'article',
    { class: 'card', 'data-testid': `cluster-${c.name}` },
    h(
      'div',
      { class: 'card-head' },
      h('h2', null, c.name),
      h('span', { class: 'chip' }, c.type),
      h('span', { class: 'chip' }, c.lb_policy),
      h(
        'div',
        { class: 'head-stats' },
        h('span', null, h('b', { class: 'num', 'data-testid': `cluster-rps-${c.name}` }, PENDING_RATE), ' rq/s'),
        h('span', null, h('b', { class: 'num', 'data-testid': `cluster-rq-active-${c.name}` }, statValue(c.stats, 'upstream_rq_active')), ' in flight'),
        h('span', null, h('b', { class: 'num', 'data-testid': `cluster-healthy-${c.name}` }, `${healthy}/${c.host_statuses.length}`), ' healthy'),
        h('span', null, h('b', { class: 'num', 'data-testid': `cluster-rq-total-${c.name}` }, statValue(c.stats, 'upstream_rq_total')), ' requests'),
      ),
      h('div', { class: 'spacer' }),
      h(
        'svg',
        { class: 'spark', viewBox: '0 0 140 30', preserveAspectRatio: 'none', 'data-testid': `cluster-spark-${c.name}`, 'aria-label': 'requests per second, last minute' },
        h('line', { class: 'base', x1: 0, y1: 29, x2: 140, y2: 29 }),
        h('polygon', { class: 'area', points: '' }),
        h('polyline', { points: '' }),
      ),
    ),
    t
      ? h(
          'div',
          { class: 'breakers', title: 'circuit breakers: in use now / limit, across all workers' },
          ...BREAKERS.map(([occ, max, label]) => {
            const used = t.occupancy[occ];
            const limit = t[max];
            return h(
              'div',
              null,
              h('div', { class: 'meter-label' }, h('span', null, label), h('b', { class: 'num', 'data-testid': `cb-${c.name}-${occ}` }, `${used} / ${limit}`)),
              h('div', { class: 'meter' }, h('div', { class: 'fill', 'data-testid': `cb-${c.name}-${occ}-bar`, 'data-level': meterLevel(used, limit), style: meterWidth(used, limit) })),
            );
          }),
        )
      : null,
    h(
      'div',
      { class: 'hosts' },
      c.host_statuses.length === 0
        ? h('div', { class: 'empty' }, 'no hosts')
        : c.host_statuses.map((x) => hostBlock(c.name, x, workers)),
    ),
  );
}

/** The part of the page that is re-rendered when the topology changes (`?fragment=live`). */
export function renderLive(data: DashboardData): JSXNode {
  const workers = workersInPools(data.clusters);
  return h(
    'div',
    { id: 'live', 'data-testid': 'live-region', 'data-topology': topology(data.clusters, data.stats) },
    tiles(data),
    workersPanel(data),
    h('div', { class: 'section-title' }, 'Clusters'),
    data.clusters.length === 0
      ? h('div', { class: 'empty', 'data-testid': 'no-clusters' }, 'no clusters configured')
      : data.clusters.map((c) => clusterCard(c, workers)),
  );
}

const LINKS = [
  ['clusters', '/admin/clusters'],
  ['clusters (text)', '/admin/clusters?format=text'],
  ['stats', '/admin/stats'],
  ['prometheus', '/admin/stats/prometheus'],
  ['listeners', '/admin/listeners'],
  ['server_info', '/admin/server_info'],
  ['config_dump', '/admin/config_dump'],
  ['ready', '/admin/ready'],
] as const;

/** The whole page; `nonce` must match the Content-Security-Policy's `script-src`. */
export function renderDashboard(data: DashboardData, nonce: string, pollMs: number): JSXNode {
  return h(
    'html',
    { lang: 'en' },
    h(
      'head',
      null,
      h('meta', { charset: 'utf-8' }),
      h('meta', { name: 'viewport', content: 'width=device-width, initial-scale=1' }),
      h('link', { rel: 'icon', href: 'data:,' }),
      h('title', null, `proxy admin · ${data.info.version}`),
      h('style', null, raw(DASHBOARD_CSS)),
    ),
    h(
      'body',
      { 'data-poll-ms': pollMs },
      header(data.info),
      h(
        'div',
        { class: 'wrap' },
        listenerChips(data.listeners),
        renderLive(data),
        h('footer', null, ...LINKS.map(([label, href]) => h('a', { href }, label))),
      ),
      h('script', { nonce }, raw(CLIENT_SCRIPT)),
    ),
  );
}
