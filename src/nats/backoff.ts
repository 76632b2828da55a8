// Exponential backoff with jitter for connection attempts. The wait is drawn
// once per failure and then stays put, because the client library asks for it
// more than once while it sleeps between two attempts.

export class Backoff {
  private failures = 0;
  private wait: number;

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
  ) {
    this.wait = initialMs;
  }

  /** Milliseconds to wait before the next attempt. */
  delay(): number {
    return this.wait;
  }

  /** Consecutive failed attempts since the last success. */
  get failureCount(): number {
    return this.failures;
  }

  /** Counts a failed attempt and draws the next wait: half to all of initial * 2^(failures-1), capped. */
  failed(): void {
    this.failures++;
    const ceiling = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.failures - 1, 30));
    this.wait = Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
  }

  succeeded(): void {
    this.failures = 0;
    this.wait = this.initialMs;
  }
}
