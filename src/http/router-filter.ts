/** The upstream half of a stream (Envoy's router filter): host choice, tries, retries, per-try and route timeouts. */
import type { RequestHead, ResponseHead } from '../http1/head.ts';
import type { HttpCodecError } from '../http1/errors.ts';
import type { UpstreamProtocol } from '../upstream/types.ts';
import type { UpstreamConnection } from '../upstream/pool-types.ts';
import type { RouteEntry } from '../router/route-entry.ts';
import type { ClusterAction } from '../router/types.ts';
import type { Timer } from '../common/clock.ts';
import type { TimeoutList, TimeoutNode } from '../common/timeout-list.ts';
import { localReply, type LocalReply, type LocalReplyKind } from './local-reply.ts';
import { ResponseFlag } from './response-flags.ts';
import type { ListenerContext } from './listener-context.ts';
import type { RouteCluster, UpstreamHostRef } from './upstream-cluster.ts';
import { UpstreamRequest, type UpstreamFailure, type UpstreamRequestOwner } from './upstream-request.ts';
import { RetryState, type RetryOwner, type RetryTrigger } from './retry-state.ts';
import { RequestBodyBuffer } from './request-body-buffer.ts';
import { UpstreamHead } from './upstream-head.ts';

/** What the router filter asks of its downstream stream (ActiveStream). */
export interface RouterFilterCallbacks {
  /** A response byte went to the client: no more retries, and failures become resets. */
  readonly responseStarted: boolean;
  /** The whole request body has been received from the client. */
  readonly requestComplete: boolean;
  onResponseHead(head: ResponseHead, serviceTimeMs: number): void;
  /** A 1xx other than 100 (S6). */
  onInformational(head: ResponseHead): void;
  /** Body bytes chunk[start, end); false: the client is slow. */
  onResponseBody(chunk: Uint8Array, start: number, end: number): boolean;
  onResponseComplete(): void;
  /** A 101: `taken` is the upstream connection and the bytes after its head, or null when it is gone. */
  onTunnel(head: ResponseHead, taken: { conn: UpstreamConnection; remainder: Uint8Array } | null): void;
  /** The tries failed: a local reply, or a reset once the response started. */
  onFailure(reply: LocalReply): void;
  /** The upstream broke off a response already being forwarded: the client connection is reset. */
  onResetAfterResponse(flags: number, details: string): void;
  addFlags(flags: number): void;
  setDetails(details: string): void;
  pauseReading(): void;
  resumeReading(): void;
  /** True while a client read is parsed: upstream writes wait for `flushUpstream`. */
  insideDownstreamRead(): boolean;
  cork(): void;
  uncork(): void;
}

/** A request whose pool drains again and again (its cluster was removed) gives up with 503 UF. */
const MAX_DRAIN_REPICKS = 3;
/** Request bodies up to this size are kept so the request can be retried (Envoy's per-request buffer). */
const DEFAULT_RETRY_BUFFER_LIMIT = 64 * 1024;

/**
 * Made once a route names a cluster. Owns the request body kept for tries, the current
 * UpstreamRequest and the timers; the stream owns the client side and every byte written to it.
 */
export class RouterFilter implements UpstreamRequestOwner, TimeoutNode, RetryOwner {
  private readonly stream: RouterFilterCallbacks;
  private readonly ctx: ListenerContext;
  private readonly head: RequestHead;
  private readonly action: ClusterAction;
  private readonly cluster: RouteCluster;
  private readonly wireHead: UpstreamHead;
  readonly chunkedBody: boolean;
  /**
   * An HTTP/1.0 cluster cannot take a chunked body: the client's is buffered whole (up to the
   * route's buffer limit, else 413) and sent with a Content-Length once it is complete (R20).
   */
  private readonly bufferWhole: boolean;
  /** Chunks received but not yet written to the current try, or kept for a retry. */
  private body = NO_BODY_BUFFER;
  private upstream: UpstreamRequest | null = null;
  /** Tries restarted because their host's pool drained while they waited (bounded: see MAX_DRAIN_REPICKS). */
  private drainRepicks = 0;
  private lastHost: UpstreamHostRef | null = null;
  /** The last host tried (the access log's upstream host). */
  upstreamHostKey: string | null = null;
  private retry: RetryState | null = null;
  serviceTimeMs: number | null = null;
  private downstreamBlocked = false;
  /** The stream finished: timers are gone and late callbacks are ignored. */
  private ended = false;
  /** Monotonic ms when the client's request was complete (0 until then): the service time's start. */
  private requestCompleteAt = 0;
  // The route timeout: this filter sits in the worker's TimeoutList for its duration.
  tlPrev: TimeoutNode | null = null;
  tlNext: TimeoutNode | null = null;
  tlList: TimeoutList | null = null;
  tlDeadline = 0;
  private tryTimer: Timer | null = null;

  constructor(
    stream: RouterFilterCallbacks,
    ctx: ListenerContext,
    head: RequestHead,
    route: RouteEntry,
    action: ClusterAction,
    cluster: RouteCluster,
    remoteAddress: string,
  ) {
    this.stream = stream;
    this.ctx = ctx;
    this.head = head;
    this.action = action;
    this.cluster = cluster;
    this.bufferWhole = head.framing === 'chunked' && cluster.forceHttp10;
    this.chunkedBody = head.framing === 'chunked' && !this.bufferWhole;
    this.wireHead = new UpstreamHead(head, route, action, remoteAddress, ctx, this.upgradeRequested());
    if (action.retryPolicy && action.retryPolicy.numRetries > 0) {
      this.retry = new RetryState(action.retryPolicy, ctx.random);
    }
    if (head.framing !== 'none') {
      const limit = action.perRequestBufferLimitBytes ?? DEFAULT_RETRY_BUFFER_LIMIT;
      const retain = this.bufferWhole || (this.retry !== null && (head.framing !== 'content-length' || head.contentLength <= limit));
      this.body = new RequestBodyBuffer(retain, limit);
    }
  }

  /** The stream's: it hears the request's end first. */
  get requestComplete(): boolean {
    return this.stream.requestComplete;
  }

  get requestId(): string {
    return this.wireHead.requestId;
  }

  start(): void {
    if (this.requestComplete) this.requestCompleteAt = this.ctx.clock.now();
    if (this.action.timeoutMs > 0 && this.requestComplete) this.armRouteTimer();
    // A body buffered whole: the first try starts when the request is complete.
    if (this.bufferWhole && !this.requestComplete) return;
    this.startTry();
  }

  // ------------------------------------------------------------------ from the stream

  onRequestBody(chunk: Uint8Array): void {
    if (this.bufferWhole && this.upstream === null) {
      if (this.ended) return;
      this.body.add(chunk, false);
      if (!this.body.replayable) this.stream.onFailure(localReply('request_payload_too_large'));
      return;
    }
    const up = this.upstream;
    const sent = up !== null && up.connected;
    const roomLeft = this.body.add(chunk, sent);
    if (sent ? !up.writeBody(chunk) : !roomLeft) this.stream.pauseReading();
  }

  onRequestComplete(): void {
    this.requestCompleteAt = this.ctx.clock.now();
    const up = this.upstream;
    if (up !== null) {
      up.endBody();
      if (up.connected) this.startTryTimer(up);
    }
    if (this.action.timeoutMs > 0 && !this.tlList) this.armRouteTimer();
    if (this.bufferWhole && this.upstream === null && !this.ended) this.startTry();
  }

  /** The client read that caused upstream writes is parsed: send them as one. */
  flushUpstream(): void {
    const up = this.upstream;
    if (up !== null && !up.flushRequest()) this.stream.pauseReading();
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

  /** Stop the current try and any scheduled one (the client left, or a local reply replaced the response). */
  abort(): void {
    this.clearTryTimer();
    this.retry?.cancel();
    const up = this.upstream;
    if (up) {
      this.upstream = null;
      // A request still waiting in the pool is counted by the pool (upstream_rq_cancelled) when abort() cancels it.
      if (up.connected || up.headersReceived) this.cluster.stats.upstream_rq_tx_reset.inc();
      up.abort();
    }
  }

  /** The stream finished: drop the timers; nothing this filter still hears changes the response. */
  end(): void {
    this.ended = true;
    if (this.tlList) this.tlList.remove(this);
    this.clearTryTimer();
    // The retried try (if any) is over: its max_retries slot goes back.
    this.retry?.cancel();
  }

  // ------------------------------------------------------------------ tries

  /** A websocket route, to a cluster that speaks HTTP/1.1: an HTTP/1.0 server must ignore Upgrade (RFC 9110 §7.8). */
  private upgradeRequested(): boolean {
    return this.head.upgrade && this.action.websocket === true && !this.cluster.forceHttp10;
  }

  private startTry(): void {
    const cluster = this.cluster;
    const host = cluster.chooseHost(this.lastHost);
    if (host === null) {
      return this.upstreamAbort('no_healthy_upstream');
    }
    this.lastHost = host;
    this.upstreamHostKey = host.key;
    const protocol: UpstreamProtocol = cluster.forceHttp10 || this.head.versionMinor === 0 ? 'http/1.0' : 'http/1.1';
    const req = new UpstreamRequest(this, host, protocol, this.head.method, this.upgradeRequested());
    this.upstream = req;
    req.start(cluster.pool(host, protocol), this.ctx.clock.now());
  }

  upstreamHead(protocol: UpstreamProtocol): Uint8Array {
    return this.wireHead.bytes(protocol, this.bufferWhole ? this.body.length : -1);
  }

  bodySoFar(): readonly Uint8Array[] {
    return this.body.takeForTry();
  }

  onUpstreamConnected(req: UpstreamRequest): void {
    if (req !== this.upstream) return;
    if (!this.body.replayable) this.stream.resumeReading();
    if (this.requestComplete) this.startTryTimer(req);
  }

  /**
   * As Envoy: a try's per_try_timeout runs from when it has a connection and the client's whole
   * request is in (whichever comes last): the wait for a connection and a slow upload are the
   * route timeout's and connect_timeout's to bound, not the try's.
   */
  private startTryTimer(req: UpstreamRequest): void {
    const perTry = this.retry?.perTryTimeoutMs ?? 0;
    if (perTry > 0 && this.tryTimer === null) this.armTryTimer(req, perTry);
  }

  onUpstreamDrain(req: UpstreamRequest): void {
    if (req === this.upstream) this.stream.resumeReading();
  }

  onUpstreamFailure(req: UpstreamRequest, failure: UpstreamFailure, error: HttpCodecError | null): void {
    if (req !== this.upstream) return;
    this.clearTryTimer();
    const host = req.host;
    const cluster = this.cluster;
    switch (failure) {
      case 'overflow':
        this.upstream = null;
        return this.upstreamAbort('upstream_overflow');
      case 'pool_drained':
        // The host left the cluster before this request got a connection; nothing was sent, so
        // another host takes it (a reload must not fail accepted requests). Not the host's fault.
        this.upstream = null;
        if (this.drainRepicks++ < MAX_DRAIN_REPICKS) return this.startTry();
        return this.upstreamAbort('connect_failure');
      case 'connect_failure':
        host.stats.recordError();
        host.reportLocalFailure();
        this.upstream = null;
        if (this.tryRetry('connect-failure', 0)) return;
        return this.upstreamAbort('connect_failure');
      case 'connection_termination':
        host.stats.recordError();
        host.reportLocalFailure();
        cluster.stats.upstream_rq_rx_reset.inc();
        this.upstream = null;
        if (this.tryRetry('reset', 0)) return;
        return this.upstreamAbort('connection_termination');
      case 'protocol_error':
        host.stats.recordError();
        host.reportLocalFailure();
        cluster.stats.upstream_cx_protocol_error?.inc();
        this.upstream = null;
        // As Envoy: a protocol error is a reset of the try, retried under reset, 5xx and gateway-error.
        if (this.tryRetry('reset', 0)) return;
        this.stream.setDetails(error?.detail ?? 'upstream_protocol_error');
        return this.upstreamAbort('upstream_protocol_error');
      case 'per_try_timeout':
        this.upstream = null;
        if (this.tryRetry('timeout', 0)) return;
        return this.upstreamAbort('upstream_timeout');
      case 'reset_after_headers':
        host.stats.recordError();
        cluster.stats.upstream_rq_rx_reset.inc();
        if (error) cluster.stats.upstream_cx_protocol_error?.inc();
        this.upstream = null;
        this.stream.onResetAfterResponse(
          error ? ResponseFlag.UPE : ResponseFlag.UR,
          error ? error.detail : 'upstream_reset_after_response_started',
        );
        return;
    }
  }

  onUpstreamInformational(_req: UpstreamRequest, head: ResponseHead): void {
    this.stream.onInformational(head);
  }

  onUpstreamHead(req: UpstreamRequest, head: ResponseHead): void {
    if (req !== this.upstream) return;
    // As Envoy: from the end of the client's request, so earlier tries and back-offs count too.
    const serviceTimeMs = Math.round(this.ctx.clock.now() - (this.requestCompleteAt > 0 ? this.requestCompleteAt : req.sentAt));
    this.serviceTimeMs = serviceTimeMs;
    this.clearTryTimer();
    // As Envoy (chargeUpstreamCode on headers): the code counts once the head is in, also for a
    // response that is retried, abandoned by the client or cut short by the upstream afterwards.
    this.recordUpstreamOutcome(req, head.status);
    // A retriable status is dropped only when another try is really scheduled; with no retry
    // left (flag URX) the client gets this response as the upstream sent it, as in Envoy.
    if (this.retry && !this.stream.responseStarted && this.retry.retriableStatus(head.status) && this.tryRetry('status', head.status)) {
      this.upstream = null;
      req.abort();
      return;
    }
    if (head.upgrade) {
      const taken = req.takeForTunnel();
      this.upstream = null;
      return this.stream.onTunnel(head, taken);
    }
    this.stream.onResponseHead(head, serviceTimeMs);
  }

  onUpstreamBody(req: UpstreamRequest, chunk: Uint8Array, start: number, end: number): void {
    if (req !== this.upstream) return;
    if (!this.stream.onResponseBody(chunk, start, end) && !this.downstreamBlocked) {
      this.downstreamBlocked = true;
      req.pauseResponse();
    }
  }

  onUpstreamComplete(req: UpstreamRequest): void {
    if (req !== this.upstream) return;
    this.upstream = null;
    this.stream.onResponseComplete();
  }

  gatherRequestWrites(): boolean {
    return this.stream.insideDownstreamRead();
  }

  corkDownstream(): void {
    this.stream.cork();
  }

  uncorkDownstream(): void {
    this.stream.uncork();
  }

  /**
   * The request ends on an upstream failure with a local reply; like Envoy's chargeUpstreamAbort,
   * its status counts in the cluster's response-code stats (upstream_rq_503, _5xx, _completed).
   */
  private upstreamAbort(kind: LocalReplyKind): void {
    const reply = localReply(kind);
    // As Envoy's chargeUpstreamAbort: once a response started, its code was charged with its head.
    if (!this.stream.responseStarted) this.cluster.stats.recordResponse(reply.status);
    this.stream.onFailure(reply);
  }

  private recordUpstreamOutcome(req: UpstreamRequest, status: number): void {
    req.host.stats.recordResponse(status);
    req.host.reportStatus(status);
    this.cluster.stats.recordResponse(status);
    // As Envoy: a retried request succeeded when its final response is one the policy would not retry.
    const retry = this.retry;
    if (retry !== null && retry.attempts > 0 && !retry.retriableStatus(status)) this.cluster.stats.upstream_rq_retry_success.inc();
  }

  // ------------------------------------------------------------------ retries and timeouts

  private tryRetry(kind: RetryTrigger, status: number): boolean {
    const retry = this.retry;
    if (!retry || this.stream.responseStarted || !this.body.replayable || this.ended) return false;
    const decision = retry.schedule(kind, status, this.cluster, this.ctx.clock, this);
    if (decision === 'exhausted') this.stream.addFlags(ResponseFlag.URX);
    else if (decision === 'overflow') this.stream.addFlags(ResponseFlag.UO);
    return decision === 'scheduled';
  }

  /** The back-off is over: the next try, unless the stream ended or answered meanwhile. */
  onRetry(): void {
    if (!this.ended && !this.stream.responseStarted) this.startTry();
  }

  private armRouteTimer(): void {
    this.ctx.timeouts.get(this.action.timeoutMs).add(this);
  }

  /** The route timeout (504 UT, or a reset once the response started). */
  onTimeout(): void {
    if (this.ended) return;
    this.cluster.stats.upstream_rq_timeout.inc();
    const up = this.upstream;
    if (up) {
      up.host.stats.recordTimeout();
      up.host.reportLocalFailure();
    }
    this.abort();
    this.upstreamAbort('upstream_timeout');
  }

  /** Its own method: a closure written in startTry would make every try allocate its scope. */
  private armTryTimer(req: UpstreamRequest, ms: number): void {
    this.tryTimer = this.ctx.clock.setTimer(ms, () => this.onPerTryTimeout(req));
  }

  private onPerTryTimeout(req: UpstreamRequest): void {
    this.tryTimer = null;
    if (req !== this.upstream || this.stream.responseStarted) return;
    this.cluster.stats.upstream_rq_per_try_timeout.inc();
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
}

/** Requests without a body share this empty buffer (never added to: no body chunk arrives for them). */
const NO_BODY_BUFFER = new RequestBodyBuffer(true, 0);
