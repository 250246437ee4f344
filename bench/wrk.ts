/** Runs wrk (pinned to the load generator's CPU) and parses its `--latency` report. */

import { spawn } from 'node:child_process';
import { track } from './processes.ts';

/** One wrk run's figures. */
export interface WrkResult {
  requestsPerSec: number;
  /** Latency percentiles in milliseconds. */
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** Socket errors (connect, read, write, timeout) plus non-2xx/3xx responses. */
  errors: number;
}

export interface WrkOptions {
  url: string;
  connections: number;
  durationSec: number;
  cpus: string;
  /** A wrk Lua script (for the POST body). */
  script?: string;
}

const TIME_UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

function parseTimeMs(text: string): number {
  const match = /^([\d.]+)(us|ms|s|m|h)$/.exec(text);
  if (!match?.[1] || !match[2]) return Number.NaN;
  return Number(match[1]) * (TIME_UNITS[match[2]] ?? Number.NaN);
}

/** Parses wrk's text report; NaN for what is missing. */
export function parseWrk(output: string): WrkResult {
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(output);
  const p50 = /^\s+50%\s+(\S+)/m.exec(output);
  const p99 = /^\s+99%\s+(\S+)/m.exec(output);
  const total = /^\s+(\d+) requests in /m.exec(output);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(output);
  const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  return {
    requestsPerSec: rps?.[1] !== undefined ? Number(rps[1]) : Number.NaN,
    p50Ms: p50?.[1] !== undefined ? parseTimeMs(p50[1]) : Number.NaN,
    p99Ms: p99?.[1] !== undefined ? parseTimeMs(p99[1]) : Number.NaN,
    requests: total?.[1] !== undefined ? Number(total[1]) : 0,
    errors: socketErrors + (non2xx?.[1] !== undefined ? Number(non2xx[1]) : 0),
  };
}

/** Runs one load; rejects if wrk fails or overruns its duration by 20 s. */
export function runWrk(opts: WrkOptions): Promise<WrkResult> {
  const args = ['-c', String(opts.cpus), 'wrk', '-t1', `-c${opts.connections}`, `-d${opts.durationSec}s`, '--latency', '--timeout', '10s'];
  if (opts.script !== undefined) args.push('-s', opts.script);
  args.push(opts.url);
  return new Promise((resolve, reject) => {
    const child = spawn('taskset', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid !== undefined) track('wrk', child);
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), (opts.durationSec + 20) * 1000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code, sig) => {
      clearTimeout(timer);
      const result = parseWrk(out);
      if (code !== 0 || Number.isNaN(result.requestsPerSec)) reject(new Error(`wrk ${args.slice(3).join(' ')} failed (${code ?? sig}):\n${out}`));
      else resolve(result);
    });
  });
}
