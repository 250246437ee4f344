/** The HTTP/1 codec's public surface: parsers, heads, errors and writers. */
export { RequestParser } from './request-parser.ts';
export { ResponseParser } from './response-parser.ts';
export { RequestHead, ResponseHead } from './head.ts';
export { FieldTable } from './field-table.ts';
export { HttpCodecError, DETAILS } from './errors.ts';
export type { CodecDetail, CodecSide } from './errors.ts';
export type {
  BodyFraming,
  MessageHandler,
  ParserState,
  RequestHandler,
  RequestParserOptions,
  ResponseHandler,
  ResponseParserOptions,
} from './types.ts';
export {
  encodeRequestHead,
  encodeResponseHead,
  encodeChunkHeader,
  encodeChunk,
  encodeLastChunk,
  CRLF,
  LAST_CHUNK,
} from './serialize.ts';
export type { HeadWriteOptions, OutgoingFraming, OutgoingRequest, OutgoingResponse } from './serialize.ts';
export { isValidFieldName, isValidFieldValue, nominatedFields, PROTECTED_FROM_NOMINATION } from './hop-by-hop.ts';
export { isValidHost } from './target.ts';
