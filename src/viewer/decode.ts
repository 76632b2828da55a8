// One file in, its series out: the viewer's decoding entry point, the same in a page,
// a Web Worker, Node, Bun and Deno. The formats themselves are src/persist/format.

import type { LevelData, SampleColumns } from '../engine/types.ts';
import { decodeBinSnapshot, decodeJsonCheckpoint, decodeParquetArchive, WalDecoder } from '../persist/format/index.ts';
import { detectKind, ownerFromPath, type FileKind } from './locate.ts';
import { seriesFromArchiveRows, seriesFromLevel, seriesFromSamples, type Series } from './series.ts';

export interface DecodeProgress {
  stage: 'read' | 'decode' | 'series';
  done: number;
  total: number;
}

export interface DecodeOptions {
  /** Path inside the checkpoint directory (`<cluster>/<host>/<file>`), e.g. a folder's webkitRelativePath. */
  relativePath?: string;
  /** Cluster and host of a .json/.bin/.wal whose path does not name them. */
  cluster?: string;
  host?: string;
  /** Metric -> seconds between samples, for laying WAL samples on a grid. */
  frequencies?: Record<string, number>;
  onProgress?: (progress: DecodeProgress) => void;
}

export interface DecodedFile {
  name: string;
  kind: FileKind | 'config';
  /** The period a checkpoint covers (.json, .bin). */
  from?: number;
  to?: number;
  series: Series[];
  /** Metric -> frequency, when the file is a cc-metric-store config.json. */
  frequencies?: Record<string, number>;
  /** What a reader should know about the file: sample counts, a torn WAL tail. */
  notes: string[];
}

export async function decodeFile(name: string, bytes: Uint8Array, options: DecodeOptions = {}): Promise<DecodedFile> {
  const kind = detectKind(name, bytes);
  if (kind === null) throw new Error(`${name}: not a checkpoint (.json, .bin), WAL (current.wal) or Parquet archive`);
  const report = options.onProgress ?? (() => {});
  const owner = ownerFromPath(options.relativePath ?? name, options);
  const prefix = [owner.cluster, owner.host];
  const seriesProgress = (done: number, total: number) => report({ stage: 'series', done, total });
  report({ stage: 'decode', done: 0, total: bytes.length });
  try {
    switch (kind) {
      case 'json': {
        const frequencies = configFrequencies(bytes);
        if (frequencies) {
          const n = Object.keys(frequencies).length;
          return { name, kind: 'config', series: [], frequencies, notes: [`metric list: ${n} metrics`] };
        }
        const file = decodeJsonCheckpoint(bytes);
        report({ stage: 'decode', done: bytes.length, total: bytes.length });
        return checkpoint(name, kind, file, prefix);
      }
      case 'bin': {
        const file = decodeBinSnapshot(bytes);
        report({ stage: 'decode', done: bytes.length, total: bytes.length });
        return checkpoint(name, kind, file, prefix);
      }
      case 'wal': {
        const wal = decodeWalInSteps(bytes, (done) => report({ stage: 'decode', done, total: bytes.length }));
        if (wal.stop === 'bad-header') throw new Error(wal.reason ?? 'not a WAL');
        const series = seriesFromSamples(prefix, wal.samples, name, options.frequencies, seriesProgress);
        const notes = [`${wal.samples.count} samples`];
        if (wal.stop !== 'end') {
          notes.push(`${wal.reason}; the last ${bytes.length - wal.validBytes} bytes are left out, as on restore`);
        }
        return { name, kind, series, notes };
      }
      case 'parquet': {
        // One call: the archive codec reads all row groups at once, so progress jumps from 0 to done.
        const rows = await decodeParquetArchive(bytes);
        report({ stage: 'decode', done: bytes.length, total: bytes.length });
        const series = seriesFromArchiveRows(rows, name, seriesProgress);
        return { name, kind, series, notes: [`${rows.count} rows`] };
      }
    }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(message.startsWith(name) ? message : `${name}: ${message}`);
  }
}

function checkpoint(
  name: string,
  kind: FileKind,
  file: { from: number; to: number; root: LevelData },
  prefix: string[],
): DecodedFile {
  return { name, kind, from: file.from, to: file.to, series: seriesFromLevel(prefix, file.root, name), notes: [] };
}

/** Bytes the WAL decoder takes at once: small enough for a progress bar that moves. */
const WAL_STEP = 4 << 20;

/** A whole log through the incremental decoder, a step at a time, the batches joined into one set of columns. */
function decodeWalInSteps(bytes: Uint8Array, onProgress: (done: number) => void) {
  const decoder = new WalDecoder();
  const batches: SampleColumns[] = [];
  let at = 0;
  do {
    const end = Math.min(bytes.length, at + WAL_STEP);
    batches.push(decoder.decode(bytes.subarray(at, end), end === bytes.length));
    onProgress(end);
    at = end;
  } while (at < bytes.length && !decoder.stop);
  const count = batches.reduce((n, b) => n + b.count, 0);
  const samples: SampleColumns = {
    count,
    ts: new Float64Array(count),
    value: new Float32Array(count),
    metric: new Uint32Array(count),
    metrics: decoder.metrics,
    path: new Uint32Array(count),
    paths: decoder.paths,
  };
  let k = 0;
  for (const b of batches) {
    samples.ts.set(b.ts, k);
    samples.value.set(b.value, k);
    samples.metric.set(b.metric, k);
    samples.path.set(b.path, k);
    k += b.count;
  }
  return { samples, validBytes: decoder.validBytes, stop: decoder.stop!, reason: decoder.reason };
}

/**
 * The metric frequencies of a cc-metric-store config.json, or null when the JSON is not
 * one. A config names metrics with a frequency and no data; a checkpoint has `from`.
 */
function configFrequencies(bytes: Uint8Array): Record<string, number> | null {
  // A checkpoint starts with {"from": ...}; only parse what could be a config.
  const head = new TextDecoder().decode(bytes.subarray(0, 64));
  if (/^\s*\{\s*"from"/.test(head)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || 'from' in parsed || !('metrics' in parsed)) return null;
  const metrics = (parsed as { metrics: unknown }).metrics;
  if (typeof metrics !== 'object' || metrics === null) return null;
  const out: Record<string, number> = {};
  for (const [metric, conf] of Object.entries(metrics)) {
    const frequency = (conf as { frequency?: unknown } | null)?.frequency;
    if (typeof frequency !== 'number' || 'data' in (conf as object)) return null;
    out[metric] = frequency;
  }
  return out;
}
