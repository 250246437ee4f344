/** The dashboard's stylesheet, inlined into the page (no external assets). */
export const DASHBOARD_CSS = `
:root {
  --bg: #0d1117; --panel: #151b23; --panel-2: #1b222c; --border: #2a3340; --text: #e6edf3;
  --muted: #8b97a5; --faint: #5b6673; --green: #3fb950; --red: #f85149; --amber: #d29922;
  --blue: #58a6ff; --violet: #bc8cff; --radius: 10px;
  color-scheme: dark;
}
* { box-sizing: border-box; }
html, body { margin: 0; background: var(--bg); color: var(--text); }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
code, .mono { font-family: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace; }
.num { font-variant-numeric: tabular-nums; }
a { color: var(--blue); text-decoration: none; }
a:hover { text-decoration: underline; }

.top { position: sticky; top: 0; z-index: 2; display: flex; flex-wrap: wrap; align-items: center; gap: 10px 18px;
  padding: 12px 24px; background: rgba(13,17,23,.92); backdrop-filter: blur(6px); border-bottom: 1px solid var(--border); }
.brand { display: flex; align-items: center; gap: 10px; font-weight: 650; font-size: 16px; letter-spacing: .2px; }
.logo { width: 22px; height: 22px; border-radius: 6px; background: linear-gradient(135deg, #58a6ff, #bc8cff); }
.meta { display: flex; flex-wrap: wrap; gap: 6px 16px; color: var(--muted); font-size: 13px; }
.meta b { color: var(--text); font-weight: 560; }
.spacer { flex: 1; }
.live { display: flex; align-items: center; gap: 8px; color: var(--muted); font-size: 12.5px; }
.dot { width: 9px; height: 9px; border-radius: 50%; background: var(--faint); }
.live[data-state="live"] .dot { background: var(--green); box-shadow: 0 0 0 3px rgba(63,185,80,.18); }
.live[data-state="down"] .dot { background: var(--red); box-shadow: 0 0 0 3px rgba(248,81,73,.18); }
.live[data-state="down"] { color: var(--red); }

.wrap { max-width: 1280px; margin: 0 auto; padding: 20px 24px 40px; }
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 12px; margin-bottom: 16px; }
.tile { background: var(--panel); border: 1px solid var(--border); border-radius: var(--radius); padding: 12px 14px; }
.tile .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .6px; }
.tile .value { font-size: 24px; font-weight: 620; margin-top: 2px; }
.tile .unit { color: var(--muted); font-size: 13px; font-weight: 400; margin-left: 4px; }

.section-title { margin: 22px 0 10px; color: var(--muted); font-size: 12px; font-weight: 600; text-transform: uppercase; letter-spacing: .8px; }
.chips { display: flex; flex-wrap: wrap; gap: 8px; margin-bottom: 16px; }
.chip { display: inline-flex; align-items: center; gap: 6px; padding: 3px 9px; border-radius: 999px; font-size: 12px;
  background: var(--panel-2); border: 1px solid var(--border); color: var(--muted); }
.chip b { color: var(--text); font-weight: 560; }

.workers { display: grid; grid-template-columns: repeat(auto-fill, minmax(210px, 1fr)); gap: 10px; }
.worker { background: var(--panel); border: 1px solid var(--border); border-radius: var(--radius); padding: 10px 12px; }
.worker h3 { display: flex; align-items: center; justify-content: space-between; gap: 8px; margin: 0 0 6px; font-size: 13px; font-weight: 600; }
.worker h3 span:first-child { white-space: nowrap; }
.worker dl { display: grid; grid-template-columns: 1fr auto; gap: 2px 10px; margin: 0; font-size: 12.5px; }
.worker dt { color: var(--muted); }
.worker dd { margin: 0; text-align: right; }

.card { background: var(--panel); border: 1px solid var(--border); border-radius: var(--radius); margin-bottom: 16px; overflow: hidden; }
.card-head { display: flex; flex-wrap: wrap; align-items: center; gap: 10px 14px; padding: 14px 16px; border-bottom: 1px solid var(--border); }
.card-head h2 { margin: 0; font-size: 17px; font-weight: 650; }
.head-stats { display: flex; gap: 16px; color: var(--muted); font-size: 13px; }
.head-stats b { color: var(--text); font-size: 15px; font-weight: 620; }
.spark { width: 180px; height: 32px; }
.spark .base { stroke: var(--border); stroke-width: 1; stroke-dasharray: 3 3; }
.spark polyline { fill: none; stroke: var(--blue); stroke-width: 1.6; stroke-linejoin: round; stroke-linecap: round; }
.spark .area { fill: rgba(88,166,255,.12); stroke: none; }

.breakers { display: grid; grid-template-columns: repeat(auto-fit, minmax(180px, 1fr)); gap: 10px 18px; padding: 12px 16px; border-bottom: 1px solid var(--border); background: var(--panel-2); }
.meter-label { display: flex; justify-content: space-between; color: var(--muted); font-size: 12px; margin-bottom: 4px; }
.meter-label b { color: var(--text); font-weight: 560; }
.meter { height: 6px; border-radius: 3px; background: #0b0f14; overflow: hidden; }
.fill { height: 100%; width: 0; background: var(--green); transition: width .4s ease; }
.fill[data-level="warn"] { background: var(--amber); }
.fill[data-level="full"] { background: var(--red); }

.hosts { padding: 6px 16px 14px; }
.host { padding: 10px 0; border-bottom: 1px dashed var(--border); }
.host:last-child { border-bottom: 0; }
.host-head { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 14px; margin-bottom: 8px; font-size: 13px; color: var(--muted); }
.host-head code { color: var(--text); font-size: 13.5px; font-weight: 600; }
.host-head b { color: var(--text); font-weight: 560; }
.reason { color: var(--red); font-size: 12px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 11.5px; font-weight: 600; text-transform: uppercase; letter-spacing: .4px; border: 1px solid transparent; }
.badge[data-health="healthy"] { color: var(--green); background: rgba(63,185,80,.12); border-color: rgba(63,185,80,.35); }
.badge[data-health="unhealthy"], .badge[data-health="ejected"] { color: var(--red); background: rgba(248,81,73,.12); border-color: rgba(248,81,73,.4); }
.badge[data-health="draining"], .badge[data-health="degraded"] { color: var(--amber); background: rgba(210,153,34,.12); border-color: rgba(210,153,34,.4); }
.badge[data-state="LIVE"] { color: var(--green); background: rgba(63,185,80,.12); border-color: rgba(63,185,80,.35); }
.badge[data-state="DRAINING"] { color: var(--amber); background: rgba(210,153,34,.12); border-color: rgba(210,153,34,.4); }
.badge[data-state="INITIALIZING"], .badge[data-state="PRE_INITIALIZING"] { color: var(--blue); background: rgba(88,166,255,.12); border-color: rgba(88,166,255,.35); }

.table-scroll { overflow-x: auto; }
table.pools { border-collapse: separate; border-spacing: 0; font-size: 13px; min-width: 320px; }
table.pools th, table.pools td { padding: 4px 12px; text-align: right; white-space: nowrap; }
table.pools thead th { color: var(--muted); font-weight: 560; font-size: 12px; border-bottom: 1px solid var(--border); }
table.pools thead th small { display: block; color: var(--faint); font-weight: 400; font-size: 11px; }
table.pools tbody th { text-align: left; color: var(--muted); font-weight: 500; padding-left: 0; }
table.pools td { color: var(--faint); }
table.pools td[data-nonzero="true"] { color: var(--text); font-weight: 600; }
table.pools tr.busy td[data-nonzero="true"] { color: var(--blue); }
table.pools tr.connecting td[data-nonzero="true"] { color: var(--violet); }
table.pools tr.pending td[data-nonzero="true"] { color: var(--amber); }
table.pools tr.ready td[data-nonzero="true"] { color: var(--green); }
table.pools .total { border-left: 1px solid var(--border); }
table.pools th.unavailable { color: var(--red); }
table.pools td.unavailable { color: var(--red); opacity: .7; }
.empty { padding: 28px; text-align: center; color: var(--muted); background: var(--panel); border: 1px dashed var(--border); border-radius: var(--radius); }
footer { margin-top: 26px; color: var(--faint); font-size: 12.5px; display: flex; flex-wrap: wrap; gap: 14px; }
`;
