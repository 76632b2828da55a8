// The storage engine as the service sees it: N WASM instances (shards), a host
// living in the shard chosen by a hash of cluster and host. Runtime-neutral:
// it takes the compiled module or its bytes and uses nothing but WebAssembly.
import type {
  HealthResult, HostExport, IngestResult, LevelData, MetricStore, MetricTable, QueryRequest, QuerySpec,
  SampleColumns, SeriesTable, ShardStats, StoreOptions, StoreStats, WalAppend,
} from './types.ts';
import {
  ByteWriter, decodeHostPairs, decodeNames, encodeColumns, encodePath, encodeQuery, seriesTableOf,
  wholeNumber,
} from './codec.ts';
import { decodeExportFiles } from './export-files.ts';
import { BodyPieces, type ChunkedBody, DEFAULT_PIECE_BYTES, type IngestBody, type Piece, bodyBytes, copyBody } from './ingest-pieces.ts';
import { ingestResult } from './ingest-result.ts';
import { jsonString } from './json-text.ts';
import { DEFAULT_STEP, type QueryOptions, RowParts, answerOnShard, nextTurn, runToEnd, runWithTurns } from './query-steps.ts';
import { EngineMemoryError, Shard, utf8 } from './shard.ts';
import { hostHash } from './shard-hash.ts';
import { loadBlocksRoom } from './load-blocks-room.ts';
import { WalArena, WalParts } from './wal-parts.ts';

/** StoreOptions.rollupCacheBytes by default, per shard. */
const DEFAULT_ROLLUP_BYTES = 4 * 2 ** 20;

/** Stored data of one shard: 4 GiB of linear memory less room for request/response buffers. */
const MAX_DATA_BYTES = 4 * 2 ** 30 - 256 * 2 ** 20;
const INGEST_FLUSH = 1;
const INGEST_ERROR = 2;
const INPUT_PADDING = 128;
/** Around the result rows of a query answer (without echoed queries). */
const RESULTS_HEAD = utf8('{"results":[');
const RESULTS_TAIL = utf8(']}\n');
/** Limits of the engine's record formats (assembly/ingest.ts). */
const MAX_SHARDS = 256;
const MAX_METRICS = 65535;

export class Store implements MetricStore {
  readonly metrics: MetricTable;
  private readonly metricNames: string[];
  private readonly metricIds: Map<string, number>;
  private readonly shards: Shard[];
  private readonly wal: boolean;
  private readonly compressed: boolean;
  /** Largest piece of a body handed to the engine at once (StoreOptions.ingestPieceBytes). */
  private readonly pieceBytes: number;
  /** The WAL records of ingestHeld calls not taken yet. */
  private held: WalParts | null = null;
  /** Where WalParts copies records, reused call after call. */
  private readonly walArena = new WalArena();
  private lastCluster = '';
  private lastClusterBytes: Uint8Array = new Uint8Array(0);

  /** Compiles (if given bytes) and instantiates the engine. Works on Node, Bun, Deno and in browsers. */
  static async create(wasm: BufferSource | WebAssembly.Module, options: StoreOptions): Promise<Store> {
    const module = wasm instanceof WebAssembly.Module ? wasm : await WebAssembly.compile(wasm);
    const count = shardCount(options);
    const instances: WebAssembly.Instance[] = [];
    for (let i = 0; i < count; i++) instances.push(await WebAssembly.instantiate(module, {}));
    return new Store(instances, options, module);
  }

  /** Synchronous variant for an already compiled module (where synchronous instantiation is allowed). */
  static fromModule(module: WebAssembly.Module, options: StoreOptions): Store {
    const count = shardCount(options);
    const instances: WebAssembly.Instance[] = [];
    for (let i = 0; i < count; i++) instances.push(new WebAssembly.Instance(module, {}));
    return new Store(instances, options, module);
  }

  private constructor(instances: WebAssembly.Instance[], options: StoreOptions, private readonly module: WebAssembly.Module) {
    this.compressed = options.compression !== false;
    this.metrics = options.metrics;
    this.metricNames = Object.keys(options.metrics);
    this.metricIds = new Map(this.metricNames.map((n, i) => [n, i]));
    this.wal = options.wal === true;
    const pieceBytes = options.ingestPieceBytes ?? DEFAULT_PIECE_BYTES;
    if (!Number.isInteger(pieceBytes) || pieceBytes < 1) throw new RangeError(`ingestPieceBytes must be a whole number >= 1, not ${pieceBytes}`);
    this.pieceBytes = pieceBytes;
    const limit = Math.min(options.shardMemoryLimit ?? MAX_DATA_BYTES, MAX_DATA_BYTES);
    const pages = Math.max(1, Math.floor(limit / 65536));
    const table = this.metricTable();
    const window = options.ingestWindow;
    const maxHosts = options.maxHostsPerBody ?? 0;
    const rollupBytes = options.rollupCacheBytes ?? DEFAULT_ROLLUP_BYTES;
    if (!Number.isInteger(rollupBytes) || rollupBytes < 0 || rollupBytes > 2 ** 31) throw new RangeError(`rollupCacheBytes must be a whole number from 0 to 2^31, not ${rollupBytes}`);
    if (!Number.isInteger(maxHosts) || maxHosts < 0 || maxHosts > 0xffffffff) throw new RangeError(`maxHostsPerBody must be a whole number >= 0, not ${maxHosts}`);
    this.shards = instances.map((inst, i) => {
      const s = new Shard(inst);
      if (!s.x.init(i, instances.length, pages, this.wal ? 1 : 0)) throw new EngineMemoryError('start-up');
      s.put(table);
      if (!s.x.configure()) throw new EngineMemoryError('metric table');
      s.x.compression(options.compression === false ? 0 : 1);
      s.x.rollupCache(rollupBytes);
      s.x.limits(window ? window.pastSeconds : -1, window ? window.futureSeconds : -1, maxHosts);
      return s;
    });
  }

  /** u32 n, n x (u32 frequency, u32 aggregation, u32 nameLen, name) */
  private metricTable(): Uint8Array {
    const w = new ByteWriter();
    w.u32(this.metricNames.length);
    for (const name of this.metricNames) {
      const m = this.metrics[name];
      const f = Number.isInteger(m.frequency) && m.frequency > 0 ? m.frequency : 1;
      w.u32(Math.min(f, 0xffffffff));
      w.u32(m.aggregation === 'sum' ? 1 : m.aggregation === 'avg' ? 2 : 0);
      const b = utf8(name);
      w.u32(b.length);
      w.bytes(b);
    }
    return w.result();
  }

  private shardOf(cluster: string | Uint8Array, host: string | Uint8Array): Shard {
    if (this.shards.length === 1) return this.shards[0];
    const c = typeof cluster === 'string' ? utf8(cluster) : cluster;
    const h = typeof host === 'string' ? utf8(host) : host;
    return this.shards[hostHash(c, h) % this.shards.length];
  }

  /** The shards a selector reaches: one below a host, all above. */
  private shardsFor(selector: readonly string[]): Shard[] {
    return selector.length >= 2 ? [this.shardOf(selector[0], selector[1])] : this.shards;
  }

  private putPath(shard: Shard, selector: readonly string[]): void {
    const w = new ByteWriter();
    encodePath(w, selector);
    shard.put(w.result());
  }

  // ---- ingest ----

  ingest(body: IngestBody, defaultCluster: string, now: number = Date.now() / 1000): IngestResult {
    if (this.held) throw new Error('ingest() while WAL records are held: takeHeldWal() first');
    return this.ingestCall(body, defaultCluster, now, false);
  }

  ingestHeld(body: IngestBody, defaultCluster: string, now: number = Date.now() / 1000): IngestResult {
    return this.ingestCall(body, defaultCluster, now, true);
  }

  releaseIdleMemory(): void {
    // Records held for takeHeldWal live in engine memory or in views that keep their own buffer: both stay valid.
    this.walArena.release(this.held !== null);
  }

  takeHeldWal(): WalAppend[] {
    const wal = this.held;
    if (!wal) return [];
    this.held = null;
    for (let i = 0; i < this.shards.length; i++) wal.takeFinal(this.shards[i]!, i);
    return wal.result();
  }

  /** One ingest call; `hold`: its WAL records stay in the engine, grouped with those of the calls before and after, until takeHeldWal. */
  private ingestCall(whole: IngestBody, defaultCluster: string, now: number, hold: boolean): IngestResult {
    const body = bodyBytes(whole);
    const first = this.shards[0];
    const continuing = this.held !== null;
    for (const s of this.shards) {
      if (continuing) s.x.continueCall();
      else s.x.beginCall();
    }
    const cluster = this.clusterBytes(defaultCluster);
    const wal = this.wal ? (this.held ?? new WalParts(this.walArena)) : null;
    // Held from here on: should the call fail half-way, what it stored still comes out with the batch's records.
    if (hold && wal) this.held = wal;
    // The body goes in pieces (ingest-pieces.ts), each one call after the other into the same parse.
    const pieces = new BodyPieces(body, this.pieceBytes);
    let piece = pieces.first();
    let status = first.x.ingest(this.putPiece(body, piece, cluster), cluster.length, now, piece.last ? 1 : 0);
    while (true) {
      status = this.runPiece(status, wal);
      if (status === INGEST_ERROR || piece.last) break;
      // Every shard hands over the piece's WAL records, so none of them holds a body's worth.
      if (wal) {
        this.shards.forEach((s, i) => {
          wal.takePart(s, i);
          s.x.walNext();
        });
      }
      piece = pieces.next(first.x.ingestConsumed() >>> 0);
      status = first.x.ingestNext(this.putPiece(body, piece, cluster), cluster.length, piece.last ? 1 : 0);
    }
    if (wal && !hold) for (let i = 0; i < this.shards.length; i++) wal.takeFinal(this.shards[i]!, i);
    const error = status === INGEST_ERROR
      ? { line: first.x.errorLineNumber(), message: first.text(first.x.errorMessage(), first.x.errorMessageLength()) }
      : null;
    return ingestResult(this.shards, error, wal && !hold ? wal.result() : []);
  }

  /** Copies a piece of the body, the default cluster after it, into the parsing shard; the piece's length. */
  private putPiece(body: Uint8Array | ChunkedBody, piece: Piece, cluster: Uint8Array): number {
    const first = this.shards[0];
    const len = piece.end - piece.start;
    // The parser scans 16 bytes at a time: the input is followed by padding.
    const p = first.io(len + cluster.length + INPUT_PADDING);
    const mem = first.u8();
    copyBody(body, mem, p, piece.start, piece.end);
    mem.set(cluster, p + len);
    return len;
  }

  /** Runs the parse until the piece is done or a line is malformed, emptying outboxes and WAL parts when asked. */
  private runPiece(status: number, wal: WalParts | null): number {
    const first = this.shards[0];
    while (true) {
      if (this.shards.length > 1) this.flushOutboxes();
      if (status !== INGEST_FLUSH) return status;
      if (wal) {
        wal.takePart(first, 0);
        first.x.walNext();
      }
      status = first.x.ingestResume();
    }
  }

  /** The default cluster's bytes: the same one comes with every request of a service. */
  private clusterBytes(cluster: string): Uint8Array {
    if (cluster !== this.lastCluster) {
      this.lastCluster = cluster;
      this.lastClusterBytes = utf8(cluster);
    }
    return this.lastClusterBytes;
  }

  private flushOutboxes(): void {
    const first = this.shards[0];
    for (let k = 1; k < this.shards.length; k++) {
      const len = first.x.outboxLength(k) >>> 0;
      if (len === 0) continue;
      const ptr = first.x.outbox(k) >>> 0;
      const target = this.shards[k];
      const dst = target.io(len);
      target.u8().set(first.u8().subarray(ptr, ptr + len), dst);
      target.x.apply(len);
    }
    first.x.outboxClear();
  }

  // ---- query ----

  query(req: QueryRequest, options: QueryOptions = {}): Uint8Array {
    return runToEnd(this.answer(req, options));
  }

  queryAsync(req: QueryRequest, options: QueryOptions = {}): Promise<Uint8Array> {
    return runWithTurns(this.answer(req, options));
  }

  queryNow(req: QueryRequest, options: QueryOptions = {}): Uint8Array | Promise<Uint8Array> {
    const steps = this.answer(req, options);
    const first = steps.next();
    return first.done ? first.value : nextTurn().then(() => runWithTurns(steps));
  }

  async queryStream(req: QueryRequest, options: QueryOptions, write: (chunk: Uint8Array) => Promise<void> | undefined): Promise<void> {
    let pending: Promise<void> | undefined;
    const steps = this.answer(req, options, (chunk) => {
      pending = write(chunk) ?? pending;
    });
    for (;;) {
      const r = steps.next();
      if (r.done) break;
      const wait = pending;
      pending = undefined;
      await (wait ?? nextTurn());
    }
    await pending;
  }

  /**
   * The answer in steps (see query-steps.ts): one shard after the other, each in
   * as many steps as it takes. With `sink`, the rows ready before each turn go to
   * it, and an empty buffer is returned.
   */
  private *answer(req: QueryRequest, options: QueryOptions, sink?: (chunk: Uint8Array) => void): Generator<void, Uint8Array> {
    const cluster = String(req.cluster ?? '');
    const fan = req['for-all-nodes'];
    // The request's own list, copied only when for-all-nodes adds to it.
    const queries: QuerySpec[] = fan != null ? [...(req.queries ?? [])] : (req.queries ?? []);
    let echoed: QuerySpec[] | null = null;
    if (fan != null) {
      echoed = [];
      for (const node of this.listChildren([cluster])) {
        for (const metric of fan) {
          const q: QuerySpec = { metric: String(metric), host: node };
          queries.push(q);
          echoed.push(q);
        }
      }
    }
    const header = {
      from: req.from,
      to: req.to,
      withStats: req['with-stats'] ?? true,
      withData: req['with-data'] ?? true,
      withPadding: req['with-padding'] ?? true,
      cluster,
    };
    const byShard = new Map<Shard, Array<[number, QuerySpec]>>();
    queries.forEach((q, row) => {
      const shard = this.shardOf(cluster, String(q.host ?? ''));
      let list = byShard.get(shard);
      if (!list) byShard.set(shard, (list = []));
      list.push([row, q]);
    });
    const maxPoints = options.maxPoints ?? Infinity;
    const step = options.step ? { ...DEFAULT_STEP, ...options.step } : DEFAULT_STEP;
    const parts = new RowParts(queries.length);
    const head = echoed && echoed.length > 0 ? utf8(`{"queries":[${echoed.map(echoQuery).join(',')}],"results":[`) : RESULTS_HEAD;
    let pointsLeft = maxPoints;
    if (!sink) {
      for (const [shard, list] of byShard) {
        pointsLeft = yield* answerOnShard(shard, encodeQuery(header, list), pointsLeft, maxPoints, step, parts);
      }
      return parts.join(head, RESULTS_TAIL);
    }
    const emit = () => {
      const ready = parts.takeReady(head);
      if (ready) sink(ready);
    };
    for (const [shard, list] of byShard) {
      const steps = answerOnShard(shard, encodeQuery(header, list), pointsLeft, maxPoints, step, parts, list.map(([row]) => row));
      for (let r = steps.next(); ; r = steps.next()) {
        if (r.done) {
          pointsLeft = r.value;
          break;
        }
        emit();
        yield;
      }
      emit();
    }
    emit();
    sink(RESULTS_TAIL);
    return new Uint8Array(0);
  }

  // ---- tree operations ----

  free(selector: string[], to: number): number {
    let n = 0;
    for (const s of this.shardsFor(selector)) {
      this.putPath(s, selector);
      n += s.x.freeBefore(wholeNumber(to));
    }
    return n;
  }

  listChildren(selector: string[]): string[] {
    const seen = new Set<string>();
    const out: string[] = [];
    for (const s of this.shardsFor(selector)) {
      this.putPath(s, selector);
      if (!s.x.children()) continue;
      for (const name of decodeNames(s.response())) {
        if (!seen.has(name)) {
          seen.add(name);
          out.push(name);
        }
      }
    }
    return out;
  }

  debugDump(selector: string[]): string | null {
    const dec = new TextDecoder();
    if (selector.length >= 2 || this.shards.length === 1) {
      const s = this.shardsFor(selector)[0];
      this.putPath(s, selector);
      return s.x.debug(0, 0) ? dec.decode(s.response()) : null;
    }
    // Above the hosts every shard holds a part: merge the parts by name.
    const entries = (path: string[], depth: number): string[] | null => {
      let found = false;
      const parts: string[] = [];
      for (const s of this.shards) {
        this.putPath(s, path);
        if (!s.x.debug(1, depth)) continue;
        found = true;
        const text = dec.decode(s.response());
        if (text.length > 0) parts.push(text);
      }
      return found ? parts : null;
    };
    let body: string[];
    if (selector.length === 1) {
      const parts = entries(selector, 1);
      if (parts === null) return null;
      body = parts;
    } else {
      body = this.listChildren([]).map((cluster) => {
        const parts = entries([cluster], 2) ?? [];
        return `\t${jsonString(cluster)}:{\n${parts.length > 0 ? parts.join(',\n') + '\n' : ''}\t}`;
      });
    }
    return `{"data":{\n${body.length > 0 ? body.join(',\n') + '\n' : ''}}}\n`;
  }

  healthCheck(cluster: string, nodes: string[], metricNames: string[], now: number = Date.now() / 1000): Record<string, HealthResult> {
    // No prototype: a node named "__proto__" is a node like any other.
    const out: Record<string, HealthResult> = Object.create(null);
    for (const node of nodes) {
      const s = this.shardOf(cluster, node);
      const w = new ByteWriter();
      encodePath(w, [cluster, node]);
      w.align(4);
      const idsOffset = w.pos;
      for (const m of metricNames) w.u32(this.metricIds.get(m) ?? 0xffffffff);
      s.put(w.result());
      if (!s.x.health(idsOffset, metricNames.length, now)) {
        out[node] = { State: 'failed', HealthMetrics: '' };
        continue;
      }
      const status = s.response();
      const missing: string[] = [];
      const degraded: string[] = [];
      metricNames.forEach((m, i) => {
        if (status[i] === 0) missing.push(m);
        else if (status[i] === 2) degraded.push(m);
      });
      const healthy = metricNames.length - missing.length - degraded.length;
      const State = missing.length === 0 && degraded.length === 0 ? 'full' : healthy === 0 ? 'failed' : 'partial';
      // json.Marshal of a Go map: keys in sorted order.
      const list = (a: string[]) => `[${a.map(jsonString).join(',')}]`;
      out[node] = { State, HealthMetrics: `{"degraded":${list(degraded)},"missing":${list(missing)}}` };
    }
    return out;
  }

  hosts(): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    for (const s of this.shards) {
      s.x.hosts();
      out.push(...decodeHostPairs(s.response()));
    }
    return out;
  }

  // ---- persistence ----

  exportHost(cluster: string, host: string, opts: { unsavedOnly: boolean }): HostExport | null {
    const s = this.shardOf(cluster, host);
    this.putPath(s, [cluster, host]);
    const r = s.x.exportHost(opts.unsavedOnly ? 1 : 0);
    if (r === 0) return null;
    if (r < 0) throw new EngineMemoryError('checkpoint export');
    const files = decodeExportFiles(s.response(), this.metricNames);
    const generation = s.x.exportGen() >>> 0;
    const n = s.x.exportRecordCount() >>> 0;
    const at = s.x.exportRecords() >>> 0;
    const records = s.u8().slice(at, at + n * 8);
    let committed = false;
    return {
      files,
      commit: () => {
        if (committed) return;
        committed = true;
        const w = new ByteWriter(64 + records.length);
        encodePath(w, [cluster, host]);
        w.align(4);
        const offset = w.pos;
        w.bytes(records);
        s.put(w.result());
        s.x.commit(generation, offset, n);
      },
    };
  }

  loadHost(cluster: string, host: string, level: LevelData): void {
    this.loadTable(cluster, host, seriesTableOf(level));
  }

  loadTable(cluster: string, host: string, table: SeriesTable): void {
    const s = this.shardOf(cluster, host);
    const c = utf8(cluster);
    const h = utf8(host);
    const nLevels = table.levelParent.length;
    const nSeries = table.seriesLevel.length;
    // cluster, host, the table's bytes, then its columns (f64 ones first, 8-byte aligned)
    const bytesOffset = align8(c.length + h.length);
    const colsOffset = align8(bytesOffset + table.bytes.length);
    const columns = [
      table.frequency, table.start, table.levelParent, table.levelNameAt, table.levelNameLength,
      table.seriesLevel, table.seriesNameAt, table.seriesNameLength, table.valuesAt, table.valueCount,
    ];
    let size = colsOffset;
    for (const col of columns) size += col.byteLength;
    // Room for the blocks restore's worker encoded ahead (SeriesTable.blocks),
    // taken whether they came or not: the I/O buffer, which lives in the
    // store's heap, grows the same way either way, so the store is laid out
    // the same (down to the rollup cache's address-hashed slots).
    const blocksOffset = align8(size);
    const room = this.compressed ? loadBlocksRoom(table.bytes.length) : 0;
    if (room > 0) size = blocksOffset + room;
    const p = s.io(size);
    const mem = s.u8();
    mem.set(c, p);
    mem.set(h, p + c.length);
    mem.set(table.bytes, p + bytesOffset);
    let at = p + colsOffset;
    for (const col of columns) {
      mem.set(new Uint8Array(col.buffer, col.byteOffset, col.byteLength), at);
      at += col.byteLength;
    }
    const blocks = table.blocks;
    if (blocks && blocks.length <= room) {
      mem.set(blocks, p + blocksOffset);
      s.x.loadBlocks(blocksOffset, blocks.length);
    }
    s.x.loadTable(c.length, h.length, bytesOffset, table.bytes.length, colsOffset, nLevels, nSeries);
  }

  encoderModule(): WebAssembly.Module | null {
    return this.compressed ? this.module : null;
  }

  reserve(bytes: number): void {
    if (!(bytes > 0)) return;
    // Hosts spread evenly over the shards, give or take: a quarter more each.
    const n = this.shards.length;
    const perShard = n === 1 ? bytes : (bytes / n) * 1.25;
    for (const s of this.shards) s.x.reserveData(perShard);
  }

  writeSamples(cluster: string, host: string, samples: SampleColumns, notBefore?: number): number {
    const s = this.shardOf(cluster, host);
    const c = utf8(cluster);
    const h = utf8(host);
    const cols = encodeColumns(c, h, samples);
    s.put(cols.data);
    return s.x.writeSamples(c.length, h.length, cols.header, cols.ts, cols.value, cols.metric, cols.path,
      notBefore === undefined ? NaN : notBefore) >>> 0;
  }

  stats(): StoreStats {
    const shards: ShardStats[] = this.shards.map((s) => ({
      memoryBytes: s.x.memory.buffer.byteLength,
      // Stored data only; request and response buffers are left out.
      usedBytes: s.x.statUsed() - s.x.statScratch(),
      chunks: s.x.statChunks(),
      samples: s.x.statSamples(),
      sealedChunks: s.x.statSealedChunks(),
      sealedBytes: s.x.statSealedBytes(),
      rawBytes: s.x.statRawBytes(),
      touchedBytes: s.x.statTouched(),
      freeBytes: s.x.statFree(),
      freeLargeBytes: s.x.statFreeLarge(),
      scratchBytes: s.x.statScratch(),
      rollupBytes: s.x.statRollupBytes(),
    }));
    const sum = (key: keyof ShardStats) => shards.reduce((a, s) => a + s[key], 0);
    return {
      memoryBytes: sum('memoryBytes'),
      usedBytes: sum('usedBytes'),
      samples: sum('samples'),
      sealedChunks: sum('sealedChunks'),
      sealedBytes: sum('sealedBytes'),
      rawBytes: sum('rawBytes'),
      touchedBytes: sum('touchedBytes'),
      freeBytes: sum('freeBytes'),
      freeLargeBytes: sum('freeLargeBytes'),
      scratchBytes: sum('scratchBytes'),
      rollupBytes: sum('rollupBytes'),
      shards,
    };
  }
}

function align8(n: number): number {
  return (n + 7) & ~7;
}

function shardCount(options: StoreOptions): number {
  const n = options.shards ?? 1;
  if (!Number.isInteger(n) || n < 1 || n > MAX_SHARDS) throw new RangeError(`shards must be a whole number from 1 to ${MAX_SHARDS}, not ${n}`);
  const metrics = Object.keys(options.metrics).length;
  if (metrics > MAX_METRICS) throw new RangeError(`at most ${MAX_METRICS} metrics can be configured, not ${metrics}`);
  return n;
}

/** A generated query echoed as Go's APIQuery marshals it. */
function echoQuery(q: QuerySpec): string {
  return `{"metric":${jsonString(q.metric)},"host":${jsonString(q.host)},"resolution":0,"aggreg":false}`;
}
