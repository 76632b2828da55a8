// Cleanup of old checkpoint files (every retention-in-memory, and once for
// `-cleanup-checkpoints`): files whose number is <= now - retention are
// deleted (mode "delete") or first written into one Zstandard Parquet file per
// cluster, `<archive dir>/<cluster>/<t>.parquet` (mode "archive"). The archive
// is written as .tmp, flushed and renamed; only then are its checkpoint files
// deleted. The newest due files of a host stay while a restart would still load
// them (layout.ts selectCleanupFiles, restore.ts withEarlierPieces).

import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { ByteWriter } from 'hyparquet-writer';
import type { CheckpointFile } from './format/checkpoint-file.ts';
import { ParquetArchiveEncoder, archiveRowsOfHost, loadZstdCompressor } from './format/parquet-archive.ts';
import { readCheckpoint, readCheckpointTo } from './checkpoint-io.ts';
import { listDir, syncDir, yieldToEventLoop } from './files.ts';
import type { CheckpointName } from './layout.ts';
import { parseCheckpointName, selectCleanupFiles, sortCheckpoints } from './layout.ts';
import type { PersistLogger } from './log.ts';
import { errorText } from './log.ts';

export interface CleanupOptions {
  root: string;
  mode: 'delete' | 'archive';
  archiveDir: string;
  /** Unix seconds: files numbered at or before this are due. */
  olderThan: number;
  log: PersistLogger;
  sync: boolean;
}

export interface CleanupSummary {
  /** Checkpoint files deleted (after archiving them, in mode "archive"). */
  files: number;
  rows: number;
  archives: string[];
  /** Clusters or files that could not be handled (left in place). */
  failed: number;
  seconds: number;
}

interface DueHost {
  host: string;
  dir: string;
  files: CheckpointName[];
}

export async function cleanupCheckpoints(opts: CleanupOptions): Promise<CleanupSummary> {
  const started = performance.now();
  const summary: CleanupSummary = { files: 0, rows: 0, archives: [], failed: 0, seconds: 0 };
  const clusters = (await listDir(opts.root)).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  for (const cluster of clusters) {
    const due = await dueFiles(opts, cluster);
    if (due.length === 0) continue;
    if (opts.mode === 'delete') await deleteFiles(opts, due, summary);
    else await archiveCluster(opts, cluster, due, summary);
    await yieldToEventLoop();
  }
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}

async function dueFiles(opts: CleanupOptions, cluster: string): Promise<DueHost[]> {
  const out: DueHost[] = [];
  const hosts = (await listDir(join(opts.root, cluster))).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  for (const host of hosts) {
    const dir = join(opts.root, cluster, host);
    const names: CheckpointName[] = [];
    for (const e of await listDir(dir)) {
      const n = e.isFile() ? parseCheckpointName(e.name) : null;
      if (n) names.push(n);
    }
    const { older, newest } = selectCleanupFiles(sortCheckpoints(names), opts.olderThan);
    const files = newest ? [...older, newest] : older;
    // The newest due files stay while a restart would still load them for the
    // samples they hold after `olderThan` (the pieces of one checkpoint are
    // several files in a row: restore.ts withEarlierPieces).
    while (files.length > 0) {
      const last = files[files.length - 1];
      let to = -Infinity;
      try {
        to = await readCheckpointTo(join(dir, last.name), last.ext);
      } catch (err) {
        opts.log.warn(`cleanup: cannot read the header of ${join(dir, last.name)}: ${errorText(err)}`);
      }
      if (to < opts.olderThan) break;
      files.pop();
    }
    if (files.length > 0) out.push({ host, dir, files });
  }
  return out;
}

async function deleteFiles(opts: CleanupOptions, due: DueHost[], summary: CleanupSummary): Promise<void> {
  for (const h of due) {
    for (const f of h.files) {
      try {
        await rm(join(h.dir, f.name));
        summary.files++;
      } catch (err) {
        summary.failed++;
        opts.log.error(`cleanup: cannot delete ${join(h.dir, f.name)}: ${errorText(err)}`);
      }
    }
  }
}

async function archiveCluster(opts: CleanupOptions, cluster: string, due: DueHost[], summary: CleanupSummary): Promise<void> {
  const dir = join(opts.archiveDir, cluster);
  let finalPath: string;
  let handle: FileHandle;
  try {
    await mkdir(dir, { recursive: true });
    finalPath = await freeName(dir, opts.olderThan);
    handle = await open(`${finalPath}.tmp`, 'w', 0o644);
  } catch (err) {
    summary.failed++;
    opts.log.error(`cleanup: cannot create an archive for cluster ${cluster} in ${dir}, no checkpoint deleted: ${errorText(err)}`);
    return;
  }
  const tmpPath = `${finalPath}.tmp`;
  const archived: Array<{ dir: string; name: string }> = [];
  let rows = 0;
  try {
    const encoder = new ParquetArchiveEncoder(fileSink(handle), await loadZstdCompressor());
    for (const h of due) {
      const files: CheckpointFile[] = [];
      for (const f of h.files) {
        const path = join(h.dir, f.name);
        try {
          files.push(await readCheckpoint(path, f.ext));
          archived.push({ dir: h.dir, name: f.name });
        } catch (err) {
          // Left in place for someone to look at, as the Go store leaves it.
          summary.failed++;
          opts.log.error(`cleanup: cannot read ${path}, not archived: ${errorText(err)}`);
        }
      }
      const hostRows = archiveRowsOfHost(cluster, h.host, files);
      await encoder.writeRowGroup(hostRows);
      rows += hostRows.count;
      await yieldToEventLoop();
    }
    await encoder.finish();
    if (opts.sync) await handle.sync();
  } catch (err) {
    await handle.close().catch(() => {});
    await rm(tmpPath, { force: true });
    summary.failed++;
    opts.log.error(`cleanup: archiving cluster ${cluster} failed, no checkpoint deleted: ${errorText(err)}`);
    return;
  }
  await handle.close();
  if (rows > 0) {
    await rename(tmpPath, finalPath);
    if (opts.sync) await syncDir(dir);
    summary.archives.push(finalPath);
    summary.rows += rows;
    opts.log.info(`cleanup: archived ${rows} samples from ${archived.length} files of cluster ${cluster} to ${finalPath}`);
  } else {
    await rm(tmpPath, { force: true });
  }
  for (const f of archived) {
    try {
      await rm(join(f.dir, f.name));
      summary.files++;
    } catch (err) {
      summary.failed++;
      opts.log.error(`cleanup: archived but cannot delete ${join(f.dir, f.name)}: ${errorText(err)}`);
    }
  }
}

/** `<t>.parquet`, or the next free number: an archive is never overwritten. */
async function freeName(dir: string, t: number): Promise<string> {
  for (let n = Math.floor(t); ; n++) {
    const path = join(dir, `${n}.parquet`);
    try {
      await stat(path);
    } catch {
      return path;
    }
  }
}

/** A hyparquet-writer sink that hands every finished row group to the file. */
function fileSink(handle: FileHandle): ByteWriter {
  const sink = new ByteWriter(1 << 20);
  const flush = async (): Promise<void> => {
    const chunk = new Uint8Array(sink.buffer, 0, sink.index).slice();
    sink.index = 0;
    let at = 0;
    while (at < chunk.length) at += (await handle.write(chunk, at, chunk.length - at)).bytesWritten;
  };
  Object.assign(sink, { flush, finish: flush });
  return sink;
}
