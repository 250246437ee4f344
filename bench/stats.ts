/** Medians and per-round ratios of the measurements. */

/** One candidate's figures in one round of one scenario. */
export interface Sample {
  round: number;
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  peakRssBytes: number;
  errors: number;
}

export function median(values: number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** What a table row shows. */
export interface Summary {
  rounds: number;
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Highest peak over the rounds. */
  peakRssBytes: number;
  errors: number;
  /** Median over rounds of (this ÷ reference in the same round). */
  rpsVsNginx: number;
  rpsVsDirect: number;
  p99VsNginx: number;
  /** Lowest and highest of the per-round ratios behind `rpsVsNginx` / `p99VsNginx` (NaN without nginx). */
  rpsVsNginxSpread: [number, number];
  p99VsNginxSpread: [number, number];
}

/** Per-round ratios `pick(sample) / pick(reference)`, over rounds both have. */
function roundRatios(samples: Sample[], reference: Sample[] | undefined, pick: (s: Sample) => number): number[] {
  if (reference === undefined) return [];
  const ratios: number[] = [];
  for (const sample of samples) {
    const ref = reference.find((r) => r.round === sample.round);
    if (ref !== undefined && pick(ref) > 0) ratios.push(pick(sample) / pick(ref));
  }
  return ratios;
}

function spread(values: number[]): [number, number] {
  return values.length === 0 ? [Number.NaN, Number.NaN] : [Math.min(...values), Math.max(...values)];
}

export function summarize(samples: Sample[], nginx: Sample[] | undefined, direct: Sample[] | undefined): Summary {
  const rpsVsNginx = roundRatios(samples, nginx, (s) => s.requestsPerSec);
  const p99VsNginx = roundRatios(samples, nginx, (s) => s.p99Ms);
  return {
    rounds: samples.length,
    requestsPerSec: median(samples.map((s) => s.requestsPerSec)),
    p50Ms: median(samples.map((s) => s.p50Ms)),
    p99Ms: median(samples.map((s) => s.p99Ms)),
    peakRssBytes: Math.max(0, ...samples.map((s) => s.peakRssBytes)),
    errors: samples.reduce((sum, s) => sum + s.errors, 0),
    rpsVsNginx: median(rpsVsNginx),
    rpsVsDirect: median(roundRatios(samples, direct, (s) => s.requestsPerSec)),
    p99VsNginx: median(p99VsNginx),
    rpsVsNginxSpread: spread(rpsVsNginx),
    p99VsNginxSpread: spread(p99VsNginx),
  };
}
