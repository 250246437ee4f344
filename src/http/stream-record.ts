/** Builds a request's access-log record: from its head and what the stream measured, or for a request refused before its head was complete. */
import type { RequestHead } from '../http1/head.ts';
import type { AccessLogRecord } from './access-log-record.ts';

/** The fields only the stream knows; the rest comes from the request head. */
export type StreamMeasures = Omit<
  AccessLogRecord,
  'method' | 'path' | 'protocol' | 'xForwardedFor' | 'userAgent' | 'authority' | 'requestId'
> & { requestId: string | null; remoteAddress: string };

export function streamRecord(head: RequestHead, m: StreamMeasures): AccessLogRecord {
  return {
    startTime: m.startTime,
    method: head.method,
    path: head.path,
    protocol: head.versionMinor === 0 ? 'HTTP/1.0' : 'HTTP/1.1',
    status: m.status,
    flags: m.flags,
    bytesReceived: m.bytesReceived,
    bytesSent: m.bytesSent,
    durationMs: m.durationMs,
    upstreamServiceTimeMs: m.upstreamServiceTimeMs,
    xForwardedFor: forwardedFor(head.get('x-forwarded-for') ?? null, m.remoteAddress),
    userAgent: head.get('user-agent') ?? null,
    requestId: m.requestId,
    authority: head.host,
    upstreamHost: m.upstreamHost,
    responseCodeDetail: m.responseCodeDetail,
    worker: m.worker,
    connectionId: m.connectionId,
  };
}

/** As sent upstream (and as Envoy's %REQ(X-FORWARDED-FOR)% reads it): the client's address appended. */
function forwardedFor(received: string | null, remoteAddress: string): string {
  return received === null ? remoteAddress : `${received}, ${remoteAddress}`;
}

/** What the connection knows of a request it refused before the head was complete (408, 400, 431…). */
export interface HeadlessMeasures {
  startTime: number;
  durationMs: number;
  status: number;
  flags: number;
  bytesSent: number;
  responseCodeDetail: string;
  worker: number;
  connectionId: number;
}

export function headlessRecord(m: HeadlessMeasures): AccessLogRecord {
  return {
    startTime: m.startTime,
    method: null,
    path: null,
    protocol: null,
    status: m.status,
    flags: m.flags,
    bytesReceived: 0,
    bytesSent: m.bytesSent,
    durationMs: m.durationMs,
    upstreamServiceTimeMs: null,
    xForwardedFor: null,
    userAgent: null,
    requestId: null,
    authority: null,
    upstreamHost: null,
    responseCodeDetail: m.responseCodeDetail,
    worker: m.worker,
    connectionId: m.connectionId,
  };
}
