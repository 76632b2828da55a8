// Checkpoints: per host with samples not yet on disk, they go into a new file
// `<number>.bin` (file-format "wal") or `<number>.json` (written as .tmp,
// flushed, renamed), or into several numbered one after the other when a
// series has gaps (one piece of it per file); then the engine marks them saved
// and the host's WAL starts anew, keeping the records that arrived meanwhile.
// A host with nothing unsaved gets no file.
// A late sample below data an earlier file holds turns the file into a full
// snapshot of the host (series-starts.ts explains why and what happens then).

import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import type { HostExport, LevelData, MetricStore } from '../engine/types.ts';
import { countValues } from './format/checkpoint-file.ts';
import { encodeCheckpoint, readCheckpoint } from './checkpoint-io.ts';
import type { DiskState } from './disk-state.ts';
import { listDir, makeDirectory, writeFileAtomic } from './files.ts';
import type { CheckpointExt } from './layout.ts';
import { parseCheckpointName } from './layout.ts';
import type { PersistLogger } from './log.ts';
import { errorText } from './log.ts';
import { firstStartsOf, trimBelow } from './series-starts.ts';
import type { WalAppender, WalMark } from './wal-appender.ts';

export interface CheckpointerOptions {
  store: MetricStore;
  root: string;
  ext: CheckpointExt;
  disk: DiskState;
  log: PersistLogger;
  wal?: WalAppender;
  /** Hosts worked on at once. */
  workers: number;
  sync: boolean;
}

export interface CheckpointSummary {
  hosts: number;
  files: number;
  fullSnapshots: number;
  /** Hosts whose file could not be written: their samples stay unsaved. */
  failed: number;
  /** Samples of the failed hosts (as far as they were exported before the failure). */
  unsavedValues: number;
  /** The first few failed hosts ("cluster/host") and the first failure's reason. */
  failedHosts: string[];
  firstError?: string;
  bytes: number;
  values: number;
  seconds: number;
}

/** Failed hosts named in a checkpoint summary (and so in a failed shutdown's message). */
const FAILED_HOSTS_LISTED = 5;

export class Checkpointer {
  constructor(private readonly opts: CheckpointerOptions) {}

  /**
   * Writes the files of every host with unsaved samples. `hosts` defaults to every
   * host the store or the WAL knows; `from`/`to` go into the file header.
   */
  async run(from: number, to: number, hosts?: Array<[string, string]>): Promise<CheckpointSummary> {
    const started = performance.now();
    const list = hosts ?? this.allHosts();
    const summary: CheckpointSummary = { hosts: list.length, files: 0, fullSnapshots: 0, failed: 0, unsavedValues: 0, failedHosts: [], bytes: 0, values: 0, seconds: 0 };
    let next = 0;
    const worker = async () => {
      while (next < list.length) {
        const [cluster, host] = list[next++];
        const unsaved = { values: 0 };
        try {
          await this.host(cluster, host, from, to, summary, unsaved);
        } catch (err) {
          summary.failed++;
          summary.unsavedValues += unsaved.values;
          if (summary.failedHosts.length < FAILED_HOSTS_LISTED) summary.failedHosts.push(`${cluster}/${host}`);
          summary.firstError ??= errorText(err);
          this.opts.log.error(`checkpoint of ${cluster}/${host} failed: ${errorText(err)}; its samples stay unsaved and are retried next time`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(this.opts.workers, list.length)) }, worker));
    summary.seconds = (performance.now() - started) / 1000;
    return summary;
  }

  private allHosts(): Array<[string, string]> {
    const seen = new Map<string, [string, string]>();
    for (const h of this.opts.store.hosts()) seen.set(`${h[0]}\u0000${h[1]}`, h);
    for (const h of this.opts.wal?.hosts() ?? []) seen.set(`${h[0]}\u0000${h[1]}`, h);
    return [...seen.values()];
  }

  /** `unsaved.values`: the samples exported, for the summary should the host fail after the export. */
  private async host(cluster: string, host: string, from: number, to: number, summary: CheckpointSummary, unsaved: { values: number }): Promise<void> {
    const { store, disk, wal, ext, sync } = this.opts;
    // Mark and export in the same tick: every record queued before the mark
    // is in the export, every sample accepted after it is in the log after it.
    const mark: WalMark | undefined = wal?.mark(cluster, host);
    let exp: HostExport | null = store.exportHost(cluster, host, { unsavedOnly: true });
    if (!exp || exp.files.length === 0) {
      // Nothing unsaved, so no file: whatever the log holds up to the mark is on disk already.
      if (mark) await this.restartWal(mark);
      return;
    }
    unsaved.values = exp.files.reduce((n, f) => n + countValues(f), 0);
    const full = exp.files.some((f) => disk.starts.breaksOrder(cluster, host, f));
    if (full) exp = store.exportHost(cluster, host, { unsavedOnly: false }) ?? exp;

    const dir = join(this.opts.root, cluster, host);
    if (disk.lastNumber(cluster, host) === undefined) await this.learnNumbers(cluster, host, dir);
    // A series with gaps is in several files (one piece each), numbered one after the other.
    const first = disk.nextNumber(cluster, host, from);
    await makeDirectory(dir);
    for (const [k, root] of exp.files.entries()) {
      const bytes = encodeCheckpoint({ from, to, root }, ext);
      await writeFileAtomic(join(dir, `${first + k}.${ext}`), bytes, { sync });
      // Noted at once: should a later piece fail, this file is neither overwritten nor ordered against.
      disk.noteNumber(cluster, host, first + k);
      if (!full) disk.starts.noteFile(cluster, host, root);
      summary.files++;
      summary.bytes += bytes.length;
      summary.values += countValues(root);
    }
    exp.commit();
    if (full) {
      summary.fullSnapshots++;
      this.opts.log.warn(`checkpoint of ${cluster}/${host}: late samples below data already on disk; wrote a full snapshot and trimmed the older files`);
      await this.trimOlderFiles(dir, first, exp.files);
      for (const root of exp.files) disk.starts.noteFullSnapshot(cluster, host, root);
    }
    if (mark) await this.restartWal(mark);
  }

  private async restartWal(mark: WalMark): Promise<void> {
    try {
      await this.opts.wal!.restart(mark);
    } catch (err) {
      // The snapshot is safe; the log only keeps records it no longer needs (replay is idempotent).
      this.opts.log.warn(`checkpoint of ${mark.cluster}/${mark.host}: snapshot written, but its WAL was not started anew: ${errorText(err)}`);
    }
  }

  /** A host restore did not see (restore skipped, or files put there since): never overwrite its files. */
  private async learnNumbers(cluster: string, host: string, dir: string): Promise<void> {
    for (const e of await listDir(dir)) {
      const name = parseCheckpointName(e.name);
      if (name) this.opts.disk.noteNumber(cluster, host, name.number);
    }
  }

  /** Cuts the host's files before `number` so that each of their series ends before the full snapshot's copy of it. */
  private async trimOlderFiles(dir: string, number: number, snapshot: readonly LevelData[]): Promise<void> {
    const limits = firstStartsOf(snapshot);
    for (const e of await listDir(dir)) {
      const name = parseCheckpointName(e.name);
      if (!name || !e.isFile() || name.number >= number) continue;
      const path = join(dir, e.name);
      try {
        const old = await readCheckpoint(path, name.ext);
        const trimmed = trimBelow(old.root, limits);
        if (!trimmed) continue;
        if (trimmed.metrics.size === 0 && trimmed.children.size === 0) await rm(path, { force: true });
        else await writeFileAtomic(path, encodeCheckpoint({ ...old, root: trimmed }, name.ext), { sync: this.opts.sync });
      } catch (err) {
        this.opts.log.error(`checkpoint: cannot trim ${path} after a full snapshot: ${errorText(err)} (restore repairs it)`);
      }
    }
  }
}
