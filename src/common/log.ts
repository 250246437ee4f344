/** Structured logging for main and workers: human lines on a terminal, JSON lines for machines. */

import { createConsola } from 'consola/core';
import type { ConsolaInstance, ConsolaReporter, LogObject } from 'consola/core';

/** Most to least verbose. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** `human`: `time LEVEL message key=value …`; `json`: `{"time","level","msg",...fields}` per line. */
export type LogFormat = 'human' | 'json';
export const LOG_FORMATS: readonly LogFormat[] = ['human', 'json'];

/** Extra context on a log line (`worker`, `cluster`, `host`, …). */
export type LogFields = Record<string, unknown>;

/** What every module logs through. */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (e.g. `{ worker: 2 }`). */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  level: LogLevel;
  format: LogFormat;
  /**
   * Receives one finished line without a trailing newline: the caller decides where it goes
   * (main: the adapter's writeStderr; a worker: its own writer). Stdout is left to access logs.
   */
  write: (line: string) => void;
  /** ANSI colours in the human format; true only when writing to a terminal. */
  colors?: boolean;
  /** Fields on every line, e.g. `{ worker: 0 }` in a worker. */
  fields?: LogFields;
}

export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && (LOG_LEVELS as readonly string[]).includes(value);
}

export function isLogFormat(value: unknown): value is LogFormat {
  return typeof value === 'string' && (LOG_FORMATS as readonly string[]).includes(value);
}

// consola's numeric levels.
const CONSOLA_LEVEL: Record<LogLevel, number> = { error: 0, warn: 1, info: 3, debug: 4 };
const RESERVED = new Set(['time', 'level', 'msg']);
const COLOR: Record<LogLevel, string> = { debug: '\x1b[90m', info: '\x1b[36m', warn: '\x1b[33m', error: '\x1b[31m' };
const DIM = '\x1b[2m';
const RESET = '\x1b[0m';

function levelOf(type: string): LogLevel {
  return type === 'error' || type === 'warn' || type === 'debug' ? type : 'info';
}

// Errors serialize to {} with JSON.stringify; their message is what a reader wants.
function plain(value: unknown): unknown {
  if (value instanceof Error) return value.message;
  if (typeof value === 'bigint') return value.toString();
  return value;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, inner: unknown) => plain(inner)) ?? String(value);
  } catch {
    return String(value);
  }
}

function humanValue(value: unknown): string {
  const v = plain(value);
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  return safeJson(v);
}

function formatJson(date: Date, level: LogLevel, msg: string, fields: LogFields | undefined): string {
  const record: Record<string, unknown> = { time: date.toISOString(), level, msg };
  if (fields) {
    // A field may not overwrite the three keys every line has.
    for (const [key, value] of Object.entries(fields)) record[RESERVED.has(key) ? `field_${key}` : key] = value;
  }
  return safeJson(record);
}

function formatHuman(date: Date, level: LogLevel, msg: string, fields: LogFields | undefined, colors: boolean): string {
  const label = level.toUpperCase().padEnd(5);
  let line = colors ? `${DIM}${date.toISOString()}${RESET} ${COLOR[level]}${label}${RESET} ${msg}` : `${date.toISOString()} ${label} ${msg}`;
  if (fields) {
    const parts: string[] = [];
    for (const [key, value] of Object.entries(fields)) {
      if (value !== undefined) parts.push(`${key}=${humanValue(value)}`);
    }
    if (parts.length > 0) line += colors ? ` ${DIM}${parts.join(' ')}${RESET}` : ` ${parts.join(' ')}`;
  }
  return line;
}

function reporter(options: LoggerOptions): ConsolaReporter {
  const colors = options.colors ?? false;
  return {
    log(logObj: LogObject) {
      const level = levelOf(logObj.type);
      const msg = String(logObj.args[0] ?? '');
      const fields = logObj.args[1] as LogFields | undefined;
      const line = options.format === 'json' ? formatJson(logObj.date, level, msg, fields) : formatHuman(logObj.date, level, msg, fields, colors);
      options.write(line);
    },
  };
}

class ConsolaLogger implements Logger {
  private readonly consola: ConsolaInstance;
  private readonly threshold: number;
  private readonly fields: LogFields | undefined;

  constructor(consola: ConsolaInstance, threshold: number, fields: LogFields | undefined) {
    this.consola = consola;
    this.threshold = threshold;
    this.fields = fields;
  }

  private emit(level: LogLevel, msg: string, fields: LogFields | undefined): void {
    // Checked here first so a filtered-out debug line costs no allocation.
    if (CONSOLA_LEVEL[level] > this.threshold) return;
    const merged = this.fields === undefined ? fields : fields === undefined ? this.fields : { ...this.fields, ...fields };
    if (merged === undefined) this.consola[level](msg);
    else this.consola[level](msg, merged);
  }

  debug(msg: string, fields?: LogFields): void {
    this.emit('debug', msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.emit('info', msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.emit('warn', msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.emit('error', msg, fields);
  }

  child(fields: LogFields): Logger {
    return new ConsolaLogger(this.consola, this.threshold, { ...this.fields, ...fields });
  }
}

/** A logger writing through `options.write`. */
export function createLogger(options: LoggerOptions): Logger {
  const threshold = CONSOLA_LEVEL[options.level];
  const consola = createConsola({
    level: threshold,
    reporters: [reporter(options)],
    // consola folds repeated identical lines and flushes them from a timer; a proxy's log must
    // show every line when it happens.
    throttle: 0,
  });
  return new ConsolaLogger(consola, threshold, options.fields);
}

/** A logger that drops everything (tests, tools). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};
