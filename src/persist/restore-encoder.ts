// Restore's second core: a worker thread with its own instance of the engine
// module encodes the pieces of each `.bin` that loading will seal
// (assembly/load-blocks.ts) while the main thread loads the hosts before it.
// Loading then copies those blocks instead of encoding them: the blocks are
// the same encoder's bytes for the same values. The file's buffer is
// transferred to the worker and back, so nothing is copied in JavaScript.
//
// Nothing here can lose data or stall the restore: when the worker cannot be
// started, is not up yet when a file is due, fails, or takes far too long, the
// file is loaded without blocks and the main thread encodes as before.

import { Worker } from 'node:worker_threads';
import type { SeriesTable } from '../engine/types.ts';

/** The worker's whole program (CommonJS, run with `eval`, so that it needs no file of its own in any build). */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const x = new WebAssembly.Instance(workerData.module, {}).exports;
if (!x.init(0, 1, 65536, 0)) throw new Error('restore encoder: engine init failed');
parentPort.on('message', (job) => {
  const { id, buffer, length, valuesAt, valueCount } = job;
  let blocks = null;
  try {
    const n = valuesAt.length;
    const colsAt = (length + 7) & ~7;
    const outAt = colsAt + n * 8;
    const io = x.ioBuffer(outAt + (x.encodeTablePiecesBound(length) >>> 0)) >>> 0;
    if (io !== 0) {
      const mem = new Uint8Array(x.memory.buffer);
      mem.set(new Uint8Array(buffer, 0, length), io);
      new Uint32Array(x.memory.buffer, io + colsAt, n).set(valuesAt);
      new Uint32Array(x.memory.buffer, io + colsAt + n * 4, n).set(valueCount);
      const size = x.encodeTablePieces(0, length, colsAt, colsAt + n * 4, n, outAt) >>> 0;
      blocks = new Uint8Array(x.memory.buffer, io + outAt, size).slice();
    }
  } catch {
    blocks = null;
  }
  parentPort.postMessage({ id, buffer, blocks }, blocks ? [buffer, blocks.buffer] : [buffer]);
});
parentPort.postMessage({ online: true });
`;

/** A file back from the worker: its buffer (the one handed in, moved back) and the blocks, or null. */
export interface EncodedFile {
  buffer: ArrayBuffer;
  blocks: Uint8Array | null;
}

/** Longest wait for one file: 10 s plus 1 s per 32 MB (the worker encodes several hundred MB/s). */
const timeoutMs = (bytes: number) => 10_000 + bytes / 32_000;

export class RestoreEncoder {
  /** True once the worker has started; before that, files are not waited for. */
  online = false;
  /** True once the worker is up, false when it failed first. */
  readonly ready: Promise<boolean>;
  private settleReady: (up: boolean) => void = () => undefined;
  private broken = false;
  private nextId = 1;
  private readonly jobs = new Map<number, (r: EncodedFile) => void>();

  private constructor(private readonly worker: Worker) {
    this.ready = new Promise<boolean>((resolve) => (this.settleReady = resolve));
    worker.on('message', (m: { online?: boolean; id?: number; buffer?: ArrayBuffer; blocks?: Uint8Array | null }) => {
      if (m.online) {
        this.online = !this.broken;
        this.settleReady(this.online);
        return;
      }
      const job = this.jobs.get(m.id!);
      if (!job) return;
      this.jobs.delete(m.id!);
      job({ buffer: m.buffer!, blocks: m.blocks ?? null });
    });
    const fail = () => this.fail();
    worker.on('error', fail);
    worker.on('exit', fail);
    // The restore's end terminates it; meanwhile it must not keep the process alive on its own.
    worker.unref();
  }

  /** A worker for `module`, or null where worker threads (with `eval`) are not to be had. */
  static start(module: WebAssembly.Module): RestoreEncoder | null {
    try {
      return new RestoreEncoder(new Worker(WORKER_SOURCE, { eval: true, workerData: { module } }));
    } catch {
      return null;
    }
  }

  get usable(): boolean {
    return !this.broken;
  }

  /**
   * Encodes the sealed pieces of `table`, whose bytes are the first
   * `table.bytes.length` bytes of `buffer` (which moves to the worker: use the
   * one in the answer). Never rejects: blocks null when there are none.
   */
  encode(buffer: ArrayBuffer, table: SeriesTable): Promise<EncodedFile> {
    if (this.broken || table.bytes.buffer !== buffer || table.bytes.byteOffset !== 0) return Promise.resolve({ buffer, blocks: null });
    const id = this.nextId++;
    return new Promise<EncodedFile>((resolve) => {
      // A worker that does not answer in time is given up (the restore goes on without it).
      const timer = setTimeout(() => this.fail(), timeoutMs(table.bytes.length));
      this.jobs.set(id, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
      const message = { id, buffer, length: table.bytes.length, valuesAt: table.valuesAt.slice(), valueCount: table.valueCount.slice() };
      try {
        this.worker.postMessage(message, [buffer]);
      } catch {
        this.jobs.get(id)?.({ buffer, blocks: null });
        this.jobs.delete(id);
      }
    });
  }

  /**
   * Gives the worker up: what it still holds is answered without blocks and
   * with an empty buffer (the file's moved to the worker; the caller reads it again).
   */
  fail(): void {
    if (this.broken) return;
    this.broken = true;
    this.online = false;
    this.settleReady(false);
    for (const [, job] of this.jobs) job({ buffer: new ArrayBuffer(0), blocks: null });
    this.jobs.clear();
    void this.worker.terminate().catch(() => undefined);
  }

  close(): void {
    this.fail();
  }
}
