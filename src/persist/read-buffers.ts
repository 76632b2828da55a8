// Buffers that restore reads files into and hands back when a host is loaded.
// A fresh buffer per file costs more than its read: the kernel maps and zeroes
// new pages on first touch (about half the time of a read from the page
// cache), and the garbage collector has to find the buffers again. Hosts of a
// cluster have files of similar sizes, so a few buffers serve them all.

import { type Stats, close, fstat, open, read } from 'node:fs';

/** Growth step of new buffers: files of a host that grows a little still fit. */
const ROUND = 1 << 16;

/** Which file a read found: a file with the same identity later holds the same bytes (files are replaced by renames). */
export interface FileIdentity {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
}

export class ReadBuffers {
  private readonly free: Uint8Array[] = [];
  /** Reads waiting for one in flight to end, by `order` and then as asked for. */
  private readonly waiting: Array<{ order: number; go: () => void }> = [];
  private inFlight = 0;
  /** The largest file read so far. */
  private largest = 0;

  /**
   * `reads`: files read at once. Restore asks for a few hosts' files ahead;
   * read all at once, they share the cores with loading and each other, and
   * the first host's file (the one loading waits for) comes with the others:
   * on memory.bench's 10 MB files, 55 ms after the restore began, against
   * ~7 ms alone (docs/engine.md "Session 11"). A few at a time, in the order
   * loading needs them (their directory listings end in any order), a file
   * is there about as early as it can be.
   */
  constructor(private readonly reads = 2) {}

  /** A buffer of at least `size` bytes (the smallest free one that fits). */
  take(size: number): Uint8Array {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      if (this.free[i].length >= size && (best < 0 || this.free[i].length < this.free[best].length)) best = i;
    }
    if (best < 0) return new Uint8Array(Math.ceil((size * 1.125) / ROUND) * ROUND || ROUND);
    const [b] = this.free.splice(best, 1);
    return b;
  }

  /** Hands a buffer from take() back; its contents must no longer be used. */
  give(buffer: Uint8Array): void {
    this.free.push(buffer);
  }

  /**
   * Reads a whole file into a buffer of the pool: the buffer (to give back)
   * and the file's bytes in it, and the file's identity. Plain callbacks: the
   * promise API's file handles cost restore more main-thread time than its
   * reads take. Waiting reads start lowest `order` first.
   */
  readFile(path: string, order = 0): Promise<{ buffer: Uint8Array; bytes: Uint8Array; identity: FileIdentity }> {
    const start = () => {
      const read = this.readNow(path);
      // The slot goes to the next read asked for, if any.
      const next = () => {
        const first = this.waiting.shift();
        if (first) first.go();
        else this.inFlight--;
      };
      read.then(next, next);
      return read;
    };
    if (this.inFlight < this.reads) {
      this.inFlight++;
      return start();
    }
    return new Promise<void>((go) => {
      let at = this.waiting.length;
      while (at > 0 && this.waiting[at - 1].order > order) at--;
      this.waiting.splice(at, 0, { order, go });
    }).then(start);
  }

  /**
   * open, then fstat and the read at once (into a buffer the size of the
   * largest file read before: a cluster's hosts have files of similar
   * sizes), then close: three turns of the event loop a file instead of
   * four. Loading gives the loop a turn only between hosts, so every turn a
   * file needs is a host loaded before the next read can start.
   */
  private readNow(path: string): Promise<{ buffer: Uint8Array; bytes: Uint8Array; identity: FileIdentity }> {
    return new Promise((resolve, reject) => {
      open(path, 'r', (err, fd) => {
        if (err) return reject(err);
        const finish = (error: Error | null, result?: { buffer: Uint8Array; bytes: Uint8Array; identity: FileIdentity }) => {
          close(fd, () => (error ? reject(error) : resolve(result!)));
        };
        const withStat = (stat: Stats, buffer: Uint8Array, at: number): void => {
          const size = stat.size;
          this.largest = Math.max(this.largest, size);
          const identity = { dev: stat.dev, ino: stat.ino, size, mtimeMs: stat.mtimeMs };
          // Bytes past the size found: the file grew after fstat, and those are not read either way.
          if (at > size) at = size;
          if (buffer.length < size) {
            const bigger = this.take(size);
            bigger.set(buffer.subarray(0, at));
            this.give(buffer);
            buffer = bigger;
          }
          const step = (at: number): void => {
            if (at >= size) return finish(null, { buffer, bytes: buffer.subarray(0, at), identity });
            read(fd, buffer, at, size - at, at, (err, bytesRead) => {
              if (err) {
                this.give(buffer);
                return finish(err);
              }
              // A file cut short while we read: what is there.
              if (bytesRead === 0) return finish(null, { buffer, bytes: buffer.subarray(0, at), identity: { ...identity, size: at } });
              step(at + bytesRead);
            });
          };
          step(at);
        };
        if (this.largest === 0) {
          fstat(fd, (err, stat) => (err ? finish(err) : withStat(stat, this.take(stat.size), 0)));
          return;
        }
        const buffer = this.take(this.largest);
        let stat: Stats | null = null;
        let read0: number | null = null;
        let failed: Error | null = null;
        let pending = 2;
        const done = () => {
          if (--pending > 0) return;
          if (failed) {
            this.give(buffer);
            return finish(failed);
          }
          withStat(stat!, buffer, read0!);
        };
        fstat(fd, (err, st) => {
          if (err) failed ??= err;
          else stat = st;
          done();
        });
        read(fd, buffer, 0, buffer.length, 0, (err, bytesRead) => {
          if (err) failed ??= err;
          else read0 = bytesRead;
          done();
        });
      });
    });
  }
}
