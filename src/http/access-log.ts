/** A listener's access log: formats each finished request and hands the sink batches, not lines. */
import type { Clock, Timer } from '../common/clock.ts';
import { DefaultFormatter, JsonFormatter, type AccessLogFormatter } from './access-log-format.ts';
import type { AccessLogRecord } from './access-log-record.ts';

export type { AccessLogRecord } from './access-log-record.ts';
export { DefaultFormatter, JsonFormatter, type AccessLogFormatter } from './access-log-format.ts';

/** Where lines go (stdout or a file, connected by the runtime adapter). */
export interface AccessLogSink {
  /** One or more complete lines, each ending in '\n'. */
  write(chunk: string): void;
}

/** `default`: Envoy's text line; `json`: one JSON object per line. */
export type AccessLogFormat = 'default' | 'json';

export interface AccessLoggerOptions {
  format?: AccessLogFormat;
  /** Longest a line waits in the buffer; default 250 ms. */
  flushIntervalMs?: number;
  /** Buffered characters that trigger an immediate write; default 64 KiB. */
  maxBufferChars?: number;
}

export const DEFAULT_FLUSH_INTERVAL_MS = 250;
export const DEFAULT_MAX_BUFFER_CHARS = 64 * 1024;

/** The formatter for a configured format name. */
export function accessLogFormatter(format: AccessLogFormat): AccessLogFormatter {
  return format === 'json' ? new JsonFormatter() : new DefaultFormatter();
}

/**
 * Buffers formatted lines and writes them when the buffer is full or the flush timer fires, so
 * a busy listener makes one write per batch. After `close` every line is written at once.
 */
export class AccessLogger {
  private readonly sink: AccessLogSink;
  private readonly clock: Clock;
  private readonly formatter: AccessLogFormatter;
  private readonly flushIntervalMs: number;
  private readonly maxBufferChars: number;
  private lines: string[] = [];
  private chars = 0;
  private timer: Timer | null = null;
  private state: 'buffering' | 'closed' = 'buffering';
  private readonly onTimer = (): void => {
    this.timer = null;
    this.flush();
  };
  /** Sink writes that threw; those lines are lost (logging must never fail a request). */
  failedWrites = 0;
  lastError: unknown = null;

  constructor(sink: AccessLogSink, clock: Clock, options: AccessLoggerOptions = {}) {
    this.sink = sink;
    this.clock = clock;
    this.formatter = accessLogFormatter(options.format ?? 'default');
    this.flushIntervalMs = options.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS;
    this.maxBufferChars = options.maxBufferChars ?? DEFAULT_MAX_BUFFER_CHARS;
  }

  /** Record one finished request. */
  log(record: AccessLogRecord): void {
    const line = this.formatter.format(record);
    if (this.state === 'closed') {
      this.write(line);
      return;
    }
    this.lines.push(line);
    this.chars += line.length;
    if (this.chars >= this.maxBufferChars) {
      this.flush();
    } else if (this.timer === null) {
      this.timer = this.clock.setTimer(this.flushIntervalMs, this.onTimer);
    }
  }

  /** Write whatever is buffered now. */
  flush(): void {
    if (this.timer !== null) {
      this.timer.cancel();
      this.timer = null;
    }
    if (this.lines.length === 0) return;
    const chunk = this.lines.length === 1 ? this.lines[0]! : this.lines.join('');
    this.lines = [];
    this.chars = 0;
    this.write(chunk);
  }

  /** Flush and stop the timer; later lines are written unbuffered. */
  close(): void {
    this.flush();
    this.state = 'closed';
  }

  /** Lines waiting for the next flush. */
  get bufferedLines(): number {
    return this.lines.length;
  }

  private write(chunk: string): void {
    try {
      this.sink.write(chunk);
    } catch (e) {
      this.failedWrites++;
      this.lastError = e;
    }
  }
}
