/** The machine and tool versions a result was measured with. */

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg, release } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './templates.ts';

/** What the report header shows. */
export interface MachineInfo {
  date: string;
  cpus: number;
  cpuModel: string;
  kernel: string;
  memoryGiB: number;
  /** 1-minute load average when the run started: other work on the machine skews the figures. */
  loadAverage: number;
  versions: Record<string, string>;
}

function firstLine(cmd: string, args: string[], pattern?: RegExp): string {
  if (cmd.startsWith('/') && !existsSync(cmd)) return 'missing';
  const result = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000 });
  const text = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (pattern !== undefined) return pattern.exec(text)?.[1] ?? 'unknown';
  return text.split('\n')[0]?.trim() || 'unknown';
}

export function machineInfo(): MachineInfo {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const meminfo = existsSync('/proc/meminfo') ? readFileSync('/proc/meminfo', 'utf8') : '';
  const memKiB = Number(/^MemTotal:\s+(\d+)/m.exec(meminfo)?.[1] ?? 0);
  const bin = join(ROOT, 'node_modules/.bin');
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    // All online CPUs, whatever this process's affinity (the harness pins itself).
    cpus: cpus().length,
    cpuModel: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown',
    kernel: `Linux ${release()}`,
    memoryGiB: Math.round(memKiB / 1024 / 1024),
    loadAverage: loadavg()[0] ?? 0,
    versions: {
      bun: firstLine(join(bin, 'bun'), ['--version']),
      deno: firstLine(join(bin, 'deno'), ['--version'], /^deno (\S+)/m),
      node: firstLine(join(bin, 'node'), ['--version']),
      nginx: firstLine('nginx', ['-v'], /nginx\/(\S+)/),
      haproxy: firstLine('haproxy', ['-v'], /version (\S+)/),
      wrk: firstLine('wrk', ['-v'], /wrk (\S+)/),
    },
  };
}
