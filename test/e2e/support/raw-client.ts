/** A byte-exact HTTP/1 test client: sends raw request bytes and says exactly how the response ended. */
import { connect, type Socket } from 'node:net';

/** How the connection looked when the exchange ended. */
export type RawEnd =
  /** A whole response was read (by Content-Length or the last chunk). */
  | 'complete'
  /** The server closed (FIN) before the response was complete, or the body was close-delimited. */
  | 'eof'
  /** The connection was reset (RST, ECONNRESET / EPIPE). */
  | 'reset'
  /** Nothing decisive happened in time. */
  | 'timeout';

export interface RawReply {
  status: number;
  /** Lower-cased names; repeated fields joined with ', '. */
  headers: Map<string, string>;
  body: Buffer;
  end: RawEnd;
  /** After a complete response: did the server then close the connection (FIN or RST) within `closeWaitMs`? */
  closedAfter: boolean;
}

export interface RawOptions {
  timeoutMs?: number;
  /** After a complete response, wait this long to see whether the server closes (default 0: don't wait). */
  closeWaitMs?: number;
  /** Called once connected, before anything is written (e.g. to keep the socket). */
  onSocket?: (s: Socket) => void;
}

export function rawConnect(port: number): Promise<Socket> {
  return new Promise((res, rej) => {
    const s = connect({ host: '127.0.0.1', port }, () => {
      s.off('error', rej);
      res(s);
    });
    s.once('error', rej);
  });
}

/** Incremental response parser: head, then Content-Length or chunked body, else close-delimited. */
export class ResponseReader {
  buf: Buffer = Buffer.alloc(0);
  status = 0;
  headers = new Map<string, string>();
  headDone = false;
  body: Buffer[] = [];
  bodyLen = 0;
  complete = false;
  private remaining = -1; // CL bytes left; -1 none
  private chunked = false;
  private chunkLeft = 0; // bytes of current chunk (+2 for CRLF) left
  private noBody = false;
  private readonly method: string;

  constructor(method: string) {
    this.method = method;
  }

  feed(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    if (!this.headDone) {
      for (;;) {
        const end = this.buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const lines = this.buf.subarray(0, end).toString('latin1').split('\r\n');
        this.buf = this.buf.subarray(end + 4);
        const status = Number((lines[0] ?? '').split(' ')[1]);
        if (status >= 100 && status < 200 && status !== 101) continue; // interim response
        this.status = status;
        for (let i = 1; i < lines.length; i++) {
          const l = lines[i]!;
          const c = l.indexOf(':');
          if (c <= 0) continue;
          const k = l.slice(0, c).trim().toLowerCase();
          const v = l.slice(c + 1).trim();
          this.headers.set(k, this.headers.has(k) ? `${this.headers.get(k)}, ${v}` : v);
        }
        this.headDone = true;
        this.noBody = this.method === 'HEAD' || status === 204 || status === 304;
        if (this.headers.get('transfer-encoding')?.toLowerCase().includes('chunked')) this.chunked = true;
        else if (this.headers.has('content-length')) this.remaining = Number(this.headers.get('content-length'));
        if (this.noBody || this.remaining === 0) this.complete = true;
        break;
      }
    }
    this.consumeBody();
  }

  private consumeBody(): void {
    if (this.complete || !this.headDone) return;
    if (this.remaining >= 0) {
      const n = Math.min(this.remaining, this.buf.length);
      this.push(this.buf.subarray(0, n));
      this.buf = this.buf.subarray(n);
      this.remaining -= n;
      if (this.remaining === 0) this.complete = true;
      return;
    }
    if (!this.chunked) {
      this.push(this.buf);
      this.buf = Buffer.alloc(0);
      return;
    }
    for (;;) {
      if (this.chunkLeft > 0) {
        const data = this.chunkLeft - 2;
        const n = Math.min(data > 0 ? data : 0, this.buf.length);
        if (n > 0) {
          this.push(this.buf.subarray(0, n));
          this.buf = this.buf.subarray(n);
          this.chunkLeft -= n;
        }
        if (this.chunkLeft > 2) return;
        const crlf = Math.min(this.chunkLeft, this.buf.length);
        this.buf = this.buf.subarray(crlf);
        this.chunkLeft -= crlf;
        if (this.chunkLeft > 0) return;
      }
      const eol = this.buf.indexOf('\r\n');
      if (eol < 0) return;
      const size = parseInt(this.buf.subarray(0, eol).toString('latin1'), 16);
      if (size === 0) {
        // Last chunk; trailers are not used by these tests: need the final CRLF.
        const endAt = this.buf.indexOf('\r\n\r\n');
        if (endAt < 0) return;
        this.buf = this.buf.subarray(endAt + 4);
        this.complete = true;
        return;
      }
      this.buf = this.buf.subarray(eol + 2);
      this.chunkLeft = size + 2;
    }
  }

  private push(b: Buffer): void {
    if (b.length === 0) return;
    this.body.push(Buffer.from(b));
    this.bodyLen += b.length;
  }
}

/**
 * Writes `request` (bytes or chunks written in order) on a new connection to 127.0.0.1:port and
 * reads one response. Never rejects: how it ended is in `end`.
 */
export async function rawExchange(port: number, request: string | Buffer, opts: RawOptions = {}): Promise<RawReply> {
  const socket = await rawConnect(port);
  opts.onSocket?.(socket);
  const method = (typeof request === 'string' ? request : request.toString('latin1', 0, 16)).split(' ')[0] ?? 'GET';
  const reader = new ResponseReader(method);
  return new Promise<RawReply>((resolve) => {
    let done = false;
    let end: RawEnd = 'timeout';
    let closedAfter = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(closeTimer);
      socket.destroy();
      resolve({ status: reader.status, headers: reader.headers, body: Buffer.concat(reader.body), end, closedAfter });
    };
    let closeTimer: ReturnType<typeof setTimeout> | undefined;
    const timer = setTimeout(finish, opts.timeoutMs ?? 5000);
    const onComplete = (): void => {
      end = 'complete';
      if (!opts.closeWaitMs) return finish();
      clearTimeout(timer);
      closeTimer = setTimeout(finish, opts.closeWaitMs);
    };
    socket.on('data', (d: Buffer) => {
      if (end === 'complete') return;
      reader.feed(d);
      if (reader.complete) onComplete();
    });
    socket.on('end', () => {
      if (end === 'complete') closedAfter = true;
      else end = 'eof';
      finish();
    });
    socket.on('error', () => {
      if (end === 'complete') closedAfter = true;
      else end = 'reset';
      finish();
    });
    socket.on('close', () => {
      if (end === 'complete') closedAfter = true;
      else if (end === 'timeout') end = 'eof';
      finish();
    });
    socket.write(request);
  });
}

/** A simple GET request's bytes. */
export function getRequest(path: string, extraHeaders = ''): string {
  return `GET ${path} HTTP/1.1\r\nhost: test.local\r\n${extraHeaders}\r\n`;
}
