/** The HTTP connection manager of one client connection: parse, one stream at a time, timeouts, drain. */
import type { Socket, SocketError, SocketHandler } from '../../runtime-adapters/types.ts';
import type { Timer } from '../common/clock.ts';
import { RequestParser } from '../http1/request-parser.ts';
import type { RequestHead } from '../http1/head.ts';
import type { HttpCodecError } from '../http1/errors.ts';
import type { RequestHandler } from '../http1/types.ts';
import type { UpstreamConnection } from '../upstream/pool-types.ts';
import { serializeResponseHead } from './wire.ts';
import { ActiveStream, type StreamConnection } from './active-stream.ts';
import { currentDeadline, timerPeriod } from './connection-deadline.ts';
import type { ListenerContext } from './listener-context.ts';
import type { CloseSide } from './listener-stats.ts';
import { downstreamProtocolError, localReply, type LocalReply } from './local-reply.ts';
import { headlessRecord } from './stream-record.ts';
import { Tunnel } from './tunnel.ts';
import { WRITE_BATCH } from './write-batch.ts';
import type { HeadBuffer } from '../http1/head-buffer.ts';

/** What the connection tells the listener that owns it. */
export interface ConnectionOwner {
  /** The listener's context for a new request (a reload swaps it between requests). */
  currentContext(): ListenerContext;
  connectionClosed(conn: DownstreamConnection): void;
}

type ConnState = 'open' | 'closing' | 'tunnel' | 'closed';

/** After a final reply, how long unread request bytes are drained before the socket is dropped. */
const LINGER_MS = 2000;

/**
 * Pipelined bytes held for later requests beyond which the client is no longer read until the
 * current response is done (R19: bound what is buffered). Envoy stops reading at once; reading
 * on below this keeps a client's FIN visible while its request is in flight.
 */
const PIPELINE_BUFFER_LIMIT = 64 * 1024;

/**
 * One request at a time (R19): the parser pauses after each request and resumes only once the
 * response is complete, so pipelined requests are answered in order.
 */
export class DownstreamConnection implements SocketHandler, RequestHandler, StreamConnection {
  readonly id: number;
  readonly remoteAddress: string;
  private readonly socket: Socket;
  private readonly owner: ConnectionOwner;
  private ctx: ListenerContext;
  private readonly parser: RequestParser;
  private stream: ActiveStream | null = null;
  private state: ConnState = 'open';
  draining = false;
  /** Monotonic ms of the last byte read while no request was in flight. */
  private lastActivity: number;
  /** Monotonic ms of the last read while no stream exists (a head arriving): its idle timeout's reference. */
  private headByteAt = 0;
  /** Monotonic ms when the current request's first byte arrived; 0 between requests. */
  private requestStartAt = 0;
  private timer: Timer | null = null;
  /** A read is being parsed: the upstream writes it causes are gathered and sent when it ends. */
  reading = false;
  private corkDepth = 0;
  /** This connection holds the thread's write batch (corked); writes are gathered in it. */
  private batching = false;
  /** A write made while gathering did not fit in the socket: told to the stream at uncork. */
  private batchBlocked = false;
  private readonly timerPeriod: number;
  private paused = false;
  /** Reading stopped because too many pipelined bytes wait behind the current request. */
  private pipelineFull = false;
  /** A write to the client was refused since its last drain (it is not reading fast enough). */
  private outputFull = false;
  /** The next pipelined request waits for the client to drain what it was sent. */
  private nextAfterDrain = false;
  /** Who closed first: null while open. */
  private closer: CloseSide | null = null;
  /** A request was in flight when the connection closed. */
  private activeRqAtClose = false;
  /** The current response can no longer be retracted: a byte of it (or of one before it in the batch) went out. */
  private responseSent = false;
  /** The parser reached the end of the current request (onComplete); it may be resumed. */
  private requestParsed = false;
  /** The stream finished inside onHead: resume once the parser reports the request's end. */
  private resumeWhenParsed = false;

  constructor(id: number, socket: Socket, owner: ConnectionOwner) {
    this.id = id;
    this.socket = socket;
    this.owner = owner;
    this.remoteAddress = socket.remoteAddress;
    const ctx = owner.currentContext();
    this.ctx = ctx;
    this.parser = new RequestParser(this, ctx.parserOptions);
    this.lastActivity = ctx.clock.now();
    this.timerPeriod = timerPeriod(ctx);
    ctx.stats.cxTotal.inc();
    ctx.stats.cxActive.inc();
    ctx.stats.workerCxTotal.inc();
    ctx.stats.workerCxActive.inc();
    socket.setHandler(this);
    this.armTimer(this.timerPeriod);
  }

  // ------------------------------------------------------------------ socket events

  onData(chunk: Uint8Array): void {
    if (this.state !== 'open') return; // closing: lingering, drop what the client still sends
    if (this.stream === null) {
      const now = this.ctx.clock.now();
      if (this.requestStartAt === 0) {
        this.requestStartAt = now;
        this.ctx = this.owner.currentContext();
      }
      this.headByteAt = now;
    }
    this.parse(chunk);
    this.stream?.flushContinue();
    this.boundPipeline();
  }

  /** Stop reading while more than the bound of pipelined bytes waits behind the current request. */
  private boundPipeline(): void {
    if (this.stream === null || this.pipelineFull || this.parser.bufferedBytes <= PIPELINE_BUFFER_LIMIT) return;
    this.pipelineFull = true;
    if (!this.paused) this.socket.pause();
  }

  /**
   * Parse a read (`chunk`), or the queued bytes (null), with the upstream writes it causes
   * gathered until it ends. A read replayed from inside another (a socket resumed mid-parse)
   * leaves the flush to the outer one; `finally`, so a throw cannot leave the thread's write
   * batch held by the request being written.
   */
  private parse(chunk: Uint8Array | null): void {
    const outer = this.reading;
    this.reading = true;
    try {
      if (chunk !== null) this.parser.feed(chunk);
      else this.parser.resume();
    } finally {
      this.reading = outer;
      if (!outer) this.stream?.flushUpstream();
    }
  }

  onDrain(): void {
    this.outputFull = false;
    if (this.nextAfterDrain) {
      this.nextAfterDrain = false;
      if (this.state !== 'open' || this.stream !== null) return;
      this.resumeReading();
      this.nextRequest();
      return;
    }
    this.stream?.onDownstreamDrain();
  }

  onEnd(): void {
    // The client closed its side. As in Envoy (no half-close on the HTTP connection manager) and
    // nginx (499), a FIN while a request is in flight means the client went away: DC, and the
    // upstream request is cancelled rather than left to run to its timeout.
    this.closedBy('remote');
    const s = this.stream;
    if (s === null) return this.close();
    this.stream = null;
    this.activeRqAtClose = true;
    s.onDownstreamReset();
    this.close();
  }

  onClose(_error: SocketError | undefined): void {
    if (this.state === 'closed') return;
    const wasTunnel = this.state === 'tunnel';
    this.state = 'closed';
    this.closedBy('remote');
    this.cancelTimer();
    const s = this.stream;
    this.stream = null;
    if (s) {
      this.activeRqAtClose = true;
      s.onDownstreamReset();
    }
    if (!wasTunnel) this.release();
  }

  /** The first side to close is the one the connection's destroy stat names. */
  private closedBy(side: CloseSide): void {
    if (this.closer === null) this.closer = side;
  }

  // ------------------------------------------------------------------ parser events

  onHead(head: RequestHead): void {
    this.requestStartAt = 0;
    // An earlier response still gathered in the batch would be dropped with this one's on a
    // retract, so this response counts as sent from the start.
    this.responseSent = this.batching && WRITE_BATCH.pending;
    this.requestParsed = false;
    this.resumeWhenParsed = false;
    const stream = new ActiveStream(this, this.ctx, head);
    this.stream = stream;
    stream.start();
  }

  onBody(chunk: Uint8Array, start: number, end: number): void {
    this.stream?.onRequestBody(start === 0 && end === chunk.length ? chunk : chunk.subarray(start, end));
  }

  onTrailers(_fields: string[]): void {
    // Dropped (R4: trailers are forwarded only with an opt-in we do not have yet).
  }

  onComplete(): void {
    this.requestParsed = true;
    const s = this.stream;
    if (s) s.onRequestComplete();
    else if (this.resumeWhenParsed) {
      this.resumeWhenParsed = false;
      if (this.state === 'open') this.parser.resume();
    }
  }

  onError(err: HttpCodecError): void {
    this.ctx.stats.cxProtocolError.inc();
    const s = this.stream;
    if (s) {
      s.onRequestError(err);
      return;
    }
    // An error in the head: no stream exists yet. Answer, close, never parse another byte (R18).
    this.replyAndClose(downstreamProtocolError(err.status), err);
  }

  // ------------------------------------------------------------------ StreamConnection

  write(bytes: Uint8Array): boolean {
    if (this.state === 'closed') return true;
    // While gathering, backpressure is reported once the batch is written (uncork).
    if (this.batching) return this.gather(bytes, 0, bytes.length);
    this.responseSent = true;
    if (this.socket.write(bytes)) return true;
    this.outputFull = true;
    return false;
  }

  writeRange(chunk: Uint8Array, start: number, end: number): boolean {
    if (this.state === 'closed') return true;
    if (this.batching) return this.gather(chunk, start, end);
    this.responseSent = true;
    if (this.socket.write(start === 0 && end === chunk.length ? chunk : chunk.subarray(start, end))) return true;
    this.outputFull = true;
    return false;
  }

  batch(): HeadBuffer | null {
    return this.batching ? WRITE_BATCH.headBuffer() : null;
  }

  cork(): void {
    if (this.corkDepth++ === 0 && this.state !== 'closed') this.batching = WRITE_BATCH.acquire(this);
  }

  uncork(): void {
    if (this.corkDepth === 0) return;
    if (--this.corkDepth === 0) this.endBatch();
  }

  private gather(chunk: Uint8Array, start: number, end: number): boolean {
    if (!WRITE_BATCH.add(this.socket, chunk, start, end)) this.batchBlocked = true;
    return true;
  }

  /** The gathered bytes go out in one write; the batch is free for the next connection. */
  private endBatch(): void {
    this.corkDepth = 0;
    if (!this.batching) return;
    try {
      if (WRITE_BATCH.pending || WRITE_BATCH.written) this.responseSent = true;
      if (!WRITE_BATCH.flush(this.state === 'closed' ? null : this.socket)) this.batchBlocked = true;
    } finally {
      // Even if the socket threw, the batch must go back: it is the whole thread's.
      this.batching = false;
      WRITE_BATCH.release(this);
    }
    if (this.batchBlocked) {
      this.batchBlocked = false;
      this.outputFull = true;
      this.stream?.onDownstreamBlocked();
    }
  }

  pauseReading(): void {
    if (!this.paused) {
      this.paused = true;
      this.socket.pause();
    }
  }

  resumeReading(): void {
    if (this.paused) {
      this.paused = false;
      if (!this.pipelineFull) this.socket.resume();
    }
  }

  streamDone(reusable: boolean): void {
    const s = this.stream;
    if (s === null) return;
    if (!s.requestComplete && reusable) return; // wait for the rest of the body; onComplete calls again
    this.stream = null;
    if (this.state !== 'open') return;
    this.resumeReading();
    if (this.pipelineFull) {
      this.pipelineFull = false;
      if (!this.paused) this.socket.resume();
    }
    if (!reusable || this.draining) {
      this.closeGracefully();
      return;
    }
    this.lastActivity = this.ctx.clock.now();
    // The client is not reading what it was sent: its next pipelined request waits for the drain,
    // or replies it never reads (local ones need no upstream to slow them) would pile up (R19).
    if (this.outputFull || this.batchBlocked) {
      this.nextAfterDrain = true;
      this.pauseReading();
      return;
    }
    this.nextRequest();
  }

  /** The stream before is done: parse what is queued behind it, or wait for its end. */
  private nextRequest(): void {
    // A local reply from inside onHead (bodiless request): the parser is not at the request's end yet.
    if (this.requestParsed) {
      // Parsing queued bytes is a read too: what it writes upstream leaves in one write.
      this.parse(null);
      // A pipelined head parsed from the queue may expect a 100 (resume may have set a stream).
      (this.stream as ActiveStream | null)?.flushContinue();
      // A pipelined head that is still incomplete is timed from now, as if it had just arrived.
      if (this.stream === null && this.requestStartAt === 0 && this.parser.state === 'head') this.requestStartAt = this.ctx.clock.now();
      this.boundPipeline();
    } else this.resumeWhenParsed = true;
  }

  retractResponse(): boolean {
    if (this.responseSent || (this.batching && WRITE_BATCH.written)) return false;
    if (this.batching) WRITE_BATCH.discard(this);
    return true;
  }

  reset(): void {
    this.closedBy('local');
    if (this.stream !== null) this.activeRqAtClose = true;
    this.stream = null;
    if (this.batching) {
      this.batching = false;
      this.corkDepth = 0;
      WRITE_BATCH.release(this);
    }
    if (this.state === 'closed') return;
    this.socket.destroy();
  }

  startTunnel(upstream: UpstreamConnection, upstreamRemainder: Uint8Array): void {
    this.stream = null;
    // The 101 head may still be corked: it must reach the client before any tunnelled byte.
    this.endBatch();
    this.state = 'tunnel';
    this.cancelTimer();
    const clientRemainder = this.parser.takeRemainder();
    const ctx = this.ctx;
    const idle = { clock: ctx.clock, timeoutMs: ctx.streamIdleTimeoutMs, onTimeout: () => ctx.stats.rqIdleTimeout.inc() };
    const tunnel = new Tunnel(this.socket, upstream, idle, (byClient) => {
      this.closedBy(byClient ? 'remote' : 'local');
      this.release();
    });
    tunnel.start(clientRemainder, upstreamRemainder);
  }

  // ------------------------------------------------------------------ drain, timeouts, close

  /** Stop taking requests: close now if idle, else after the current response (`Connection: close`). */
  drain(): void {
    this.draining = true;
    if (this.stream === null && this.state === 'open' && this.requestStartAt === 0) this.closeGracefully();
  }

  private replyAndClose(reply: LocalReply, err: HttpCodecError | null): void {
    const ctx = this.ctx;
    if (reply.status > 0) {
      // Through the batch when one is being gathered: a pipelined request's response may still be
      // in it, and this reply must follow that response, not overtake it (R19).
      this.write(
        serializeResponseHead(reply.status, '', reply.contentType ? ['content-type', reply.contentType] : [], 'content-length', reply.body.length, true, false, 1),
      );
      if (reply.body.length > 0) this.write(reply.body);
      // A request refused before its head was complete is still a request (as Envoy counts it):
      // downstream_rq_total stays the sum of the per-class counters.
      ctx.stats.rqTotal.inc();
      ctx.stats.response(reply.status);
    }
    const log = ctx.accessLog;
    if (log) {
      // The request started with its first byte (a slow head's 408 took the whole timeout).
      const durationMs = this.requestStartAt > 0 ? Math.max(0, Math.round(ctx.clock.now() - this.requestStartAt)) : 0;
      log.log(
        headlessRecord({
          startTime: ctx.wallNow() - durationMs,
          durationMs,
          status: reply.status,
          flags: reply.flags,
          bytesSent: reply.body.length,
          responseCodeDetail: err ? err.detail : reply.details,
          worker: ctx.workerId,
          connectionId: this.id,
        }),
      );
    }
    this.closeGracefully();
  }

  /** Half-close after what is queued, then linger briefly so the client reads the reply, not an RST. */
  private closeGracefully(): void {
    if (this.state !== 'open') return;
    this.closedBy('local');
    this.endBatch();
    this.state = 'closing';
    this.socket.end();
    this.cancelTimer();
    this.timer = this.ctx.clock.setTimer(LINGER_MS, () => {
      this.timer = null;
      if (this.state !== 'closed') this.socket.destroy();
    });
  }

  private close(): void {
    if (this.state === 'closed') return;
    this.closeGracefully();
  }

  private armTimer(ms: number): void {
    if (ms <= 0 || this.state !== 'open') return;
    this.timer = this.ctx.clock.setTimer(ms, () => this.onTimer());
  }

  private cancelTimer(): void {
    if (this.timer) {
      this.timer.cancel();
      this.timer = null;
    }
  }

  /**
   * One timer per connection, re-armed when it fires (never per request): it watches the one
   * deadline the connection's state has (connection-deadline.ts) and acts when it is due.
   */
  private onTimer(): void {
    this.timer = null;
    if (this.state !== 'open') return;
    const ctx = this.ctx;
    const now = ctx.clock.now();
    const stream = this.stream;
    const d = currentDeadline(ctx, {
      requestStartAt: this.requestStartAt,
      headByteAt: this.headByteAt,
      lastActivity: this.lastActivity,
      streamIdleSince: stream === null ? -1 : stream.idleSince,
    });
    if (d !== null && d.at <= now) {
      switch (d.kind) {
        case 'headers':
          ctx.stats.rqHeadersTimeout.inc();
          return this.replyAndClose(localReply('request_timeout'), null);
        case 'head-idle':
          ctx.stats.rqIdleTimeout.inc();
          return this.replyAndClose(localReply('stream_idle_timeout_request'), null);
        case 'idle':
          ctx.stats.cxIdleTimeout.inc();
          return this.closeGracefully();
        case 'stream-idle':
          ctx.stats.rqIdleTimeout.inc();
          stream!.onIdleTimeout();
          if (this.state !== 'open') return;
          return this.armTimer(this.timerPeriod);
      }
    }
    this.armTimer(Math.max(1, d === null ? this.timerPeriod : Math.min(this.timerPeriod, d.at - now)));
  }

  private release(): void {
    const stats = this.ctx.stats;
    stats.cxActive.dec();
    stats.workerCxActive.dec();
    stats.connectionDestroyed(this.closer, this.activeRqAtClose);
    this.cancelTimer();
    this.owner.connectionClosed(this);
  }
}
