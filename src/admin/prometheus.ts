/**
 * Prometheus text exposition of the stats, named as Envoy names them: tags are cut out of the
 * dotted stat name into labels (`cluster.backend.upstream_rq_2xx` →
 * `envoy_cluster_upstream_rq_xx{envoy_response_code_class="2",envoy_cluster_name="backend"}`).
 */
import type { Stat } from './types.ts';

/** A tag extractor: group 1 is cut out of the name, group 2 is the label value (Envoy's convention). */
interface TagExtractor {
  label: string;
  pattern: RegExp;
}

/** Envoy's listener address segment (`0.0.0.0_10000`, `[__1]_10000`); our listeners may use their name instead. */
const ADDRESS = String.raw`(?:\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}_\d+|\[[_a-fA-F0-9]+\]_\d+|[^.]+)`;

/** Envoy's default extractors for the stat families this proxy has, in Envoy's order. */
const EXTRACTORS: readonly TagExtractor[] = [
  { label: 'envoy_response_code', pattern: /_rq(_(\d{3}))$/d },
  { label: 'envoy_response_code_class', pattern: /_rq_((\d))xx$/d },
  { label: 'envoy_cluster_name', pattern: /^cluster\.(([^.]+)\.)/d },
  { label: 'envoy_http_conn_manager_prefix', pattern: new RegExp(String.raw`^listener\.${ADDRESS}\.http\.(([^.]+)\.)`, 'd') },
  { label: 'envoy_http_conn_manager_prefix', pattern: /^http\.(([^.]+)\.)/d },
  { label: 'envoy_listener_address', pattern: new RegExp(String.raw`^listener\.((${ADDRESS})\.)`, 'd') },
  // Envoy leaves listener.<addr>.worker_<n> untagged; a label keeps one family for all workers.
  { label: 'envoy_worker_id', pattern: new RegExp(String.raw`^(?:listener\.${ADDRESS}|listener_manager|server)\.worker(_(\d+))\.`, 'd') },
];

/** A stat name split into its Prometheus metric name and labels. */
export interface PrometheusName {
  metric: string;
  labels: [string, string][];
}

/** Stands in for a dot inside a cluster or listener name while the extractors run (never in a stat name). */
const NAME_DOT = '\u0000';

/**
 * Applies the extractors to a dotted stat name; exported for tests and the dashboard.
 * `dottedNames`: cluster and listener names that contain dots, longest first. Envoy's extractors
 * take a name to end at its first dot (`cluster.api.v1.upstream_rq_total` would be cluster
 * `api`); a known name is kept whole instead.
 */
export function prometheusName(statName: string, dottedNames: readonly string[] = []): PrometheusName {
  let subject = statName;
  for (const n of dottedNames) subject = subject.replaceAll(`.${n}.`, `.${n.replaceAll('.', NAME_DOT)}.`);
  const cuts: [number, number][] = [];
  const labels: [string, string][] = [];
  for (const { label, pattern } of EXTRACTORS) {
    if (labels.some(([l]) => l === label)) continue;
    const m = pattern.exec(subject);
    const range = m?.indices?.[1];
    const value = m?.[2];
    if (!m || !range || value === undefined) continue;
    cuts.push(range);
    labels.push([label, value.replaceAll(NAME_DOT, '.')]);
  }
  // `subject` differs from `statName` only in the stand-ins, char for char: the cuts index both.
  cuts.sort((a, b) => a[0] - b[0]);
  let name = '';
  let at = 0;
  for (const [start, end] of cuts) {
    if (start > at) name += statName.slice(at, start);
    at = Math.max(at, end);
  }
  name += statName.slice(at);
  return { metric: 'envoy_' + name.replace(/[^a-zA-Z0-9_]/g, '_'), labels };
}

/** Escapes a label value per the exposition format: backslash, double quote, newline. */
export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

interface Family {
  type: Stat['type'];
  samples: Map<string, number>;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Renders the stats as text exposition format 0.0.4: one `# TYPE` line per family, each family's
 * samples together. A sample that would repeat a family's labels, or give a family a second
 * type, is dropped (a scraper would reject the whole page otherwise). `scopeNames`: the cluster
 * and listener names, so names with dots become whole label values.
 */
export function prometheusText(stats: Stat[], scopeNames: readonly string[] = []): string {
  const dotted = scopeNames.filter((n) => n.includes('.')).sort((a, b) => b.length - a.length);
  const families = new Map<string, Family>();
  for (const s of stats) {
    const { metric, labels } = prometheusName(s.name, dotted);
    let family = families.get(metric);
    if (!family) {
      family = { type: s.type, samples: new Map() };
      families.set(metric, family);
    }
    if (family.type !== s.type) continue;
    const labelText =
      labels.length === 0
        ? ''
        : '{' + labels.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',') + '}';
    if (!family.samples.has(labelText)) family.samples.set(labelText, s.value);
  }
  let out = '';
  for (const metric of [...families.keys()].sort(compare)) {
    const family = families.get(metric) as Family;
    out += `# TYPE ${metric} ${family.type}\n`;
    for (const labelText of [...family.samples.keys()].sort(compare)) {
      out += `${metric}${labelText} ${formatValue(family.samples.get(labelText) as number)}\n`;
    }
  }
  return out;
}
