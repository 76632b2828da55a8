// Restore's second core: a worker thread with its own instance of the engine
// module encodes the values of each `.bin` that loading will encode (the
// sealed pieces and the newest chunk's full pages, assembly/load-blocks.ts)
// while the main thread loads the hosts before it. Loading then copies those
// blocks where it would call the encoder: the same encoder's bytes for the
// same values, and the rest of loading (levels, chunks, allocations, stamps,
// counters) runs on the main thread as without the worker, so the store comes
// out the same.
//
// The file's bytes are not copied for the worker: restore reads files into
// SharedArrayBuffers (read-buffers.ts) and the worker reads them there. Each
// job has a state word both threads change atomically: queued, taken by the
// worker, taken back by the main thread (which then encodes while loading, as
// without a worker), done. So the main thread waits only for a file the
// worker is on, never for one it has not started (at start-up, or when the
// worker falls behind), and a buffer goes back to the pool only once the
// worker is done with it or never touched it.

import type { SeriesTable } from '../engine/types.ts';
import { startThread, type ThreadPort } from '../runtime/index.ts';

/** The worker's whole program (CommonJS, run with `eval`, so that it needs no file of its own in any build). */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const x = new WebAssembly.Instance(workerData.module, {}).exports;
if (!x.init(0, 1, 65536, 0)) throw new Error('restore worker: engine init failed');
const slack = x.encodeTablePiecesSlack() >>> 0;
const queue = [];
let scheduled = false;
let busy = 0;
function encode(job) {
  const { bytes, valuesAt, valueCount, limit } = job;
  const n = valuesAt.length;
  const colsAt = (bytes.length + 7) & ~7;
  const outAt = colsAt + n * 8;
  const io = x.ioBuffer(outAt + limit + slack) >>> 0;
  if (io === 0) return null;
  new Uint8Array(x.memory.buffer).set(bytes, io);
  new Uint32Array(x.memory.buffer, io + colsAt, n).set(valuesAt);
  new Uint32Array(x.memory.buffer, io + colsAt + n * 4, n).set(valueCount);
  const size = x.encodeTablePieces(0, bytes.length, colsAt, colsAt + n * 4, n, outAt, limit) >>> 0;
  return new Uint8Array(x.memory.buffer, io + outAt, size).slice();
}
function next() {
  scheduled = false;
  const job = queue.shift();
  if (!job) return;
  // 0 queued -> 1 taken; the main thread may have taken it back (2).
  if (Atomics.compareExchange(job.state, 0, 0, 1) === 0) {
    const t = performance.now();
    let blocks = null;
    try { blocks = encode(job); } catch { blocks = null; }
    busy += performance.now() - t;
    Atomics.store(job.state, 0, 3);
    parentPort.postMessage({ id: job.id, blocks, busy }, blocks ? [blocks.buffer] : []);
  }
  // One file at a time: new jobs are taken between files.
  if (queue.length > 0 && !scheduled) { scheduled = true; setImmediate(next); }
}
parentPort.on('message', (m) => {
  queue.push(m);
  if (!scheduled) { scheduled = true; setImmediate(next); }
});
parentPort.postMessage({ online: true });
`;

const QUEUED = 0;
const STOLEN = 2;

/** A file handed to the worker. */
export interface EncodeJob {
  /**
   * The blocks: at once when the worker is done; null at once when it had
   * not started (it never will: the caller encodes); otherwise once the
   * worker is done (null when it failed). Never rejects.
   */
  take(): Promise<Uint8Array | null>;
}

interface Pending {
  blocks?: Uint8Array | null;
  settle: () => void;
}

export class RestoreWorker {
  /** Milliseconds the worker spent encoding, as it last reported. */
  busyMs = 0;
  /** Files whose blocks the worker made, and files taken back before it started them. */
  encoded = 0;
  takenBack = 0;
  /** Set once the worker failed; its jobs answer null. */
  failure: unknown = undefined;
  private broken = false;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  private constructor(private readonly port: ThreadPort, private readonly takeBack: boolean) {
    port.onMessage((message) => {
      const m = message as { online?: boolean; id?: number; blocks?: Uint8Array | null; busy?: number };
      if (m.id === undefined) return;
      if (m.busy !== undefined) this.busyMs = m.busy;
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      p.blocks = m.blocks ?? null;
      if (p.blocks) this.encoded++;
      p.settle();
    });
    port.onEnd((error) => this.fail(error ?? new Error('restore worker exited')));
  }

  /**
   * A worker for `module`, or null where worker threads are not to be had.
   * `takeBack: false` (tests): loading waits for every file handed in, even
   * one the worker has not started.
   */
  static start(module: WebAssembly.Module, opts: { takeBack?: boolean } = {}): RestoreWorker | null {
    const port = startThread(WORKER_SOURCE, { module });
    return port ? new RestoreWorker(port, opts.takeBack !== false) : null;
  }

  get usable(): boolean {
    return !this.broken;
  }

  /**
   * Hands the worker `table` (its bytes in a SharedArrayBuffer) to make at
   * most `limit` bytes of blocks of; null when it cannot take it.
   */
  submit(table: SeriesTable, limit: number): EncodeJob | null {
    if (this.broken || !(table.bytes.buffer instanceof SharedArrayBuffer)) return null;
    const id = this.nextId++;
    const state = new Int32Array(new SharedArrayBuffer(4));
    let settle!: () => void;
    const done = new Promise<void>((resolve) => (settle = resolve));
    const p: Pending = { settle };
    try {
      this.port.post({ id, bytes: table.bytes, valuesAt: table.valuesAt.slice(), valueCount: table.valueCount.slice(), limit, state });
    } catch {
      return null;
    }
    this.pending.set(id, p);
    return {
      take: async () => {
        if (p.blocks !== undefined) return p.blocks;
        if (this.takeBack && Atomics.compareExchange(state, 0, QUEUED, STOLEN) === QUEUED) {
          this.pending.delete(id);
          this.takenBack++;
          p.blocks = null;
          return null;
        }
        await done;
        return p.blocks ?? null;
      },
    };
  }

  /** Gives the worker up: the blocks it owed come as null. */
  fail(error: unknown): void {
    if (this.broken) return;
    this.broken = true;
    this.failure = error;
    for (const [, p] of this.pending) {
      p.blocks = null;
      p.settle();
    }
    this.pending.clear();
    this.port.terminate();
  }

  close(): void {
    if (this.broken) return;
    this.broken = true;
    for (const [, p] of this.pending) {
      p.blocks = null;
      p.settle();
    }
    this.pending.clear();
    this.port.terminate();
  }
}
