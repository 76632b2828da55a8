// A bounded first-in-first-out queue worked off one batch at a time: the
// messages of one subscription are ingested in the order they arrived while
// the NATS callback never waits, and the messages that queued up meanwhile are
// handed over together (their WAL records then go out in one write per host).
// Work starts in the event loop's next check phase (setImmediate), after every
// message of the socket reads at hand has been parsed and queued: the client
// delivers them one by one, each after the previous one's microtasks. When the
// store falls behind, the queue fills up to its byte bound and refuses more;
// the caller counts and logs that.

import { setImmediate } from 'node:timers';

export class OrderedQueue<T> {
  private items: T[] = [];
  private head = 0;
  private queuedBytes = 0;
  /** Items handed to `work` and not yet done. */
  private inWork = 0;
  private running = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly maxBytes: number,
    private readonly sizeOf: (item: T) => number,
    /** Must not reject; a rejection is passed to `onError` and the queue goes on. */
    private readonly work: (batch: T[]) => Promise<void>,
    private readonly onError: (err: unknown) => void,
    /** Bytes of items handed to `work` at once at most (a larger item goes alone). */
    private readonly maxBatchBytes = Infinity,
  ) {}

  /** Queues an item; false when it does not fit. An item into an empty queue always fits. */
  push(item: T): boolean {
    const size = this.sizeOf(item);
    if (this.length > 0 && this.queuedBytes + size > this.maxBytes) return false;
    this.items.push(item);
    this.queuedBytes += size;
    if (!this.running) {
      this.running = true;
      setImmediate(() => void this.run());
    }
    return true;
  }

  /** Items waiting or in work. */
  get length(): number {
    return this.items.length - this.head + this.inWork;
  }

  /** Bytes of the items waiting or in work. */
  get bytes(): number {
    return this.queuedBytes;
  }

  /** Resolves once every queued item has been worked off. */
  idle(): Promise<void> {
    if (!this.running && this.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async run(): Promise<void> {
    while (this.head < this.items.length) {
      const batch: T[] = [];
      let batchBytes = 0;
      while (this.head < this.items.length) {
        const item = this.items[this.head]!;
        const size = this.sizeOf(item);
        if (batch.length > 0 && batchBytes + size > this.maxBatchBytes) break;
        batch.push(item);
        batchBytes += size;
        this.items[this.head] = undefined as T; // let it be collected while the rest waits
        this.head++;
      }
      this.inWork = batch.length;
      try {
        await this.work(batch);
      } catch (err) {
        this.onError(err);
      }
      // Counted until worked off, so that the bound holds what is in the store's hands too.
      this.inWork = 0;
      this.queuedBytes -= batchBytes;
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
