/** The request head a stream sends upstream: built once per request, serialized once per protocol. */
import type { RequestHead } from '../http1/head.ts';
import type { RouteEntry } from '../router/route-entry.ts';
import type { ClusterAction } from '../router/types.ts';
import type { UpstreamProtocol } from '../upstream/types.ts';
import { buildUpstreamHeaders, forwardedFields } from './forwarded-headers.ts';
import type { ListenerContext } from './listener-context.ts';
import { serializeRequestHead, serializeRequestHeadFrom } from './wire.ts';

/** Retries reuse the bytes; an HTTP/1.0 pool gets its own serialization (start line, Connection). */
export class UpstreamHead {
  readonly requestId: string;
  private readonly head: RequestHead;
  /** The whole field list, when the route edits headers (the string path). */
  private readonly headers: string[] | null = null;
  /** Otherwise the fields the proxy adds; the received ones are copied from the head's text. */
  private readonly added: string[] | null = null;
  private readonly host: string | null;
  private readonly path: string;
  private readonly upgrade: boolean;
  private http11: Uint8Array | null = null;
  private http10: Uint8Array | null = null;

  constructor(head: RequestHead, route: RouteEntry, action: ClusterAction, remoteAddress: string, ctx: ListenerContext, upgrade: boolean) {
    this.head = head;
    this.host = action.hostRewriteLiteral ?? head.host;
    if (route.requestHeaderMutations.length > 0) {
      const built = buildUpstreamHeaders(head, route, action, remoteAddress, ctx);
      this.headers = built.headers;
      this.requestId = built.requestId;
    } else {
      this.added = [];
      this.requestId = forwardedFields(head, this.host, remoteAddress, ctx, this.added);
    }
    this.path = head.targetForm === 'asterisk' ? '*' : route.upstreamPath(head.path);
    this.upgrade = upgrade;
  }

  /**
   * `bufferedLength`: for an HTTP/1.0 upstream, which cannot take a chunked body, the length of
   * the client's chunked body, buffered whole before the head is sent (R20).
   */
  bytes(protocol: UpstreamProtocol, bufferedLength = -1): Uint8Array {
    const minor = protocol === 'http/1.0' ? 0 : 1;
    const cached = minor === 1 ? this.http11 : this.http10;
    if (cached) return cached;
    const head = this.head;
    let framing: 'chunked' | 'content-length' | 'none' = head.framing === 'chunked' ? 'chunked' : head.framing === 'content-length' ? 'content-length' : 'none';
    let length = head.contentLength;
    if (minor === 0 && framing === 'chunked') {
      framing = 'content-length';
      length = bufferedLength;
    }
    const bytes = this.headers !== null
      ? serializeRequestHead(head.method, this.path, minor, this.headers, framing, length, this.upgrade)
      : serializeRequestHeadFrom(head, this.path, minor, this.host, this.added!, framing, this.upgrade, length);
    if (minor === 1) this.http11 = bytes;
    else this.http10 = bytes;
    return bytes;
  }
}
