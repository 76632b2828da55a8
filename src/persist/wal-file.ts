// One open `current.wal`: synchronous appends on a cached file descriptor, and
// for the fsync mode a group commit.
//
// Appends are synchronous on purpose: a write into the page cache takes a few
// microseconds, while an asynchronous one is a round trip through the libuv
// thread pool per host and request, which cost more than the write itself.
// node:fs's synchronous calls behave alike on Node, Bun and Deno.
//
// With fsync, each append waits for an fdatasync that started after it. One
// fdatasync runs at a time per file; the appends that arrive meanwhile share
// the next one, so a busy host pays one disk flush per round, not per request.
// Closing waits for a running fdatasync, so the descriptor is never closed (and
// its number reused by another file) under it.
//
// Opening and closing go through the thread pool: they touch the directory
// (and the inode on close), which costs far more than an append, and a write
// of many hosts that are not open would otherwise hold the event loop for all
// of them in a row.

import { close, fdatasync, fstat, ftruncateSync, open, writeSync, writevSync } from 'node:fs';

export interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
}

export interface WalFileEvents {
  /** Counts one fdatasync (of one or more appends). */
  synced(): void;
  /** Turns an fdatasync error into what the waiting appends are rejected with; called once per failed fdatasync. */
  syncFailed(err: unknown): unknown;
}

export class WalFile {
  private syncing = false;
  /** Appends written since the running fdatasync started; they wait for the next one. */
  private waiting: Waiter[] = [];
  private closeRequested = false;
  private closedNow: (() => void) | null = null;
  private readonly closed: Promise<void>;

  private constructor(
    private readonly fd: number,
    private readonly events: WalFileEvents,
  ) {
    this.closed = new Promise((resolve) => (this.closedNow = resolve));
  }

  /** Opens (creates) `path` for appending; resolves with the file and its size. */
  static open(path: string, events: WalFileEvents): Promise<{ file: WalFile; size: number }> {
    return new Promise((resolve, reject) => {
      open(path, 'a', 0o644, (err, fd) => {
        if (err) return reject(err);
        fstat(fd, (statErr, stats) => {
          if (statErr) {
            close(fd, () => reject(statErr));
            return;
          }
          resolve({ file: new WalFile(fd, events), size: stats.size });
        });
      });
    });
  }

  /**
   * Writes every byte of `chunks` (`total` of them) at the end of the file, in
   * one system call unless the kernel takes less; throws on failure (bytes may
   * be written in part). A single chunk goes through writeSync: Deno's
   * writevSync costs some 2.5 times as much.
   */
  write(chunks: readonly Uint8Array[], total: number): void {
    let written = 0;
    let list = chunks;
    for (;;) {
      const n = list.length === 1 ? writeSync(this.fd, list[0]!) : writevSync(this.fd, list as Uint8Array[]);
      written += n;
      if (written >= total) return;
      if (n === 0) throw new Error('write made no progress');
      list = rest(list, n);
    }
  }

  truncate(size: number): void {
    ftruncateSync(this.fd, size);
  }

  /** Resolves once everything written so far is on the disk (fdatasync). */
  durable(waiter: Waiter): void {
    if (this.closeRequested) {
      waiter.reject(new Error('WAL file closed before its fdatasync'));
      return;
    }
    this.waiting.push(waiter);
    if (!this.syncing) this.syncRound();
  }

  /** Closes the descriptor now, or after the running fdatasync; resolves once it is closed. */
  close(): Promise<void> {
    if (!this.closeRequested) {
      this.closeRequested = true;
      if (!this.syncing) this.closeNow();
    }
    return this.closed;
  }

  private syncRound(): void {
    const round = this.waiting;
    this.waiting = [];
    this.syncing = true;
    fdatasync(this.fd, (err) => {
      this.syncing = false;
      this.events.synced();
      if (err) {
        const failure = this.events.syncFailed(err);
        for (const w of round) w.reject(failure);
      } else {
        for (const w of round) w.resolve();
      }
      if (this.waiting.length > 0) this.syncRound();
      else if (this.closeRequested) this.closeNow();
    });
  }

  private closeNow(): void {
    // An error is ignored: nothing of ours is lost, every byte was written and
    // fdatasyncs reported their own errors.
    close(this.fd, () => {
      this.closedNow?.();
      this.closedNow = null;
    });
  }
}

/** What is left of `chunks` after its first `skip` bytes (a partial writev). */
function rest(chunks: readonly Uint8Array[], skip: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const c of chunks) {
    if (skip >= c.length) {
      skip -= c.length;
      continue;
    }
    out.push(skip > 0 ? c.subarray(skip) : c);
    skip = 0;
  }
  return out;
}
