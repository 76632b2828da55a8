// Restore's second core: a worker thread with its own instance of the engine
// module encodes the pieces of each `.bin` that loading will seal
// (assembly/load-blocks.ts) while the main thread loads the hosts before it.
// Loading then copies those blocks instead of encoding them: the blocks are
// the same encoder's bytes for the same values.
//
// The main thread never waits for the worker: it hands over a copy of the
// file (one memcpy), and a file whose blocks are not there when its turn
// comes is loaded without them (the main thread encodes, as without a worker)
// and the worker is told to skip it. So a worker that is slow, not up yet, or
// gone costs the restore nothing but that copy.

import { Worker } from 'node:worker_threads';
import type { SeriesTable } from '../engine/types.ts';

/** The worker's whole program (CommonJS, run with `eval`, so that it needs no file of its own in any build). */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const x = new WebAssembly.Instance(workerData.module, {}).exports;
if (!x.init(0, 1, 65536, 0)) throw new Error('restore encoder: engine init failed');
const queue = [];
const skipped = new Set();
let scheduled = false;
function encode(job) {
  const { bytes, valuesAt, valueCount } = job;
  const n = valuesAt.length;
  const colsAt = (bytes.length + 7) & ~7;
  const outAt = colsAt + n * 8;
  const io = x.ioBuffer(outAt + (x.encodeTablePiecesBound(bytes.length) >>> 0)) >>> 0;
  if (io === 0) return null;
  new Uint8Array(x.memory.buffer).set(bytes, io);
  new Uint32Array(x.memory.buffer, io + colsAt, n).set(valuesAt);
  new Uint32Array(x.memory.buffer, io + colsAt + n * 4, n).set(valueCount);
  const size = x.encodeTablePieces(0, bytes.length, colsAt, colsAt + n * 4, n, outAt) >>> 0;
  return new Uint8Array(x.memory.buffer, io + outAt, size).slice();
}
function next() {
  scheduled = false;
  const job = queue.shift();
  if (!job) return;
  if (!skipped.delete(job.id)) {
    let blocks = null;
    try { blocks = encode(job); } catch { blocks = null; }
    parentPort.postMessage({ id: job.id, blocks, spare: job.bytes.buffer }, blocks ? [blocks.buffer, job.bytes.buffer] : [job.bytes.buffer]);
  } else {
    parentPort.postMessage({ spare: job.bytes.buffer }, [job.bytes.buffer]);
  }
  // One file at a time: messages (new files, skips) are taken between files.
  if (queue.length > 0 && !scheduled) { scheduled = true; setImmediate(next); }
}
parentPort.on('message', (m) => {
  if (m.skip !== undefined) { if (queue.some((j) => j.id === m.skip)) skipped.add(m.skip); return; }
  queue.push({ id: m.id, bytes: new Uint8Array(m.buffer, 0, m.length), valuesAt: m.valuesAt, valueCount: m.valueCount });
  if (!scheduled) { scheduled = true; setImmediate(next); }
});
parentPort.postMessage({ online: true });
`;

/** A file handed to the worker. */
export interface EncodeJob {
  /** The blocks once the worker made them; null when it will not. */
  blocks(): Uint8Array | null | undefined;
  /** Settles when blocks() no longer answers undefined. */
  done: Promise<void>;
  /** The file is loaded without blocks: the worker need not make them. */
  skip(): void;
}

interface Pending {
  blocks?: Uint8Array | null;
  settle?: () => void;
}

/** Spare buffers kept: about the files in flight. */
const MAX_SPARES = 16;

export class RestoreEncoder {
  /** True once the worker has started; files handed in before are not encoded ahead. */
  online = false;
  /** True once the worker is up, false when it failed first. */
  readonly ready: Promise<boolean>;
  private settleReady: (up: boolean) => void = () => undefined;
  private broken = false;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /**
   * Buffers the worker gave back, for the next copies: a new buffer per file
   * would cost the main thread a page fault per 4 KiB and the collector work.
   */
  private readonly spares: ArrayBuffer[] = [];

  private constructor(private readonly worker: Worker, readonly wait: boolean) {
    this.ready = new Promise<boolean>((resolve) => (this.settleReady = resolve));
    worker.on('message', (m: { online?: boolean; id?: number; blocks?: Uint8Array | null; spare?: ArrayBuffer }) => {
      if (m.online) {
        this.online = !this.broken;
        this.settleReady(this.online);
        return;
      }
      if (m.spare && this.spares.length < MAX_SPARES) this.spares.push(m.spare);
      if (m.id === undefined) return;
      const p = this.pending.get(m.id!);
      if (!p) return;
      p.blocks = m.blocks ?? null;
      this.pending.delete(m.id!);
      p.settle?.();
    });
    const fail = () => this.fail();
    worker.on('error', fail);
    worker.on('exit', fail);
    // The restore's end terminates it; meanwhile it must not keep the process alive on its own.
    worker.unref();
  }

  /**
   * A worker for `module`, or null where worker threads (with `eval`) are not
   * to be had. `wait`: loading waits for each file's blocks (a restore whose
   * every file is encoded by the worker, as tests need).
   */
  static start(module: WebAssembly.Module, opts: { wait?: boolean } = {}): RestoreEncoder | null {
    try {
      return new RestoreEncoder(new Worker(WORKER_SOURCE, { eval: true, workerData: { module } }), opts.wait === true);
    } catch {
      return null;
    }
  }

  /** Whether files are worth handing in: the worker is up and has not failed. */
  get usable(): boolean {
    return this.online && !this.broken;
  }

  /** Hands the worker a copy of `table`'s bytes and value columns to encode. */
  encode(table: SeriesTable): EncodeJob {
    const id = this.nextId++;
    const p: Pending = {};
    const job: EncodeJob = {
      done: new Promise<void>((resolve) => (p.settle = resolve)),
      blocks: () => (this.pending.has(id) ? undefined : (p.blocks ?? null)),
      skip: () => {
        if (this.pending.delete(id) && !this.broken) this.worker.postMessage({ skip: id });
        p.blocks = null;
        p.settle!();
      },
    };
    if (this.broken) {
      job.skip();
      return job;
    }
    this.pending.set(id, p);
    try {
      const length = table.bytes.length;
      const buffer = this.spare(length);
      new Uint8Array(buffer, 0, length).set(table.bytes);
      this.worker.postMessage({ id, buffer, length, valuesAt: table.valuesAt.slice(), valueCount: table.valueCount.slice() }, [buffer]);
    } catch {
      job.skip();
    }
    return job;
  }

  /** The smallest spare buffer of at least `size` bytes, or a new one with room to spare. */
  private spare(size: number): ArrayBuffer {
    let best = -1;
    for (let i = 0; i < this.spares.length; i++) {
      if (this.spares[i].byteLength >= size && (best < 0 || this.spares[i].byteLength < this.spares[best].byteLength)) best = i;
    }
    if (best < 0) return new ArrayBuffer(Math.ceil((size * 1.125) / 65536) * 65536 || 65536);
    const [b] = this.spares.splice(best, 1);
    return b;
  }

  /** Gives the worker up: the blocks it owed never come. */
  fail(): void {
    if (this.broken) return;
    this.broken = true;
    this.online = false;
    this.settleReady(false);
    for (const [, p] of this.pending) {
      p.blocks = null;
      p.settle?.();
    }
    this.pending.clear();
    void this.worker.terminate().catch(() => undefined);
  }

  close(): void {
    this.fail();
  }
}
