/** An append-only line file (access logs) on node:fs, which Bun and Deno also provide: survives a failing disk. */
import * as fs from 'node:fs';
import type { AppendFile, AppendFileEvents, AppendFileFailure } from './types.ts';

/** A failing file is opened again on a write at least this long after the failure: a full disk is not retried per line. */
export const REOPEN_AFTER_MS = 1000;

/** `text` ending in exactly the newline it may already have. */
export function asLine(text: string): string {
  return text.endsWith('\n') ? text : text + '\n';
}

const NO_EVENTS: AppendFileEvents = { onFailure: () => {}, onRecovered: () => {} };

/**
 * Buffered appends through a write stream. A failed open or write ends that stream: lines are
 * dropped (write answers false) until a later write opens the file again, so a disk that fills
 * up or a directory that is recreated costs lines, never the thread, and logging resumes.
 */
export class AppendStream implements AppendFile {
  private readonly file: string;
  private readonly events: AppendFileEvents;
  private stream: fs.WriteStream | null = null;
  /** Date.now() of the last failure; 0 while the file takes lines. */
  private failedAt = 0;
  /** A stream opened after a failure, whose first written line reports the recovery. */
  private recovering = false;
  private readonly onRecoveredWrite = (err: Error | null | undefined): void => {
    if (err || !this.recovering) return;
    this.recovering = false;
    this.events.onRecovered();
  };

  constructor(file: string, events: AppendFileEvents = NO_EVENTS) {
    this.file = file;
    this.events = events;
    this.stream = this.open();
  }

  write(text: string): boolean {
    let s = this.stream;
    if (s === null) {
      if (Date.now() - this.failedAt < REOPEN_AFTER_MS) return false;
      s = this.stream = this.open();
      this.recovering = true;
    }
    if (this.recovering) s.write(asLine(text), this.onRecoveredWrite);
    else s.write(asLine(text));
    return true;
  }

  close(): Promise<void> {
    const s = this.stream;
    this.stream = null;
    this.failedAt = Number.POSITIVE_INFINITY; // closed: never reopened
    if (s === null || s.closed) return Promise.resolve();
    // 'close' follows both a clean finish and a failure while flushing.
    return new Promise((resolve) => {
      s.once('close', () => resolve());
      s.end();
    });
  }

  private open(): fs.WriteStream {
    const s = fs.createWriteStream(this.file, { flags: 'a' });
    let opened = false;
    s.once('open', () => {
      opened = true;
    });
    s.on('error', (err: NodeJS.ErrnoException) => this.fail(s, opened ? 'write' : 'open', err));
    return s;
  }

  private fail(s: fs.WriteStream, kind: AppendFileFailure['kind'], err: NodeJS.ErrnoException): void {
    s.destroy();
    if (s !== this.stream) return; // a stream already given up (or closed) failing again
    this.stream = null;
    this.recovering = false;
    this.failedAt = Date.now();
    this.events.onFailure({ kind, code: typeof err.code === 'string' ? err.code : 'UNKNOWN', message: err.message });
  }
}
