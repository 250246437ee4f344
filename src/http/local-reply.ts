/** The replies the proxy makes itself (DESIGN §7): status, text/plain body bytes, flag, details. */
import { ResponseFlag, type ResponseFlags } from './response-flags.ts';

/** One local reply, built once at startup and shared by every request that needs it. */
export interface LocalReply {
  /** 0 when nothing is sent (the client went away); the access log then shows 0, as Envoy. */
  readonly status: number;
  /** Empty for replies without a body. Shared: never modify. */
  readonly body: Uint8Array;
  /** `text/plain` when there is a body, else null. */
  readonly contentType: string | null;
  readonly flags: ResponseFlags;
  /** Envoy-style `%RESPONSE_CODE_DETAILS%` for the access log. */
  readonly details: string;
}

/** The situations the proxy answers itself. */
export type LocalReplyKind =
  | 'no_route'
  | 'no_healthy_upstream'
  | 'upstream_overflow'
  | 'connect_failure'
  | 'connection_termination'
  | 'upstream_timeout'
  | 'upstream_protocol_error'
  | 'bad_request'
  | 'payload_too_large'
  | 'uri_too_long'
  | 'expectation_failed'
  | 'headers_too_large'
  | 'not_implemented'
  | 'version_not_supported'
  | 'request_timeout'
  | 'request_payload_too_large'
  | 'stream_idle_timeout_request'
  | 'stream_idle_timeout_response'
  | 'downstream_disconnect';

const encoder = new TextEncoder();
const RESET_BEFORE_HEADERS = 'upstream connect error or disconnect/reset before headers. reset reason: ';

function reply(status: number, text: string, flags: ResponseFlags, details: string): LocalReply {
  const body = encoder.encode(text);
  return Object.freeze({ status, body, contentType: body.length > 0 ? 'text/plain' : null, flags, details });
}

const { NR, UH, UO, UF, UC, UT, UPE, DPE, DC, SI } = ResponseFlag;
const CODEC = 'http1.codec_error';

const TABLE: Readonly<Record<LocalReplyKind, LocalReply>> = {
  no_route: reply(404, '', NR, 'route_not_found'),
  no_healthy_upstream: reply(503, 'no healthy upstream', UH, 'no_healthy_upstream'),
  upstream_overflow: reply(503, 'upstream overflow', UO, 'upstream_reset_before_response_started{overflow}'),
  connect_failure: reply(503, `${RESET_BEFORE_HEADERS}connection failure`, UF, 'upstream_reset_before_response_started{connection_failure}'),
  connection_termination: reply(503, `${RESET_BEFORE_HEADERS}connection termination`, UC, 'upstream_reset_before_response_started{connection_termination}'),
  upstream_timeout: reply(504, 'upstream request timeout', UT, 'upstream_response_timeout'),
  upstream_protocol_error: reply(502, 'upstream protocol error', UPE, 'upstream_reset_before_response_started{protocol_error}'),
  bad_request: reply(400, '', DPE, CODEC),
  payload_too_large: reply(413, '', DPE, CODEC),
  uri_too_long: reply(414, '', DPE, CODEC),
  expectation_failed: reply(417, '', DPE, CODEC),
  headers_too_large: reply(431, '', DPE, CODEC),
  not_implemented: reply(501, '', DPE, CODEC),
  version_not_supported: reply(505, '', DPE, CODEC),
  request_timeout: reply(408, '', 0, 'request_header_timeout'),
  // A body the proxy must hold whole (an HTTP/1.0 upstream) longer than the route allows.
  request_payload_too_large: reply(413, 'Payload Too Large', 0, 'request_payload_too_large'),
  // Nothing moved on the stream for stream_idle_timeout: 408 while the client still owed the request, else 504 (Envoy).
  stream_idle_timeout_request: reply(408, 'stream timeout', SI, 'stream_idle_timeout'),
  stream_idle_timeout_response: reply(504, 'stream timeout', SI, 'stream_idle_timeout'),
  downstream_disconnect: reply(0, '', DC, 'downstream_remote_disconnect'),
};

const BY_CODEC_STATUS = new Map<number, LocalReply>([
  [400, TABLE.bad_request],
  [413, TABLE.payload_too_large],
  [414, TABLE.uri_too_long],
  [417, TABLE.expectation_failed],
  [431, TABLE.headers_too_large],
  [501, TABLE.not_implemented],
  [505, TABLE.version_not_supported],
]);

/** The reply for `kind`. */
export function localReply(kind: LocalReplyKind): LocalReply {
  return TABLE[kind];
}

/**
 * The reply for a request the codec rejected with `status` (its error says which); any status
 * outside 400/413/414/417/431/501/505 answers 400. The codec's own detail code belongs in the
 * access log instead of the generic `details`.
 */
export function downstreamProtocolError(status: number): LocalReply {
  return BY_CODEC_STATUS.get(status) ?? TABLE.bad_request;
}
