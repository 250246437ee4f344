/** Watching a running proxy from outside: admin stats and pools, its JSON access log, its RSS and TCP sockets. */
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { adminJson } from './traffic.ts';
import { until } from './raw-upstream.ts';

/** `/admin/stats?format=json` as a name → value map. */
export async function statsMap(adminPort: number): Promise<Map<string, number>> {
  const j = await adminJson<{ stats: { name: string; value: number }[] }>(adminPort, '/admin/stats?format=json');
  return new Map(j.stats.map((s) => [s.name, s.value]));
}

/** One stat (0 when absent: counters appear on first use). */
export async function stat(adminPort: number, name: string): Promise<number> {
  return (await statsMap(adminPort)).get(name) ?? 0;
}

/** Polls until `pred(value of name)` holds; returns the last value. */
export async function waitForStat(adminPort: number, name: string, pred: (v: number) => boolean, timeoutMs = 5000): Promise<number> {
  let last = 0;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    last = await stat(adminPort, name);
    if (pred(last)) return last;
    if (Date.now() > deadline) throw new Error(`stat ${name} is ${last}, still not as expected after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A pool as `/admin/clusters` reports it. */
export interface PoolRow {
  cluster: string;
  host: string;
  worker: number;
  protocol: string;
  ready: number;
  busy: number;
  connecting: number;
  pending: number;
}

interface ClustersJson {
  cluster_statuses: {
    name: string;
    host_statuses: {
      address: { socket_address: { address: string; port_value: number } };
      health_status: { failed_active_health_check: boolean; failed_outlier_check: boolean };
      pools?: { worker: number; protocol: string; ready: number; busy: number; connecting: number; pending: number }[];
    }[];
  }[];
}

/** Every pool of every host of every cluster. */
export async function pools(adminPort: number): Promise<PoolRow[]> {
  const j = await adminJson<ClustersJson>(adminPort, '/admin/clusters');
  const rows: PoolRow[] = [];
  for (const c of j.cluster_statuses) {
    for (const h of c.host_statuses) {
      const host = `${h.address.socket_address.address}:${h.address.socket_address.port_value}`;
      for (const p of h.pools ?? []) rows.push({ cluster: c.name, host, ...p });
    }
  }
  return rows;
}

/** Health flags of one host (`address:port`) of a cluster, or undefined when not listed. */
export async function hostHealth(adminPort: number, cluster: string, host: string): Promise<{ failed_active_health_check: boolean } | undefined> {
  const j = await adminJson<ClustersJson>(adminPort, '/admin/clusters');
  const c = j.cluster_statuses.find((x) => x.name === cluster);
  const h = c?.host_statuses.find((x) => `${x.address.socket_address.address}:${x.address.socket_address.port_value}` === host);
  return h?.health_status;
}

/** One line of the JSON access log (the fields these tests read). */
export interface AccessEntry {
  method: string | null;
  path: string | null;
  response_code: number;
  response_flags: string | null;
  response_code_details: string | null;
  bytes_sent: number;
  upstream_host: string | null;
  start_time: string;
  duration: number;
  request_id: string | null;
  x_forwarded_for: string | null;
}

export function readAccessLog(path: string): AccessEntry[] {
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, 'utf8').split('\n');
  // The proxy may be mid-write: whatever follows the last newline is not a whole line yet.
  lines.pop();
  return lines
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as AccessEntry);
}

/** Waits (bounded) for an access log entry matching `pred`. */
export async function waitForAccess(path: string, pred: (e: AccessEntry) => boolean, timeoutMs = 5000): Promise<AccessEntry> {
  let found: AccessEntry | undefined;
  try {
    await until(() => (found = readAccessLog(path).find(pred)) !== undefined, timeoutMs, 'an access log entry');
  } catch (err) {
    throw new Error(`${String(err)}; log:\n${readAccessLog(path).map((e) => JSON.stringify(e)).join('\n')}`);
  }
  return found!;
}

/** The process's resident set size in KiB (VmRSS of /proc/<pid>/status). */
export function rssKiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]);
}

/** A TCP socket of the process, from /proc/<pid>/net/tcp{,6}. */
export interface ProcSocket {
  inode: string;
  /** Kernel state name (ESTABLISHED, LISTEN, CLOSE_WAIT, …). */
  state: string;
  local: string;
  remote: string;
}

const TCP_STATES: Record<string, string> = {
  '01': 'ESTABLISHED',
  '02': 'SYN_SENT',
  '03': 'SYN_RECV',
  '04': 'FIN_WAIT1',
  '05': 'FIN_WAIT2',
  '06': 'TIME_WAIT',
  '07': 'CLOSE',
  '08': 'CLOSE_WAIT',
  '09': 'LAST_ACK',
  '0A': 'LISTEN',
  '0B': 'CLOSING',
};

function hexAddr(s: string): string {
  const [ip = '', port = ''] = s.split(':');
  const p = parseInt(port, 16);
  if (ip.length === 8) {
    const b = Buffer.from(ip, 'hex');
    return `${b[3]}.${b[2]}.${b[1]}.${b[0]}:${p}`;
  }
  return `[${ip}]:${p}`;
}

/**
 * The TCP sockets the process holds open: the socket inodes among its file descriptors
 * (/proc/<pid>/fd → `socket:[inode]`, every thread shares the table) matched against the TCP
 * tables of its network namespace. Unix sockets (the stdio pipes the test harness gave it) and
 * sockets of other processes are not counted.
 */
export function tcpSockets(pid: number): ProcSocket[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let target: string;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // closed while we looked
    }
    const m = /^socket:\[(\d+)\]$/.exec(target);
    if (m) inodes.add(m[1]!);
  }
  const out: ProcSocket[] = [];
  for (const table of ['tcp', 'tcp6']) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      const inode = f[9]!;
      if (!inodes.has(inode)) continue;
      out.push({ inode, state: TCP_STATES[f[3]!] ?? f[3]!, local: hexAddr(f[1]!), remote: hexAddr(f[2]!) });
    }
  }
  return out;
}
