// The contract between the storage engine (assembly/ + src/engine/) and the
// rest of the service. Everything here is runtime-neutral: it must work in
// Node, Bun, Deno and a browser, so no Node types appear.

import type { IngestBody } from './ingest-pieces.ts';
import type { QueryOptions } from './query-steps.ts';

export type { IngestBody };

export type Aggregation = 'sum' | 'avg' | null;

export interface MetricConfig {
  /** Seconds between samples, a whole number > 0. */
  frequency: number;
  aggregation: Aggregation;
}

/** Metric name -> configuration, in the order of the config file. */
export type MetricTable = Record<string, MetricConfig>;

export interface StoreOptions {
  metrics: MetricTable;
  /** Number of WASM instances the hosts are spread over (hash of cluster+host). Default 1. */
  shards?: number;
  /**
   * Upper bound of the stored data of one instance, in bytes (default and
   * maximum: 4 GiB less 256 MiB kept for request and response buffers, which
   * come on top). Samples that find no room are rejected as `store-full`.
   */
  shardMemoryLimit?: number;
  /** When true, ingest() also returns the WAL records of every accepted sample. */
  wal?: boolean;
  /**
   * Samples stamped before `now - pastSeconds` or after `now + futureSeconds`
   * (`now` of each ingest call) are rejected as `too-old` / `too-new`. Absent:
   * every time is taken. WAL replay (writeSamples) is never windowed.
   */
  ingestWindow?: { pastSeconds: number; futureSeconds: number };
  /** Lines of hosts beyond the N-th distinct host of one body are rejected as `too-many-hosts`. Absent: no limit. */
  maxHostsPerBody?: number;
  /**
   * Full chunks (512 slots) are encoded losslessly with the smallest of the
   * chunk codecs (docs/engine.md "Chunk encodings"); the newest chunk of a
   * series stays raw. Default true; false keeps every chunk raw float32.
   * Answers, files and WAL records are the same either way.
   */
  compression?: boolean;
  /**
   * Bytes per shard for the rollup cache (docs/engine.md "Rollups"): the
   * per-slot sums of sealed chunks an aggregated query added up, kept so the
   * next such query copies them. Answers are the same bytes with or without
   * it. Default 4 MiB; 0 turns it off (every aggregated read decodes and adds
   * each series).
   */
  rollupCacheBytes?: number;
  /**
   * An ingest body goes to the engine in pieces of at most this many bytes,
   * cut after a newline (a longer line makes its piece longer), so request
   * buffers stay this small whatever the body; the result is the same as for
   * the body in one piece. Default 4 MiB; tests set it small.
   */
  ingestPieceBytes?: number;
}

/** One series as it is exported for, or imported from, a checkpoint file. */
export interface SeriesData {
  frequency: number;
  /** Timestamp (Unix seconds) of the first slot; slot i covers [start + i*f, start + (i+1)*f). */
  start: number;
  /** NaN marks a missing sample. */
  values: Float32Array;
}

/** A level of the tree (a host, a socket, a hwthread, ...) with its series and children. */
export interface LevelData {
  metrics: Map<string, SeriesData>;
  children: Map<string, LevelData>;
}

/**
 * The series of one checkpoint file of a host, flat: tables pointing into one
 * byte buffer that holds the names (UTF-8) and the values (little-endian f32).
 * A `.bin` snapshot's bytes are such a buffer as they are, so restore loads a
 * snapshot without building a tree or copying values in JavaScript.
 */
export interface SeriesTable {
  bytes: Uint8Array;
  /** Levels below the host, each after its parent: parent index (-1: the host), name offset and length in `bytes`. */
  levelParent: Int32Array;
  levelNameAt: Uint32Array;
  levelNameLength: Uint32Array;
  /** Series: level index (-1: the host), metric name offset and length in `bytes`. */
  seriesLevel: Int32Array;
  seriesNameAt: Uint32Array;
  seriesNameLength: Uint32Array;
  /** Seconds between slots and the timestamp of slot 0 (whole numbers). */
  frequency: Float64Array;
  start: Float64Array;
  /** Offset in `bytes` and count of each series' values. */
  valuesAt: Uint32Array;
  valueCount: Uint32Array;
  /**
   * Blocks encoded ahead for these `bytes` by restore's worker thread
   * (src/persist/restore-worker.ts; format in assembly/load-blocks.ts):
   * loading copies them where it would encode. At most
   * loadBlocksRoom(bytes.length) bytes; more are ignored.
   */
  blocks?: Uint8Array;
}

/** Column-wise samples, the shape a decoded current.wal comes in. */
export interface SampleColumns {
  count: number;
  /** Unix seconds. */
  ts: Float64Array;
  value: Float32Array;
  /** Index into `metrics`. */
  metric: Uint32Array;
  metrics: string[];
  /** Index into `paths`; a path is the list of level names below the host ([] = host level). */
  path: Uint32Array;
  paths: string[][];
}

export interface IngestError {
  /** 1-based line number inside the submitted body. */
  line: number;
  message: string;
}

/** WAL record bytes (formats.md, without the file header) for one host, in arrival order. */
export interface WalAppend {
  cluster: string;
  host: string;
  /**
   * Usually a view of the engine's memory: valid until the next call into the
   * store, which may overwrite it or (growing the memory) empty it. Write it
   * or copy it before that.
   */
  records: Uint8Array;
  /**
   * When set, the records in the order they were written, `records` being
   * their join: a host whose records the engine handed over in parts (a body
   * in pieces, or the host's lines interleaved with other hosts' in the body:
   * its runs are not copied together). Same lifetime as `records`. The WAL appender writes the parts
   * as they are (its writev takes a list), so the join is never made.
   */
  parts?: readonly Uint8Array[];
  count: number;
}

/**
 * Why a line's sample was not stored: `malformed` (the line that stopped the
 * parse), `unsafe-name` (a cluster or host that cannot be a directory),
 * `too-old` / `too-new` (outside the ingest window), `no-slot` (a late sample
 * in a gap narrower than one step), `store-full` (no memory left in its
 * shard), `too-many-hosts` (beyond the distinct hosts a body may hold).
 */
export type RejectReason = 'malformed' | 'unsafe-name' | 'too-old' | 'too-new' | 'no-slot' | 'store-full' | 'too-many-hosts';

export interface IngestResult {
  /** Samples stored (through the write path: also in the WAL). */
  accepted: number;
  /** Lines of metrics that are not configured: skipped on purpose, not an error. */
  skipped: number;
  /** Lines whose sample was not stored: the sum of `reasons`. */
  rejected: number;
  reasons: Partial<Record<RejectReason, number>>;
  /** The first 10 rejected lines, in line order (1-based numbers inside the body). */
  rejectedLines: Array<{ line: number; reason: RejectReason }>;
  /** The first malformed line; every line before it was read, nothing after it. */
  error: IngestError | null;
  /** Empty unless the store was created with `wal: true`. Its records are valid until the next call into the store. */
  wal: WalAppend[];
}

export interface QueryRequest {
  cluster: string;
  from: number;
  to: number;
  queries: QuerySpec[];
  'for-all-nodes'?: string[] | null;
  'with-stats'?: boolean;
  'with-data'?: boolean;
  'with-padding'?: boolean;
}

export interface QuerySpec {
  metric: string;
  host: string;
  type?: string | null;
  'type-ids'?: string[] | null;
  subtype?: string | null;
  'subtype-ids'?: string[] | null;
  resolution?: number;
  'scale-by'?: number;
  aggreg?: boolean;
}

export interface HealthResult {
  State: 'full' | 'partial' | 'failed';
  HealthMetrics: string;
}

export interface ShardStats {
  memoryBytes: number;
  usedBytes: number;
  chunks: number;
  samples: number;
  /** Chunks held encoded (StoreOptions.compression) and the bytes of their blocks. */
  sealedChunks: number;
  sealedBytes: number;
  /** Bytes of the raw chunks' value pages (the newest chunk of every series, and chunks no codec shrank). */
  rawBytes: number;
  /** Linear memory the allocator ever handed out: stored data, free blocks kept for reuse and scratch (what the process touched). */
  touchedBytes: number;
  /**
   * Of touchedBytes, the blocks on the allocator's free lists (kept for reuse; linear memory never shrinks)
   * and those of them larger than 2,048 bytes (request buffers outgrown); touched = used + scratch + free.
   */
  freeBytes: number;
  freeLargeBytes: number;
  /** Request and response buffers (and the rollup cache) held now. */
  scratchBytes: number;
  /** The rollup cache's entries (scratch: not in usedBytes, not counted against shardMemoryLimit). */
  rollupBytes: number;
}

/** Store.stats(): the shards' figures and their sums. */
export interface StoreStats {
  memoryBytes: number;
  usedBytes: number;
  samples: number;
  sealedChunks: number;
  sealedBytes: number;
  rawBytes: number;
  touchedBytes: number;
  freeBytes: number;
  freeLargeBytes: number;
  scratchBytes: number;
  rollupBytes: number;
  shards: ShardStats[];
}

/** A checkpoint export of one host; `commit()` marks exactly what was exported as saved. */
export interface HostExport {
  /**
   * The checkpoint files the export is written to, oldest first (none when
   * nothing is to be saved). One file unless a series has gaps wider than a
   * chunk: then each piece of it is in a file of its own, the newest in the
   * last file (src/engine/export-files.ts, docs/format/checkpoints.md).
   */
  files: LevelData[];
  commit(): void;
}

/**
 * The storage engine as the service sees it. Implemented by `Store` in
 * src/engine/store.ts over one or more WASM instances. All methods are
 * synchronous: a call runs to completion before any other request is served.
 */
export interface MetricStore {
  readonly metrics: MetricTable;

  /** Line protocol in (one buffer or the chunks it arrived in), samples stored. `now` (Unix seconds) stamps lines without a timestamp. */
  ingest(body: IngestBody, defaultCluster: string, now?: number): IngestResult;

  /**
   * For a batch of bodies (a batch of NATS messages, or one request): like
   * ingest, but the WAL records stay in the store, grouped per host with those
   * of the other calls of the batch, until takeHeldWal hands them over, one
   * entry per host (a few large writes instead of one small one per host and
   * body). Until then ingest() refuses to run. The result's `wal` is empty.
   */
  ingestHeld(body: IngestBody, defaultCluster: string, now?: number): IngestResult;
  /** The records of the ingestHeld calls since the last take; valid as ingest's `wal` is. */
  takeHeldWal(): WalAppend[];

  /**
   * The whole /api/query answer as JSON bytes (behaviour.md section 4).
   * Throws QueryLimitError (query-steps.ts) when it would hold more than
   * `options.maxPoints` points.
   */
  query(req: QueryRequest, options?: QueryOptions): Uint8Array;

  /**
   * query() in steps of bounded size, with a turn of the event loop between
   * them, so a long query lets other requests through (a write that lands
   * between two steps may show in the later rows).
   */
  queryAsync(req: QueryRequest, options?: QueryOptions): Promise<Uint8Array>;

  /**
   * queryAsync, but the answer itself (no promise) when its first step is its
   * last, as it is for a small query: a promise only when it takes more turns.
   * Throws synchronously what the first step throws.
   */
  queryNow?(req: QueryRequest, options?: QueryOptions): Uint8Array | Promise<Uint8Array>;

  /**
   * queryAsync's answer handed to `write` as it is produced (the rows ready at
   * each turn, in order); a promise from `write` holds the next step back until
   * it settles (the socket drained). Throws as queryAsync does, possibly after
   * some chunks were written.
   */
  queryStream?(req: QueryRequest, options: QueryOptions, write: (chunk: Uint8Array) => Promise<void> | undefined): Promise<void>;

  /** Frees every chunk under `selector` whose last step ends before `to`; returns the count. */
  free(selector: string[], to: number): number;

  /** Names of the children of the level at `selector` ([] = clusters). */
  listChildren(selector: string[]): string[];

  /** The /api/debug dump of a subtree as JSON text, or null when the selector names no level. */
  debugDump(selector: string[]): string | null;

  healthCheck(cluster: string, nodes: string[], metricNames: string[], now?: number): Record<string, HealthResult>;

  /** Every host that holds a level, as [cluster, host]. */
  hosts(): Array<[string, string]>;

  /** Samples of one host that are not yet on disk (or all of them), ready for a checkpoint file. */
  exportHost(cluster: string, host: string, opts: { unsavedOnly: boolean }): HostExport | null;

  /** Adds the series of a checkpoint file below a host; the chunks count as saved. */
  loadHost(cluster: string, host: string, level: LevelData): void;

  /** loadHost for a file in flat form (a `.bin` snapshot as decoded by restore). */
  loadTable(cluster: string, host: string, table: SeriesTable): void;

  /**
   * The engine module, when loading seals chunks: restore's worker encodes
   * tables' pieces with it (SeriesTable.blocks). Absent or null: loading
   * encodes them itself.
   */
  encoderModule?(): WebAssembly.Module | null;

  /**
   * A hint before a bulk load (restore): about `bytes` of values are coming.
   * The engine grows its memory once instead of in many steps (each of which
   * costs the JavaScript engine a garbage collection). Allocates nothing.
   */
  reserve(bytes: number): void;

  /** Writes samples (a replayed WAL) below a host; samples older than `notBefore` are skipped. */
  writeSamples(cluster: string, host: string, samples: SampleColumns, notBefore?: number): number;

  /** Bytes of linear memory held by all shards, and per-shard detail. */
  stats(): StoreStats;

  /**
   * Writes have gone quiet: let go of what is kept for the next write (the
   * WAL arena's buffer), so the next garbage collection frees it. Costs the
   * next bulk write a fresh buffer; changes nothing stored.
   */
  releaseIdleMemory?(): void;
}
