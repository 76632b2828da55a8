// Runs queued jobs with at most `limit` of them in flight, in arrival order.
// The WAL appender queues each host whose file must be opened, so a write of
// 100,000 new hosts keeps a bounded number of file operations (and
// descriptors) in flight instead of starting them all at once.

export class BoundedRunner<T> {
  private queue: Array<T | undefined> = [];
  /** Index of the next job: shift() costs O(n) on a long queue. */
  private head = 0;
  private running = 0;

  constructor(
    private readonly limit: number,
    private readonly run: (job: T) => Promise<void>,
  ) {}

  push(job: T): void {
    this.queue.push(job);
    if (this.running < this.limit) void this.worker();
  }

  private async worker(): Promise<void> {
    this.running++;
    try {
      while (this.head < this.queue.length) {
        const job = this.queue[this.head] as T;
        this.queue[this.head++] = undefined;
        if (this.head >= COMPACT_AFTER && this.head * 2 >= this.queue.length) {
          this.queue = this.queue.slice(this.head);
          this.head = 0;
        }
        await this.run(job);
      }
    } finally {
      this.running--;
    }
  }
}

/** Jobs handed out before the queue drops them. */
const COMPACT_AFTER = 4096;
