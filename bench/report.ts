/** The markdown report: header (date, machine, method), goals, one table per scenario. */

import type { Candidate } from './candidates.ts';
import { DIRECT_ID, NGINX_ID } from './candidates.ts';
import type { MachineInfo } from './machine.ts';
import type { Scenario } from './scenarios.ts';
import { THROUGHPUT_ID } from './scenarios.ts';
import type { Sample, Summary } from './stats.ts';
import { median, summarize } from './stats.ts';

/** Everything a run measured. */
export interface Results {
  machine: MachineInfo;
  mode: string;
  /** One line on rounds and durations. */
  method: string;
  candidates: Candidate[];
  scenarios: Scenario[];
  /** scenario id → candidate id → samples. */
  samples: Map<string, Map<string, Sample[]>>;
  /** candidate id → RSS right after each start, before any load. */
  idleRss: Map<string, number[]>;
  /** candidate id → why it has no (or not all) figures. */
  problems: Map<string, string>;
  /** Set when the time budget cut the run short. */
  truncated?: string;
  elapsedSec: number;
}

const MEMORY_GOAL_BYTES = 80 * 1024 * 1024;
const THROUGHPUT_GOAL = 1.05;

const num = (n: number, digits: number): string => (Number.isFinite(n) ? n.toFixed(digits) : '–');
const rps = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
const ratio = (n: number): string => (Number.isFinite(n) ? `${n.toFixed(2)}×` : '–');
const ms = (n: number): string => (Number.isFinite(n) ? `${n < 10 ? n.toFixed(2) : n.toFixed(1)} ms` : '–');
const mib = (bytes: number): string => (bytes > 0 ? `${num(bytes / 1024 / 1024, 1)} MiB` : '–');

function summaryOf(results: Results, scenarioId: string, candidateId: string): Summary | undefined {
  const byCandidate = results.samples.get(scenarioId);
  const samples = byCandidate?.get(candidateId);
  if (samples === undefined || samples.length === 0) return undefined;
  return summarize(samples, byCandidate?.get(NGINX_ID), byCandidate?.get(DIRECT_ID));
}

function scenarioTable(results: Results, scenario: Scenario): string[] {
  // The memory scenario also shows what each candidate holds before any load.
  const idle = scenario.memory === true;
  const lines = [
    `### ${scenario.title}`,
    '',
    `\`wrk -t1 -c${scenario.connections}${scenario.script !== undefined ? ' -s post-1k.lua' : ''} --latency\` on \`${scenario.path}\``,
    '',
    `| candidate | req/s | × nginx | × direct | p50 | p99 | p99 × nginx | peak RSS |${idle ? ' RSS at start |' : ''} errors |`,
    `|---|--:|--:|--:|--:|--:|--:|--:|${idle ? '--:|' : ''}--:|`,
  ];
  for (const candidate of results.candidates) {
    const s = summaryOf(results, scenario.id, candidate.id);
    if (s === undefined) {
      lines.push(`| ${candidate.label} | not measured |${' |'.repeat(idle ? 8 : 7)}`);
      continue;
    }
    lines.push(
      `| ${candidate.label} | ${rps(s.requestsPerSec)} | ${ratio(s.rpsVsNginx)} | ${ratio(s.rpsVsDirect)} | ${ms(s.p50Ms)} | ${ms(s.p99Ms)} | ${ratio(s.p99VsNginx)} | ${mib(s.peakRssBytes)} |${idle ? ` ${mib(median(results.idleRss.get(candidate.id) ?? []))} |` : ''} ${s.errors} |`,
    );
  }
  return [...lines, ''];
}

const mark = (ok: boolean): string => (ok ? '✅' : '❌');
/** The per-round ratios behind a median, so a reader sees how far the rounds agree. */
const rounds = ([lo, hi]: [number, number]): string =>
  Number.isFinite(lo) && Number.isFinite(hi) ? ` (rounds ${lo.toFixed(2)}–${hi.toFixed(2)}×)` : '';

function goalsTable(results: Results): string[] {
  const proxies = results.candidates.filter((c) => c.id.startsWith('proxy-'));
  const memory = results.scenarios.find((s) => s.memory === true);
  if (proxies.length === 0) return ['(this proxy was not among the candidates of this run)', ''];
  const rows = [
    `| goal | ${proxies.map((c) => c.label).join(' | ')} |`,
    `|---|${proxies.map(() => '--:').join('|')}|`,
  ];
  const cells = (fn: (id: string) => string): string => proxies.map((c) => fn(c.id)).join(' | ');
  rows.push(
    `| req/s ≥ ${THROUGHPUT_GOAL}× nginx (GET, 64 connections) | ${cells((id) => {
      const s = summaryOf(results, THROUGHPUT_ID, id);
      return s === undefined || !Number.isFinite(s.rpsVsNginx) ? '–' : `${ratio(s.rpsVsNginx)} ${mark(s.rpsVsNginx >= THROUGHPUT_GOAL)}${rounds(s.rpsVsNginxSpread)}`;
    })} |`,
  );
  rows.push(
    `| p99 ≤ nginx's (GET, 64 connections) | ${cells((id) => {
      const s = summaryOf(results, THROUGHPUT_ID, id);
      return s === undefined || !Number.isFinite(s.p99VsNginx) ? '–' : `${ratio(s.p99VsNginx)} ${mark(s.p99VsNginx <= 1)}${rounds(s.p99VsNginxSpread)}`;
    })} |`,
  );
  if (memory !== undefined) {
    rows.push(
      `| peak RSS < 80 MiB (1,000 connections) | ${cells((id) => {
        const s = summaryOf(results, memory.id, id);
        return s === undefined ? '–' : `${mib(s.peakRssBytes)} ${mark(s.peakRssBytes < MEMORY_GOAL_BYTES)}`;
      })} |`,
    );
  }
  return [...rows, ''];
}

export function renderReport(results: Results): string {
  const m = results.machine;
  const versions = Object.entries(m.versions)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const lines = [
    '# Benchmark: this proxy against nginx and HAProxy',
    '',
    `- Date: ${m.date} (${results.mode} mode, ${Math.round(results.elapsedSec)} s)`,
    `- Machine: ${m.cpus} CPUs (${m.cpuModel}), ${m.kernel}, ${m.memoryGiB} GiB RAM; load average ${m.loadAverage.toFixed(2)} when the run started (other work on the machine makes the figures noisier)`,
    `- Versions: ${versions}`,
    '- Placement: the candidate on CPU 0 (`taskset -c 0`); wrk (1 thread) and the origin (nginx, 1 worker, keep-alive) on CPU 1. All traffic on 127.0.0.1.',
    '- Candidates: this proxy with `workers: 1` (Bun: the compiled `dist/proxy`; Node 24: the `dist/node` bundle; both built from the tree at the start of the run; Deno: from source); nginx, 1 worker, HTTP/1.1 keep-alive pool to the origin; HAProxy, 1 thread, `http-reuse always`; the origin directly.',
    `- Method: ${results.method}. Rounds are interleaved (every candidate once per round, in table order). req/s, p50 and p99 are medians over the rounds; "× nginx" and "× direct" are medians of the ratios taken within each round (the goals table also gives the lowest and highest of those ratios); peak RSS is the highest sum of VmRSS over the candidate's process tree, sampled every 100 ms during the runs ("RSS at start": the same sum right after start, before any load); errors are wrk's socket errors plus non-2xx responses, summed.`,
    '',
  ];
  if (results.truncated !== undefined) lines.push(`**Incomplete:** ${results.truncated}`, '');
  lines.push('## Goals (this proxy, 1 worker)', '', ...goalsTable(results), '## Results', '');
  for (const scenario of results.scenarios) lines.push(...scenarioTable(results, scenario));
  if (results.problems.size > 0) {
    lines.push('## Problems', '');
    for (const [id, problem] of results.problems) {
      const label = results.candidates.find((c) => c.id === id)?.label ?? id;
      lines.push(`- **${label}**: ${problem.split('\n')[0]}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
