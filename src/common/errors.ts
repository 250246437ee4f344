/** The base of every error the proxy raises on purpose: a stable `code` a caller can switch on. */
export class ProxyError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProxyError';
    this.code = code;
  }
}

/** Thrown by a state machine when asked for a transition its current state does not allow. */
export class IllegalTransitionError extends ProxyError {
  constructor(machine: string, from: string, event: string) {
    super('ILLEGAL_TRANSITION', `${machine}: event '${event}' is not allowed in state '${from}'`);
    this.name = 'IllegalTransitionError';
  }
}
