// Appends the WAL records of accepted samples to `<dir>/<cluster>/<host>/current.wal`
// before the write request is answered.
//
// - Per host, operations run strictly in order; the writes that queued up
//   while one was on disk go out together in one writev (a batch per request,
//   coalesced under load). Nothing is ever dropped: a failed write rejects the
//   requests whose records it held (the service answers 5xx), and the file is
//   cut back to its last whole record so later records stay reachable.
// - A bounded LRU of open file handles; an evicted host reopens on its next write.
// - `mark` + `restart` start a host's log anew after its snapshot is on disk
//   without losing records that arrived while the snapshot was being written:
//   the mark remembers where the log stood when the snapshot was exported, and
//   the restart keeps what lies beyond it (copied into a new file that replaces
//   the old one by rename, so `current.wal` is complete at every instant).

import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { WalAppend } from '../engine/types.ts';
import { WalDecoder, walFileHeader } from './format/wal.ts';
import { syncDir } from './files.ts';
import { WAL_FILE, assertSafeName } from './layout.ts';
import type { PersistLogger } from './log.ts';
import { errorText } from './log.ts';

export class WalWriteError extends Error {
  constructor(
    readonly cluster: string,
    readonly host: string,
    cause: unknown,
  ) {
    super(`WAL of ${cluster}/${host}: ${errorText(cause)}`, { cause });
    this.name = 'WalWriteError';
  }
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(err: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

interface WriteOp {
  kind: 'write';
  chunks: Uint8Array[];
  done: Deferred<void>;
}

interface MarkOp {
  kind: 'mark';
  /** Log size and file generation when the mark was reached. */
  offset: number;
  generation: number;
  done: Deferred<void>;
}

interface RestartOp {
  kind: 'restart';
  mark: MarkOp;
  done: Deferred<void>;
}

type Op = WriteOp | MarkOp | RestartOp;

/** Where a host's log stood at a snapshot export; pass it to `restart` once the snapshot is on disk. */
export interface WalMark {
  readonly cluster: string;
  readonly host: string;
  /** @internal */
  readonly op: MarkOp;
}

interface HostLog {
  cluster: string;
  host: string;
  dir: string;
  path: string;
  queue: Op[];
  running: boolean;
  fd: FileHandle | null;
  /** `size` holds the length of the file's whole records (it has been stat'ed and validated). */
  known: boolean;
  size: number;
  /** Bumped whenever the file is replaced or removed: marks of an older file are void. */
  generation: number;
  oversizeReported: boolean;
}

export interface WalAppenderOptions {
  root: string;
  log: PersistLogger;
  /** fdatasync every batch before acknowledging it (power-loss safety). */
  fsync: boolean;
  /** Open file handles kept at most. */
  maxOpenFiles: number;
  /** Bytes; when a host's log grows past this, `onOversize` is called once per log. 0 = never. */
  maxBytes: number;
  onOversize?: (cluster: string, host: string, bytes: number) => void;
}

const HEADER = walFileHeader();
const READ_CHUNK = 8 << 20;

export interface WalStats {
  /** Bytes appended since start (records and file headers). */
  bytesAppended: number;
  /** Write batches that failed (their requests were answered with an error). */
  failedBatches: number;
  /** Bytes in the logs of the hosts written or restored since start (records not yet in a snapshot). */
  bytesHeld: number;
  /** Hosts with a log known to this process. */
  hosts: number;
  openFiles: number;
}

export class WalAppender {
  private readonly logs = new Map<string, HostLog>();
  /** Hosts with an open handle, least recently used first. */
  private readonly openLru = new Map<string, HostLog>();
  private readonly madeDirs = new Set<string>();
  private closed = false;
  private bytesAppended = 0;
  private failedBatches = 0;

  constructor(private readonly opts: WalAppenderOptions) {}

  /** Appends every host's records; resolves when all are in the files (rejects with WalWriteError). */
  append(batches: readonly WalAppend[]): Promise<void> {
    if (batches.length === 0) return Promise.resolve();
    if (this.closed) return Promise.reject(new Error('WAL is closed'));
    const waits: Promise<void>[] = [];
    for (const b of batches) {
      if (b.records.length === 0) continue;
      let log: HostLog;
      try {
        log = this.logFor(b.cluster, b.host);
      } catch (err) {
        waits.push(Promise.reject(err));
        continue;
      }
      // A view into a larger buffer may be engine memory that the next ingest reuses.
      const records = b.records.byteLength === b.records.buffer.byteLength ? b.records : b.records.slice();
      const op: WriteOp = { kind: 'write', chunks: [records], done: deferred() };
      this.enqueue(log, op);
      waits.push(op.done.promise);
    }
    return waits.length === 1 ? waits[0] : Promise.all(waits).then(() => {});
  }

  /** Remembers where the host's log stands now, after every record queued so far. Call in the same tick as the export. */
  mark(cluster: string, host: string): WalMark {
    const log = this.logFor(cluster, host);
    const op: MarkOp = { kind: 'mark', offset: 0, generation: 0, done: deferred() };
    // A mark that fails is only of interest to `restart`, which may never be
    // called (the snapshot failed too): without a handler here, the rejection
    // would be unhandled and end the process.
    op.done.promise.catch(() => {});
    this.enqueue(log, op);
    return { cluster, host, op };
  }

  /** Drops the records before `mark` (they are in a snapshot on disk now) and keeps the rest. */
  async restart(mark: WalMark): Promise<void> {
    const log = this.logFor(mark.cluster, mark.host);
    await mark.op.done.promise;
    const op: RestartOp = { kind: 'restart', mark: mark.op, done: deferred() };
    this.enqueue(log, op);
    return op.done.promise;
  }

  /** Tells the appender that restore checked (and cut) this host's log to `size` bytes. */
  validated(cluster: string, host: string, size: number): void {
    const log = this.logFor(cluster, host);
    if (log.running || log.queue.length) return;
    log.known = true;
    log.size = size;
  }

  /** Every host whose log this appender has touched. */
  hosts(): Array<[string, string]> {
    return [...this.logs.values()].map((l) => [l.cluster, l.host]);
  }

  /** Bytes in the host's log as far as known (0 before its first use). */
  sizeOf(cluster: string, host: string): number {
    return this.logs.get(key(cluster, host))?.size ?? 0;
  }

  stats(): WalStats {
    let bytesHeld = 0;
    for (const log of this.logs.values()) bytesHeld += log.size;
    return { bytesAppended: this.bytesAppended, failedBatches: this.failedBatches, bytesHeld, hosts: this.logs.size, openFiles: this.openLru.size };
  }

  /** Waits for every queued operation, then closes all files. Later appends fail. */
  async close(): Promise<void> {
    this.closed = true;
    const pending: Promise<unknown>[] = [];
    for (const log of this.logs.values()) {
      const last = log.queue[log.queue.length - 1];
      if (last) pending.push(last.done.promise.catch(() => {}));
    }
    await Promise.all(pending);
    await Promise.all([...this.openLru.values()].map((log) => this.closeHandle(log)));
  }

  private logFor(cluster: string, host: string): HostLog {
    const k = key(cluster, host);
    let log = this.logs.get(k);
    if (!log) {
      assertSafeName('cluster', cluster);
      assertSafeName('host', host);
      const dir = join(this.opts.root, cluster, host);
      log = { cluster, host, dir, path: join(dir, WAL_FILE), queue: [], running: false, fd: null, known: false, size: 0, generation: 0, oversizeReported: false };
      this.logs.set(k, log);
    }
    return log;
  }

  private enqueue(log: HostLog, op: Op): void {
    log.queue.push(op);
    if (!log.running) void this.pump(log);
  }

  private async pump(log: HostLog): Promise<void> {
    log.running = true;
    try {
      while (log.queue.length > 0) {
        const op = log.queue[0];
        if (op.kind === 'write') {
          const batch: WriteOp[] = [];
          while (log.queue.length > 0 && log.queue[0].kind === 'write') batch.push(log.queue.shift() as WriteOp);
          try {
            await this.writeBatch(log, batch);
            for (const w of batch) w.done.resolve();
          } catch (err) {
            const failure = new WalWriteError(log.cluster, log.host, err);
            this.failedBatches++;
            this.opts.log.error(failure.message);
            for (const w of batch) w.done.reject(failure);
          }
        } else if (op.kind === 'mark') {
          log.queue.shift();
          try {
            await this.ensureKnown(log);
            op.offset = log.size;
            op.generation = log.generation;
            op.done.resolve();
          } catch (err) {
            op.done.reject(new WalWriteError(log.cluster, log.host, err));
          }
        } else {
          log.queue.shift();
          try {
            await this.restartNow(log, op.mark);
            op.done.resolve();
          } catch (err) {
            op.done.reject(new WalWriteError(log.cluster, log.host, err));
          }
        }
      }
    } finally {
      log.running = false;
      this.evictIdle();
    }
  }

  private async writeBatch(log: HostLog, batch: WriteOp[]): Promise<void> {
    const fd = await this.ensureOpen(log);
    const chunks: Uint8Array[] = log.size === 0 ? [HEADER] : [];
    let total = log.size === 0 ? HEADER.length : 0;
    for (const w of batch) {
      for (const c of w.chunks) {
        chunks.push(c);
        total += c.length;
      }
    }
    try {
      await writeAll(fd, chunks, total);
      if (this.opts.fsync) await fd.datasync();
    } catch (err) {
      await this.cutBack(log);
      throw err;
    }
    log.size += total;
    this.bytesAppended += total;
    const max = this.opts.maxBytes;
    if (max > 0 && log.size > max && !log.oversizeReported) {
      log.oversizeReported = true;
      this.opts.onOversize?.(log.cluster, log.host, log.size);
    }
  }

  /** After a failed write: cut the file back to its last whole record, or forget what we know so it is re-checked. */
  private async cutBack(log: HostLog): Promise<void> {
    try {
      await log.fd?.truncate(log.size);
    } catch (err) {
      this.opts.log.error(`WAL of ${log.cluster}/${log.host}: cannot cut back to ${log.size} bytes: ${errorText(err)}; it will be re-checked`);
      log.known = false;
    }
    await this.closeHandle(log);
  }

  private async ensureKnown(log: HostLog): Promise<void> {
    if (log.known) return;
    let size: number;
    try {
      size = (await stat(log.path)).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      size = 0;
    }
    if (size > 0) size = await this.validate(log, size);
    log.size = size;
    log.known = true;
  }

  /** Finds the end of the last whole record of an existing log we have not read, and cuts off anything after it. */
  private async validate(log: HostLog, size: number): Promise<number> {
    const handle = await open(log.path, 'r+');
    try {
      const decoder = new WalDecoder();
      const buf = new Uint8Array(Math.min(READ_CHUNK, size));
      for (let at = 0; at < size && !decoder.stop; ) {
        const { bytesRead } = await handle.read(buf, 0, Math.min(buf.length, size - at), at);
        if (bytesRead === 0) break;
        at += bytesRead;
        decoder.decode(buf.subarray(0, bytesRead), at >= size);
      }
      if (decoder.stop === 'bad-header') {
        await handle.close();
        const aside = `${log.path}.corrupt-${Date.now()}`;
        await rename(log.path, aside);
        this.opts.log.error(`WAL of ${log.cluster}/${log.host} is not a WAL (${decoder.reason}); moved aside to ${aside}`);
        log.generation++;
        return 0;
      }
      if (decoder.validBytes < size) {
        this.opts.log.warn(`WAL of ${log.cluster}/${log.host}: ${decoder.reason}; cutting ${size - decoder.validBytes} bytes`);
        await handle.truncate(decoder.validBytes);
      }
      return decoder.validBytes;
    } finally {
      await handle.close().catch(() => {});
    }
  }

  private async ensureOpen(log: HostLog): Promise<FileHandle> {
    if (log.fd) {
      this.openLru.delete(key(log.cluster, log.host));
      this.openLru.set(key(log.cluster, log.host), log);
      return log.fd;
    }
    await this.ensureKnown(log);
    if (!this.madeDirs.has(log.dir)) {
      await mkdir(log.dir, { recursive: true });
      this.madeDirs.add(log.dir);
    }
    const fd = await open(log.path, 'a', 0o644);
    const size = (await fd.stat()).size;
    if (size !== log.size) {
      // Someone else changed the file since we looked: trust what is there, up to whole records.
      log.known = false;
      await fd.close();
      await this.ensureKnown(log);
      return this.ensureOpen(log);
    }
    log.fd = fd;
    this.openLru.set(key(log.cluster, log.host), log);
    this.evictIdle();
    return fd;
  }

  private async restartNow(log: HostLog, mark: MarkOp): Promise<void> {
    if (mark.generation !== log.generation) return; // the file was replaced since: nothing of the mark's is left
    await this.ensureKnown(log);
    if (log.size === 0) return;
    if (log.size === mark.offset) {
      await this.closeHandle(log);
      await rm(log.path, { force: true });
      log.size = 0;
      log.generation++;
      log.oversizeReported = false;
      return;
    }
    if (mark.offset <= HEADER.length) return; // everything in the file came after the mark
    const tailLength = log.size - mark.offset;
    const fresh = new Uint8Array(HEADER.length + tailLength);
    fresh.set(HEADER);
    const reader = await open(log.path, 'r');
    try {
      let at = 0;
      while (at < tailLength) {
        const { bytesRead } = await reader.read(fresh, HEADER.length + at, tailLength - at, mark.offset + at);
        if (bytesRead === 0) throw new Error(`log shorter than expected (${mark.offset + at} < ${log.size})`);
        at += bytesRead;
      }
    } finally {
      await reader.close();
    }
    const tmp = `${log.path}.tmp`;
    const writer = await open(tmp, 'w', 0o644);
    try {
      await writer.writeFile(fresh);
      if (this.opts.fsync) await writer.sync();
    } finally {
      await writer.close();
    }
    await this.closeHandle(log);
    await rename(tmp, log.path);
    if (this.opts.fsync) await syncDir(log.dir);
    log.size = fresh.length;
    log.generation++;
    log.oversizeReported = false;
  }

  private async closeHandle(log: HostLog): Promise<void> {
    const fd = log.fd;
    if (!fd) return;
    log.fd = null;
    this.openLru.delete(key(log.cluster, log.host));
    await fd.close().catch((err) => this.opts.log.warn(`WAL of ${log.cluster}/${log.host}: close: ${errorText(err)}`));
  }

  private evictIdle(): void {
    if (this.openLru.size <= this.opts.maxOpenFiles) return;
    for (const log of this.openLru.values()) {
      if (this.openLru.size <= this.opts.maxOpenFiles) break;
      if (log.running || log.queue.length > 0) continue;
      void this.closeHandle(log);
    }
  }
}

function key(cluster: string, host: string): string {
  return `${cluster}\u0000${host}`;
}

async function writeAll(fd: FileHandle, chunks: Uint8Array[], total: number): Promise<void> {
  let written = 0;
  let list = chunks;
  while (written < total) {
    const { bytesWritten } = await fd.writev(list);
    written += bytesWritten;
    if (written >= total) break;
    if (bytesWritten === 0) throw new Error('write made no progress');
    // Partial write: continue with what is left.
    let skip = bytesWritten;
    const rest: Uint8Array[] = [];
    for (const c of list) {
      if (skip >= c.length) {
        skip -= c.length;
        continue;
      }
      rest.push(skip > 0 ? c.subarray(skip) : c);
      skip = 0;
    }
    list = rest;
  }
}
