/** Access log lines: Envoy's default text format and a JSON object with the same fields. */
import type { AccessLogRecord } from './access-log-record.ts';
import { StartTimeFormatter } from './access-log-time.ts';
import { formatResponseFlags } from './response-flags.ts';

/** Turns a record into one line, newline included. */
export interface AccessLogFormatter {
  format(r: AccessLogRecord): string;
}

// Header values reach the log verbatim; a control character (never valid in a parsed header,
// but the log must not trust that) is escaped so one request is always exactly one line.
const CONTROL = /[\x00-\x1f\x7f]/;
const CONTROL_ALL = /[\x00-\x1f\x7f]/g;

function escapeControl(c: string): string {
  return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
}

function text(v: string | null): string {
  return v === null || v === '' ? '-' : v;
}

function num(v: number | null): string {
  return v === null || !Number.isFinite(v) ? '-' : String(Math.trunc(v));
}

/**
 * Envoy's default format:
 * `[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE%
 * %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%
 * "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%"
 * "%UPSTREAM_HOST%"`, with '-' for every missing value.
 */
export class DefaultFormatter implements AccessLogFormatter {
  private readonly time = new StartTimeFormatter();

  format(r: AccessLogRecord): string {
    const line =
      `[${this.time.format(r.startTime)}] "${text(r.method)} ${text(r.path)} ${text(r.protocol)}" ` +
      `${num(r.status)} ${formatResponseFlags(r.flags)} ${num(r.bytesReceived)} ${num(r.bytesSent)} ` +
      `${num(r.durationMs)} ${num(r.upstreamServiceTimeMs)} "${text(r.xForwardedFor)}" ` +
      `"${text(r.userAgent)}" "${text(r.requestId)}" "${text(r.authority)}" "${text(r.upstreamHost)}"`;
    return `${CONTROL.test(line) ? line.replace(CONTROL_ALL, escapeControl) : line}\n`;
  }
}

function jstr(v: string | null): string {
  return v === null || v === '' ? 'null' : JSON.stringify(v);
}

function jnum(v: number | null): string {
  return v === null || !Number.isFinite(v) ? 'null' : String(Math.trunc(v));
}

/**
 * One JSON object per line with the default format's fields (snake_case keys after Envoy's
 * operators) plus `response_code_details`; null where the text line has '-'.
 */
export class JsonFormatter implements AccessLogFormatter {
  private readonly time = new StartTimeFormatter();

  format(r: AccessLogRecord): string {
    return (
      `{"start_time":"${this.time.format(r.startTime)}","method":${jstr(r.method)},"path":${jstr(r.path)},` +
      `"protocol":${jstr(r.protocol)},"response_code":${jnum(r.status)},` +
      `"response_flags":${r.flags === 0 ? 'null' : `"${formatResponseFlags(r.flags)}"`},` +
      `"bytes_received":${jnum(r.bytesReceived)},"bytes_sent":${jnum(r.bytesSent)},"duration":${jnum(r.durationMs)},` +
      `"upstream_service_time":${jnum(r.upstreamServiceTimeMs)},"x_forwarded_for":${jstr(r.xForwardedFor)},` +
      `"user_agent":${jstr(r.userAgent)},"request_id":${jstr(r.requestId)},"authority":${jstr(r.authority)},` +
      `"upstream_host":${jstr(r.upstreamHost)},"response_code_details":${jstr(r.responseCodeDetail)},` +
      `"worker":${jnum(r.worker)},"connection_id":${jnum(r.connectionId)}}\n`
    );
  }
}
