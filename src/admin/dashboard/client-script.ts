/**
 * The dashboard's inline browser script: polls `/admin/clusters` and `/admin/stats?format=json`,
 * updates numbers in place, computes rates from counter deltas, and re-fetches the server-rendered
 * region when the topology changes. Plain ES2017 in a string (no build step, no external assets).
 */

/**
 * Browser mirror of `model.ts` (pure functions, defines `DashboardModel`). Kept separate so a unit
 * test can evaluate it and compare it with the server's functions.
 */
export const CLIENT_MODEL_JS = String.raw`
var DashboardModel = (function () {
  var FIELDS = ['ready', 'busy', 'connecting', 'pending'];
  var WORKER_STAT = /^listener\.[^.]+\.worker_(\d+)\.(downstream_cx_total|downstream_cx_active|downstream_rq_total)$/;
  function protocolId(p) { return p.replace('/', ''); }
  function formatHostAddress(a) {
    return a.address.indexOf(':') >= 0 ? '[' + a.address + ']:' + a.port_value : a.address + ':' + a.port_value;
  }
  function hostId(host) { return formatHostAddress(host.address.socket_address); }
  function healthFlags(h) {
    var f = '';
    if (h.failed_active_health_check) f += '/failed_active_hc';
    if (h.failed_outlier_check) f += '/failed_outlier_check';
    var eds = h.eds_health_status;
    if (eds === 'UNHEALTHY' || eds === 'DRAINING' || eds === 'TIMEOUT') f += '/failed_eds_health';
    if (eds === 'DEGRADED') f += '/degraded_eds_health';
    if (h.pending_dynamic_removal) f += '/pending_dynamic_removal';
    return f === '' ? 'healthy' : f;
  }
  function healthLabel(h) {
    if (h.pending_dynamic_removal || h.eds_health_status === 'DRAINING') return 'draining';
    if (h.failed_active_health_check) return 'unhealthy';
    if (h.failed_outlier_check) return 'ejected';
    if (h.eds_health_status === 'UNHEALTHY' || h.eds_health_status === 'TIMEOUT') return 'unhealthy';
    if (h.eds_health_status === 'DEGRADED') return 'degraded';
    return 'healthy';
  }
  function healthReason(h) {
    var flags = healthFlags(h);
    return flags === 'healthy' ? '' : flags.slice(1).split('/').join(' · ');
  }
  function ascending(a, b) { return a - b; }
  function workersInPools(clusters) {
    var seen = new Set();
    clusters.forEach(function (c) {
      c.host_statuses.forEach(function (h) { h.pools.forEach(function (p) { seen.add(p.worker); }); });
    });
    return Array.from(seen).sort(ascending);
  }
  function poolColumns(cluster, host, workers) {
    var base = 'pool-' + cluster + '-' + hostId(host) + '-w';
    var out = [];
    workers.forEach(function (worker) {
      var any = false;
      host.pools.forEach(function (p) {
        if (p.worker !== worker) return;
        any = true;
        if (p.unavailable) out.push({ kind: 'unavailable', key: base + worker + '-unavailable', worker: worker });
        else out.push({ kind: 'pool', key: base + worker + '-' + protocolId(p.protocol), worker: worker, pool: p });
      });
      if (!any) out.push({ kind: 'none', key: base + worker + '-none', worker: worker });
    });
    return out;
  }
  function workerStats(stats) {
    var by = new Map();
    stats.forEach(function (s) {
      var m = WORKER_STAT.exec(s.name);
      if (!m) return;
      var worker = Number(m[1]);
      var w = by.get(worker);
      if (!w) { w = { worker: worker, cxTotal: 0, cxActive: 0, rqTotal: undefined }; by.set(worker, w); }
      if (m[2] === 'downstream_cx_total') w.cxTotal += s.value;
      else if (m[2] === 'downstream_cx_active') w.cxActive += s.value;
      else w.rqTotal = (w.rqTotal === undefined ? 0 : w.rqTotal) + s.value;
    });
    return Array.from(by.values()).sort(function (a, b) { return a.worker - b.worker; });
  }
  function dashboardWorkers(clusters, stats) {
    var all = new Set(workersInPools(clusters));
    workerStats(stats).forEach(function (w) { all.add(w.worker); });
    return Array.from(all).sort(ascending);
  }
  function topology(clusters, stats) {
    var workers = workersInPools(clusters);
    var parts = [];
    dashboardWorkers(clusters, stats).forEach(function (w) { parts.push('worker-' + w); });
    clusters.forEach(function (c) {
      parts.push('cluster-' + c.name);
      c.host_statuses.forEach(function (h) {
        parts.push('host-' + c.name + '-' + hostId(h));
        poolColumns(c.name, h, workers).forEach(function (col) { parts.push(col.key); });
      });
    });
    return parts.join(',');
  }
  function sumStats(stats, pattern) {
    var t = 0;
    stats.forEach(function (s) { if (pattern.test(s.name)) t += s.value; });
    return t;
  }
  function statValue(stats, name) {
    for (var i = 0; i < stats.length; i++) if (stats[i].name === name) return stats[i].value;
    return 0;
  }
  function formatUptime(seconds) {
    var s = Math.max(0, Math.floor(seconds));
    var d = Math.floor(s / 86400), hr = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    if (d > 0) return d + 'd ' + hr + 'h';
    if (hr > 0) return hr + 'h ' + m + 'm';
    if (m > 0) return m + 'm ' + (s % 60) + 's';
    return s + 's';
  }
  function meterLevel(used, max) {
    if (max <= 0) return used > 0 ? 'full' : 'ok';
    var f = used / max;
    return f >= 1 ? 'full' : f >= 0.75 ? 'warn' : 'ok';
  }
  return {
    FIELDS: FIELDS, protocolId: protocolId, formatHostAddress: formatHostAddress, hostId: hostId,
    healthFlags: healthFlags, healthLabel: healthLabel, healthReason: healthReason, workersInPools: workersInPools,
    poolColumns: poolColumns, workerStats: workerStats, dashboardWorkers: dashboardWorkers,
    topology: topology, sumStats: sumStats, statValue: statValue, formatUptime: formatUptime,
    meterLevel: meterLevel
  };
})();
`;

/** The live-update loop; runs after `CLIENT_MODEL_JS` in the page. */
const CLIENT_APP_JS = String.raw`
(function () {
  'use strict';
  var M = DashboardModel;
  var POLL_MS = Number(document.body.getAttribute('data-poll-ms')) || 750;
  var HIDDEN_POLL_MS = 5000;
  var FETCH_TIMEOUT_MS = 3000;
  var SPARK_POINTS = 60;
  var live = document.getElementById('live');
  var index = new Map();
  var prev = new Map();
  var history = new Map();
  var fetchedFor = null;
  var uptimeBase = null;
  var state = { polls: 0, fragmentLoads: 0, errors: 0 };
  window.__dashboard = state;

  function reindex() {
    index = new Map();
    document.querySelectorAll('[data-testid]').forEach(function (el) { index.set(el.getAttribute('data-testid'), el); });
  }
  function setText(id, value) {
    var el = index.get(id);
    var text = String(value);
    if (el && el.textContent !== text) el.textContent = text;
    return el;
  }
  function setCount(id, n) {
    var el = setText(id, n);
    if (el) el.setAttribute('data-nonzero', String(n > 0));
  }
  function rate(key, value, t) {
    var p = prev.get(key);
    prev.set(key, { v: value, t: t });
    if (!p || t <= p.t || value < p.v) return null;
    return ((value - p.v) * 1000) / (t - p.t);
  }
  function fmtRate(r) {
    if (r === null) return '–';
    return r < 10 ? r.toFixed(1) : String(Math.round(r));
  }
  function withTimeout(url) {
    var ctl = new AbortController();
    var timer = setTimeout(function () { ctl.abort(); }, FETCH_TIMEOUT_MS);
    return fetch(url, { signal: ctl.signal, cache: 'no-store' }).then(function (res) {
      if (!res.ok) throw new Error(url + ': HTTP ' + res.status);
      return res;
    }).finally(function () { clearTimeout(timer); });
  }
  function getJson(url) { return withTimeout(url).then(function (r) { return r.json(); }); }
  function getText(url) { return withTimeout(url).then(function (r) { return r.text(); }); }

  function loadFragment(expected) {
    fetchedFor = expected;
    return getText('/admin/?fragment=live').then(function (html) {
      var tpl = document.createElement('template');
      tpl.innerHTML = html.trim();
      var fresh = tpl.content.firstElementChild;
      if (!fresh) return;
      live.replaceWith(fresh);
      live = fresh;
      state.fragmentLoads++;
      reindex();
    });
  }

  function drawSpark(name, rps) {
    var h = history.get(name);
    if (!h) { h = []; history.set(name, h); }
    h.push(rps === null ? 0 : rps);
    if (h.length > SPARK_POINTS) h.shift();
    var svg = index.get('cluster-spark-' + name);
    if (!svg) return;
    var max = Math.max.apply(null, h.concat([1]));
    var step = 140 / (SPARK_POINTS - 1);
    var x0 = 140 - (h.length - 1) * step;
    var pts = h.map(function (v, i) { return (x0 + i * step).toFixed(1) + ',' + (29 - (v / max) * 26).toFixed(1); });
    var line = svg.querySelector('polyline');
    var area = svg.querySelector('polygon');
    if (line) line.setAttribute('points', pts.join(' '));
    if (area) area.setAttribute('points', pts.join(' ') + ' 140,30 ' + x0.toFixed(1) + ',30');
  }

  function apply(clusters, stats, t) {
    var poolWorkers = M.workersInPools(clusters);
    var perWorker = new Map();
    var healthy = 0, hosts = 0, pendingAll = 0;
    clusters.forEach(function (c) {
      var clusterHealthy = 0;
      c.host_statuses.forEach(function (host) {
        hosts++;
        if (M.healthFlags(host.health_status) === 'healthy') { healthy++; clusterHealthy++; }
        var id = c.name + '-' + M.hostId(host);
        var label = M.healthLabel(host.health_status);
        var badge = setText('health-' + id, label);
        if (badge) {
          badge.setAttribute('data-health', label);
          badge.setAttribute('title', M.healthFlags(host.health_status));
        }
        setText('health-reason-' + id, M.healthReason(host.health_status));
        setText('weight-' + id, host.weight);
        setText('host-rps-' + id, fmtRate(rate('h|' + id, M.statValue(host.stats, 'rq_total'), t)));
        setText('host-rq-active-' + id, M.statValue(host.stats, 'rq_active'));
        setText('host-cx-active-' + id, M.statValue(host.stats, 'cx_active'));
        setText('host-rq-total-' + id, M.statValue(host.stats, 'rq_total'));
        var totals = { ready: 0, busy: 0, connecting: 0, pending: 0 };
        M.poolColumns(c.name, host, poolWorkers).forEach(function (col) {
          if (col.kind !== 'pool') return;
          M.FIELDS.forEach(function (f) {
            totals[f] += col.pool[f];
            setCount(col.key + '-' + f, col.pool[f]);
          });
          var w = perWorker.get(col.worker) || { busy: 0, pending: 0 };
          w.busy += col.pool.busy;
          w.pending += col.pool.pending;
          perWorker.set(col.worker, w);
          pendingAll += col.pool.pending;
        });
        M.FIELDS.forEach(function (f) { setCount('pool-' + id + '-total-' + f, totals[f]); });
      });
      var rps = rate('c|' + c.name, M.statValue(c.stats, 'upstream_rq_total'), t);
      setText('cluster-rps-' + c.name, fmtRate(rps));
      setText('cluster-rq-active-' + c.name, M.statValue(c.stats, 'upstream_rq_active'));
      setText('cluster-rq-total-' + c.name, M.statValue(c.stats, 'upstream_rq_total'));
      setText('cluster-healthy-' + c.name, clusterHealthy + '/' + c.host_statuses.length);
      drawSpark(c.name, rps);
      var th = c.circuit_breakers.thresholds.filter(function (x) { return x.priority === 'DEFAULT'; })[0] || c.circuit_breakers.thresholds[0];
      if (th) {
        [['connections', 'max_connections'], ['pending_requests', 'max_pending_requests'], ['requests', 'max_requests'], ['retries', 'max_retries']].forEach(function (pair) {
          var used = th.occupancy[pair[0]], max = th[pair[1]];
          setText('cb-' + c.name + '-' + pair[0], used + ' / ' + max);
          var bar = index.get('cb-' + c.name + '-' + pair[0] + '-bar');
          if (bar) {
            var pct = max <= 0 ? (used > 0 ? 100 : 0) : Math.min(100, (used * 100) / max);
            bar.style.width = pct.toFixed(1) + '%';
            bar.setAttribute('data-level', M.meterLevel(used, max));
          }
        });
      }
    });
    setText('total-rps', fmtRate(rate('total-rq', M.sumStats(stats, /^http\.[^.]+\.downstream_rq_total$/), t)));
    setText('total-cx-active', M.sumStats(stats, /^http\.[^.]+\.downstream_cx_active$/));
    setText('total-upstream-rq-active', M.sumStats(stats, /^cluster\.[^.]+\.upstream_rq_active$/));
    setText('total-pending', pendingAll);
    setText('healthy-hosts', healthy + ' / ' + hosts);
    var listenerStats = new Map();
    M.workerStats(stats).forEach(function (w) { listenerStats.set(w.worker, w); });
    M.dashboardWorkers(clusters, stats).forEach(function (w) {
      var ls = listenerStats.get(w);
      var pw = perWorker.get(w) || { busy: 0, pending: 0 };
      setText('worker-' + w + '-cx-rate', ls ? fmtRate(rate('wc|' + w, ls.cxTotal, t)) : '–');
      setText('worker-' + w + '-cx-active', ls ? ls.cxActive : 0);
      setText('worker-' + w + '-rq-rate', ls && ls.rqTotal !== undefined ? fmtRate(rate('wr|' + w, ls.rqTotal, t)) : '–');
      setText('worker-' + w + '-busy', pw.busy);
      setText('worker-' + w + '-pending', pw.pending);
    });
  }

  function applyInfo(info) {
    var badge = setText('server-state', info.state);
    if (badge) badge.setAttribute('data-state', info.state);
    setText('server-workers', info.workers);
    setText('server-listening-model', info.listening_model);
    if (info.config_generation !== undefined) setText('server-generation', info.config_generation);
    uptimeBase = { seconds: info.uptime_seconds, at: performance.now() };
  }

  function tickUptime() {
    if (!uptimeBase) {
      var el = index.get('server-uptime');
      uptimeBase = { seconds: el ? Number(el.getAttribute('data-uptime')) || 0 : 0, at: performance.now() };
    }
    setText('server-uptime', M.formatUptime(uptimeBase.seconds + (performance.now() - uptimeBase.at) / 1000));
  }

  function setLive(ok, why) {
    var el = index.get('live-status');
    if (el) el.setAttribute('data-state', ok ? 'live' : 'down');
    setText('live-text', ok ? 'live · ' + new Date().toLocaleTimeString() : 'disconnected · retrying');
    if (el) el.setAttribute('title', ok ? 'refreshing every ' + POLL_MS + ' ms' : String(why));
  }

  function poll() {
    var withInfo = state.polls % 4 === 0;
    return Promise.all([
      getJson('/admin/clusters'),
      getJson('/admin/stats?format=json'),
      withInfo ? getJson('/admin/server_info') : Promise.resolve(null),
    ]).then(function (r) {
      var clusters = r[0].cluster_statuses, stats = r[1].stats, t = performance.now();
      if (r[2]) applyInfo(r[2]);
      var topo = M.topology(clusters, stats);
      var next = topo !== live.getAttribute('data-topology') && topo !== fetchedFor
        ? loadFragment(topo)
        : Promise.resolve();
      return next.then(function () {
        apply(clusters, stats, t);
        tickUptime();
        state.polls++;
        setLive(true);
      });
    }).catch(function (err) {
      state.errors++;
      setLive(false, err);
    });
  }

  function loop() {
    poll().then(function () { setTimeout(loop, document.hidden ? HIDDEN_POLL_MS : POLL_MS); });
  }
  reindex();
  loop();
})();
`;

/** The script the page inlines. */
export const CLIENT_SCRIPT = CLIENT_MODEL_JS + CLIENT_APP_JS;
