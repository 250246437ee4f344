/** What the connection manager records about one request for the access log. */

/**
 * One finished request. Fill every field (null where unknown) so all records share one shape.
 * `path` is the path as the client sent it, before any prefix rewrite (Envoy's
 * `X-ENVOY-ORIGINAL-PATH?:PATH`).
 */
export interface AccessLogRecord {
  /** Wall-clock epoch milliseconds when the request's first byte arrived. */
  startTime: number;
  method: string | null;
  path: string | null;
  /** `HTTP/1.1`, `HTTP/1.0`. */
  protocol: string | null;
  /** 0 when no response was sent. */
  status: number;
  /** `ResponseFlags` bits. */
  flags: number;
  /** Request body bytes received. */
  bytesReceived: number;
  /** Response body bytes sent. */
  bytesSent: number;
  /** From the first request byte to the last response byte. */
  durationMs: number;
  /** From sending the request upstream to the first response byte; null without upstream. */
  upstreamServiceTimeMs: number | null;
  xForwardedFor: string | null;
  userAgent: string | null;
  requestId: string | null;
  authority: string | null;
  /** `address:port` of the upstream host that served the request. */
  upstreamHost: string | null;
  /** Envoy-style `%RESPONSE_CODE_DETAILS%` (`via_upstream`, `route_not_found`, …). */
  responseCodeDetail: string | null;
  /** The worker thread that served the connection (JSON format only). */
  worker: number | null;
  /** Per-worker connection number (Envoy's `%CONNECTION_ID%`; JSON format only). */
  connectionId: number | null;
}
