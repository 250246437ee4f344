/** The request head a stream sends upstream: built once per request, serialized once per protocol. */
import type { RequestHead } from '../http1/head.ts';
import type { RouteEntry } from '../router/route-entry.ts';
import type { ClusterAction } from '../router/types.ts';
import type { UpstreamProtocol } from '../upstream/types.ts';
import { buildUpstreamHeaders } from './forwarded-headers.ts';
import type { ListenerContext } from './listener-context.ts';
import { serializeRequestHead } from './wire.ts';

/** Retries reuse the bytes; an HTTP/1.0 pool gets its own serialization (start line, Connection). */
export class UpstreamHead {
  readonly requestId: string;
  private readonly head: RequestHead;
  private readonly headers: string[];
  private readonly path: string;
  private readonly upgrade: boolean;
  private http11: Uint8Array | null = null;
  private http10: Uint8Array | null = null;

  constructor(head: RequestHead, route: RouteEntry, action: ClusterAction, remoteAddress: string, ctx: ListenerContext, upgrade: boolean) {
    const built = buildUpstreamHeaders(head, route, action, remoteAddress, ctx);
    this.head = head;
    this.headers = built.headers;
    this.requestId = built.requestId;
    this.path = route.upstreamPath(head.path);
    this.upgrade = upgrade;
  }

  bytes(protocol: UpstreamProtocol): Uint8Array {
    const minor = protocol === 'http/1.0' ? 0 : 1;
    const cached = minor === 1 ? this.http11 : this.http10;
    if (cached) return cached;
    const head = this.head;
    const framing = head.framing === 'chunked' ? 'chunked' : head.framing === 'content-length' ? 'content-length' : 'none';
    const bytes = serializeRequestHead(head.method, this.path, minor, this.headers, framing, head.contentLength, this.upgrade);
    if (minor === 1) this.http11 = bytes;
    else this.http10 = bytes;
    return bytes;
  }
}
