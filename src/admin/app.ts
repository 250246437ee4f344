/** The admin HTTP app (DESIGN §8): every `/admin` route, portable (the runtime adapter serves `app.fetch`). */
import { Hono } from 'hono';
import type { Context } from 'hono';
import type { Clock } from '../common/clock.ts';
import { realClock } from '../common/clock.ts';
import { ClusterStatusCollector } from './cluster-status.ts';
import { clustersText, formatHostAddress } from './clusters-text.ts';
import { renderDashboard, renderLive } from './dashboard/page.ts';
import type { DashboardData } from './dashboard/page.ts';
import { InvalidStatsFilterError } from './errors.ts';
import { prometheusText } from './prometheus.ts';
import { compileFilter, selectStats, statsJson, statsText } from './stats-format.ts';
import type { AdminDataSource, ClustersResponse } from './types.ts';

export interface AdminAppOptions {
  /** How long a worker may take to report its pools before it shows as `unavailable` (default 1000). */
  workerTimeoutMs?: number;
  /** Timers for the worker timeout and the deferred quit (default: real time). */
  clock?: Clock;
  /** How often the dashboard polls (default 750 ms). */
  dashboardPollMs?: number;
  /** Told about failures the admin absorbed (a handler that threw, a drain that rejected). */
  onError?: (error: unknown, where: string) => void;
  /**
   * The admin listens on a loopback address: a request must name it by an IP or `localhost` in
   * its Host header. A web page whose name is rebound to 127.0.0.1 (DNS rebinding) is same-origin
   * to itself, so the Origin check cannot see it; its Host header gives it away.
   */
  loopbackOnly?: boolean;
}

const READ_ENDPOINTS = [
  '/admin/clusters',
  '/admin/stats',
  '/admin/stats/prometheus',
  '/admin/config_dump',
  '/admin/listeners',
  '/admin/server_info',
  '/admin/ready',
] as const;

const HELP =
  'admin endpoints:\n' +
  '  GET  /admin/                 dashboard\n' +
  '  GET  /admin/clusters         cluster, host and pool state (?format=text)\n' +
  '  GET  /admin/stats            stats (?filter=regex, ?format=json|prometheus)\n' +
  '  GET  /admin/stats/prometheus Prometheus exposition (?filter=regex)\n' +
  '  GET  /admin/config_dump      effective config, secrets redacted\n' +
  '  GET  /admin/listeners        listeners (?format=text)\n' +
  '  GET  /admin/server_info      version, runtime, uptime, workers, state\n' +
  '  GET  /admin/ready            200 LIVE, 503 while starting or draining\n' +
  '  POST /admin/reload           re-read and apply the config file\n' +
  '  POST /admin/drain            stop accepting, finish in-flight requests\n' +
  '  POST /admin/quit             shut down\n';

const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

function prettyJson(c: Context, value: unknown, status: 200 | 400 | 500 | 503 = 200): Response {
  return c.body(JSON.stringify(value, null, 2) + '\n', status, {
    'Content-Type': 'application/json; charset=utf-8',
  });
}

/** Plain text with an explicit charset (Bun's `Response` does not add the default content type). */
function plain(c: Context, body: string, status: 200 | 400 | 403 | 404 | 405 | 503 = 200, headers: Record<string, string> = {}): Response {
  return c.body(body, status, { 'Content-Type': 'text/plain; charset=utf-8', ...headers });
}

function randomNonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

/**
 * A browser page on another site can POST to 127.0.0.1 without a preflight; browsers always
 * send `Origin` on such requests, so a foreign one is refused (curl sends none and passes).
 */
function crossOrigin(c: Context): boolean {
  const origin = c.req.header('origin');
  if (origin === undefined) return false;
  try {
    return new URL(origin).host !== (c.req.header('host') ?? new URL(c.req.url).host);
  } catch {
    return true;
  }
}

/** 127.0.0.0/8, ::1 or localhost: an admin only this machine can reach. */
export function isLoopbackAddress(address: string): boolean {
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address) || address === '::1' || address === '[::1]' || address.toLowerCase() === 'localhost';
}

/** An IP literal or `localhost` (with any port): what a browser sends when the user typed the admin's own address. */
function loopbackHost(host: string | undefined): boolean {
  if (host === undefined) return true; // HTTP/1.0 clients and tools; browsers always send one
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d*$/, '');
  const lower = name.toLowerCase();
  return lower === 'localhost' || lower.endsWith('.localhost') || /^\d{1,3}(\.\d{1,3}){3}$/.test(name) || (host.startsWith('[') && name.includes(':'));
}

/** Builds the admin app over `source`. Serve it with `adapter.serveHttp({host, port, fetch: app.fetch})`. */
export function createAdminApp(source: AdminDataSource, options: AdminAppOptions = {}): Hono {
  const clock = options.clock ?? realClock(() => performance.now());
  const collector = new ClusterStatusCollector(source, clock, options.workerTimeoutMs ?? 1000);
  const pollMs = options.dashboardPollMs ?? 750;
  const report = (error: unknown, where: string): void => {
    options.onError?.(error, where);
  };

  const app = new Hono();

  app.use('*', async (c, next) => {
    if (options.loopbackOnly && !loopbackHost(c.req.header('host'))) {
      // Answered here: the handler (a quit, a reload, the config dump) never runs.
      const refused = plain(c, 'admin: the Host header must name this admin by IP address or localhost (a rebound DNS name is refused)\n', 403);
      refused.headers.set('Cache-Control', 'no-store');
      return refused;
    }
    await next();
    c.header('Cache-Control', 'no-store');
    c.header('X-Content-Type-Options', 'nosniff');
  });

  app.onError((err, c) => {
    if (err instanceof InvalidStatsFilterError) return plain(c, err.message + '\n', 400);
    report(err, `${c.req.method} ${c.req.path}`);
    return prettyJson(c, { error: err instanceof Error ? err.message : String(err) }, 500);
  });

  app.notFound((c) => plain(c, `no such admin endpoint: ${c.req.path}\n\n${HELP}`, 404));

  const dashboardData = async (): Promise<DashboardData> => ({
    info: source.serverInfo(),
    listeners: source.listeners(),
    clusters: await collector.collect(),
    stats: source.stats(),
  });

  const dashboard = async (c: Context): Promise<Response> => {
    const data = await dashboardData();
    if (c.req.query('fragment') === 'live') return c.html(await renderLive(data).toString());
    const nonce = randomNonce();
    c.header(
      'Content-Security-Policy',
      `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'; connect-src 'self'; ` +
        "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    return c.html('<!doctype html>' + (await renderDashboard(data, nonce, pollMs).toString()));
  };
  app.get('/', (c) => c.redirect('/admin/', 302));
  app.get('/admin', dashboard);
  app.get('/admin/', dashboard);

  app.get('/admin/clusters', async (c) => {
    const format = c.req.query('format') ?? 'json';
    if (format !== 'json' && format !== 'text') return plain(c, `unknown format '${format}': use json or text\n`, 400);
    const clusters = await collector.collect();
    if (format === 'text') return plain(c, clustersText(clusters));
    const body: ClustersResponse = { cluster_statuses: clusters };
    return prettyJson(c, body);
  });

  app.get('/admin/stats', (c) => {
    const format = c.req.query('format') ?? 'text';
    if (format !== 'text' && format !== 'json' && format !== 'prometheus') {
      return plain(c, `unknown format '${format}': use text, json or prometheus\n`, 400);
    }
    const stats = selectStats(source.stats(), compileFilter(c.req.query('filter')));
    if (format === 'json') return prettyJson(c, statsJson(stats));
    if (format === 'prometheus') return c.body(prometheusText(stats, source.statScopeNames()), 200, { 'Content-Type': PROMETHEUS_CONTENT_TYPE });
    return plain(c, statsText(stats));
  });

  app.get('/admin/stats/prometheus', (c) => {
    const stats = selectStats(source.stats(), compileFilter(c.req.query('filter')));
    return c.body(prometheusText(stats, source.statScopeNames()), 200, { 'Content-Type': PROMETHEUS_CONTENT_TYPE });
  });

  app.get('/admin/config_dump', (c) => prettyJson(c, source.configDump()));

  app.get('/admin/listeners', (c) => {
    const format = c.req.query('format') ?? 'json';
    if (format !== 'json' && format !== 'text') return plain(c, `unknown format '${format}': use json or text\n`, 400);
    const listeners = source.listeners();
    if (format === 'text') {
      return plain(c, listeners.map((l) => `${l.name}::${formatHostAddress(l.local_address.socket_address)}\n`).join(''));
    }
    return prettyJson(c, { listener_statuses: listeners });
  });

  app.get('/admin/server_info', (c) => {
    const info = source.serverInfo();
    return prettyJson(c, { ...info, uptime_current_epoch: `${Math.floor(info.uptime_seconds)}s` });
  });

  app.get('/admin/ready', (c) => {
    if (source.isReady()) return plain(c, 'LIVE\n', 200);
    const state = source.serverInfo().state;
    return plain(c, `${state === 'LIVE' ? 'NOT_READY' : state}\n`, 503);
  });

  for (const path of READ_ENDPOINTS) {
    app.all(path, (c) => plain(c, `${c.req.method} is not allowed on ${path}: use GET\n`, 405, { Allow: 'GET, HEAD' }));
  }

  // As in Envoy: a mutating endpoint does nothing unless POSTed, and a GET is answered 400.
  const requirePost = (c: Context, path: string): Response | undefined => {
    if (c.req.method !== 'POST') return plain(c, `${path} changes server state: use POST\n`, 400);
    if (crossOrigin(c)) return plain(c, 'cross-origin request refused\n', 403);
    return undefined;
  };

  app.all('/admin/reload', async (c) => {
    const refused = requirePost(c, '/admin/reload');
    if (refused) return refused;
    const result = await source.reload();
    if (result.ok) return prettyJson(c, { ok: true, generation: result.generation, warnings: result.warnings ?? [] });
    if (result.applied) return prettyJson(c, { ok: false, applied: true, generation: result.generation, errors: result.errors }, 500);
    if (result.unavailable) return prettyJson(c, { ok: false, errors: result.errors }, 503);
    return prettyJson(c, { ok: false, errors: result.errors }, 400);
  });

  app.all('/admin/drain', (c) => {
    const refused = requirePost(c, '/admin/drain');
    if (refused) return refused;
    Promise.resolve()
      .then(() => source.drain())
      .catch((err: unknown) => report(err, 'drain'));
    return plain(c, 'OK\n');
  });

  app.all('/admin/quit', (c) => {
    const refused = requirePost(c, '/admin/quit');
    if (refused) return refused;
    // On a later task, so this answer is on its way before shutdown starts.
    clock.setTimer(0, () => {
      Promise.resolve()
        .then(() => source.quit())
        .catch((err: unknown) => report(err, 'quit'));
    });
    return plain(c, 'OK\n');
  });

  return app;
}
