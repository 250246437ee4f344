/** What Bun and Node share: process-level services and Node-style I/O helpers (Deno reuses the helpers). */
import * as dns from 'node:dns';
import * as fs from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { AppendStream, asLine } from './append-stream.ts';
export { asLine };
import type { AppendFile, AppendFileEvents, SignalName, SocketErrorCode } from './types.ts';
import { SocketError } from './types.ts';

const STABLE_CODES: ReadonlySet<string> = new Set<SocketErrorCode>([
  'ECONNREFUSED', 'ETIMEDOUT', 'ECONNRESET', 'EPIPE', 'EADDRINUSE', 'EACCES', 'ENOTFOUND', 'EHOSTUNREACH',
]);

// Node, Bun and libc spell some failures differently; these collapse onto the stable codes.
const CODE_ALIASES: Readonly<Record<string, SocketErrorCode>> = {
  ECONNABORTED: 'ECONNRESET',
  ENETUNREACH: 'EHOSTUNREACH',
  ENETDOWN: 'EHOSTUNREACH',
  EPERM: 'EACCES',
  EAI_AGAIN: 'ENOTFOUND',
  EAI_NONAME: 'ENOTFOUND',
  EAI_NODATA: 'ENOTFOUND',
  ENODATA: 'ENOTFOUND',
  DNS_ENOTFOUND: 'ENOTFOUND',
  DNS_ENODATA: 'ENOTFOUND',
  ERR_STREAM_DESTROYED: 'EPIPE',
  ERR_STREAM_WRITE_AFTER_END: 'EPIPE',
  ERR_SOCKET_CONNECTION_TIMEOUT: 'ETIMEDOUT',
};

/** Maps an error carrying a Node-style `code` (Node and Bun both use them) onto a `SocketError`. */
export function toSocketError(err: unknown, context: string): SocketError {
  if (err instanceof SocketError) return err;
  const raw = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
  const code: SocketErrorCode = STABLE_CODES.has(raw)
    ? (raw as SocketErrorCode)
    : (CODE_ALIASES[raw] ?? 'UNKNOWN');
  const message = err instanceof Error ? err.message : String(err);
  // Bun's messages ("Failed to listen at 127.0.0.1") leave out why; the errno name says it.
  const detail = raw !== '' && !message.includes(raw) ? `${message} (${raw})` : message;
  return new SocketError(code, `${context}: ${detail}`, { cause: err });
}

/** Appends the newline that makes `text` one line, unless it already ends with one. */
export function readTextFileUtf8(file: string): Promise<string> {
  return readFile(file, 'utf8');
}

/**
 * Watches the file's directory, not the file: editors and config tools replace files by rename,
 * which ends an inode watch. Bursts of events within 50 ms collapse into one call.
 */
export function watchFileChanges(file: string, fn: () => void): () => void {
  const absolute = path.resolve(file);
  const base = path.basename(absolute);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const fire = (): void => {
    timer = undefined;
    fn();
  };
  const watcher = fs.watch(path.dirname(absolute), { persistent: false }, (_event, name) => {
    if (name !== null && path.basename(String(name)) !== base) return;
    if (timer === undefined) timer = setTimeout(fire, 50);
  });
  watcher.on('error', () => { /* the directory went away: nothing left to watch */ });
  return () => {
    watcher.close();
    if (timer !== undefined) clearTimeout(timer);
  };
}

/** Opens `file` for appending and closes it again; rejects with the reason (ENOENT, EACCES, EISDIR). */
export async function checkAppendable(file: string): Promise<void> {
  const handle = await open(file, 'a');
  await handle.close();
}

/** getaddrinfo through node:dns: honours /etc/hosts, returns A and AAAA in resolver order. */
export async function lookupAll(hostname: string): Promise<string[]> {
  try {
    const found = await dns.promises.lookup(hostname, { all: true, order: 'verbatim' });
    return found.map((a) => a.address);
  } catch (err) {
    throw toSocketError(err, `resolve ${hostname}`);
  }
}

/**
 * The `RuntimeAdapter` methods that go through `process` the same way in Bun and Node; each
 * runtime's adapter extends this and adds sockets, workers and HTTP serving.
 */
export class ProcessServices {
  onSignal(signal: SignalName, fn: () => void): void {
    process.on(signal, fn);
  }

  args(): string[] {
    return process.argv.slice(2);
  }

  env(name: string): string | undefined {
    return process.env[name];
  }

  readTextFile(file: string): Promise<string> {
    return readTextFileUtf8(file);
  }

  watchFile(file: string, fn: () => void): () => void {
    return watchFileChanges(file, fn);
  }

  memoryRss(): number {
    return process.memoryUsage.rss();
  }

  exit(code: number): never {
    // In a worker (a Node worker thread, a Bun Worker) process.exit ends only that thread, with
    // this code; the parent sees it in its exit/close event.
    return process.exit(code);
  }

  openAppendFile(file: string, events?: AppendFileEvents): AppendFile {
    return new AppendStream(file, events);
  }

  checkAppendable(file: string): Promise<void> {
    return checkAppendable(file);
  }

  writeStdout(text: string): void {
    process.stdout.write(asLine(text));
  }

  writeStderr(text: string): void {
    process.stderr.write(asLine(text));
  }

  isTty(): boolean {
    return process.stdout.isTTY === true;
  }
}
