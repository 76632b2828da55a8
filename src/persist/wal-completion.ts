// Waiting for the WAL: one promise per `append` call, however many hosts it
// writes. A write of 100,000 hosts would otherwise make 100,000 promises and a
// Promise.all over them, which costs the event loop more than the writes.

/** What a write or an fdatasync reports to once it is done. */
export interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(err: unknown): void;
}

const DONE = Promise.resolve();

export function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * The waiter of every part (host write, fdatasync) of one `append` call:
 * each `expect()` is answered by one `resolve` or `reject`. `seal()` after the
 * last part gives the call's promise: it resolves once every part has, and
 * rejects with the first failure once every part has settled.
 */
export class CallCompletion implements Waiter {
  /** Parts not yet settled, plus one for the seal. */
  private open = 1;
  private failed = false;
  private failure: unknown = undefined;
  private done: Deferred<void> | null = null;

  expect(): this {
    this.open++;
    return this;
  }

  resolve(): void {
    this.settleOne();
  }

  reject(err: unknown): void {
    this.fail(err);
    this.settleOne();
  }

  /** Counts a failure that is no part of its own (a host refused before its write). */
  fail(err: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.failure = err;
  }

  seal(): Promise<void> {
    return this.sealNow() ?? DONE;
  }

  /** As seal, but null when every part has already succeeded: the caller goes on in the same turn, without a promise. */
  sealNow(): Promise<void> | null {
    if (this.open === 1 && !this.failed) {
      this.open = 0;
      return null;
    }
    if (this.open === 1) {
      this.open = 0;
      return Promise.reject(this.failure);
    }
    this.done = deferred();
    const promise = this.done.promise;
    this.settleOne();
    return promise;
  }

  private settleOne(): void {
    if (--this.open > 0 || !this.done) return;
    if (this.failed) this.done.reject(this.failure);
    else this.done.resolve();
  }
}
