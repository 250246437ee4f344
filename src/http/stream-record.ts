/** Builds a request's access-log record from its head and what the stream measured. */
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
