/** Errors raised by the stats store and reader. */
import { ProxyError } from '../common/errors.ts';

/** A name was registered as one stat type and then asked for as the other. */
export class StatTypeMismatchError extends ProxyError {
  constructor(name: string, registered: string, requested: string) {
    super('STAT_TYPE_MISMATCH', `stat '${name}' is a ${registered}, not a ${requested}`);
    this.name = 'StatTypeMismatchError';
  }
}

/** A registration referenced a segment the reader was never given. */
export class UnknownStatSegmentError extends ProxyError {
  constructor(source: string, segment: number) {
    super('UNKNOWN_STAT_SEGMENT', `stats source '${source}' has no segment ${segment}`);
    this.name = 'UnknownStatSegmentError';
  }
}
