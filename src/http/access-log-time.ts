/** Envoy's default START_TIME (`2016-04-15T20:17:00.310Z`), computed once per second, not per line. */

/** Formats epoch milliseconds as ISO-8601 UTC with milliseconds; remembers the last second. */
export class StartTimeFormatter {
  private second = Number.NaN;
  /** `YYYY-MM-DDTHH:MM:SS.` of `second`. */
  private prefix = '';

  format(epochMs: number): string {
    const ms = Math.floor(epochMs);
    const second = Math.floor(ms / 1000);
    if (second !== this.second) {
      this.second = second;
      this.prefix = new Date(second * 1000).toISOString().slice(0, 20);
    }
    const frac = ms - second * 1000;
    return `${this.prefix}${frac < 10 ? '00' : frac < 100 ? '0' : ''}${frac}Z`;
  }
}
