/** One downstream request from head to last response byte (Envoy's active stream): route, local reply or router filter, response. */
import type { RequestHead, ResponseHead } from '../http1/head.ts';
import type { HttpCodecError } from '../http1/errors.ts';
import type { UpstreamConnection } from '../upstream/pool-types.ts';
import type { RouteEntry } from '../router/route-entry.ts';
import type { HeadBuffer } from '../http1/head-buffer.ts';
import { applyHeaderMutations } from '../router/header-mutation.ts';
import { CONTINUE_100 } from './wire.ts';
import { ResponseWriter } from './response-writer.ts';
import { localReply, downstreamProtocolError, type LocalReply } from './local-reply.ts';
import { ResponseFlag } from './response-flags.ts';
import type { ListenerContext } from './listener-context.ts';
import { RouterFilter, type RouterFilterCallbacks } from './router-filter.ts';
import { streamRecord } from './stream-record.ts';

/** What a stream needs from its downstream connection. */
export interface StreamConnection {
  readonly id: number;
  readonly remoteAddress: string;
  readonly draining: boolean;
  /** Inside the parse of a client read (see `flushUpstream`). */
  readonly reading: boolean;
  write(bytes: Uint8Array): boolean;
  /** Write chunk[start, end) (copied into the batch while corked, so no view is made). */
  writeRange(chunk: Uint8Array, start: number, end: number): boolean;
  /** While corked: the buffer the batch is gathered in, to write a head straight into; else null. */
  batch(): HeadBuffer | null;
  /** Stop / restart reading the client (request-body backpressure). */
  pauseReading(): void;
  resumeReading(): void;
  /** The stream is finished; `reusable`: the connection may parse another request. */
  streamDone(reusable: boolean): void;
  /** Abort the downstream connection (the response can't be completed). */
  reset(): void;
  /**
   * Drop the current response if none of it reached the socket yet (it is all still gathered):
   * true when dropped, so a local reply can take its place.
   */
  retractResponse(): boolean;
  /** Hold writes until `uncork` and send them as one (nested calls count). */
  cork(): void;
  uncork(): void;
  /** Switch to a byte tunnel with the upstream connection after a 101. */
  startTunnel(upstream: UpstreamConnection, upstreamRemainder: Uint8Array): void;
}

type StreamState = 'routing' | 'local' | 'upstream' | 'responding' | 'tunnel' | 'done';

const SERVICE_TIME_HEADER = 'x-proxy-upstream-service-time';
const encoder = new TextEncoder();
/** The fields added to a proxied response head, refilled per head (written before the next one). */
const RESPONSE_ADDED: string[] = [SERVICE_TIME_HEADER, ''];

/**
 * The client side of one request: it routes, answers locally or hands the request to a
 * RouterFilter, writes the response and ends with the access log. Every byte to the client
 * goes through here; the filter decides what the upstream side does.
 */
export class ActiveStream implements RouterFilterCallbacks {
  private readonly conn: StreamConnection;
  private readonly ctx: ListenerContext;
  readonly head: RequestHead;
  private state: StreamState = 'routing';
  private readonly startWall: number;
  private readonly startMono: number;

  private route: RouteEntry | null = null;
  private router: RouterFilter | null = null;

  requestComplete = false;
  private bodyBytes = 0;

  responseStarted = false;
  private status = 0;
  private flags = 0;
  private details: string | null = null;
  private out: ResponseWriter;
  private closeAfter = false;
  /** Monotonic ms of the last request or response byte (the stream idle timeout's reference). */
  idleSince: number;
  /** A 100 Continue is owed once the read that carried the head is parsed (R15). */
  private continuePending = false;

  constructor(conn: StreamConnection, ctx: ListenerContext, head: RequestHead) {
    this.conn = conn;
    this.ctx = ctx;
    this.head = head;
    // Wall time is read only for the access log (the monotonic clock is cached per event, this is not).
    this.startWall = ctx.accessLog ? ctx.wallNow() : 0;
    this.startMono = ctx.clock.now();
    this.idleSince = this.startMono;
    this.out = new ResponseWriter(conn, head.method, head.versionMinor);
  }

  // ------------------------------------------------------------------ start

  start(): void {
    const ctx = this.ctx;
    ctx.stats.rqTotal.inc();
    ctx.stats.rqActive.inc();
    const head = this.head;
    if (head.method === 'CONNECT') {
      // R16: no route tunnels CONNECT, so it is refused before routing (its authority-form target is no path).
      // Closed after: a client that meant to tunnel would send its tunnel bytes next.
      this.details = 'connect_not_supported';
      this.closeAfter = true;
      return this.sendSimple(405, EMPTY, null, null);
    }
    // `OPTIONS *` (R11) is routed as the server root and forwarded as `OPTIONS *`.
    const matchPath = head.targetForm === 'asterisk' ? '/' : head.path;
    const route = ctx.router.route(head.method, head.host, matchPath, ctx.router.needsHeaders ? head.headers : NO_FIELDS);
    if (route === null) {
      ctx.stats.rqNoRoute.inc();
      return this.sendLocal(localReply('no_route'));
    }
    this.route = route;
    const action = route.action;
    if (action.kind === 'direct_response') {
      ctx.stats.rqDirectResponse.inc();
      this.details = 'direct_response';
      return this.sendSimple(action.status, action.body, action.contentType, null);
    }
    if (action.kind === 'redirect') {
      ctx.stats.rqRedirect.inc();
      this.details = 'direct_response';
      const location = route.redirectLocation('http', head.host ?? '', head.path) ?? '/';
      return this.sendSimple(action.responseCode, EMPTY, null, location);
    }
    const cluster = ctx.clusters.get(action.cluster);
    if (!cluster) {
      this.flags |= ResponseFlag.NC;
      this.details = 'cluster_not_found';
      return this.sendSimple(503, CLUSTER_NOT_FOUND, 'text/plain', null);
    }
    const router = new RouterFilter(this, ctx, head, route, action, cluster, this.conn.remoteAddress);
    this.router = router;
    this.state = 'upstream';
    if (head.expectContinue && head.framing !== 'none') {
      // R15: we answer the expectation ourselves (the upstream never sees Expect), but only if
      // no body byte came with the head: the connection calls flushContinue after the read.
      this.continuePending = true;
    }
    if (head.framing === 'none') this.requestComplete = true;
    router.start();
  }

  // ------------------------------------------------------------------ request body (from the connection)

  /** The read that carried the head is parsed: send the owed 100 unless body or a reply came first. */
  flushContinue(): void {
    if (!this.continuePending) return;
    this.continuePending = false;
    if (this.state === 'upstream' && !this.responseStarted) this.conn.write(CONTINUE_100);
  }

  /**
   * The client read is parsed: the upstream writes it caused (head, body pieces, chunk framing)
   * go out as one write instead of one each.
   */
  flushUpstream(): void {
    this.router?.flushUpstream();
  }

  onRequestBody(chunk: Uint8Array): void {
    this.idleSince = this.ctx.clock.now();
    this.continuePending = false;
    this.bodyBytes += chunk.length;
    if (this.state === 'local' || this.state === 'done' || this.state === 'routing') return;
    this.router?.onRequestBody(chunk);
  }

  onRequestComplete(): void {
    this.requestComplete = true;
    if (this.state === 'upstream' || this.state === 'responding') {
      this.router?.onRequestComplete();
    } else if (this.state === 'done') {
      this.conn.streamDone(this.reusable());
    }
  }

  /** The request could not be parsed further (bad chunk, too large): R18. */
  onRequestError(err: HttpCodecError): void {
    if (this.state === 'done' || this.state === 'tunnel') return;
    this.closeAfter = true;
    this.router?.abort();
    if (this.responseStarted) {
      this.flags |= ResponseFlag.DPE;
      this.finish();
      this.conn.reset();
      return;
    }
    this.details = err.detail;
    this.sendLocal(downstreamProtocolError(err.status));
  }

  /**
   * Nothing moved for the listener's stream_idle_timeout (the connection's timer found it): the
   * upstream try is reset; the client gets 408 while it still owed the request, 504 before the
   * response started, else a reset (Envoy's `SI`).
   */
  onIdleTimeout(): void {
    if (this.state === 'done' || this.state === 'tunnel') return;
    this.closeAfter = true;
    this.router?.abort();
    if (this.responseStarted) {
      this.flags |= ResponseFlag.SI;
      this.details = 'stream_idle_timeout';
      this.finish();
      this.conn.reset();
      return;
    }
    this.sendLocal(localReply(this.requestComplete ? 'stream_idle_timeout_response' : 'stream_idle_timeout_request'));
  }

  /** The client went away. */
  onDownstreamReset(): void {
    if (this.state === 'done') return;
    this.flags |= ResponseFlag.DC;
    if (!this.details) this.details = 'downstream_remote_disconnect';
    this.router?.abort();
    this.finish();
  }

  /** A corked batch did not fit in the socket: the filter stops reading the upstream until the client drains. */
  onDownstreamBlocked(): void {
    this.router?.onDownstreamBlocked();
  }

  onDownstreamDrain(): void {
    this.router?.onDownstreamDrain();
  }

  // ------------------------------------------------------------------ RouterFilterCallbacks

  onResponseHead(head: ResponseHead, serviceTimeMs: number): void {
    this.idleSince = this.ctx.clock.now();
    this.state = 'responding';
    this.responseStarted = true;
    this.status = head.status;
    this.details = 'via_upstream';
    const added = RESPONSE_ADDED;
    // Header edits need the string list; otherwise the received fields are copied as they are.
    let headers: string[] | null = null;
    if (this.route && this.route.responseHeaderMutations.length > 0) {
      headers = head.headers.slice();
      // Before the edits, as Envoy sets its service time before the route's: a route may remove it.
      headers.push(SERVICE_TIME_HEADER, String(serviceTimeMs));
      applyHeaderMutations(headers, this.route.responseHeaderMutations);
      added.length = 0;
    } else {
      added.length = 2;
      added[0] = SERVICE_TIME_HEADER;
      added[1] = String(serviceTimeMs);
    }
    if (this.ctx.via) added.push('via', `1.${head.versionMinor} ${this.ctx.via}`); // R20 / RFC 9110 §7.6.3: the version received
    const close = this.mustClose();
    // An HTTP/1.0 client learns the end of a length-less body from the close.
    const closeDelimited = this.out.proxiedHead(head, headers, added, close);
    if (close || closeDelimited) this.closeAfter = true;
  }

  onInformational(head: ResponseHead): void {
    // S6: 100 was answered by us (R15); 102/103 go to HTTP/1.1 clients only.
    if (head.status === 100 || this.head.versionMinor === 0 || this.responseStarted) return;
    this.out.informational(head);
  }

  onResponseBody(chunk: Uint8Array, start: number, end: number): boolean {
    this.idleSince = this.ctx.clock.now();
    return this.out.body(chunk, start, end);
  }

  onResponseComplete(): void {
    this.out.end();
    this.finish();
    this.conn.streamDone(this.reusable());
  }

  onTunnel(head: ResponseHead, taken: { conn: UpstreamConnection; remainder: Uint8Array } | null): void {
    this.state = 'tunnel';
    this.responseStarted = true;
    this.status = 101;
    this.details = 'via_upstream';
    this.ctx.stats.upgradesTotal.inc();
    this.out.switching(head);
    this.finish();
    if (!taken) {
      this.conn.reset();
      return;
    }
    this.conn.startTunnel(taken.conn, taken.remainder);
  }

  /** A failure before any response byte went downstream gets its local reply; after, a reset. */
  onFailure(reply: LocalReply): void {
    if (this.responseStarted) {
      this.flags |= reply.flags;
      this.closeAfter = true;
      this.finish();
      this.conn.reset();
      return;
    }
    this.sendLocal(reply);
  }

  onResetAfterResponse(flags: number, details: string): void {
    // A malformed response whose head went no further than the write batch (a bad chunk in the
    // read that carried the head) gets a 502 instead of a reset: nothing reached the client.
    if ((flags & ResponseFlag.UPE) !== 0 && this.state === 'responding' && this.conn.retractResponse()) {
      this.responseStarted = false;
      this.out = new ResponseWriter(this.conn, this.head.method, this.head.versionMinor);
      this.details = details;
      this.sendLocal(localReply('upstream_protocol_error'));
      return;
    }
    this.flags |= flags;
    this.details = details;
    this.closeAfter = true;
    this.finish();
    this.conn.reset();
  }

  addFlags(flags: number): void {
    this.flags |= flags;
  }

  setDetails(details: string): void {
    this.details = details;
  }

  pauseReading(): void {
    this.conn.pauseReading();
  }

  insideDownstreamRead(): boolean {
    return this.conn.reading;
  }

  resumeReading(): void {
    this.conn.resumeReading();
  }

  cork(): void {
    this.conn.cork();
  }

  uncork(): void {
    this.conn.uncork();
  }

  // ------------------------------------------------------------------ local replies

  private sendLocal(reply: LocalReply): void {
    this.flags |= reply.flags;
    if (!this.details) this.details = reply.details;
    this.sendSimple(reply.status, reply.body, reply.contentType, null);
  }

  private sendSimple(status: number, body: Uint8Array, contentType: string | null, location: string | null): void {
    this.router?.abort();
    this.state = 'local';
    this.responseStarted = true;
    this.status = status;
    const headers: string[] = [];
    if (contentType) headers.push('content-type', contentType);
    if (location) headers.push('location', location);
    if (this.route && this.route.responseHeaderMutations.length > 0) applyHeaderMutations(headers, this.route.responseHeaderMutations);
    if (this.router) headers.push('x-request-id', this.router.requestId);
    if (status >= 400 && status !== 404 && this.bodyPending()) this.closeAfter = true;
    const close = this.mustClose();
    if (close) this.closeAfter = true;
    this.out.local(status, headers, body, close);
    this.finish();
    if (this.requestComplete || this.closeAfter) this.conn.streamDone(this.reusable());
    // else: the rest of the request body is read and dropped; onRequestComplete ends the stream.
  }

  private mustClose(): boolean {
    return this.closeAfter || !this.head.keepAlive || this.conn.draining || this.bodyPending();
  }

  private reusable(): boolean {
    return !this.closeAfter && this.head.keepAlive && !this.bodyPending() && !this.conn.draining;
  }

  /**
   * Request body bytes may still arrive. A bodiless request is complete even while its onHead
   * runs (the parser's onComplete follows it), so a local reply to it keeps the connection.
   */
  private bodyPending(): boolean {
    return !this.requestComplete && this.head.framing !== 'none';
  }

  // ------------------------------------------------------------------ end

  private finish(): void {
    if (this.state === 'done') return;
    if (this.state !== 'tunnel') this.state = 'done';
    const router = this.router;
    if (router) router.end();
    const ctx = this.ctx;
    ctx.stats.rqActive.dec();
    if (this.status > 0) ctx.stats.response(this.status);
    const log = ctx.accessLog;
    if (log) {
      log.log(
        streamRecord(this.head, {
          startTime: this.startWall,
          status: this.status,
          flags: this.flags,
          bytesReceived: this.bodyBytes,
          bytesSent: this.out.bytesSent,
          durationMs: Math.round(ctx.clock.now() - this.startMono),
          upstreamServiceTimeMs: router ? router.serviceTimeMs : null,
          // As Envoy, which sets x-request-id before routing: a local reply's line has one too.
          requestId: router ? router.requestId : (this.head.get('x-request-id') ?? ctx.newRequestId()),
          remoteAddress: this.conn.remoteAddress,
          upstreamHost: router ? router.upstreamHostKey : null,
          responseCodeDetail: this.details,
          worker: ctx.workerId,
          connectionId: this.conn.id,
        }),
      );
    }
  }
}

const EMPTY = new Uint8Array(0);
const NO_FIELDS: readonly string[] = [];
const CLUSTER_NOT_FOUND = encoder.encode('cluster not found');
