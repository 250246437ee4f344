/** Parsed message heads: their fields (as a table over the head text) plus the framing and routing facts the codec derived. */
import type { FieldTable } from './field-table.ts';
import type { BodyFraming } from './types.ts';

/** A request head from a client. */
export class RequestHead {
  /** Method token, case preserved. */
  readonly method: string;
  /** The request-target exactly as received. */
  readonly target: string;
  /** What to forward: origin-form (`/p?q`), `*` for OPTIONS, or the authority for CONNECT. */
  readonly path: string;
  /** `origin` | `absolute` | `authority` | `asterisk` (RFC 9112 §3.2). */
  readonly targetForm: 'origin' | 'absolute' | 'authority' | 'asterisk';
  /** HTTP/1.<versionMinor>: 0 or 1. */
  readonly versionMinor: number;
  /** Fields in received order, as ranges of the head's text (writers copy them without strings). */
  readonly fields: FieldTable;
  /** Effective host (R11/R12): the absolute-form authority, else the Host value, else null (HTTP/1.0). */
  readonly host: string | null;
  readonly framing: BodyFraming;
  /** Declared Content-Length, or -1. */
  readonly contentLength: number;
  /** The connection may carry another request after this one (RFC 9112 §9.3). */
  readonly keepAlive: boolean;
  /** Upgrade requested (HTTP/1.1, `Connection: upgrade`, an Upgrade naming websocket: R16), or CONNECT. */
  readonly upgrade: boolean;
  /** `Expect: 100-continue` on an HTTP/1.1 request (R15). */
  readonly expectContinue: boolean;

  constructor(
    method: string,
    target: string,
    path: string,
    targetForm: 'origin' | 'absolute' | 'authority' | 'asterisk',
    versionMinor: number,
    fields: FieldTable,
    host: string | null,
    framing: BodyFraming,
    contentLength: number,
    keepAlive: boolean,
    upgrade: boolean,
    expectContinue: boolean,
  ) {
    this.method = method;
    this.target = target;
    this.path = path;
    this.targetForm = targetForm;
    this.versionMinor = versionMinor;
    this.fields = fields;
    this.host = host;
    this.framing = framing;
    this.contentLength = contentLength;
    this.keepAlive = keepAlive;
    this.upgrade = upgrade;
    this.expectContinue = expectContinue;
  }

  /** Fields in received order, flat `[name, value, ...]`: raw names, OWS-trimmed values (made on first use). */
  get headers(): readonly string[] {
    return this.fields.strings();
  }

  /** First value of a field, case-insensitive (`lower` must be lowercase). */
  get(lower: string): string | undefined {
    const i = this.fields.find(lower);
    return i < 0 ? undefined : this.fields.value(i);
  }
}

/** A response head from an upstream. */
export class ResponseHead {
  readonly status: number;
  /** Reason phrase as received ('' when absent). */
  readonly reason: string;
  readonly versionMinor: number;
  readonly fields: FieldTable;
  readonly framing: BodyFraming;
  /** Declared Content-Length (kept for HEAD/304 forwarding, S5), or -1. */
  readonly contentLength: number;
  /** The upstream connection may be reused after this response (S14; never for until-close). */
  readonly keepAlive: boolean;
  /** A 101 answering our upgrade request: the connection is now a tunnel. */
  readonly upgrade: boolean;

  constructor(
    status: number,
    reason: string,
    versionMinor: number,
    fields: FieldTable,
    framing: BodyFraming,
    contentLength: number,
    keepAlive: boolean,
    upgrade: boolean,
  ) {
    this.status = status;
    this.reason = reason;
    this.versionMinor = versionMinor;
    this.fields = fields;
    this.framing = framing;
    this.contentLength = contentLength;
    this.keepAlive = keepAlive;
    this.upgrade = upgrade;
  }

  get headers(): readonly string[] {
    return this.fields.strings();
  }

  get(lower: string): string | undefined {
    const i = this.fields.find(lower);
    return i < 0 ? undefined : this.fields.value(i);
  }
}
