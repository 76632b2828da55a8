// A bounded first-in-first-out queue worked off one item at a time, so the
// messages of one subscription are ingested in the order they arrived while
// the NATS callback never waits. When the store falls behind, the queue fills
// up to its byte bound and refuses more; the caller counts and logs that.

export class OrderedQueue<T> {
  private items: T[] = [];
  private head = 0;
  private queuedBytes = 0;
  private running = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly maxBytes: number,
    private readonly sizeOf: (item: T) => number,
    /** Must not reject; a rejection is passed to `onError` and the queue goes on. */
    private readonly work: (item: T) => Promise<void>,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Queues an item; false when it does not fit. An item alone in the queue always fits. */
  push(item: T): boolean {
    const size = this.sizeOf(item);
    if (this.length > 0 && this.queuedBytes + size > this.maxBytes) return false;
    this.items.push(item);
    this.queuedBytes += size;
    if (!this.running) void this.run();
    return true;
  }

  get length(): number {
    return this.items.length - this.head;
  }

  get bytes(): number {
    return this.queuedBytes;
  }

  /** Resolves once every queued item has been worked off. */
  idle(): Promise<void> {
    if (!this.running && this.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async run(): Promise<void> {
    this.running = true;
    while (this.length > 0) {
      const item = this.items[this.head]!;
      this.items[this.head] = undefined as T; // let it be collected while the rest waits
      this.head++;
      try {
        await this.work(item);
      } catch (err) {
        this.onError(err);
      }
      this.queuedBytes -= this.sizeOf(item);
      if (this.head >= 1024 && this.head * 2 >= this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
    }
    this.items = [];
    this.head = 0;
    this.running = false;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
