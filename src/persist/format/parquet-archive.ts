// Parquet archives of old checkpoints (cleanup mode "archive"): one
// Zstandard-compressed file per cluster per cleanup run, in the long format of
// the Go store (cc-backend pkg/metricstore/parquetArchive.go):
//
//   cluster, hostname, metric, scope, scope_id : string (BYTE_ARRAY, UTF8)
//   timestamp, frequency                       : int64
//   value                                      : float (32-bit)
//
// One row per non-missing sample, sorted by (cluster, hostname, metric,
// timestamp), then scope and scope_id. One row group per host. Runs in a
// browser too: hyparquet reads, hyparquet-writer writes, zstd is WASM.

import { Zstd } from '@hpcc-js/wasm-zstd';
import { parquetRead } from 'hyparquet';
import { compressors as decompressors } from 'hyparquet-compressors';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import type { SchemaElement, Writer } from 'hyparquet-writer';
import type { CheckpointFile } from './checkpoint-file.ts';
import { forEachSeries } from './checkpoint-file.ts';

/** Rows in columns; `timestamp` and `frequency` are Unix seconds as plain numbers. */
export interface ArchiveColumns {
  count: number;
  cluster: string[];
  hostname: string[];
  metric: string[];
  scope: string[];
  scopeId: string[];
  timestamp: Float64Array;
  frequency: Float64Array;
  value: Float32Array;
}

export const ARCHIVE_COLUMNS = ['cluster', 'hostname', 'metric', 'scope', 'scope_id', 'timestamp', 'frequency', 'value'] as const;

const stringColumn = (name: string): SchemaElement => ({
  name,
  type: 'BYTE_ARRAY',
  repetition_type: 'REQUIRED',
  converted_type: 'UTF8',
  logical_type: { type: 'STRING' },
});

/** The Parquet schema of an archive, exactly as formats.md describes it. */
export const ARCHIVE_SCHEMA: SchemaElement[] = [
  { name: 'schema', num_children: 8 },
  stringColumn('cluster'),
  stringColumn('hostname'),
  stringColumn('metric'),
  stringColumn('scope'),
  stringColumn('scope_id'),
  { name: 'timestamp', type: 'INT64', repetition_type: 'REQUIRED' },
  { name: 'frequency', type: 'INT64', repetition_type: 'REQUIRED' },
  { name: 'value', type: 'FLOAT', repetition_type: 'REQUIRED' },
];

const SCOPE_PREFIXES: ReadonlyArray<readonly [string, string]> = [
  ['socket', 'socket'],
  ['memoryDomain', 'memoryDomain'],
  ['core', 'core'],
  ['hwthread', 'hwthread'],
  ['cpu', 'hwthread'],
  ['accelerator', 'accelerator'],
];

/**
 * Scope and scope id of a level below the host, as the Go archiver derives
 * them: a known prefix followed by a digit ("socket0" -> socket, "0"; "cpu3" ->
 * hwthread, "3"); anything else is its own scope with an empty id. The host
 * level itself is scope "node".
 */
export function scopeOfLevel(name: string | undefined): [scope: string, scopeId: string] {
  if (name === undefined) return ['node', ''];
  for (const [prefix, scope] of SCOPE_PREFIXES) {
    if (name.length > prefix.length && name.startsWith(prefix)) {
      const c = name.charCodeAt(prefix.length);
      if (c >= 48 && c <= 57) return [scope, name.slice(prefix.length)];
    }
  }
  return [name, ''];
}

interface SeriesSource {
  file: number;
  /** The level's path below the host, joined. */
  key: string;
  /** Rank of (scope, scope_id, full path): the tie-break after timestamp. */
  rank: number;
  scope: string;
  scopeId: string;
  start: number;
  frequency: number;
  values: Float32Array;
}

/**
 * The rows of one host from its checkpoint files (given oldest first). Where
 * two files hold a value for the same level, metric and timestamp, the later
 * file wins, so an archive never holds a sample twice.
 */
export function archiveRowsOfHost(cluster: string, hostname: string, files: readonly CheckpointFile[]): ArchiveColumns {
  const byMetric = new Map<string, SeriesSource[]>();
  const levels = new Map<string, { scope: string; scopeId: string; key: string }>();
  files.forEach((file, fileIndex) => {
    forEachSeries(file.root, (path, metric, series) => {
      const key = path.join('\u0000');
      let level = levels.get(key);
      if (!level) {
        const [scope, scopeId] = scopeOfLevel(path.length ? path[path.length - 1] : undefined);
        levels.set(key, (level = { scope, scopeId, key }));
      }
      let list = byMetric.get(metric);
      if (!list) byMetric.set(metric, (list = []));
      list.push({ file: fileIndex, key, rank: 0, scope: level.scope, scopeId: level.scopeId, start: series.start, frequency: series.frequency, values: series.values });
    });
  });
  // Ranks order levels by (scope, scope_id, path) so equal timestamps sort deterministically.
  const ordered = [...levels.values()].sort((a, b) => cmp(a.scope, b.scope) || cmp(a.scopeId, b.scopeId) || cmp(a.key, b.key));
  const rankOf = new Map(ordered.map((l, i) => [l.key, i]));

  const out = newColumns();
  for (const metric of [...byMetric.keys()].sort(cmp)) {
    const sources = byMetric.get(metric)!;
    for (const s of sources) s.rank = rankOf.get(s.key)!;
    appendMetricRows(out, cluster, hostname, metric, sources);
  }
  return finishColumns(out);
}

interface Growing {
  count: number;
  cluster: string[];
  hostname: string[];
  metric: string[];
  scope: string[];
  scopeId: string[];
  timestamp: number[];
  frequency: number[];
  value: number[];
}

function newColumns(): Growing {
  return { count: 0, cluster: [], hostname: [], metric: [], scope: [], scopeId: [], timestamp: [], frequency: [], value: [] };
}

function finishColumns(g: Growing): ArchiveColumns {
  return { ...g, timestamp: Float64Array.from(g.timestamp), frequency: Float64Array.from(g.frequency), value: Float32Array.from(g.value) };
}

function appendMetricRows(out: Growing, cluster: string, hostname: string, metric: string, sources: SeriesSource[]): void {
  let n = 0;
  for (const s of sources) for (let i = 0; i < s.values.length; i++) if (s.values[i] === s.values[i]) n++;
  const ts = new Float64Array(n);
  const src = new Uint32Array(n);
  const slot = new Uint32Array(n);
  let k = 0;
  sources.forEach((s, si) => {
    for (let i = 0; i < s.values.length; i++) {
      if (s.values[i] !== s.values[i]) continue;
      ts[k] = s.start + i * s.frequency;
      src[k] = si;
      slot[k] = i;
      k++;
    }
  });
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => ts[a] - ts[b] || sources[src[a]].rank - sources[src[b]].rank || sources[src[a]].file - sources[src[b]].file);
  for (let j = 0; j < n; j++) {
    const r = order[j];
    // Same timestamp and level in a later file: that one is newer, skip this.
    if (j + 1 < n) {
      const next = order[j + 1];
      if (ts[next] === ts[r] && sources[src[next]].rank === sources[src[r]].rank) continue;
    }
    const s = sources[src[r]];
    out.cluster.push(cluster);
    out.hostname.push(hostname);
    out.metric.push(metric);
    out.scope.push(s.scope);
    out.scopeId.push(s.scopeId);
    out.timestamp.push(ts[r]);
    out.frequency.push(s.frequency);
    out.value.push(s.values[slot[r]]);
    out.count++;
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export type Compressor = (input: Uint8Array) => Uint8Array;

let zstdModule: Promise<Zstd> | undefined;

/** The Zstandard compressor (WASM, loaded once). Level 3, zstd's default. */
export async function loadZstdCompressor(level = 3): Promise<Compressor> {
  zstdModule ??= Zstd.load();
  const zstd = await zstdModule;
  return (input) => zstd.compress(input, level);
}

/**
 * Streams an archive into a hyparquet-writer `Writer` (a file on the server, a
 * buffer in memory): one `writeRowGroup` per host, then `finish`.
 */
export class ParquetArchiveEncoder {
  private readonly writer: ParquetWriter;
  rows = 0;

  constructor(sink: Writer, zstd: Compressor) {
    this.writer = new ParquetWriter({
      writer: sink,
      schema: ARCHIVE_SCHEMA,
      codec: 'ZSTD',
      compressors: { ZSTD: zstd },
      createdBy: 'cc-metric-store-ts',
    });
  }

  writeRowGroup(rows: ArchiveColumns): void | Promise<void> {
    if (rows.count === 0) return;
    this.rows += rows.count;
    const big = (a: Float64Array): BigInt64Array => {
      const out = new BigInt64Array(a.length);
      for (let i = 0; i < a.length; i++) out[i] = BigInt(a[i]);
      return out;
    };
    return this.writer.write({
      columnData: [
        { name: 'cluster', data: rows.cluster },
        { name: 'hostname', data: rows.hostname },
        { name: 'metric', data: rows.metric },
        { name: 'scope', data: rows.scope },
        { name: 'scope_id', data: rows.scopeId },
        { name: 'timestamp', data: big(rows.timestamp) },
        { name: 'frequency', data: big(rows.frequency) },
        { name: 'value', data: rows.value },
      ],
      rowGroupSize: Math.max(rows.count, 1),
    });
  }

  finish(): void | Promise<void> {
    return this.writer.finish();
  }
}

export interface ArchiveHost {
  cluster: string;
  hostname: string;
  /** Checkpoint files of the host, oldest first. */
  files: readonly CheckpointFile[];
}

/** A whole archive in memory (tests, tools, the browser). Hosts are written in name order. */
export async function encodeParquetArchive(hosts: readonly ArchiveHost[]): Promise<Uint8Array> {
  const sink = new ByteWriter();
  const encoder = new ParquetArchiveEncoder(sink, await loadZstdCompressor());
  const sorted = [...hosts].sort((a, b) => cmp(a.cluster, b.cluster) || cmp(a.hostname, b.hostname));
  for (const h of sorted) await encoder.writeRowGroup(archiveRowsOfHost(h.cluster, h.hostname, h.files));
  await encoder.finish();
  return sink.getBytes().slice();
}

/** Reads an archive (ours or the Go store's) into columns. */
export async function decodeParquetArchive(bytes: Uint8Array): Promise<ArchiveColumns> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const columns = new Map<string, unknown[]>();
  await parquetRead({
    file,
    compressors: decompressors,
    columns: [...ARCHIVE_COLUMNS],
    onChunk: (chunk) => {
      let list = columns.get(chunk.columnName);
      if (!list) columns.set(chunk.columnName, (list = []));
      for (let i = 0; i < chunk.columnData.length; i++) list[chunk.rowStart + i] = chunk.columnData[i];
    },
  });
  const get = (name: string): unknown[] => {
    const list = columns.get(name);
    if (!list) throw new Error(`Parquet archive: column ${name} missing`);
    return list;
  };
  const strings = (name: string) => get(name) as string[];
  const numbers = (name: string) => Float64Array.from(get(name) as Array<bigint | number>, Number);
  const value = Float32Array.from(get('value') as number[]);
  return {
    count: value.length,
    cluster: strings('cluster'),
    hostname: strings('hostname'),
    metric: strings('metric'),
    scope: strings('scope'),
    scopeId: strings('scope_id'),
    timestamp: numbers('timestamp'),
    frequency: numbers('frequency'),
    value,
  };
}
