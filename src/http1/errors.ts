/** The codec's typed error: stable code, Envoy-style response-code detail, and the status to answer with. */
import { ProxyError } from '../common/errors.ts';

/**
 * Every detail the codec can report, with the status a request-side error is answered with.
 * Response-side errors are always 502 (S-rules). Envoy's own detail names are used where one
 * exists; the others follow the same `http1.` convention (HTTP1-RULES.md "our name").
 */
export const DETAILS = {
  'http1.codec_error': 400,
  'http1.bare_lf': 400,
  'http1.bare_cr': 400,
  'http1.obs_fold_rejected': 400,
  'http1.whitespace_before_first_field': 400,
  'http1.whitespace_before_colon': 400,
  'http1.invalid_header_name': 400,
  'http1.missing_colon': 400,
  'http1.invalid_characters': 400,
  'http1.invalid_method': 400,
  'http1.invalid_url': 400,
  'http1.fragment_in_target': 400,
  'http1.invalid_version': 400,
  'http1.http09_rejected': 400,
  'http1.unsupported_version': 505,
  'http1.target_form_mismatch': 400,
  'http1.h2_preface_rejected': 400,
  'http1.missing_host_header': 400,
  'http1.multiple_host_headers': 400,
  'http1.invalid_host': 400,
  'http1.invalid_content_length': 400,
  'http1.multiple_content_length': 400,
  'http1.content_length_and_chunked_not_allowed': 400,
  'http1.invalid_transfer_encoding': 400,
  'http1.unsupported_transfer_encoding': 501,
  'http1.connection_header_rejected': 400,
  'http1.body_disallowed': 400,
  'http1.upgrade_with_body': 400,
  'http1.expectation_failed': 417,
  'http1.too_many_empty_lines': 400,
  'http1.request_line_too_long': 414,
  'http1.headers_too_large': 431,
  'http1.too_many_headers': 431,
  'http1.body_too_large': 413,
  'http1.invalid_chunk_size': 400,
  'http1.chunk_size_too_large': 400,
  'http1.invalid_chunk_extension': 400,
  'http1.invalid_chunk_terminator': 400,
  'http1.data_after_close': 400,
  'http1.premature_eof': 400,
  // response-only
  'http1.invalid_status_line': 502,
  'http1.invalid_status': 502,
  'http1.unexpected_101': 502,
  'http1.too_many_1xx': 502,
  'http1.data_after_response': 502,
  'http1.unsolicited_response': 502,
} as const;

/** One of the codec's response-code details (`http1.*`). */
export type CodecDetail = keyof typeof DETAILS;

/** Which parser raised the error: request errors answer 4xx/5xx to the client, response errors 502. */
export type CodecSide = 'request' | 'response';

/** A protocol error found by the HTTP/1 codec. Always fatal for the connection (R18). */
export class HttpCodecError extends ProxyError {
  /** Envoy-style response code detail, e.g. `http1.invalid_transfer_encoding`. */
  readonly detail: CodecDetail;
  /** HTTP status the proxy answers with (400/413/414/417/431/501/505 for requests, 502 for responses). */
  readonly status: number;
  readonly side: CodecSide;

  constructor(detail: CodecDetail, side: CodecSide, message?: string) {
    super(codeOf(detail), message ?? `${side} ${detail}`);
    this.name = 'HttpCodecError';
    this.detail = detail;
    this.side = side;
    this.status = side === 'request' ? DETAILS[detail] : 502;
  }
}

/** `http1.invalid_chunk_size` → `HTTP1_INVALID_CHUNK_SIZE`: a stable code derived from the detail. */
function codeOf(detail: CodecDetail): string {
  return 'HTTP1_' + detail.slice(6).toUpperCase();
}
