/** Peak resident memory of a process tree, sampled from /proc while a load runs. */

import { readFileSync } from 'node:fs';
import { processTree } from './processes.ts';

const SAMPLE_MS = 100;

function rssKiB(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] !== undefined ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** The summed RSS of `pid` and its descendants now, in bytes. */
export function treeRssBytes(pid: number): number {
  let total = 0;
  for (const p of processTree(pid)) total += rssKiB(p);
  return total * 1024;
}

/** Samples the summed RSS of `pid` and its descendants until `stop()`; returns the peak in bytes. */
export class RssSampler {
  private peakKiB = 0;
  private readonly tree: number[];
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(pid: number) {
    // The tree is fixed for a run (nginx forks its workers at start), so /proc is scanned once.
    this.tree = processTree(pid);
    this.sample();
    this.timer = setInterval(() => this.sample(), SAMPLE_MS);
  }

  private sample(): void {
    let total = 0;
    for (const pid of this.tree) total += rssKiB(pid);
    if (total > this.peakKiB) this.peakKiB = total;
  }

  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return this.peakKiB * 1024;
  }
}
