/** One downstream request from head to last response byte: route, local reply or upstream tries, response. */
import type { RequestHead, ResponseHead } from '../http1/head.ts';
import type { HttpCodecError } from '../http1/errors.ts';
import type { UpstreamProtocol } from '../upstream/types.ts';
import type { UpstreamConnection } from '../upstream/pool-types.ts';
import type { RouteEntry } from '../router/route-entry.ts';
import type { ClusterAction } from '../router/types.ts';
import type { Timer } from '../common/clock.ts';
import type { HeadBuffer } from '../http1/head-buffer.ts';
import type { TimeoutList, TimeoutNode } from '../common/timeout-list.ts';
import { applyHeaderMutations } from '../router/header-mutation.ts';
import { CONTINUE_100 } from './wire.ts';
import { ResponseWriter } from './response-writer.ts';
import { localReply, downstreamProtocolError, type LocalReply } from './local-reply.ts';
import { ResponseFlag } from './response-flags.ts';
import type { ListenerContext } from './listener-context.ts';
import type { RouteCluster, UpstreamHostRef } from './upstream-cluster.ts';
import { UpstreamRequest, type UpstreamFailure, type UpstreamRequestOwner } from './upstream-request.ts';
import { RetryState, type RetryOwner, type RetryTrigger } from './retry-state.ts';
import { RequestBodyBuffer } from './request-body-buffer.ts';
import { UpstreamHead } from './upstream-head.ts';
import { streamRecord } from './stream-record.ts';

/** What a stream needs from its downstream connection. */
export interface StreamConnection {
  readonly id: number;
  readonly remoteAddress: string;
  readonly draining: boolean;
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
  /** Hold writes until `uncork` and send them as one (nested calls count). */
  cork(): void;
  uncork(): void;
  /** Switch to a byte tunnel with the upstream connection after a 101. */
  startTunnel(upstream: UpstreamConnection, upstreamRemainder: Uint8Array): void;
}

type StreamState = 'routing' | 'local' | 'upstream' | 'responding' | 'tunnel' | 'done';

const SERVICE_TIME_HEADER = 'x-proxy-upstream-service-time';
/** A request whose pool drains again and again (its cluster was removed) gives up with 503 UF. */
const MAX_DRAIN_REPICKS = 3;
const encoder = new TextEncoder();
/** The fields added to a proxied response head, refilled per head (written before the next one). */
const RESPONSE_ADDED: string[] = [SERVICE_TIME_HEADER, ''];

export class ActiveStream implements UpstreamRequestOwner, TimeoutNode, RetryOwner {
  private readonly conn: StreamConnection;
  private readonly ctx: ListenerContext;
  readonly head: RequestHead;
  private state: StreamState = 'routing';
  private readonly startWall: number;
  private readonly startMono: number;

  private route: RouteEntry | null = null;
  private action: ClusterAction | null = null;
  private cluster: RouteCluster | null = null;
  private wireHead: UpstreamHead | null = null;

  requestComplete = false;
  readonly chunkedBody: boolean;
  private bodyBytes = 0;
  /** Chunks received but not yet written to the current try, or kept for a retry. */
  private body = NO_BODY_BUFFER;

  private upstream: UpstreamRequest | null = null;
  /** Tries restarted because their host's pool drained while they waited (bounded: see MAX_DRAIN_REPICKS). */
  private drainRepicks = 0;
  private lastHost: UpstreamHostRef | null = null;
  private upstreamHostKey: string | null = null;
  private retry: RetryState | null = null;
  // The route timeout: this stream sits in the worker's TimeoutList for its duration.
  tlPrev: TimeoutNode | null = null;
  tlNext: TimeoutNode | null = null;
  tlList: TimeoutList | null = null;
  tlDeadline = 0;
  private tryTimer: Timer | null = null;

  private responseStarted = false;
  private status = 0;
  private flags = 0;
  private details: string | null = null;
  private readonly out: ResponseWriter;
  private closeAfter = false;
  private serviceTimeMs: number | null = null;
  private downstreamBlocked = false;
  /** A 100 Continue is owed once the read that carried the head is parsed (R15). */
  private continuePending = false;

  constructor(conn: StreamConnection, ctx: ListenerContext, head: RequestHead) {
    this.conn = conn;
    this.ctx = ctx;
    this.head = head;
    // Wall time is read only for the access log (the monotonic clock is cached per event, this is not).
    this.startWall = ctx.accessLog ? ctx.wallNow() : 0;
    this.startMono = ctx.clock.now();
    this.chunkedBody = head.framing === 'chunked';
    this.out = new ResponseWriter(conn, head.method, head.versionMinor);
  }

  // ------------------------------------------------------------------ start

  start(): void {
    const ctx = this.ctx;
    ctx.stats.rqTotal.inc();
    ctx.stats.rqActive.inc();
    const head = this.head;
    const route = ctx.router.route(head.method, head.host, head.path, ctx.router.needsHeaders ? head.headers : NO_FIELDS);
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
    if (head.method === 'CONNECT') {
      this.details = 'connect_not_supported';
      return this.sendSimple(405, EMPTY, null, null);
    }
    const cluster = ctx.clusters.get(action.cluster);
    if (!cluster) {
      this.flags |= ResponseFlag.NC;
      this.details = 'cluster_not_found';
      return this.sendSimple(503, CLUSTER_NOT_FOUND, 'text/plain', null);
    }
    this.action = action;
    this.cluster = cluster;
    const upgrade = head.upgrade && action.websocket === true;
    this.wireHead = new UpstreamHead(head, route, action, this.conn.remoteAddress, ctx, upgrade);
    const limit = action.perRequestBufferLimitBytes ?? DEFAULT_RETRY_BUFFER_LIMIT;
    if (action.retryPolicy && action.retryPolicy.numRetries > 0) {
      this.retry = new RetryState(action.retryPolicy, ctx.random);
    }
    if (head.framing !== 'none') {
      const retain = this.retry !== null && (head.framing !== 'content-length' || head.contentLength <= limit);
      this.body = new RequestBodyBuffer(retain, limit);
    }
    this.state = 'upstream';
    if (head.expectContinue && head.framing !== 'none') {
      // R15: we answer the expectation ourselves (the upstream never sees Expect), but only if
      // no body byte came with the head: the connection calls flushContinue after the read.
      this.continuePending = true;
    }
    if (head.framing === 'none') this.requestComplete = true;
    if (action.timeoutMs > 0 && this.requestComplete) this.armRouteTimer();
    this.startTry();
  }

  // ------------------------------------------------------------------ request body (from the connection)

  /** The read that carried the head is parsed: send the owed 100 unless body or a reply came first. */
  flushContinue(): void {
    if (!this.continuePending) return;
    this.continuePending = false;
    if (this.state === 'upstream' && !this.responseStarted) this.conn.write(CONTINUE_100);
  }

  onRequestBody(chunk: Uint8Array): void {
    this.continuePending = false;
    this.bodyBytes += chunk.length;
    if (this.state === 'local' || this.state === 'done' || this.state === 'routing') return;
    const up = this.upstream;
    const sent = up !== null && up.connected;
    const roomLeft = this.body.add(chunk, sent);
    if (sent ? !up.writeBody(chunk) : !roomLeft) this.conn.pauseReading();
  }

  onRequestComplete(): void {
    this.requestComplete = true;
    if (this.state === 'upstream' || this.state === 'responding') {
      this.upstream?.endBody();
      if (this.action && this.action.timeoutMs > 0 && !this.tlList) this.armRouteTimer();
    } else if (this.state === 'done') {
      this.conn.streamDone(this.reusable());
    }
  }

  /** The request could not be parsed further (bad chunk, too large): R18. */
  onRequestError(err: HttpCodecError): void {
    if (this.state === 'done' || this.state === 'tunnel') return;
    this.closeAfter = true;
    this.abortUpstream();
    if (this.responseStarted) {
      this.flags |= ResponseFlag.DPE;
      this.finish();
      this.conn.reset();
      return;
    }
    this.details = err.detail;
    this.sendLocal(downstreamProtocolError(err.status));
  }

  /** The client went away. */
  onDownstreamReset(): void {
    if (this.state === 'done') return;
    this.flags |= ResponseFlag.DC;
    if (!this.details) this.details = 'downstream_remote_disconnect';
    this.abortUpstream();
    this.finish();
  }

  corkDownstream(): void {
    this.conn.cork();
  }

  uncorkDownstream(): void {
    this.conn.uncork();
  }

  /** A corked batch did not fit in the socket: stop reading the upstream until the client drains. */
  onDownstreamBlocked(): void {
    if (!this.downstreamBlocked && this.upstream) {
      this.downstreamBlocked = true;
      this.upstream.pauseResponse();
    }
  }

  onDownstreamDrain(): void {
    if (this.downstreamBlocked) {
      this.downstreamBlocked = false;
      this.upstream?.resumeResponse();
    }
  }

  // ------------------------------------------------------------------ upstream tries

  private startTry(): void {
    const cluster = this.cluster!;
    const host = cluster.chooseHost(this.lastHost);
    if (host === null) {
      return this.failUpstream(localReply('no_healthy_upstream'));
    }
    this.lastHost = host;
    this.upstreamHostKey = host.key;
    const protocol: UpstreamProtocol = cluster.forceHttp10 || this.head.versionMinor === 0 ? 'http/1.0' : 'http/1.1';
    const req = new UpstreamRequest(this, host, protocol, this.head.method, this.head.upgrade && this.action!.websocket === true);
    this.upstream = req;
    const perTry = this.retry?.perTryTimeoutMs ?? 0;
    if (perTry > 0) this.armTryTimer(req, perTry);
    req.start(cluster.pool(host, protocol), this.ctx.clock.now());
  }

  upstreamHead(protocol: UpstreamProtocol): Uint8Array {
    return this.wireHead!.bytes(protocol);
  }

  bodySoFar(): readonly Uint8Array[] {
    return this.body.takeForTry();
  }

  onUpstreamConnected(req: UpstreamRequest): void {
    if (req !== this.upstream) return;
    if (!this.body.replayable) this.conn.resumeReading();
  }

  onUpstreamDrain(req: UpstreamRequest): void {
    if (req === this.upstream) this.conn.resumeReading();
  }

  onUpstreamFailure(req: UpstreamRequest, failure: UpstreamFailure, error: HttpCodecError | null): void {
    if (req !== this.upstream) return;
    this.clearTryTimer();
    const host = req.host;
    const cluster = this.cluster!;
    switch (failure) {
      case 'overflow':
        this.upstream = null;
        return this.failUpstream(localReply('upstream_overflow'));
      case 'pool_drained':
        // The host left the cluster before this request got a connection; nothing was sent, so
        // another host takes it (a reload must not fail accepted requests). Not the host's fault.
        this.upstream = null;
        if (this.drainRepicks++ < MAX_DRAIN_REPICKS) return this.startTry();
        return this.failUpstream(localReply('connect_failure'));
      case 'connect_failure':
        host.stats.recordError();
        host.reportLocalFailure();
        this.upstream = null;
        if (this.tryRetry('connect-failure', 0)) return;
        return this.failUpstream(localReply('connect_failure'));
      case 'connection_termination':
        host.stats.recordError();
        host.reportLocalFailure();
        cluster.stats.upstream_rq_rx_reset.inc();
        this.upstream = null;
        if (this.tryRetry('reset', 0)) return;
        return this.failUpstream(localReply('connection_termination'));
      case 'protocol_error':
        host.stats.recordError();
        host.reportLocalFailure();
        cluster.stats.upstream_cx_protocol_error?.inc();
        this.upstream = null;
        this.details = error?.detail ?? 'upstream_protocol_error';
        return this.failUpstream(localReply('upstream_protocol_error'));
      case 'per_try_timeout':
        this.upstream = null;
        if (this.tryRetry('timeout', 0)) return;
        return this.failUpstream(localReply('upstream_timeout'));
      case 'reset_after_headers':
        host.stats.recordError();
        cluster.stats.upstream_rq_rx_reset.inc();
        if (error) cluster.stats.upstream_cx_protocol_error?.inc();
        this.upstream = null;
        this.flags |= error ? ResponseFlag.UPE : ResponseFlag.UR;
        this.details = error ? error.detail : 'upstream_reset_after_response_started';
        this.closeAfter = true;
        this.finish();
        this.conn.reset();
        return;
    }
  }

  onUpstreamInformational(_req: UpstreamRequest, head: ResponseHead): void {
    // S6: 100 was answered by us (R15); 102/103 go to HTTP/1.1 clients only.
    if (head.status === 100 || this.head.versionMinor === 0 || this.responseStarted) return;
    this.out.informational(head);
  }

  onUpstreamHead(req: UpstreamRequest, head: ResponseHead): void {
    if (req !== this.upstream) return;
    const now = this.ctx.clock.now();
    this.serviceTimeMs = Math.round(now - req.sentAt);
    const cluster = this.cluster!;
    // A retriable status is dropped only when another try is really scheduled; with no retry
    // left (flag URX) the client gets this response as the upstream sent it, as in Envoy.
    if (this.retry && !this.responseStarted && this.retry.retriableStatus(head.status) && this.tryRetry('status', head.status)) {
      this.clearTryTimer();
      req.host.stats.recordResponse(head.status);
      req.host.reportStatus(head.status);
      cluster.stats.recordResponse(head.status);
      this.upstream = null;
      req.abort();
      return;
    }
    this.clearTryTimer();
    if (head.upgrade) return this.startTunnel(req, head);
    this.writeResponseHead(head);
  }

  onUpstreamBody(req: UpstreamRequest, chunk: Uint8Array, start: number, end: number): void {
    if (req !== this.upstream) return;
    if (!this.out.body(chunk, start, end) && !this.downstreamBlocked) {
      this.downstreamBlocked = true;
      req.pauseResponse();
    }
  }

  onUpstreamComplete(req: UpstreamRequest): void {
    if (req !== this.upstream) return;
    this.upstream = null;
    this.out.end();
    this.recordUpstreamOutcome(req, this.status);
    this.finish();
    this.conn.streamDone(this.reusable());
  }

  // ------------------------------------------------------------------ retries and timeouts

  private tryRetry(kind: RetryTrigger, status: number): boolean {
    const retry = this.retry;
    if (!retry || this.responseStarted || !this.body.replayable || this.state === 'done') return false;
    const decision = retry.schedule(kind, status, this.cluster!, this.ctx.clock, this);
    if (decision === 'exhausted') this.flags |= ResponseFlag.URX;
    else if (decision === 'overflow') this.flags |= ResponseFlag.UO;
    return decision === 'scheduled';
  }

  /** The back-off is over: the next try, unless the stream ended meanwhile. */
  onRetry(): void {
    if (this.state === 'upstream') this.startTry();
  }

  private armRouteTimer(): void {
    this.ctx.timeouts.get(this.action!.timeoutMs).add(this);
  }

  onTimeout(): void {
    if (this.state === 'done' || this.state === 'tunnel') return;
    const cluster = this.cluster!;
    cluster.stats.upstream_rq_timeout.inc();
    const up = this.upstream;
    if (up) {
      up.host.stats.recordTimeout();
      up.host.reportLocalFailure();
    }
    this.abortUpstream();
    if (this.responseStarted) {
      this.flags |= ResponseFlag.UT;
      this.closeAfter = true;
      this.finish();
      this.conn.reset();
      return;
    }
    this.failUpstream(localReply('upstream_timeout'));
  }

  /** Its own method: a closure written in startTry would make every try allocate its scope. */
  private armTryTimer(req: UpstreamRequest, ms: number): void {
    this.tryTimer = this.ctx.clock.setTimer(ms, () => this.onPerTryTimeout(req));
  }

  private onPerTryTimeout(req: UpstreamRequest): void {
    this.tryTimer = null;
    if (req !== this.upstream || this.responseStarted) return;
    this.cluster!.stats.upstream_rq_per_try_timeout.inc();
    req.host.stats.recordTimeout();
    req.host.reportLocalFailure();
    req.abort();
    this.onUpstreamFailure(req, 'per_try_timeout', null);
  }

  private clearTryTimer(): void {
    if (this.tryTimer) {
      this.tryTimer.cancel();
      this.tryTimer = null;
    }
  }

  private abortUpstream(): void {
    this.clearTryTimer();
    this.retry?.cancel();
    const up = this.upstream;
    if (up) {
      this.upstream = null;
      // A request still waiting in the pool is counted by the pool (upstream_rq_cancelled) when abort() cancels it.
      if (up.connected || up.headersReceived) this.cluster?.stats.upstream_rq_tx_reset.inc();
      up.abort();
    }
  }

  // ------------------------------------------------------------------ responses

  private writeResponseHead(head: ResponseHead): void {
    this.state = 'responding';
    this.responseStarted = true;
    this.status = head.status;
    this.details = 'via_upstream';
    const added = RESPONSE_ADDED;
    added.length = 2;
    added[1] = String(this.serviceTimeMs ?? 0);
    if (this.ctx.via) added.push('via', this.ctx.via);
    // Header edits need the string list; otherwise the received fields are copied as they are.
    let headers: string[] | null = null;
    if (this.route && this.route.responseHeaderMutations.length > 0) {
      headers = head.headers.slice();
      applyHeaderMutations(headers, this.route.responseHeaderMutations);
    }
    const close = this.mustClose();
    // An HTTP/1.0 client learns the end of a length-less body from the close.
    const closeDelimited = this.out.proxiedHead(head, headers, added, close);
    if (close || closeDelimited) this.closeAfter = true;
  }

  private startTunnel(req: UpstreamRequest, head: ResponseHead): void {
    this.state = 'tunnel';
    this.responseStarted = true;
    this.status = 101;
    this.details = 'via_upstream';
    this.ctx.stats.upgradesTotal.inc();
    this.recordUpstreamOutcome(req, 101);
    this.out.switching(head);
    const taken = req.takeForTunnel();
    this.upstream = null;
    this.finish();
    if (!taken) {
      this.conn.reset();
      return;
    }
    this.conn.startTunnel(taken.conn, taken.remainder);
  }

  /** A failure before any response byte went downstream gets its local reply; after, a reset. */
  private failUpstream(reply: LocalReply): void {
    if (this.responseStarted) {
      this.flags |= reply.flags;
      this.closeAfter = true;
      this.finish();
      this.conn.reset();
      return;
    }
    this.sendLocal(reply);
  }

  private sendLocal(reply: LocalReply): void {
    this.flags |= reply.flags;
    if (!this.details) this.details = reply.details;
    this.sendSimple(reply.status, reply.body, reply.contentType, null);
  }

  private sendSimple(status: number, body: Uint8Array, contentType: string | null, location: string | null, extraFlags = 0): void {
    this.abortUpstream();
    this.flags |= extraFlags;
    this.state = 'local';
    this.responseStarted = true;
    this.status = status;
    const headers: string[] = [];
    if (contentType) headers.push('content-type', contentType);
    if (location) headers.push('location', location);
    if (this.route && this.route.responseHeaderMutations.length > 0) applyHeaderMutations(headers, this.route.responseHeaderMutations);
    if (this.wireHead) headers.push('x-request-id', this.wireHead.requestId);
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

  private recordUpstreamOutcome(req: UpstreamRequest, status: number): void {
    req.host.stats.recordResponse(status);
    req.host.reportStatus(status);
    this.cluster!.stats.recordResponse(status);
    if (this.retry?.attempts) this.cluster!.stats.upstream_rq_retry_success.inc();
  }

  // ------------------------------------------------------------------ end

  private finish(): void {
    if (this.state === 'done') return;
    if (this.state !== 'tunnel') this.state = 'done';
    if (this.tlList) this.tlList.remove(this);
    this.clearTryTimer();
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
          upstreamServiceTimeMs: this.serviceTimeMs,
          requestId: this.wireHead?.requestId ?? null,
          upstreamHost: this.upstreamHostKey,
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
/** Request bodies up to this size are kept so the request can be retried (Envoy's per-request buffer). */
const DEFAULT_RETRY_BUFFER_LIMIT = 64 * 1024;
/** Requests without a body share this empty buffer (never added to: no body chunk arrives for them). */
const NO_BODY_BUFFER = new RequestBodyBuffer(true, 0);
