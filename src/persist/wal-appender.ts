// Appends the WAL records of accepted samples to `<dir>/<cluster>/<host>/current.wal`
// before the write request is answered.
//
// - The hot path is synchronous (see wal-file.ts): a host whose log is known,
//   idle and open gets all its records of a request in one writev on its cached
//   file descriptor, inside `append` itself, so per host the file order is the
//   call order. With fsync, `append` then waits for an fdatasync shared by the
//   requests that wrote to the file meanwhile (group commit).
// - What is slow or rare runs on a per-host queue, never on the event loop: the
//   first look at a log (stat, validation), creating its directory, opening its
//   file, the start of a new log after a snapshot. At most COLD_OPENS hosts are
//   being looked at or opened at once, so a write of 100,000 new hosts holds a
//   bounded number of files and thread-pool jobs while other requests are
//   served, and is answered once all its records are in the files. While a
//   host's queue holds anything, its writes join the queue (those that queued
//   up go out together in one writev), so nothing overtakes an operation
//   before it and no record lands in a file that is being replaced.
// - Nothing is ever dropped: a failed write rejects the requests whose records
//   it held (the service answers 5xx), and the file is cut back to its last
//   whole record so later records stay reachable.
// - A bounded LRU of open file descriptors; an evicted host reopens on its next write.
// - `mark` + `restart` start a host's log anew after its snapshot is on disk
//   without losing records that arrived while the snapshot was being written:
//   the mark remembers where the log stood when the snapshot was exported, and
//   the restart keeps what lies beyond it (copied into a new file that replaces
//   the old one by rename, so `current.wal` is complete at every instant).

import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { WalAppend } from '../engine/types.ts';
import { walFileHeader } from './format/wal.ts';
import { makeDirectory } from './files.ts';
import { WAL_FILE, assertSafeName } from './layout.ts';
import type { PersistLogger } from './log.ts';
import { errorText } from './log.ts';
import { CallCompletion, type Deferred, type Waiter, deferred } from './wal-completion.ts';
import { BoundedRunner } from './bounded-runner.ts';
import { WalFile } from './wal-file.ts';
import { checkLogFile, keepTail } from './wal-log-files.ts';

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

interface WriteOp {
  kind: 'write';
  chunks: Uint8Array[];
  /** The completion of the `append` call the records came with. */
  done: Waiter;
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
  key: string;
  dir: string;
  path: string;
  queue: Op[];
  running: boolean;
  /** Open only while `known`. */
  file: WalFile | null;
  /** `size` holds the length of the file's whole records (it has been stat'ed and validated). */
  known: boolean;
  size: number;
  /** Bumped whenever the file is replaced or removed: marks of an older file are void. */
  generation: number;
  oversizeReported: boolean;
  /** The records of the `append` call numbered `call` (several parts when the host comes up more than once). */
  call: number;
  chunks: Uint8Array[];
}

export interface WalAppenderOptions {
  root: string;
  log: PersistLogger;
  /** fdatasync every batch before acknowledging it (power-loss safety). */
  fsync: boolean;
  /** Open file descriptors kept at most. */
  maxOpenFiles: number;
  /** Bytes; when a host's log grows past this, `onOversize` is called once per log. 0 = never. */
  maxBytes: number;
  onOversize?: (cluster: string, host: string, bytes: number) => void;
}

const HEADER = walFileHeader();
/** Times a log is re-checked when it changes under us between the check and the open. */
const OPEN_ATTEMPTS = 3;
const DONE = Promise.resolve();
/** Hosts whose log is being looked at or opened at once (file descriptors beyond maxOpenFiles, thread-pool jobs). */
export const COLD_OPENS = 64;
/** WAL file descriptors kept open at most by default. */
export const DEFAULT_MAX_OPEN_WAL_FILES = 1024;
const NO_CHUNKS: Uint8Array[] = [];

export interface WalStats {
  /** Bytes appended since start (records and file headers). */
  bytesAppended: number;
  /** Write batches that failed (their requests were answered with an error). */
  failedBatches: number;
  /** fdatasyncs run (fsync on); fewer than the requests when several share one. */
  syncs: number;
  /** Bytes in the logs of the hosts written or restored since start (records not yet in a snapshot). */
  bytesHeld: number;
  /** Hosts with a log known to this process. */
  hosts: number;
  openFiles: number;
}

export class WalAppender {
  private readonly logs = new Map<string, HostLog>();
  /** Hosts with an open file, least recently used first. */
  private readonly openLru = new Map<string, HostLog>();
  /** Files closed by us whose descriptor waits for a running fdatasync. */
  private readonly closing = new Set<Promise<void>>();
  private readonly madeDirs = new Set<string>();
  /** Hosts whose first queued write needs their file opened. */
  private readonly coldHosts = new BoundedRunner<HostLog>(COLD_OPENS, (log) => this.pump(log));
  /** Hosts with a queue being worked on (or waiting in the cold queue); `close` waits for them. */
  private busyLogs = 0;
  private whenIdle: Array<() => void> = [];
  private closed = false;
  private bytesAppended = 0;
  private failedBatches = 0;
  private syncs = 0;
  private calls = 0;

  constructor(private readonly opts: WalAppenderOptions) {}

  /**
   * Appends every host's records, one write per host (a host may come up more
   * than once: its parts go out together, in order); resolves when all are in
   * the files (with fsync: on the disk). Rejects with a WalWriteError when one
   * host's write fails; the other hosts' records are written all the same.
   */
  append(batches: readonly WalAppend[]): Promise<void> {
    return this.appendNow(batches) ?? DONE;
  }

  /**
   * As append, but null when every record is in the files on return (the
   * common case without fsync: each host's file open and idle), so that a
   * request can be answered in the same turn, without a promise.
   */
  appendNow(batches: readonly WalAppend[]): Promise<void> | null {
    if (batches.length === 0) return null;
    if (this.closed) return Promise.reject(new Error('WAL is closed'));
    const completion = new CallCompletion();
    const call = ++this.calls;
    const hosts: HostLog[] = [];
    for (const b of batches) {
      const parts = b.parts;
      if (parts ? hasEmptyPart(parts) : b.records.length === 0) {
        // A view of engine memory kept past the next store call can come back empty (the memory grew).
        if (b.count > 0) completion.fail(new WalWriteError(b.cluster, b.host, new Error(`${b.count} records came without their bytes`)));
        continue;
      }
      let log: HostLog;
      try {
        log = this.logFor(b.cluster, b.host);
      } catch (err) {
        completion.fail(err);
        continue;
      }
      if (log.call !== call) {
        log.call = call;
        log.chunks = [];
        hosts.push(log);
      }
      // A host handed over in parts: they go into the writev as they are, never joined.
      if (parts) for (const p of parts) log.chunks.push(p);
      else log.chunks.push(b.records);
    }
    const queued: HostLog[] = [];
    for (const log of hosts) {
      try {
        if (!this.writeNow(log, completion)) queued.push(log);
        else log.chunks = NO_CHUNKS;
      } catch (err) {
        log.chunks = NO_CHUNKS;
        completion.fail(err);
      }
    }
    if (queued.length > 0) this.enqueueWrites(queued, completion);
    return completion.sealNow();
  }

  /** Remembers where the host's log stands now, after every record appended or queued so far. Call in the same tick as the export. */
  mark(cluster: string, host: string): WalMark {
    const log = this.logFor(cluster, host);
    const op: MarkOp = { kind: 'mark', offset: 0, generation: 0, done: deferred() };
    // A mark that fails is only of interest to `restart`, which may never be
    // called (the snapshot failed too): without a handler here, the rejection
    // would be unhandled and end the process.
    op.done.promise.catch(() => {});
    if (this.idle(log) && log.known) {
      op.offset = log.size;
      op.generation = log.generation;
      op.done.resolve();
    } else {
      this.enqueue(log, op);
    }
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
    if (!this.idle(log) || log.file) return;
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
    return { bytesAppended: this.bytesAppended, failedBatches: this.failedBatches, syncs: this.syncs, bytesHeld, hosts: this.logs.size, openFiles: this.openLru.size };
  }

  /** Waits for every queued operation and fdatasync, then closes all files. Later appends fail. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.busyLogs > 0) await new Promise<void>((resolve) => this.whenIdle.push(resolve));
    for (const log of this.openLru.values()) this.closeFile(log);
    await Promise.all([...this.closing]);
  }

  private logFor(cluster: string, host: string): HostLog {
    const k = key(cluster, host);
    let log = this.logs.get(k);
    if (!log) {
      assertSafeName('cluster', cluster);
      assertSafeName('host', host);
      const dir = join(this.opts.root, cluster, host);
      log = { cluster, host, key: k, dir, path: join(dir, WAL_FILE), queue: [], running: false, file: null, known: false, size: 0, generation: 0, oversizeReported: false, call: 0, chunks: NO_CHUNKS };
      this.logs.set(k, log);
    }
    return log;
  }

  private idle(log: HostLog): boolean {
    return !log.running && log.queue.length === 0;
  }

  /**
   * Writes the host's records of this call (`log.chunks`) now when the host is
   * idle and its file open (with fsync, `completion` then waits for the
   * fdatasync); false when they must be queued instead.
   */
  private writeNow(log: HostLog, completion: CallCompletion): boolean {
    const file = this.idle(log) && log.known ? this.openNow(log) : null;
    if (!file) return false;
    try {
      this.write(log, file, log.chunks);
    } catch (err) {
      throw this.failure(log, err);
    }
    if (this.opts.fsync) file.durable(completion.expect());
    return true;
  }

  /**
   * Queues each host's records of one call (`log.chunks`). They outlive the
   * call, and a view may be engine memory that the next ingest reuses: views
   * are copied, all of them into one buffer.
   */
  private enqueueWrites(logs: readonly HostLog[], completion: CallCompletion): void {
    let viewBytes = 0;
    for (const log of logs) for (const c of log.chunks) if (c.byteLength !== c.buffer.byteLength) viewBytes += c.byteLength;
    const copy = viewBytes > 0 ? new Uint8Array(viewBytes) : null;
    let at = 0;
    for (const log of logs) {
      const chunks = log.chunks;
      log.chunks = NO_CHUNKS;
      for (let i = 0; i < chunks.length; i++) {
        const c = chunks[i]!;
        if (c.byteLength === c.buffer.byteLength) continue;
        copy!.set(c, at);
        chunks[i] = copy!.subarray(at, at + c.byteLength);
        at += c.byteLength;
      }
      this.enqueue(log, { kind: 'write', chunks, done: completion.expect() });
    }
  }

  private durable(file: WalFile): Promise<void> {
    const done = deferred<void>();
    file.durable(done);
    return done.promise;
  }

  /**
   * Starts work on the host's queue unless it runs already. A host whose next
   * write needs its file opened waits for a cold worker.
   */
  private enqueue(log: HostLog, op: Op): void {
    log.queue.push(op);
    if (log.running) return;
    log.running = true;
    this.busyLogs++;
    if (op.kind === 'write' && !log.file) this.coldHosts.push(log);
    else void this.pump(log);
  }

  /** A write (or its fdatasync) failed: counted and logged once, and what the requests are rejected with. */
  private failure(log: HostLog, err: unknown): WalWriteError {
    const failure = err instanceof WalWriteError ? err : new WalWriteError(log.cluster, log.host, err);
    this.failedBatches++;
    this.opts.log.error(failure.message);
    return failure;
  }

  /** Works through the host's queue; `enqueue` set `running`. */
  private async pump(log: HostLog): Promise<void> {
    try {
      while (log.queue.length > 0) {
        const op = log.queue[0];
        if (op.kind === 'write') {
          const batch: WriteOp[] = [];
          while (log.queue.length > 0 && log.queue[0].kind === 'write') batch.push(log.queue.shift() as WriteOp);
          try {
            const file = await this.openChecked(log);
            try {
              this.write(log, file, batch.flatMap((w) => w.chunks));
            } catch (err) {
              throw this.failure(log, err);
            }
            if (this.opts.fsync) await this.durable(file);
            for (const w of batch) w.done.resolve();
          } catch (err) {
            const failure = err instanceof WalWriteError ? err : this.failure(log, err);
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
      if (--this.busyLogs === 0) for (const wake of this.whenIdle.splice(0)) wake();
    }
  }

  /** Appends `chunks` (after the file header when the log is empty) in one writev; on failure cuts the file back and throws. */
  private write(log: HostLog, file: WalFile, chunks: Uint8Array[]): void {
    if (log.size === 0) chunks.unshift(HEADER);
    let total = 0;
    for (const c of chunks) total += c.length;
    try {
      file.write(chunks, total);
    } catch (err) {
      this.cutBack(log);
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
  private cutBack(log: HostLog): void {
    try {
      log.file?.truncate(log.size);
    } catch (err) {
      this.opts.log.error(`WAL of ${log.cluster}/${log.host}: cannot cut back to ${log.size} bytes: ${errorText(err)}; it will be re-checked`);
      log.known = false;
    }
    this.closeFile(log);
  }

  /** The host's file when it is open (now the most recently used), else null. */
  private openNow(log: HostLog): WalFile | null {
    if (!log.file) return null;
    this.openLru.delete(log.key);
    this.openLru.set(log.key, log);
    return log.file;
  }

  /**
   * The host's file, opened (and its directory created) if need be. Null when
   * the file is not as long as we know it to be (someone else changed it):
   * then the log is checked again before it is written.
   */
  private async openFile(log: HostLog): Promise<WalFile | null> {
    const open = this.openNow(log);
    if (open) return open;
    if (!this.madeDirs.has(log.dir)) {
      await makeDirectory(log.dir);
      this.madeDirs.add(log.dir);
    }
    const { file, size } = await WalFile.open(log.path, { synced: () => this.syncs++, syncFailed: (err) => this.failure(log, err) });
    if (size !== log.size) {
      void file.close();
      log.known = false;
      return null;
    }
    log.file = file;
    this.openLru.set(log.key, log);
    this.evictIdle();
    return file;
  }

  /** The host's open file, after checking (and if need be cutting) the log first. */
  private async openChecked(log: HostLog): Promise<WalFile> {
    for (let attempt = 0; attempt < OPEN_ATTEMPTS; attempt++) {
      await this.ensureKnown(log);
      const file = await this.openFile(log);
      if (file) return file;
    }
    throw new Error(`${log.path} keeps changing under this process`);
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
    const checked = await checkLogFile(log.path, size);
    if (checked.kind === 'moved-aside') {
      this.opts.log.error(`WAL of ${log.cluster}/${log.host} is not a WAL (${checked.reason}); moved aside to ${checked.aside}`);
      log.generation++;
      return 0;
    }
    if (checked.cut > 0) this.opts.log.warn(`WAL of ${log.cluster}/${log.host}: ${checked.reason}; cutting ${checked.cut} bytes`);
    return checked.validBytes;
  }

  private async restartNow(log: HostLog, mark: MarkOp): Promise<void> {
    if (mark.generation !== log.generation) return; // the file was replaced since: nothing of the mark's is left
    await this.ensureKnown(log);
    if (log.size === 0) return;
    if (log.size === mark.offset) {
      this.closeFile(log);
      await rm(log.path, { force: true });
      log.size = 0;
      log.generation++;
      log.oversizeReported = false;
      return;
    }
    if (mark.offset <= HEADER.length) return; // everything in the file came after the mark
    log.size = await keepTail(log.path, mark.offset, log.size, { fsync: this.opts.fsync, beforeReplace: () => this.closeFile(log) });
    log.generation++;
    log.oversizeReported = false;
  }

  /** Detaches the host's file; its descriptor closes once no fdatasync runs on it. */
  private closeFile(log: HostLog): void {
    const file = log.file;
    if (!file) return;
    log.file = null;
    this.openLru.delete(log.key);
    const closed = file.close();
    this.closing.add(closed);
    void closed.then(() => this.closing.delete(closed));
  }

  private evictIdle(): void {
    if (this.openLru.size <= this.opts.maxOpenFiles) return;
    for (const log of this.openLru.values()) {
      if (this.openLru.size <= this.opts.maxOpenFiles) break;
      if (!this.idle(log)) continue;
      this.closeFile(log);
    }
  }
}

/** A part without bytes: a view of engine memory read after the memory grew. (No part is empty when it is made: a host in the engine's table has a record.) */
function hasEmptyPart(parts: readonly Uint8Array[]): boolean {
  for (const p of parts) if (p.length === 0) return true;
  return parts.length === 0;
}

function key(cluster: string, host: string): string {
  return `${cluster}\u0000${host}`;
}
