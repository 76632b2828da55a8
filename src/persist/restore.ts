// Start-up restore: for every host directory, the checkpoint files a restart
// needs (layout.ts selectRestoreFiles, and the earlier pieces of the checkpoint
// the restore point falls into) are loaded oldest first, then
// `current.wal` is replayed on top. Reading runs a few hosts ahead of loading;
// the event loop gets a turn between hosts and between WAL chunks, so a huge
// log never blocks the process for long. A torn or corrupt WAL tail is cut off
// (replay stops quietly there) so that new records are appended after the last
// whole one. Files are read into reused buffers; a `.bin` snapshot goes to the
// store as the table of its own bytes (no tree, no copy in JavaScript).

import { open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { LevelData, MetricStore, SeriesTable } from '../engine/types.ts';
import { scanBinSnapshot } from './format/bin-snapshot.ts';
import { decodeJsonCheckpoint } from './format/json-checkpoint.ts';
import { levelOfTable } from './format/series-table.ts';
import { WalDecoder } from './format/wal.ts';
import { encodeCheckpoint, readCheckpointTo } from './checkpoint-io.ts';
import type { DiskState } from './disk-state.ts';
import { listDir, writeFileAtomic, yieldToEventLoop } from './files.ts';
import { isLockFile } from './dir-lock.ts';
import type { CheckpointName } from './layout.ts';
import { WAL_FILE, parseCheckpointName, selectRestoreFiles, sortCheckpoints } from './layout.ts';
import type { PersistLogger } from './log.ts';
import { errorText } from './log.ts';
import { type FileIdentity, ReadBuffers } from './read-buffers.ts';
import { type EncodeJob, RestoreWorker } from './restore-worker.ts';
import { restoreThreads } from './restore-threads.ts';
import { loadBlocksRoom } from '../engine/load-blocks-room.ts';
import { repairOrder, startsInOrder } from './series-starts.ts';
import type { WalAppender } from './wal-appender.ts';

export interface RestoreOptions {
  store: MetricStore;
  root: string;
  /** Unix seconds; older files and WAL records are not loaded. */
  restorePoint: number;
  log: PersistLogger;
  disk: DiskState;
  wal?: WalAppender;
  /** Flush repaired files before renaming them into place. */
  sync: boolean;
  /** Seconds between progress lines. */
  progressEvery?: number;
  /** How many hosts are read ahead of the one being loaded. */
  readAhead?: number;
  /**
   * 2: a worker thread encodes `.bin` files' values ahead of loading
   * (restore-worker.ts); 1: loading encodes them. Default: restore-threads.ts.
   */
  threads?: number;
  /** A worker owned by the caller (tests), instead of one of the restore's own; null: none. */
  worker?: RestoreWorker | null;
}

export interface RestoreSummary {
  hosts: number;
  files: number;
  /** Files that could not be read or decoded (left in place). */
  failedFiles: number;
  walSamples: number;
  bytes: number;
  seconds: number;
}

interface SelectedFile {
  name: CheckpointName;
  path: string;
  buffer?: Uint8Array;
  bytes: Uint8Array | null;
  identity?: FileIdentity;
  error?: unknown;
  /** A `.bin` scanned as soon as it was read, or why it could not be. */
  scanned?: { from: number; to: number; table: SeriesTable };
  scanError?: unknown;
  /** Its blocks, being encoded by the worker; taken before `buffer` goes back. */
  job?: EncodeJob;
}

interface HostFiles {
  cluster: string;
  host: string;
  dir: string;
  all: CheckpointName[];
  /** `buffer` goes back to the pool once the host is loaded. */
  selected: SelectedFile[];
  /** Bytes of the selected files. */
  bytes: number;
  hasWal: boolean;
}

const WAL_CHUNK = 8 << 20;
/** Chunk headers and partly filled pages on top of the values. */
const RESERVE_HEADROOM = 1.1;
const READ_AHEAD_BYTES = 256 << 20;
/**
 * Files read at once (read-buffers.ts): the first host's file comes first,
 * and the reads leave loading a core. Each file needs three turns of the
 * event loop, which loading gives between hosts, so one at a time falls
 * behind; on memory.bench's files 2 and 3 measured alike (docs/engine.md
 * "Session 11"). With the encoding worker, all at once as before (measured
 * on two cores only, where the worker is off by default).
 */
const READS_AT_ONCE = 2;

export async function restore(opts: RestoreOptions): Promise<RestoreSummary> {
  const started = performance.now();
  const { log } = opts;
  const hosts = await enumerateHosts(opts.root, log);
  const summary: RestoreSummary = { hosts: hosts.length, files: 0, failedFiles: 0, walSamples: 0, bytes: 0, seconds: 0 };
  log.info(`restore: ${hosts.length} hosts below ${opts.root}, loading data newer than ${new Date(opts.restorePoint * 1000).toISOString()}`);

  const module = opts.worker === undefined && (opts.threads ?? restoreThreads()) >= 2 && hosts.length > 1 ? opts.store.encoderModule?.() : null;
  const own = module ? RestoreWorker.start(module) : null;
  const worker = opts.worker ?? own;
  try {
    // The worker is given a file once it is read and scanned: it is to get files early, as before.
    await loadHosts(opts, hosts, summary, new ReadBuffers(worker ? Infinity : READS_AT_ONCE), started, worker);
  } finally {
    own?.close();
  }
  if (worker) {
    if (worker.failure !== undefined) log.warn(`restore: the encoding thread failed (${errorText(worker.failure)}); the main thread encoded the rest`);
    log.debug(`restore: the encoding thread worked ${(worker.busyMs / 1000).toFixed(2)} s; files with all their blocks from it ${worker.whole}, with some ${worker.partial}, encoded while loading ${worker.takenBack}`);
  }
  summary.seconds = (performance.now() - started) / 1000;
  log.info(
    `restore done: ${summary.hosts} hosts, ${summary.files} files, ${summary.walSamples} WAL samples, ${progress(summary, started)}` +
      (summary.failedFiles ? `, ${summary.failedFiles} files unreadable` : ''),
  );
  return summary;
}

async function loadHosts(opts: RestoreOptions, hosts: Array<[string, string]>, summary: RestoreSummary, buffers: ReadBuffers,
  started: number, worker: RestoreWorker | null): Promise<void> {
  const { log } = opts;
  const ahead = Math.max(1, opts.readAhead ?? 8);
  const reads: Array<Promise<HostFiles> | undefined> = [];
  // Bytes read but not loaded yet: hosts with huge files are not read far ahead.
  let buffered = 0;
  const readAt = (i: number) => {
    reads[i] = readHost(opts, buffers, hosts[i][0], hosts[i][1], worker, i).then((h) => {
      buffered += h.bytes;
      return h;
    });
  };
  const startRead = (i: number) => {
    if (i >= hosts.length || reads[i] || buffered > READ_AHEAD_BYTES) return;
    readAt(i);
  };
  let reserved = false;
  let lastReport = performance.now();
  const every = (opts.progressEvery ?? 5) * 1000;
  for (let i = 0; i < hosts.length; i++) {
    // The host loading waits for first: reads start in the order asked for.
    if (!reads[i]) readAt(i);
    for (let j = i + 1; j < i + ahead; j++) startRead(j);
    const files = await reads[i]!;
    reads[i] = undefined;
    buffered -= files.bytes;
    const usedBefore = reserved ? 0 : opts.store.stats().usedBytes;
    try {
      await loadHost(opts, files, summary, buffers);
    } finally {
      // Stops the worker on files not loaded (skipped, repaired): what it does after that is never read.
      for (const f of files.selected) f.job?.take();
      for (const f of files.selected) if (f.buffer) buffers.give(f.buffer);
    }
    // What the first host took, not the size of its files: a file padded with
    // NaN costs the store nothing for the padding (docs/engine.md "loadHost").
    const took = reserved ? 0 : opts.store.stats().usedBytes - usedBefore;
    if (!reserved && took > 0) {
      // Assume the other hosts hold about as much as the first: the store
      // grows once instead of many times.
      reserved = true;
      opts.store.reserve(took * (hosts.length - i - 1) * RESERVE_HEADROOM);
    }
    if (performance.now() - lastReport >= every) {
      lastReport = performance.now();
      log.info(`restore: ${i + 1}/${hosts.length} hosts, ${progress(summary, started)}`);
    }
    await yieldToEventLoop();
  }
}

function progress(s: RestoreSummary, started: number): string {
  const secs = (performance.now() - started) / 1000;
  const mb = s.bytes / 1e6;
  return `${mb.toFixed(1)} MB in ${secs.toFixed(1)} s (${(mb / Math.max(secs, 1e-6)).toFixed(0)} MB/s)`;
}

async function enumerateHosts(root: string, log: PersistLogger): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = [];
  for (const c of await listDir(root)) {
    if (isLockFile(c.name)) continue;
    if (!c.isDirectory()) {
      log.warn(`restore: ignoring ${join(root, c.name)}: only cluster directories belong there`);
      continue;
    }
    for (const h of await listDir(join(root, c.name))) {
      if (!h.isDirectory()) {
        log.warn(`restore: ignoring ${join(root, c.name, h.name)}: only host directories belong there`);
        continue;
      }
      out.push([c.name, h.name]);
    }
  }
  out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return out;
}

async function readHost(opts: RestoreOptions, buffers: ReadBuffers, cluster: string, host: string,
  worker: RestoreWorker | null, order: number): Promise<HostFiles> {
  const dir = join(opts.root, cluster, host);
  const names: CheckpointName[] = [];
  let hasWal = false;
  for (const e of await listDir(dir)) {
    if (!e.isFile()) continue;
    if (e.name === WAL_FILE) hasWal = true;
    else if (e.name.endsWith('.tmp')) {
      // Left by a write that a crash interrupted; the file it was meant to replace is intact.
      await rm(join(dir, e.name), { force: true });
    } else {
      const parsed = parseCheckpointName(e.name);
      if (parsed) names.push(parsed);
      else if (/\.(json|bin)$/.test(e.name)) opts.log.warn(`restore: ignoring ${join(dir, e.name)}: no number in its name`);
    }
  }
  const all = sortCheckpoints(names);
  const chosen = await withEarlierPieces(dir, all, selectRestoreFiles(all, opts.restorePoint), opts.restorePoint);
  const read = async (name: CheckpointName): Promise<SelectedFile> => {
    const path = join(dir, name.name);
    try {
      return { name, path, ...(await buffers.readFile(path, order)) };
    } catch (error) {
      return { name, path, bytes: null, error };
    }
  };
  const selected = await Promise.all(chosen.map(read));
  for (const f of selected) scanAndSubmit(opts, f, worker);
  const bytes = selected.reduce((n, f) => n + (f.bytes?.length ?? 0), 0);
  return { cluster, host, dir, all, selected, bytes, hasWal };
}

/**
 * Scans a `.bin` as soon as it is read, and hands it to the worker (when
 * there is one and the file is to be loaded) to read again and encode while
 * the main thread loads the hosts before it.
 */
function scanAndSubmit(opts: RestoreOptions, f: SelectedFile, worker: RestoreWorker | null): void {
  if (f.name.ext !== 'bin' || !f.bytes) return;
  try {
    f.scanned = scanBinSnapshot(f.bytes);
  } catch (err) {
    f.scanError = err;
    return;
  }
  const { to, table } = f.scanned;
  if (!worker?.usable || !f.identity || (to !== 0 && to < opts.restorePoint) || table.valuesAt.length === 0) return;
  f.job = worker.submit(table, loadBlocksRoom(table.bytes.length), f.path, f.identity) ?? undefined;
}

/**
 * The files before the first chosen one that still hold samples at or after
 * the restore point, by their `to`: the pieces of the checkpoint the restore
 * point falls into are numbered one after the other (checkpointer.ts), and
 * the Go rule keeps only the last of them. Walks back until a file's `to` is
 * before the restore point (or 0, or unreadable).
 */
async function withEarlierPieces(dir: string, all: CheckpointName[], chosen: CheckpointName[], restorePoint: number): Promise<CheckpointName[]> {
  if (chosen.length === 0) return chosen;
  const earlier: CheckpointName[] = [];
  for (let i = all.indexOf(chosen[0]) - 1; i >= 0; i--) {
    let to = 0;
    try {
      to = await readCheckpointTo(join(dir, all[i].name), all[i].ext);
    } catch {
      break;
    }
    if (to === 0 || to < restorePoint) break;
    earlier.push(all[i]);
  }
  return earlier.length === 0 ? chosen : [...earlier.reverse(), ...chosen];
}

/** A decoded file of a host: a `.bin` as the table of its bytes, a `.json` as a tree. */
interface LoadedFile {
  name: CheckpointName;
  from: number;
  to: number;
  series: SeriesTable | LevelData;
}

/** Loads a host's files and replays its WAL. */
async function loadHost(opts: RestoreOptions, h: HostFiles, summary: RestoreSummary, buffers: ReadBuffers): Promise<void> {
  const { store, log, disk } = opts;
  const loaded: LoadedFile[] = [];
  const jobs = new Map<SeriesTable, EncodeJob>();
  for (const f of h.selected) {
    const { name, bytes, error } = f;
    const path = join(h.dir, name.name);
    if (!bytes) {
      log.error(`restore: cannot read ${path}: ${errorText(error)}`);
      summary.failedFiles++;
      continue;
    }
    summary.bytes += bytes.length;
    let file: LoadedFile;
    try {
      if (name.ext === 'bin') {
        if (f.scanError !== undefined) throw f.scanError;
        const { from, to, table } = f.scanned ?? scanBinSnapshot(bytes);
        file = { name, from, to, series: table };
        if (f.job) jobs.set(table, f.job);
      } else {
        const { from, to, root } = decodeJsonCheckpoint(bytes);
        file = { name, from, to, series: root };
      }
    } catch (err) {
      log.error(`restore: skipping ${path}: ${errorText(err)}`);
      summary.failedFiles++;
      continue;
    }
    if (file.to !== 0 && file.to < opts.restorePoint) continue; // all of it is older than the restore point
    loaded.push(file);
  }

  const starts = startsInOrder(loaded.map((f) => f.series));
  if (starts) disk.starts.noteStarts(h.cluster, h.host, starts);
  else await repairHost(opts, h, loaded);

  for (const { name, series } of loaded) {
    try {
      if (isTree(series)) {
        store.loadHost(h.cluster, h.host, series);
      } else {
        const job = jobs.get(series);
        const blocks = job ? job.take() : null;
        store.loadTable(h.cluster, h.host, blocks ? { ...series, blocks } : series);
      }
      summary.files++;
    } catch (err) {
      log.error(`restore: loading ${join(h.dir, name.name)} into the store failed: ${errorText(err)}`);
      summary.failedFiles++;
    }
  }
  if (h.all.length > 0) disk.noteNumber(h.cluster, h.host, h.all[h.all.length - 1].number);
  if (h.hasWal) await replayWal(opts, h, summary, buffers);
}

function isTree(series: SeriesTable | LevelData): series is LevelData {
  return (series as LevelData).metrics !== undefined;
}

/**
 * Files where a later one starts a series before an earlier one (a crash
 * between a full snapshot and the trimming of the older files): the older
 * files are trimmed as the checkpointer would have, rewritten, and loaded as
 * trees. Rare, so the slow path is fine.
 */
async function repairHost(opts: RestoreOptions, h: HostFiles, loaded: LoadedFile[]): Promise<void> {
  const roots = loaded.map((f) => (isTree(f.series) ? f.series : levelOfTable(f.series)));
  for (const i of repairOrder(roots)) {
    const { name, from, to } = loaded[i];
    const path = join(h.dir, name.name);
    opts.log.warn(`restore: ${path} held series that a later file starts earlier (an interrupted full snapshot); trimming it`);
    try {
      await writeFileAtomic(path, encodeCheckpoint({ from, to, root: roots[i] }, name.ext), { sync: opts.sync });
    } catch (err) {
      opts.log.error(`restore: cannot rewrite ${path}: ${errorText(err)}`);
    }
  }
  loaded.forEach((f, i) => {
    f.series = roots[i];
    opts.disk.starts.noteFile(h.cluster, h.host, roots[i]);
  });
}

async function replayWal(opts: RestoreOptions, h: HostFiles, summary: RestoreSummary, buffers: ReadBuffers): Promise<void> {
  const path = join(h.dir, WAL_FILE);
  const { log } = opts;
  let handle;
  try {
    handle = await open(path, 'r+');
  } catch (err) {
    log.error(`restore: cannot open ${path}: ${errorText(err)}`);
    return;
  }
  const decoder = new WalDecoder();
  let size = 0;
  let held: Uint8Array | undefined;
  try {
    size = (await handle.stat()).size;
    const pooled = buffers.take(Math.min(WAL_CHUNK, Math.max(size, 1)));
    held = pooled;
    const buf = pooled.subarray(0, Math.min(WAL_CHUNK, pooled.length));
    let at = 0;
    while (at < size && !decoder.stop) {
      const { bytesRead } = await handle.read(buf, 0, Math.min(buf.length, size - at), at);
      if (bytesRead === 0) break;
      at += bytesRead;
      const batch = decoder.decode(buf.subarray(0, bytesRead), at >= size);
      if (batch.count > 0) summary.walSamples += opts.store.writeSamples(h.cluster, h.host, batch, opts.restorePoint);
      summary.bytes += bytesRead;
      await yieldToEventLoop();
    }
    if (!decoder.stop) decoder.decode(new Uint8Array(0), true);
    if (decoder.stop === 'bad-header') {
      await handle.close();
      handle = undefined;
      const aside = `${path}.corrupt-${Date.now()}`;
      await rename(path, aside);
      log.error(`restore: ${path} is not a WAL (${decoder.reason}); moved aside to ${aside}`);
      opts.wal?.validated(h.cluster, h.host, 0);
      return;
    }
    if (decoder.validBytes < size) {
      log.warn(`restore: ${path}: ${decoder.reason}; replay stopped there, cutting ${size - decoder.validBytes} bytes`);
      await handle.truncate(decoder.validBytes);
    }
    opts.wal?.validated(h.cluster, h.host, decoder.validBytes);
  } catch (err) {
    log.error(`restore: replaying ${path} failed: ${errorText(err)}`);
  } finally {
    await handle?.close();
    if (held) buffers.give(held);
  }
}
