// Restore's second core: a worker thread with its own instance of the engine
// module encodes the values of each `.bin` that loading will encode (the
// sealed pieces and the newest chunk's full pages, assembly/load-blocks.ts)
// while the main thread loads the hosts before it. Loading then copies those
// blocks where it would call the encoder: the same encoder's bytes for the
// same values, and the rest of loading (levels, chunks, allocations, stamps,
// counters) runs on the main thread as without the worker, so the store comes
// out the same.
//
// Nothing is copied for the worker and the main thread never waits for it.
// The worker reads the file again, straight into its own instance (from the
// page cache; it checks that the file is the one loading read: same device,
// inode, size and time, before and after its read). Copying the bytes loading
// read through a SharedArrayBuffer would have cost more: V8 copies from and to
// shared memory word by word (relaxed_memmove), and the main thread's copy of
// every file into its instance went that way too (18 % of its instructions).
// The worker writes the blocks into a SharedArrayBuffer of the job, a run of
// series (RUN_BYTES of values) at a time, and after each run publishes how
// many entries are complete. When loading reaches the file it takes what is
// complete at that moment and tells the worker to stop; the entries past it
// are encoded while loading, as without a worker. So the two threads meet
// somewhere in a file whenever the worker has not run ahead, and whatever the
// worker does after that lands past what was taken.
//
// A job's state words: [0] queued (0), taken by the worker (1), taken back
// before it started (2), done (3); [1] 1 once loading wants the file; [2] the
// entries complete.

import type { SeriesTable } from '../engine/types.ts';
import type { FileIdentity } from './read-buffers.ts';
import { startThread, type ThreadPort } from '../runtime/index.ts';

/** The worker's whole program (CommonJS, run with `eval`, so that it needs no file of its own in any build). */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const x = new WebAssembly.Instance(workerData.module, {}).exports;
if (!x.init(0, 1, 65536, 0)) throw new Error('restore worker: engine init failed');
const slack = x.encodeTablePiecesSlack() >>> 0;
// Values a run of series holds: loading may take the file between runs.
const RUN_BYTES = workerData.runBytes;
const MAX_RUNS = workerData.maxRuns;
const queue = [];
let scheduled = false;
let busy = 0;
// The file as loading read it: the same device, inode, size and time (a checkpoint replaces a file by a rename).
function same(st, id) {
  return st.dev === id.dev && st.ino === id.ino && st.size === id.size && st.mtimeMs === id.mtimeMs;
}
function encode(job) {
  const { path, identity, valuesAt, valueCount, limit, state, out } = job;
  const n = valuesAt.length;
  const size0 = identity.size;
  const colsAt = (size0 + 7) & ~7;
  const outAt = colsAt + n * 8;
  const io = x.ioBuffer(outAt + limit + slack) >>> 0;
  if (io === 0) return;
  // Read straight into this instance (a copy out of a SharedArrayBuffer would go byte-wise and cost more).
  const fd = fs.openSync(path, 'r');
  try {
    if (!same(fs.fstatSync(fd), identity)) return;
    for (let at = 0; at < size0; ) {
      const got = fs.readSync(fd, new Uint8Array(x.memory.buffer, io + at, size0 - at), 0, size0 - at, at);
      if (got === 0) return;
      at += got;
    }
    if (!same(fs.fstatSync(fd), identity)) return;
  } finally {
    fs.closeSync(fd);
  }
  new Uint32Array(x.memory.buffer, io + colsAt, n).set(valuesAt);
  new Uint32Array(x.memory.buffer, io + colsAt + n * 4, n).set(valueCount);
  let done = 0;
  let size = 0;
  for (let first = 0, runs = 0; first < n; runs++) {
    if (Atomics.load(state, 1) !== 0 || runs === MAX_RUNS) return;
    let last = first;
    let run = 0;
    while (last < n && (last === first || run < RUN_BYTES)) {
      run += valueCount[last] * 4;
      last++;
    }
    const full = x.encodeTablePieces(0, size0, colsAt, colsAt + n * 4, n, outAt, limit, first, last) >>> 0;
    first = last;
    // The new entries' ends and bytes, then their count (the entry count word with the first run).
    const w = new Uint8Array(x.memory.buffer, io + outAt, full);
    const entries = (w[4] | (w[5] << 8) | (w[6] << 16) | (w[7] << 24)) >>> 0;
    const k = (w[0] | (w[1] << 8) | (w[2] << 16) | (w[3] << 24)) >>> 0;
    if (done === 0) out.set(w.subarray(4, 8), 4);
    out.set(w.subarray(8 + 4 * done, 8 + 4 * k), 8 + 4 * done);
    out.set(w.subarray(Math.max(size, 8 + 4 * entries), full), Math.max(size, 8 + 4 * entries));
    size = full;
    done = k;
    Atomics.store(state, 2, k);
    if (x.encodeTablePiecesFull()) return;
  }
}
function next() {
  scheduled = false;
  const job = queue.shift();
  if (!job) return;
  if (Atomics.compareExchange(job.state, 0, 0, 1) === 0) {
    const t = performance.now();
    try { encode(job); } catch (err) { parentPort.postMessage({ error: String(err) }); }
    busy += performance.now() - t;
    Atomics.store(job.state, 0, 3);
    Atomics.notify(job.state, 0);
    parentPort.postMessage({ busy });
  }
  // One file at a time: new jobs are taken between files.
  if (queue.length > 0 && !scheduled) { scheduled = true; setImmediate(next); }
}
parentPort.on('message', (m) => {
  queue.push(m);
  if (!scheduled) { scheduled = true; setImmediate(next); }
});
`;

const QUEUED = 0;
const TAKEN_BACK = 2;
const DONE = 3;
const RUN_BYTES = 256 << 10;
/** Output buffers kept for later jobs: about the files read ahead. */
const MAX_SPARES = 12;

/** A file handed to the worker. */
export interface EncodeJob {
  /**
   * The blocks the worker has completed by now (null: none), and the worker
   * stops on this file. Answers the same when called again.
   */
  take(): Uint8Array | null;
}

interface Output {
  buffer: SharedArrayBuffer;
  /** The state words of the job last given it: reusable once loading took that job and the worker is off it. */
  state: Int32Array;
  taken: boolean;
}

export class RestoreWorker {
  /** Milliseconds the worker spent encoding, as it last reported. */
  busyMs = 0;
  /** Files taken with all their blocks, with some, and taken back before the worker started them. */
  whole = 0;
  partial = 0;
  takenBack = 0;
  /** Set once the worker failed. */
  failure: unknown = undefined;
  private broken = false;
  private readonly outputs: Output[] = [];

  private constructor(private readonly port: ThreadPort, private readonly wait: boolean) {
    port.onMessage((message) => {
      const m = message as { busy?: number; error?: string };
      if (m.busy !== undefined) this.busyMs = m.busy;
      if (m.error !== undefined) this.fail(new Error(m.error));
    });
    port.onEnd((error) => this.fail(error ?? new Error('restore worker exited')));
  }

  /**
   * A worker for `module`, or null where worker threads are not to be had.
   * For tests: `wait`: take() blocks until the worker is through with the
   * file (it never takes one back); `maxRuns`: the worker stops after that
   * many runs of a file, so loading gets part of its blocks; `runBytes`:
   * values of a run.
   */
  static start(module: WebAssembly.Module, opts: { runBytes?: number; maxRuns?: number; wait?: boolean } = {}): RestoreWorker | null {
    const port = startThread(WORKER_SOURCE, { module, runBytes: opts.runBytes ?? RUN_BYTES, maxRuns: opts.maxRuns ?? -1 });
    return port ? new RestoreWorker(port, opts.wait === true) : null;
  }

  get usable(): boolean {
    return !this.broken;
  }

  /**
   * Hands the worker the file at `path` that loading read as `table` (found
   * as `identity`), to make at most `limit` bytes of blocks of; null when it
   * cannot take it. The worker reads the file again, and makes nothing when
   * it is no longer the same file.
   */
  submit(table: SeriesTable, limit: number, path: string, identity: FileIdentity): EncodeJob | null {
    if (this.broken || typeof SharedArrayBuffer === 'undefined' || identity.size !== table.bytes.length) return null;
    const state = new Int32Array(new SharedArrayBuffer(12));
    const output = this.output(limit, state);
    const out = output.buffer;
    try {
      this.port.post({ path, identity, valuesAt: table.valuesAt.slice(), valueCount: table.valueCount.slice(), limit, state, out: new Uint8Array(out, 0, limit) });
    } catch {
      return null;
    }
    let taken: Uint8Array | null | undefined;
    return {
      // Synchronous, and the caller copies the blocks at once: the buffer is handed out again only after this.
      take: () => {
        if (taken !== undefined) return taken;
        output.taken = true;
        if (this.wait) {
          for (let s = Atomics.load(state, 0); s !== DONE && !this.broken; s = Atomics.load(state, 0)) Atomics.wait(state, 0, s, 50);
        }
        if (Atomics.compareExchange(state, 0, QUEUED, TAKEN_BACK) === QUEUED) {
          this.takenBack++;
          return (taken = null);
        }
        Atomics.store(state, 1, 1);
        const finished = Atomics.load(state, 0) === DONE;
        const k = Atomics.load(state, 2);
        if (k === 0) return (taken = null);
        const view = new DataView(out);
        const entries = view.getUint32(4, true);
        view.setUint32(0, k, true);
        if (finished && k === entries) this.whole++;
        else this.partial++;
        return (taken = new Uint8Array(out, 0, 8 + 4 * entries + view.getUint32(8 + 4 * (k - 1), true)));
      },
    };
  }

  /** An output buffer of at least `size` bytes whose last job is over, or a new one; given to the job of `state`. */
  private output(size: number, state: Int32Array): Output {
    let best: Output | undefined;
    for (const o of this.outputs) {
      const s = Atomics.load(o.state, 0);
      if (o.taken && (s === DONE || s === TAKEN_BACK) && o.buffer.byteLength >= size && (!best || o.buffer.byteLength < best.buffer.byteLength)) best = o;
    }
    if (best) {
      best.state = state;
      best.taken = false;
      return best;
    }
    const o: Output = { buffer: new SharedArrayBuffer(Math.ceil(Math.max(size, 1) / 65536) * 65536), state, taken: false };
    if (this.outputs.length >= MAX_SPARES) this.outputs.shift();
    this.outputs.push(o);
    return o;
  }

  /** Gives the worker up: what it completed stays valid, nothing more comes. */
  fail(error: unknown): void {
    if (this.broken) return;
    this.failure = error;
    this.close();
  }

  close(): void {
    if (this.broken) return;
    this.broken = true;
    this.outputs.length = 0;
    this.port.terminate();
  }
}
