// One WASM instance of the engine. Every call into it goes through here:
// typed exports, byte views that are re-made whenever memory grew, and the
// I/O buffer the next call reads its input from.

/** The exports of assembly/index.ts. Pointers come back as i32 and are made unsigned here. */
export interface EngineExports {
  memory: WebAssembly.Memory;
  init(index: number, count: number, limitPages: number, wal: number): number;
  ioBuffer(size: number): number;
  configure(): number;
  compression(on: number): void;
  rollupCache(bytes: number): void;
  statRollupBytes(): number;
  metrics(): number;
  beginCall(): void;
  continueCall(): void;
  ingest(bodyLen: number, clusterLen: number, now: number, last: number): number;
  ingestNext(len: number, clusterLen: number, last: number): number;
  ingestConsumed(): number;
  ingestResume(): number;
  useFastPath(on: number): void;
  limits(pastSeconds: number, futureSeconds: number, maxHostsPerBody: number): void;
  acceptedCount(): number;
  rejectCountsPtr(): number;
  rejectListPtr(): number;
  rejectListLength(): number;
  skippedCount(): number;
  errorLineNumber(): number;
  errorMessage(): number;
  errorMessageLength(): number;
  outbox(shard: number): number;
  outboxLength(shard: number): number;
  outboxClear(): void;
  apply(len: number): void;
  walGroups(): number;
  walNext(): void;
  walTablePtr(): number;
  levelNamePtr(level: number): number;
  levelNameLength(level: number): number;
  levelParent(level: number): number;
  responsePtr(): number;
  responseLength(): number;
  queryOpen(len: number): number;
  queryCommand(cursor: number): number;
  queryStep(cursor: number, pointsLeft: number, bytes: number, selectors: number, reads: number, piecePoints: number): number;
  queryFragments(): number;
  queryFragmentCount(): number;
  queryPointsLeft(): number;
  queryClose(cursor: number): void;
  freeBefore(t: number): number;
  children(): number;
  hosts(): void;
  debug(mode: number, depth: number): number;
  health(idsOffset: number, n: number, now: number): number;
  exportHost(unsavedOnly: number): number;
  exportRecords(): number;
  exportRecordCount(): number;
  exportGen(): number;
  commit(generation: number, recordsOffset: number, n: number): number;
  reserveData(bytes: number): void;
  loadTable(cLen: number, hLen: number, bytesOffset: number, bytesLen: number, colsOffset: number, nLevels: number, nSeries: number): number;
  loadBlocks(offset: number, len: number): void;
  encodeTablePieces(bytesOffset: number, bytesLen: number, valuesAtOffset: number, countOffset: number, nSeries: number, outOffset: number, limit: number,
    first: number, last: number): number;
  encodeTablePiecesFull(): number;
  encodeTablePiecesSlack(): number;
  writeSamples(cLen: number, hLen: number, header: number, ts: number, value: number, metric: number, path: number, notBefore: number): number;
  formatFloats(n: number, ryuOnly: number): number;
  formatValues(n: number, scale: number, pad: number, piece: number): number;
  formatValuesOnly(n: number, scale: number, pad: number): number;
  valueStat(which: number): number;
  statMemory(): number;
  statUsed(): number;
  statScratch(): number;
  statChunks(): number;
  statSamples(): number;
  statAllocFailures(): number;
  statSealedChunks(): number;
  statSealedBytes(): number;
  statRawBytes(): number;
  statTouched(): number;
  statFree(): number;
  statFreeLarge(): number;
}

export class EngineMemoryError extends Error {
  constructor(what: string) {
    super(`storage engine out of memory (${what})`);
    this.name = 'EngineMemoryError';
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The names of a host level, as of its generation. */
export interface HostNames {
  generation: number;
  cluster: string;
  host: string;
}

/** Host names cached at most; the cache starts over past this (hosts come and go over months). */
const MAX_CACHED_HOSTS = 1 << 16;

export class Shard {
  readonly x: EngineExports;
  private buffer: ArrayBuffer;
  private bytes: Uint8Array;
  private words: Uint32Array;
  private view: DataView;
  private readonly hostNameCache = new Map<number, HostNames>();

  constructor(instance: WebAssembly.Instance) {
    this.x = instance.exports as unknown as EngineExports;
    this.buffer = this.x.memory.buffer;
    this.bytes = new Uint8Array(this.buffer);
    this.words = new Uint32Array(this.buffer);
    this.view = new DataView(this.buffer);
  }

  /** Byte view of linear memory (re-made after the memory grew). */
  u8(): Uint8Array {
    if (this.buffer.byteLength === 0) this.refresh();
    return this.bytes;
  }

  /** u32 view of linear memory: the word at byte address p (a multiple of 4) is u32()[p >>> 2]. */
  u32(): Uint32Array {
    if (this.buffer.byteLength === 0) this.refresh();
    return this.words;
  }

  dv(): DataView {
    if (this.buffer.byteLength === 0) this.refresh();
    return this.view;
  }

  // Growing a (non-shared) WebAssembly.Memory detaches its old ArrayBuffer, so
  // a held buffer of length 0 is the sign to re-make the views. Tested so, not
  // by comparing with `memory.buffer`: that getter is a call into the runtime
  // (V8's API callback), several a request, where byteLength is a field load.
  private refresh(): void {
    this.buffer = this.x.memory.buffer;
    this.bytes = new Uint8Array(this.buffer);
    this.words = new Uint32Array(this.buffer);
    this.view = new DataView(this.buffer);
  }

  /**
   * Cluster and host name of a host level. A level's address and generation
   * name one host for good (a freed level's address may come back, with a new
   * generation), so the names are decoded once per host, not once per call.
   */
  hostNames(level: number, generation: number): HostNames {
    let names = this.hostNameCache.get(level);
    if (names === undefined || names.generation !== generation) {
      names = { generation, cluster: this.levelName(this.x.levelParent(level) >>> 0), host: this.levelName(level) };
      if (this.hostNameCache.size >= MAX_CACHED_HOSTS) this.hostNameCache.clear();
      this.hostNameCache.set(level, names);
    }
    return names;
  }

  /** The I/O buffer with room for `size` bytes; its address. */
  io(size: number): number {
    const p = this.x.ioBuffer(size) >>> 0;
    if (p === 0) throw new EngineMemoryError(`${size} bytes of input`);
    return p;
  }

  /** Copies `data` to the start of the I/O buffer. */
  put(data: Uint8Array): number {
    const p = this.io(data.length);
    this.u8().set(data, p);
    return p;
  }

  /** The response of the last call, as a view (valid until the next call into this shard). */
  response(): Uint8Array {
    const p = this.x.responsePtr() >>> 0;
    const n = this.x.responseLength() >>> 0;
    return this.u8().subarray(p, p + n);
  }

  text(ptr: number, len: number): string {
    return decoder.decode(this.u8().subarray(ptr >>> 0, (ptr >>> 0) + (len >>> 0)));
  }

  levelName(level: number): string {
    return this.text(this.x.levelNamePtr(level), this.x.levelNameLength(level));
  }
}

export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}

export function fromUtf8(b: Uint8Array): string {
  return decoder.decode(b);
}
