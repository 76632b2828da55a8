// The exports of one shard of the storage engine. Numbers cross the boundary
// as i32/u32/f64 only (timestamps as f64: whole seconds, exact up to 2^53);
// strings and structured inputs are bytes the TypeScript face writes into the
// I/O buffer (ioBuffer); answers are bytes in the response buffer.
import { allocFailures, allocInit, bytesInUse, freeBytes, freeBytesAbove, freeScratch, grownScratchCap, growScratch, memoryBytes, reserve, scratchInUse, touchedBytes } from "./alloc";
import { packedBytes } from "./pack";
import { rollupBytes, setRollupBudget } from "./rollup";
import { chunkCount, pageCount, PAGE_BYTES, sampleCount, sealedBytes, sealedCount } from "./chunk-header";
import {
  accepted, applyRecords, ingestNext as nextPiece, ingestRun, ingestStart, outboxClear as clearOutboxes, outboxLen, outboxPtr, rejectCounts,
  pieceConsumed, rejectList, rejectListed, resetCounters, setIngestWindow, setMaxHosts, setShards, skipped, ST_FLUSH,
} from "./ingest";
import { initTree, L_HEADER, nameLen, parentOf } from "./level";
import { errorLine, initParser, setFastPath } from "./lineproto";
import { errorLen, errorMsg } from "./lp-message";
import { configureMetrics, metricCount } from "./metrics";
import { formatF32Inline, formatF32Ryu, initFloatFormat } from "./f32-format";
import { outLen, outPtr, outReserve as outReserveBytes, outReset, setOutLen, outFailed, statCount, statMax, statMin, statReset, statSum, writeValueRange, writeValuesOnly } from "./out";
import { loadHost, writeColumns } from "./load";
import { dropBlocks, encodePieces, encodePiecesSlack, piecesFull, useBlocks } from "./load-blocks";
import { commitCount, commitExport, commitRecords, exportGeneration, exportHost as exportHostTree, exportMissing } from "./persist";
import { fragmentCount, fragments, queryClose as closeCursor, queryCommand as commandOf, queryOpen as openCursor, queryStep as stepCursor, stepPointsLeft, toI64 } from "./query-step";
import { decodeChunk, encodeWith } from "./codec/index";
import { debugDump, freePath, healthCheck, listChildren, listHosts } from "./tree-ops";
import { resealPending, setCompression } from "./seal";
import { memoClear } from "./selector-memo";
import { walBegin, walConfigure, walFinish, walInit, walTable } from "./wal";

let ioPtr: usize = 0;
let ioCap: usize = 0;

/** Sets up a shard; false when even the first allocations fail. */
export function init(index: u32, count: u32, limitPages: u32, wal: u32): bool {
  allocInit(<u64>limitPages << 16);
  setShards(index, count);
  initParser();
  initFloatFormat();
  walInit(wal != 0);
  memoClear();
  return initTree();
}

/**
 * The I/O buffer keeps its capacity up to this between calls: a body comes in
 * pieces of 4 MiB (src/engine/store.ts), and what a longer line or a larger
 * input (a query of many selectors, a file to restore) grew it to is given
 * back when a smaller input comes, so one large input does not hold its size
 * for good.
 */
const IO_KEEP: usize = 8 << 20;

/** A buffer of at least `size` bytes for the next call's input (0 when memory runs out). */
export function ioBuffer(size: u32): usize {
  if (ioCap > IO_KEEP && <usize>size <= IO_KEEP) {
    freeScratch(ioPtr, ioCap);
    ioPtr = 0;
    ioCap = 0;
  }
  if (<usize>size > ioCap) {
    // The old input is not needed: nothing is kept.
    const p = growScratch(ioPtr, ioCap, 0, <usize>size, 65536);
    if (p == 0) return 0;
    ioPtr = p;
    ioCap = grownScratchCap;
  }
  return ioPtr;
}

/** The metric table (see metrics.ts) in the I/O buffer. */
export function configure(): bool {
  return configureMetrics(ioPtr) && walConfigure();
}

/** StoreOptions.compression: chunks that are not the newest of their series are held encoded (seal.ts). */
export function compression(on: u32): void {
  setCompression(on != 0);
}

/** StoreOptions.rollupCacheBytes: what the rollup cache (rollup.ts) may hold in this shard; 0 turns it off. */
export function rollupCache(bytes: f64): void {
  setRollupBudget(<u64>bytes);
}

export function metrics(): i32 {
  return metricCount;
}

/** The ingest window in seconds around each call's `now` (negative: none) and the distinct hosts a body may hold (0: any). */
export function limits(pastSeconds: f64, futureSeconds: f64, maxHostsPerBody: u32): void {
  const off = !(pastSeconds >= 0) || !(futureSeconds >= 0);
  setIngestWindow(off ? -1 : toI64(pastSeconds), off ? -1 : toI64(futureSeconds));
  setMaxHosts(maxHostsPerBody);
}

// ---- ingest ----

/** Starts a call on every shard: counters and WAL records of the previous call are dropped. */
export function beginCall(): void {
  resetCounters();
  walBegin();
}

/** Starts another ingest call of a batch: the WAL records of the calls before stay, and group with this one's per host. */
export function continueCall(): void {
  resetCounters();
}

/**
 * Parses the first piece of a body (I/O buffer [0, bodyLen)) with the default
 * cluster after it; `last`: the body ends with it. 0 done, 1 flush outboxes,
 * 2 error. Done with a piece that is not the last: ingestConsumed() bytes of
 * it were read, the rest starts the next piece (ingestNext).
 */
export function ingest(bodyLen: u32, clusterLen: u32, now: f64, last: bool): i32 {
  ingestStart(ioPtr, <usize>bodyLen, ioPtr + <usize>bodyLen, <usize>clusterLen, toI64(Math.floor(now)), last);
  return ingestRunAndReseal();
}

/** Chunks unsealed by a piece's writes are sealed again once the piece is done. */
function ingestRunAndReseal(): i32 {
  const status = ingestRun();
  if (status != ST_FLUSH) resealPending();
  return status;
}

/** The next piece of the body, like ingest: the call goes on where the last piece ended. */
export function ingestNext(len: u32, clusterLen: u32, last: bool): i32 {
  nextPiece(ioPtr, <usize>len, ioPtr + <usize>len, <usize>clusterLen, last);
  return ingestRunAndReseal();
}

export function ingestConsumed(): u32 {
  return <u32>pieceConsumed;
}

/** Tests only: read every line with the general parser. */
export function useFastPath(on: bool): void {
  setFastPath(on);
}

export function ingestResume(): i32 {
  return ingestRunAndReseal();
}

export function acceptedCount(): u32 {
  return accepted;
}
/** u32 per reason of rejection (ingest.ts R_*), index 0 unused. */
export function rejectCountsPtr(): usize {
  return rejectCounts;
}
/** The first rejections of the call in this shard: rejectListLength() x (u32 line, u32 reason). */
export function rejectListPtr(): usize {
  return rejectList;
}
export function rejectListLength(): u32 {
  return rejectListed;
}
export function skippedCount(): u32 {
  return skipped;
}
export function errorLineNumber(): i32 {
  return errorLine;
}
export function errorMessage(): usize {
  return errorMsg;
}
export function errorMessageLength(): usize {
  return errorLen;
}
export function outbox(shard: u32): usize {
  return outboxPtr(shard);
}
export function outboxLength(shard: u32): usize {
  return outboxLen(shard);
}
export function outboxClear(): void {
  clearOutboxes();
}

/** Applies another shard's outbox, copied into the I/O buffer. */
export function apply(len: u32): void {
  applyRecords(ioPtr, <usize>len);
  resealPending();
}

/** Lists the call's WAL records by host; see walTable (u32 host level, offset, length, count, generation per host, or per run: a host's runs together). */
export function walGroups(): u32 {
  return walFinish();
}
/** After walGroups was read in the middle of a call: the records handed over are dropped. */
export function walNext(): void {
  walBegin();
}
export function walTablePtr(): usize {
  return walTable();
}

// ---- answers ----

export function responsePtr(): usize {
  return outPtr;
}
export function responseLength(): usize {
  return outLen;
}

/** A cursor for a query command of `len` bytes, which go to queryCommand(cursor); 0 when memory ran out. */
export function queryOpen(len: u32): usize {
  return openCursor(<usize>len);
}
export function queryCommand(cursor: usize): usize {
  return commandOf(cursor);
}
/** The next step of the cursor's answer (STEP_* of query-step.ts); its fragments at queryFragments. */
export function queryStep(cursor: usize, pointsLeft: f64, bytes: u32, selectors: u32, reads: u32, piecePoints: u32): i32 {
  return stepCursor(cursor, pointsLeft, bytes, selectors, reads, piecePoints);
}
/** (u32 row, u32 offset, u32 length) per fragment of the last step. */
export function queryFragments(): usize {
  return fragments.ptr;
}
export function queryFragmentCount(): i32 {
  return fragmentCount;
}
export function queryPointsLeft(): f64 {
  return stepPointsLeft();
}
export function queryClose(cursor: usize): void {
  closeCursor(cursor);
}

/** Frees below the path in the I/O buffer; returns the number of chunks freed. */
export function freeBefore(t: f64): i32 {
  return freePath(ioPtr, toI64(t));
}

export function children(): bool {
  return listChildren(ioPtr);
}

export function hosts(): void {
  listHosts();
}

export function debug(mode: i32, depth: i32): bool {
  return debugDump(ioPtr, mode, depth);
}

/** Path in the I/O buffer, then (at idsOffset) n i32 metric ids. */
export function health(idsOffset: u32, n: i32, now: f64): bool {
  return healthCheck(ioPtr, ioPtr + <usize>idsOffset, n, toI64(Math.floor(now)));
}

// ---- persistence ----

/** 1 exported, 0 no such host, -1 out of memory. */
export function exportHost(unsavedOnly: bool): i32 {
  if (exportHostTree(ioPtr, unsavedOnly)) return 1;
  return exportMissing ? 0 : -1;
}
export function exportRecords(): usize {
  return commitRecords.ptr;
}
export function exportRecordCount(): u32 {
  return commitCount;
}
export function exportGen(): u32 {
  return exportGeneration;
}

/** Path in the I/O buffer, records (u32 chunk, u32 length) at recordsOffset. */
export function commit(generation: u32, recordsOffset: u32, n: u32): bool {
  return commitExport(ioPtr, generation, ioPtr + <usize>recordsOffset, n);
}

/** Grows memory once for about `bytes` of data to come (a hint before a bulk load, see alloc.ts reserve). */
export function reserveData(bytes: f64): void {
  reserve(<u64>Math.max(0, Math.min(bytes, 4294967296.0)));
}

/**
 * cluster at [0, cLen), host after it, a series table's bytes at bytesOffset
 * and its columns at colsOffset (see load.ts loadHost); returns samples
 * that found no room.
 */
export function loadTable(cLen: u32, hLen: u32, bytesOffset: u32, bytesLen: u32, colsOffset: u32, nLevels: u32, nSeries: u32): u32 {
  const dropped = loadHost(ioPtr, <usize>cLen, ioPtr + <usize>cLen, <usize>hLen, ioPtr + <usize>bytesOffset, <usize>bytesLen,
    ioPtr + <usize>colsOffset, nLevels, nSeries);
  dropBlocks();
  resealPending();
  return dropped;
}

/**
 * Blocks restore's worker encoded for the next loadTable's file (load-blocks.ts),
 * `len` bytes at `offset` of the I/O buffer; loadTable forgets them.
 */
export function loadBlocks(offset: u32, len: u32): void {
  useBlocks(ioPtr + <usize>offset, <usize>len);
}

/**
 * Restore's worker (src/persist/restore-worker.ts): the blocks of a file's
 * entries of series [first, last) (load-blocks.ts), offsets into the I/O
 * buffer, at most `limit` bytes; returns their size so far. limit + encodePiecesSlack() bytes at outOffset
 * must be free.
 */
export function encodeTablePieces(bytesOffset: u32, bytesLen: u32, valuesAtOffset: u32, countOffset: u32, nSeries: u32,
  outOffset: u32, limit: u32, first: u32, last: u32): u32 {
  return <u32>encodePieces(ioPtr + <usize>bytesOffset, <usize>bytesLen, ioPtr + <usize>valuesAtOffset, ioPtr + <usize>countOffset,
    nSeries, ioPtr + <usize>outOffset, <usize>limit, first, last);
}

/** Whether the last encodeTablePieces filled its limit (the file's later series get no blocks). */
export function encodeTablePiecesFull(): bool {
  return piecesFull;
}

export function encodeTablePiecesSlack(): u32 {
  return <u32>encodePiecesSlack();
}

/** WAL replay; offsets into the I/O buffer (see load.ts writeColumns). */
export function writeSamples(cLen: u32, hLen: u32, header: u32, ts: u32, value: u32, metric: u32, path: u32, notBefore: f64): u32 {
  const nb: i64 = isNaN(notBefore) ? i64.MIN_VALUE : toI64(notBefore);
  const written = writeColumns(ioPtr, <usize>cLen, ioPtr + <usize>cLen, <usize>hLen, ioPtr + <usize>header,
    ioPtr + <usize>ts, ioPtr + <usize>value, ioPtr + <usize>metric, ioPtr + <usize>path, nb);
  resealPending();
  return written;
}

// ---- statistics ----

export function statMemory(): f64 {
  return <f64>memoryBytes();
}
export function statTouched(): f64 {
  return <f64>touchedBytes();
}
/** Bytes on the allocator's free lists (touched = used + free). */
export function statFree(): f64 {
  return <f64>freeBytes();
}
/** Of statFree, the blocks of more than 2,048 bytes: request buffers outgrown (the rest: pages and blocks of chunks). */
export function statFreeLarge(): f64 {
  return <f64>freeBytesAbove(2048);
}
export function statUsed(): f64 {
  return <f64>bytesInUse;
}
export function statChunks(): f64 {
  return <f64>chunkCount;
}
export function statSamples(): f64 {
  return <f64>sampleCount;
}
export function statSealedChunks(): f64 {
  return <f64>sealedCount;
}
/** Bytes of the sealed chunks' encoded blocks. */
export function statSealedBytes(): f64 {
  return <f64>sealedBytes;
}
/** Bytes of the raw chunks' values: their pages, raw and packed. */
export function statRawBytes(): f64 {
  return <f64>(pageCount * <u64>PAGE_BYTES + packedBytes);
}
/** Bytes of the rollup cache's entries (scratch, not stored data). */
export function statRollupBytes(): f64 {
  return <f64>rollupBytes;
}
export function statAllocFailures(): u32 {
  return allocFailures;
}

// ---- level names (for the WAL groups) ----

export function levelNamePtr(level: usize): usize {
  return level + L_HEADER;
}
export function levelNameLength(level: usize): usize {
  return nameLen(level);
}
export function levelParent(level: usize): usize {
  return parentOf(level);
}
export function statScratch(): f64 {
  return <f64>scratchInUse;
}

/**
 * The n f32 values in the I/O buffer as JSON numbers, comma-separated, into
 * the response; `ryuOnly` (tests) formats them by Ryu alone.
 */
export function formatFloats(n: i32, ryuOnly: bool): bool {
  outReset();
  if (!outReserveBytes(<usize>n * 25 + 1)) return false;
  let q = outPtr;
  for (let i = 0; i < n; i++) {
    if (i > 0) {
      store<u8>(q, 44);
      q++;
    }
    const x = load<f32>(ioPtr + (<usize>i << 2));
    q = ryuOnly ? formatF32Ryu(q, x) : formatF32Inline(q, x);
  }
  setOutLen(q - outPtr);
  return true;
}

/**
 * What a query writes of an entry's data (tests and bench): `pad` nulls, then
 * the n f64 values in the I/O buffer times `scale`, in pieces of `piece` items
 * (a long entry's steps; 0: one piece), into the response; the statistics of
 * the unscaled values then in valueStat.
 */
export function formatValues(n: i32, scale: f64, pad: i32, piece: i32): bool {
  outReset();
  statReset();
  const total = pad + n;
  const step = piece > 0 ? piece : total;
  let at = 0;
  do {
    const end = total - at > step ? at + step : total;
    writeValueRange(ioPtr, n, scale, pad, at, end);
    at = end;
  } while (at < total);
  return !outFailed;
}

/** formatValues in one piece as a query writes an entry whose statistics the read gathered (writeValuesOnly): the text alone. */
export function formatValuesOnly(n: i32, scale: f64, pad: i32): bool {
  outReset();
  writeValuesOnly(ioPtr, n, scale, pad);
  return !outFailed;
}

/** The statistics of the last formatValues: 0 count, 1 sum, 2 min, 3 max. */
export function valueStat(which: i32): f64 {
  return which == 0 ? <f64>statCount : which == 1 ? statSum : which == 2 ? statMin : statMax;
}

// ---- chunk codecs (tests and bench; offsets into the I/O buffer) ----

/** Encodes len f32 at valuesOffset into outOffset (codec 0: the best, as sealing does); the block's size or 0. */
export function codecEncode(valuesOffset: u32, len: i32, outOffset: u32, codec: i32): i32 {
  return encodeWith(ioPtr + <usize>valuesOffset, len, ioPtr + <usize>outOffset, codec);
}

/** Decodes the block of `size` bytes at blockOffset into f32 at outOffset; the count of values (0: not a block). */
export function codecDecode(blockOffset: u32, size: i32, outOffset: u32): i32 {
  return decodeChunk(ioPtr + <usize>blockOffset, size, ioPtr + <usize>outOffset);
}
