// Keeps a flood of alike problems (a collector sending the same bad line every
// few seconds from a thousand hosts) from drowning the log: a few messages per
// interval get through, the rest are counted and reported with the next one.

export class LogLimiter {
  private windowStart = -Infinity;
  private inWindow = 0;
  private suppressed = 0;

  constructor(
    private readonly perInterval: number,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Calls `write` with the message (and how many were held back) unless the budget is spent. */
  log(write: (message: string) => void, message: string): void {
    const t = this.now();
    if (t - this.windowStart >= this.intervalMs) {
      this.windowStart = t;
      this.inWindow = 0;
    }
    if (this.inWindow >= this.perInterval) {
      this.suppressed++;
      return;
    }
    this.inWindow++;
    if (this.suppressed > 0) {
      message += ` (${this.suppressed} similar message${this.suppressed === 1 ? '' : 's'} not logged before this one)`;
      this.suppressed = 0;
    }
    write(message);
  }
}
