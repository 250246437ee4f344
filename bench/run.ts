/**
 * `npm run bench` / `npm run bench:quick`: this proxy (Bun binary, Deno, Node 24) against nginx,
 * HAProxy and the origin directly, with wrk on loopback. Writes bench/results/latest.md.
 */

import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CANDIDATES } from './candidates.ts';
import type { Candidate, RunningCandidate } from './candidates.ts';
import { machineInfo } from './machine.ts';
import { startOrigin } from './origin.ts';
import type { Origin } from './origin.ts';
import { installCleanup, stopAll } from './processes.ts';
import { renderReport } from './report.ts';
import type { Results } from './report.ts';
import { RssSampler, treeRssBytes } from './rss.ts';
import { SCENARIOS } from './scenarios.ts';
import type { Scenario } from './scenarios.ts';
import type { Sample } from './stats.ts';
import { ROOT } from './templates.ts';
import { buildArtifact, ensureTools } from './tools.ts';
import { runWrk } from './wrk.ts';

/** How long and how often. */
interface Plan {
  mode: 'full' | 'quick';
  rounds: number;
  durationSec: number;
  warmupSec: number;
  /** Fresh candidates (and origin) for every scenario; otherwise only for the memory scenario. */
  restartEveryScenario: boolean;
  budgetSec: number;
  only: Set<string> | undefined;
  /** Scenario ids to run (all when undefined). */
  scenarios: Set<string> | undefined;
  keep: boolean;
}

// 5 s of warm-up: the Bun proxy's JIT takes 5–8 s of load to settle (measured in 1 s windows
// after a start: 20k req/s and a p99 of 36 ms in the first second, 40–50k and 3–5 ms until
// about 8 s, then 50k and 2.2–2.4 ms). nginx and HAProxy get the same warm-up for the same method.
const FULL: Plan = { mode: 'full', rounds: 3, durationSec: 4, warmupSec: 5, restartEveryScenario: true, budgetSec: 570, only: undefined, scenarios: undefined, keep: false };
const QUICK: Plan = { mode: 'quick', rounds: 2, durationSec: 1, warmupSec: 1, restartEveryScenario: false, budgetSec: 100, only: undefined, scenarios: undefined, keep: false };
/** Per wrk run beyond its duration: process start, connection setup, report. */
const RUN_OVERHEAD_MS = 400;
const RESULTS_DIR = join(ROOT, 'bench/results');
const USAGE =
  'usage: node bench/run.ts [--quick] [--rounds N] [--duration SECONDS] [--warmup SECONDS] [--only id,id…] [--scenarios id,id…] [--keep]\n' +
  `candidates: ${CANDIDATES.map((c) => c.id).join(', ')}\nscenarios: ${SCENARIOS.map((s) => s.id).join(', ')}\n` +
  'A run limited by --only or --scenarios writes bench/results/partial.md, not latest.md.';

class UsageError extends Error {}

function parsePlan(argv: string[]): Plan {
  const plan: Plan = { ...(argv.includes('--quick') ? QUICK : FULL) };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    const count = (): number => {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 1) throw new UsageError(`${arg} needs a positive integer`);
      return n;
    };
    if (arg === '--quick') continue;
    else if (arg === '--rounds') plan.rounds = count();
    else if (arg === '--duration') plan.durationSec = count();
    else if (arg === '--warmup') plan.warmupSec = count();
    else if (arg === '--keep') plan.keep = true;
    else if (arg === '--scenarios') {
      plan.scenarios = new Set(value().split(','));
      for (const id of plan.scenarios) if (!SCENARIOS.some((sc) => sc.id === id)) throw new UsageError(`unknown scenario ${id}`);
    }
    else if (arg === '--only') {
      plan.only = new Set(value().split(','));
      for (const id of plan.only) if (!CANDIDATES.some((c) => c.id === id)) throw new UsageError(`unknown candidate ${id}`);
    } else throw new UsageError(`unknown argument ${arg}`);
  }
  return plan;
}

/** CPU for the candidate and CPU for wrk + origin (+ this harness). */
function placement(): { proxyCpus: string; loadCpus: string; note?: string } {
  if (availableParallelism() >= 2) return { proxyCpus: '0', loadCpus: '1' };
  return { proxyCpus: '0', loadCpus: '0', note: 'only one CPU: candidate and load generator share it' };
}

/** Keeps this harness (RSS sampling, bookkeeping) off the candidate's CPU. */
function pinSelf(cpus: string): void {
  spawnSync('taskset', ['-a', '-p', '-c', cpus, String(process.pid)], { stdio: 'ignore' });
}

const fmtRun = (s: Sample): string =>
  `${Math.round(s.requestsPerSec).toLocaleString('en-US')} req/s, p50 ${s.p50Ms.toFixed(2)} ms, p99 ${s.p99Ms.toFixed(2)} ms, RSS ${(s.peakRssBytes / 1048576).toFixed(1)} MiB${s.errors > 0 ? `, ${s.errors} errors` : ''}`;

class Bench {
  private readonly plan: Plan;
  private readonly runDir: string;
  private readonly proxyCpus: string;
  private readonly loadCpus: string;
  private readonly deadline: number;
  private readonly started = Date.now();
  private origin: Origin | undefined;
  private running = new Map<string, RunningCandidate>();
  private startCount = 0;
  readonly active: Candidate[];
  readonly problems = new Map<string, string>();
  readonly samples = new Map<string, Map<string, Sample[]>>();
  /** candidate id → RSS right after each start, before any load. */
  readonly idleRss = new Map<string, number[]>();
  truncated: string | undefined;

  constructor(plan: Plan, runDir: string, cpus: { proxyCpus: string; loadCpus: string }) {
    this.plan = plan;
    this.runDir = runDir;
    this.proxyCpus = cpus.proxyCpus;
    this.loadCpus = cpus.loadCpus;
    this.deadline = this.started + plan.budgetSec * 1000;
    this.active = CANDIDATES.filter((c) => plan.only === undefined || plan.only.has(c.id));
  }

  private drop(candidate: Candidate, problem: string): void {
    console.log(`bench: ${candidate.id}: ${problem}`);
    this.problems.set(candidate.id, problem);
  }

  private async stopCandidates(): Promise<void> {
    await Promise.all([...this.running.values()].map((r) => r.stop()));
    this.running.clear();
    await this.origin?.stop();
    this.origin = undefined;
  }

  /** Fresh origin and candidates (started in parallel), each warmed with the scenario's load. */
  private async restart(scenario: Scenario): Promise<void> {
    await this.stopCandidates();
    const dir = join(this.runDir, `start-${++this.startCount}`);
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    const origin = await startOrigin(join(dir, 'origin'), this.loadCpus);
    this.origin = origin;
    const wanted = this.active.filter((c) => !this.problems.has(c.id));
    const started = await Promise.allSettled(
      wanted.map((candidate) => {
        const cdir = join(dir, candidate.id);
        mkdirSync(cdir, { mode: 0o755 });
        return candidate.start({ dir: cdir, origin, cpus: this.proxyCpus });
      }),
    );
    started.forEach((result, i) => {
      const candidate = wanted[i];
      if (candidate === undefined) return;
      if (result.status === 'fulfilled') this.running.set(candidate.id, result.value);
      else this.drop(candidate, `did not start: ${result.reason instanceof Error ? result.reason.message : String(result.reason)}`);
    });
    for (const [id, running] of this.running) this.idleRss.set(id, [...(this.idleRss.get(id) ?? []), treeRssBytes(running.proc.pid)]);
    for (const candidate of wanted) {
      const running = this.running.get(candidate.id);
      if (running === undefined || this.plan.warmupSec === 0) continue;
      await runWrk({ ...this.load(scenario, running.port), durationSec: this.plan.warmupSec }).catch(() => undefined);
    }
  }

  private load(scenario: Scenario, port: number) {
    return { url: `http://127.0.0.1:${port}${scenario.path}`, connections: scenario.connections, durationSec: this.plan.durationSec, cpus: this.loadCpus, script: scenario.script };
  }

  private timeLeft(ms: number): boolean {
    return Date.now() + ms <= this.deadline;
  }

  async runScenario(scenario: Scenario, first: boolean): Promise<void> {
    if (first || this.plan.restartEveryScenario || scenario.memory === true) await this.restart(scenario);
    const byCandidate = new Map<string, Sample[]>();
    this.samples.set(scenario.id, byCandidate);
    const runMs = this.plan.durationSec * 1000 + RUN_OVERHEAD_MS;
    for (let round = 1; round <= this.plan.rounds; round++) {
      for (const candidate of this.active) {
        const running = this.running.get(candidate.id);
        if (running === undefined) continue;
        if (!this.timeLeft(runMs)) {
          this.truncated = `the ${this.plan.budgetSec} s budget ran out in "${scenario.title}", round ${round}; later runs were skipped.`;
          return;
        }
        const sampler = new RssSampler(running.proc.pid);
        let sample: Sample;
        try {
          const result = await runWrk(this.load(scenario, running.port));
          sample = { round, ...result, peakRssBytes: sampler.stop() };
        } catch (error) {
          sampler.stop();
          this.drop(candidate, `wrk failed in "${scenario.title}": ${error instanceof Error ? error.message : String(error)}`);
          continue;
        }
        if (running.proc.hasExited()) {
          this.running.delete(candidate.id);
          this.drop(candidate, `exited during "${scenario.title}" (log: ${running.proc.logPath})`);
          continue;
        }
        const list = byCandidate.get(candidate.id) ?? [];
        list.push(sample);
        byCandidate.set(candidate.id, list);
        console.log(`  ${scenario.id} round ${round}/${this.plan.rounds} ${candidate.id.padEnd(10)} ${fmtRun(sample)}`);
      }
    }
  }

  async finish(): Promise<void> {
    await this.stopCandidates();
  }

  elapsedSec(): number {
    return (Date.now() - this.started) / 1000;
  }
}

async function main(argv: string[]): Promise<number> {
  let plan: Plan;
  try {
    plan = parsePlan(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`bench: ${error.message}\n${USAGE}`);
    return 2;
  }
  installCleanup();
  const cpus = placement();
  ensureTools();
  // Before pinning: the harness's own CPU affinity must not shrink the CPU count.
  const machine = machineInfo();
  pinSelf(cpus.loadCpus);
  const earlyProblems = new Map<string, string>();
  for (const [id, target] of [['proxy-bun', 'bin'], ['proxy-node', 'node']] as const) {
    if (plan.only !== undefined && !plan.only.has(id)) continue;
    const problem = buildArtifact(target);
    if (problem !== undefined) earlyProblems.set(id, problem);
  }
  const runDir = mkdtempSync(join(tmpdir(), 'proxy-bench-'));
  // nginx workers run unprivileged and must reach the origin's files.
  chmodSync(runDir, 0o755);
  // On every exit path (Ctrl-C included), after the processes are gone.
  if (!plan.keep) process.once('exit', () => rmSync(runDir, { recursive: true, force: true }));
  const bench = new Bench(plan, runDir, cpus);
  for (const [id, problem] of earlyProblems) bench.problems.set(id, problem);
  const method = `${plan.rounds} rounds of ${plan.durationSec} s per candidate and scenario, after a ${plan.warmupSec} s warm-up; ${
    plan.restartEveryScenario ? 'fresh candidates and origin for every scenario' : 'candidates restarted only before the memory scenario'
  }${cpus.note !== undefined ? `; ${cpus.note}` : ''}`;
  console.log(`bench: ${plan.mode} mode — ${method}; run directory ${runDir}`);
  const scenarios = SCENARIOS.filter((sc) => plan.scenarios === undefined || plan.scenarios.has(sc.id));
  try {
    let first = true;
    for (const scenario of scenarios) {
      console.log(`bench: ${scenario.title}`);
      await bench.runScenario(scenario, first);
      first = false;
      if (bench.truncated !== undefined) break;
    }
  } finally {
    await bench.finish();
    await stopAll();
  }
  const results: Results = {
    machine,
    mode: plan.mode,
    method,
    candidates: bench.active,
    scenarios,
    samples: bench.samples,
    idleRss: bench.idleRss,
    problems: bench.problems,
    truncated: bench.truncated,
    elapsedSec: bench.elapsedSec(),
  };
  const report = renderReport(results);
  mkdirSync(RESULTS_DIR, { recursive: true });
  // The README quotes latest.md: only a run of every candidate and scenario replaces it.
  const name = plan.only === undefined && plan.scenarios === undefined ? 'latest' : 'partial';
  writeFileSync(join(RESULTS_DIR, `${name}.md`), report);
  const raw = { ...results, samples: Object.fromEntries([...bench.samples].map(([k, v]) => [k, Object.fromEntries(v)])), problems: Object.fromEntries(bench.problems), idleRss: Object.fromEntries(bench.idleRss) };
  writeFileSync(join(RESULTS_DIR, `${name}.raw`), `${JSON.stringify(raw, null, 2)}\n`);
  console.log(`\n${report}`);
  console.log(`bench: wrote bench/results/${name}.md in ${Math.round(bench.elapsedSec())} s`);
  if (plan.keep) console.log(`bench: logs kept in ${runDir}`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  async (error: unknown) => {
    console.error(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    await stopAll();
    process.exitCode = 1;
  },
);
