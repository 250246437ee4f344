/** One try of a request against one upstream host: pool wait, request write, response parse. */
import type { SocketError, SocketHandler } from '../../runtime-adapters/types.ts';
import type { PendingHandle, PoolCallbacks, PoolFailureReason, UpstreamConnection } from '../upstream/pool-types.ts';
import type { UpstreamProtocol } from '../upstream/types.ts';
import { ResponseParser } from '../http1/response-parser.ts';
import type { ResponseHead } from '../http1/head.ts';
import type { HttpCodecError } from '../http1/errors.ts';
import type { ResponseHandler } from '../http1/types.ts';
import { IllegalTransitionError } from '../common/errors.ts';
import type { RequestPool, UpstreamHostRef } from './upstream-cluster.ts';
import { CRLF, LAST_CHUNK, encodeChunkHeader } from './wire.ts';
import { WRITE_BATCH } from './write-batch.ts';

/** Why a try failed before a usable response arrived. */
export type UpstreamFailure =
  | 'overflow'
  /** The host's pool was drained (host removed by a reload or DNS) before a connection was lent: nothing was sent. */
  | 'pool_drained'
  | 'connect_failure'
  | 'connection_termination'
  | 'protocol_error'
  | 'per_try_timeout'
  | 'reset_after_headers';

/** What the owning stream hears from its try. */
export interface UpstreamRequestOwner {
  /** The request head bytes for this try's protocol. */
  upstreamHead(protocol: UpstreamProtocol): Uint8Array;
  /** Body chunks received so far that this try must send first (retained or queued). */
  bodySoFar(): readonly Uint8Array[];
  /** The whole request body has been received from the client. */
  readonly requestComplete: boolean;
  /** The upstream body is re-chunked (client sent chunked). */
  readonly chunkedBody: boolean;
  onUpstreamConnected(req: UpstreamRequest): void;
  onUpstreamFailure(req: UpstreamRequest, failure: UpstreamFailure, error: HttpCodecError | null): void;
  onUpstreamInformational(req: UpstreamRequest, head: ResponseHead): void;
  onUpstreamHead(req: UpstreamRequest, head: ResponseHead): void;
  /** Response body bytes chunk[start, end). */
  onUpstreamBody(req: UpstreamRequest, chunk: Uint8Array, start: number, end: number): void;
  onUpstreamComplete(req: UpstreamRequest): void;
  /** The upstream can take more request body. */
  onUpstreamDrain(req: UpstreamRequest): void;
  /** True while a client read is parsed: request writes are gathered until `flushRequest`. */
  gatherRequestWrites(): boolean;
  /** Batch downstream writes made while one upstream read is parsed. */
  corkDownstream(): void;
  uncorkDownstream(): void;
}

type TryState = 'waiting' | 'sending' | 'awaiting_response' | 'receiving' | 'upgrading' | 'done' | 'upgraded';

/**
 * Lives from `start` to `done`: one pool stream, one connection at most. The parser is allocated
 * only once a connection is lent, and the connection goes back to the pool (or is destroyed)
 * exactly once.
 */
export class UpstreamRequest implements PoolCallbacks, SocketHandler, ResponseHandler {
  readonly host: UpstreamHostRef;
  readonly protocol: UpstreamProtocol;
  private readonly owner: UpstreamRequestOwner;
  private readonly method: string;
  private readonly upgradeRequested: boolean;
  private state: TryState = 'waiting';
  private pending: PendingHandle | null = null;
  private conn: UpstreamConnection | null = null;
  private parser: ResponseParser | null = null;
  /** Our request fully written: with a complete response, the connection may be reused (R21). */
  private requestSent = false;
  private responseHead: ResponseHead | null = null;
  /** Monotonic ms when the request head was written; for the service-time header. */
  sentAt = 0;
  /**
   * Request writes are gathered in the thread's write batch, to leave in one write: the head
   * with the body that came in the same client read, a chunk with its framing. `gathering`:
   * while `onPoolReady` writes; `batched`: this request holds the batch.
   */
  private gathering = false;
  private batched = false;

  constructor(owner: UpstreamRequestOwner, host: UpstreamHostRef, protocol: UpstreamProtocol, method: string, upgrade: boolean) {
    this.owner = owner;
    this.host = host;
    this.protocol = protocol;
    this.method = method;
    this.upgradeRequested = upgrade;
  }

  get connected(): boolean {
    return this.conn !== null;
  }

  get headersReceived(): boolean {
    return this.responseHead !== null;
  }

  start(pool: RequestPool, now: number): void {
    this.sentAt = now;
    const handle = pool.newStream(this);
    if (this.state === 'waiting' && handle) this.pending = handle;
  }

  // ---- PoolCallbacks

  onPoolReady(conn: UpstreamConnection): void {
    if (this.state !== 'waiting') throw new IllegalTransitionError('UpstreamRequest', this.state, 'pool_ready');
    this.pending = null;
    this.conn = conn;
    this.state = 'sending';
    // The parser lives with the connection; it is made on the connection's first exchange.
    let parser = conn.codec;
    if (parser) parser.attach(this);
    else {
      parser = new ResponseParser(this);
      conn.codec = parser;
    }
    this.parser = parser;
    parser.expectResponseTo(this.method, this.upgradeRequested);
    conn.attach(this);
    // The head is gathered first, so body bytes a resumed client read adds come after it.
    this.gathering = true;
    this.send(this.owner.upstreamHead(this.protocol));
    this.owner.onUpstreamConnected(this);
    if (this.state === 'sending') {
      const body = this.owner.bodySoFar();
      for (let i = 0; i < body.length; i++) this.writeBody(body[i]!);
      if (this.owner.requestComplete) this.endBody();
    }
    this.gathering = false;
    // Inside a client read, the rest of the read may add body: the owner flushes when it ends.
    if (!this.owner.gatherRequestWrites()) this.flushRequest();
  }

  onPoolFailure(reason: PoolFailureReason): void {
    if (this.state !== 'waiting') return;
    this.pending = null;
    this.state = 'done';
    this.owner.onUpstreamFailure(this, reason === 'overflow' ? 'overflow' : reason === 'drained' ? 'pool_drained' : 'connect_failure', null);
  }

  // ---- request body

  /** Send one body chunk; false: wait for `onUpstreamDrain`. */
  writeBody(chunk: Uint8Array): boolean {
    const conn = this.conn;
    if (!conn || (this.state !== 'sending' && this.state !== 'receiving' && this.state !== 'awaiting_response')) return true;
    if (chunk.length === 0) return true;
    if (this.owner.chunkedBody) {
      this.send(encodeChunkHeader(chunk.length));
      this.send(chunk);
      return this.send(CRLF);
    }
    return this.send(chunk);
  }

  endBody(): void {
    if (!this.conn || this.requestSent) return;
    if (this.owner.chunkedBody) this.send(LAST_CHUNK);
    this.requestSent = true;
    if (this.state === 'sending') this.state = 'awaiting_response';
  }

  /** Write what was gathered, as one write, and free the batch. False: the upstream is full (wait for `onUpstreamDrain`). */
  flushRequest(): boolean {
    if (!this.batched) return true;
    this.batched = false;
    try {
      return WRITE_BATCH.flush(this.conn);
    } finally {
      WRITE_BATCH.release(this);
    }
  }

  /** Every request write goes through here: gathered while `onPoolReady` runs or a client read is parsed. */
  private send(bytes: Uint8Array): boolean {
    const conn = this.conn!;
    if (!this.gathering && !this.owner.gatherRequestWrites()) {
      if (this.batched) this.flushRequest();
      return conn.write(bytes);
    }
    if (!this.batched) {
      // Held by someone else (a nested read): write directly; nothing of ours is gathered.
      if (!WRITE_BATCH.acquire(this)) return conn.write(bytes);
      this.batched = true;
    }
    return WRITE_BATCH.addStable(conn, bytes);
  }

  private dropGathered(): void {
    if (!this.batched) return;
    this.batched = false;
    WRITE_BATCH.release(this);
  }

  pauseResponse(): void {
    this.conn?.pause();
  }

  resumeResponse(): void {
    this.conn?.resume();
  }

  /** Stop this try now: cancel the pool wait or reset the connection. Callbacks stop. */
  abort(): void {
    if (this.state === 'done' || this.state === 'upgraded') return;
    this.state = 'done';
    if (this.pending) {
      this.pending.cancel();
      this.pending = null;
    }
    this.dropGathered();
    if (this.conn) {
      const c = this.conn;
      this.conn = null;
      c.destroy();
    }
  }

  /** After a 101: hand the connection and any bytes after the response head to a tunnel. */
  takeForTunnel(): { conn: UpstreamConnection; remainder: Uint8Array } | null {
    if (!this.conn || !this.parser) return null;
    this.flushRequest();
    const remainder = this.parser.takeRemainder();
    const conn = this.conn;
    this.conn = null;
    this.state = 'upgraded';
    return { conn, remainder };
  }

  // ---- SocketHandler (the lent connection)

  onData(chunk: Uint8Array): void {
    // Whatever the response writes downstream for this read goes out in one write (one syscall).
    const owner = this.owner;
    owner.corkDownstream();
    // finally: a throw must not leave the thread's write batch owned by this client.
    try {
      this.parser?.feed(chunk);
      // A 101 is reported only now: the parser queues the bytes behind it when feed returns.
      // (Starting the tunnel flushes the corked 101 head itself.)
      if (this.state === 'upgrading') owner.onUpstreamHead(this, this.responseHead!);
    } finally {
      owner.uncorkDownstream();
    }
  }

  onDrain(): void {
    if (this.state === 'sending' || this.state === 'awaiting_response' || this.state === 'receiving') {
      this.owner.onUpstreamDrain(this);
    }
  }

  onEnd(): void {
    // The upstream half-closed: that ends a close-delimited body, or truncates anything else.
    this.parser?.finish();
    if (this.isFinished() || this.state === 'waiting') return;
    // A FIN before any response byte: no close event may follow (we never end our side), so
    // the try fails now (503 UC or a retry) instead of waiting for the route timeout.
    this.state = 'done';
    this.discardConnection();
    this.owner.onUpstreamFailure(this, this.responseHead ? 'reset_after_headers' : 'connection_termination', null);
  }

  onClose(error: SocketError | undefined): void {
    this.conn = null;
    if (this.isFinished()) return;
    // finish() completes a close-delimited response, or reports a truncation through onError.
    // A reset is never the end of a body (S7): the client must not get it as complete.
    if (error === undefined) this.parser?.finish();
    if (this.isFinished()) return;
    this.state = 'done';
    this.owner.onUpstreamFailure(this, this.responseHead ? 'reset_after_headers' : 'connection_termination', null);
  }

  private isFinished(): boolean {
    return this.state === 'done' || this.state === 'upgraded';
  }

  // ---- ResponseHandler

  onInformational(head: ResponseHead): void {
    this.owner.onUpstreamInformational(this, head);
  }

  onHead(head: ResponseHead): void {
    this.responseHead = head;
    if (this.state === 'sending' || this.state === 'awaiting_response') this.state = 'receiving';
    if (head.upgrade && this.state === 'receiving') {
      this.state = 'upgrading';
      return;
    }
    this.owner.onUpstreamHead(this, head);
  }

  onBody(chunk: Uint8Array, start: number, end: number): void {
    if (this.state === 'receiving') this.owner.onUpstreamBody(this, chunk, start, end);
  }

  onTrailers(_fields: string[]): void {
    // Trailers are not forwarded (HTTP1-RULES R4: no forward_trailers option yet).
  }

  onComplete(): void {
    if (this.state !== 'receiving') return;
    this.state = 'done';
    // An early response (before our request body was fully sent) never leaves the connection reusable (R21).
    if (this.requestSent) this.releaseConnection();
    else this.discardConnection();
    this.owner.onUpstreamComplete(this);
  }

  onError(err: HttpCodecError): void {
    if (this.state === 'done' || this.state === 'upgraded') return;
    const hadHead = this.responseHead !== null;
    this.state = 'done';
    this.discardConnection();
    // The upstream closing mid-message is a connection termination (UC / reset), not a malformed response (UPE).
    if (err.detail === 'http1.premature_eof') {
      this.owner.onUpstreamFailure(this, hadHead ? 'reset_after_headers' : 'connection_termination', null);
      return;
    }
    this.owner.onUpstreamFailure(this, hadHead ? 'reset_after_headers' : 'protocol_error', err);
  }

  private releaseConnection(): void {
    const c = this.conn;
    if (!c) return;
    this.conn = null;
    const head = this.responseHead;
    const parser = this.parser;
    const reusable = head !== null && head.keepAlive && this.requestSent && parser !== null && parser.reusable;
    if (reusable) parser.detach();
    c.release(reusable);
  }

  private discardConnection(): void {
    this.dropGathered();
    const c = this.conn;
    if (!c) return;
    this.conn = null;
    c.destroy();
  }
}
