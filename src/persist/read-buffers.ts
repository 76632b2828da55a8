// Buffers that restore reads files into and hands back when a host is loaded.
// A fresh buffer per file costs more than its read: the kernel maps and zeroes
// new pages on first touch (about half the time of a read from the page
// cache), and the garbage collector has to find the buffers again. Hosts of a
// cluster have files of similar sizes, so a few buffers serve them all.

import { close, fstat, open, read } from 'node:fs';

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
   * reads take.
   */
  readFile(path: string): Promise<{ buffer: Uint8Array; bytes: Uint8Array; identity: FileIdentity }> {
    return new Promise((resolve, reject) => {
      open(path, 'r', (err, fd) => {
        if (err) return reject(err);
        const finish = (error: Error | null, result?: { buffer: Uint8Array; bytes: Uint8Array; identity: FileIdentity }) => {
          close(fd, () => (error ? reject(error) : resolve(result!)));
        };
        fstat(fd, (err, stat) => {
          if (err) return finish(err);
          const size = stat.size;
          const identity = { dev: stat.dev, ino: stat.ino, size, mtimeMs: stat.mtimeMs };
          const buffer = this.take(size);
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
          step(0);
        });
      });
    });
  }
}
