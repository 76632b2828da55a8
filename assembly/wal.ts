// WAL records (formats.md) for every sample ingest stores, per host in
// arrival order; handed over at the end of a call and, between hosts, as
// soon as they pass FLUSH_BYTES (src/engine/wal-parts.ts keeps the parts):
//   u32 0xCC1DA7A1, u32 payloadLen, payload, u32 crc32(payload)
//   payload := i64 ts, u16 metricLen, metric, u8 nSel, nSel x (u8 len, name), f32 value
//
// A record is a few wide stores, and its CRC is put together from parts
// already known (crc32.ts): for the payload T M S V (timestamp, metric,
// selector, value)
//   reg(init, T M S) = zeros(reg(init, T), |M S|) ^ zeros(reg(0, M), |S|) ^ reg(0, S)
// The first term is cached per (timestamp, |M S|), the second per metric for
// the last |S|, the third in the level; only the value is fed per record.
import { allocScratch, freeScratch, grownScratchCap, growScratch } from "./alloc";
import { copySmall } from "./bytes";
import { crcUpdate, crcWord, crcZeros, initCrc32 } from "./crc32";
import { L_GEN, L_HEADER, L_SELCRC, L_SELLEN, L_WALCALL, L_WALSLOT, nameLen, parentOf } from "./level";
import { metricCount, metricNameLen, metricNamePtr } from "./metrics";

const RECORD_MAGIC: u64 = 0xcc1da7a1;
/** Names are copied with 16-byte stores: room a record may need past its end. */
const STORE_SLACK: usize = 32;

export let walEnabled = false;
let walCall: u32 = 0;

// Records in arrival order.
let recBuf: usize = 0;
let recCap: usize = 0;
let recLen: usize = 0;

// Runs of consecutive records of one host, RUN_ENTRY bytes each: u32 host
// slot, u32 start offset, u32 records (set when the run closes).
const RUN_ENTRY: usize = 12;
let runBuf: usize = 0;
let runCap: usize = 0;
let runCount: u32 = 0;
let runHost: usize = 0; // host of the open run, 0 when none is open
let runSlot: u32 = 0;
let runStart: usize = 0;
let runRecords: u32 = 0;

// Hosts of this call in order of first appearance, 16 bytes each: u32 level,
// u32 offset of its first record (while walFinish lists the runs: the index
// of the host's next table entry), u32 records, u32 bytes.
let hostBuf: usize = 0;
let hostCap: usize = 0;
let hostCount: u32 = 0;

/**
 * Per host, or per run when a host's records are in several runs (its runs
 * then one after the other, in order): TABLE_ENTRY bytes: u32 hostLevel, u32
 * offset, u32 length, u32 count, u32 the host's generation (a level's address
 * and generation name one host for good: the caller may cache its names under
 * them).
 */
const TABLE_ENTRY: usize = 20;
let tableBuf: usize = 0;
let tableCap: usize = 0;

// Per metric, 32 bytes: u16 nameLen, name (when they fit). And 16 bytes: u32
// reg(0, M), u32 |S| of the cached term, u32 zeros(reg(0, M), |S|).
const METRIC_BLOB: usize = 32;
let metricBlobs: usize = 0;
let metricCrcs: usize = 0;
let metricTableCount: i32 = 0;

// zeros(reg(init, T), n) by n & 63, 16 bytes: i64 ts, u32 n, u32 term.
const TS_TERMS: usize = memory.data(64 * 16, 16);
let tsRegFor: i64 = 0;
let tsReg: u32 = 0;
let tsRegValid = false;

export function walInit(enabled: bool): void {
  walEnabled = enabled;
  initCrc32();
  for (let i: usize = 0; i < 64; i++) store<u32>(TS_TERMS + (i << 4), 0xffffffff, 8);
  tsRegValid = false;
}

/** Per-metric parts of the records, once the metrics are configured; false when memory runs out. */
export function walConfigure(): bool {
  if (!walEnabled) return true;
  if (metricBlobs != 0) {
    freeScratch(metricBlobs, <usize>metricTableCount * METRIC_BLOB);
    freeScratch(metricCrcs, <usize>metricTableCount << 4);
  }
  const n = metricCount > 0 ? metricCount : 1;
  metricBlobs = allocScratch(<usize>n * METRIC_BLOB);
  metricCrcs = allocScratch(<usize>n << 4);
  metricTableCount = n;
  if (metricBlobs == 0 || metricCrcs == 0) return false;
  for (let m = 0; m < metricCount; m++) {
    const len = metricNameLen(m);
    const blob = metricBlobs + <usize>m * METRIC_BLOB;
    store<u16>(blob, <u16>len);
    copySmall(blob + 2, metricNamePtr(m), min(len, METRIC_BLOB - 2));
    const e = metricCrcs + (<usize>m << 4);
    store<u32>(e, crcUpdate(crcUpdate(0, blob, 2), metricNamePtr(m), len));
    store<u32>(e, 0xffffffff, 4);
  }
  return true;
}

/** Records of a call are handed over (walFinish) between hosts once they pass this size. */
const FLUSH_BYTES: usize = 2 << 20;

// @ts-ignore: decorator
@inline export function walFlushDue(): bool {
  return recLen >= FLUSH_BYTES;
}

/** Starts a new ingest call, or the next part of one: forgets the records handed over. */
export function walBegin(): void {
  walCall++;
  if (walCall == 0) walCall = 1;
  recLen = 0;
  runCount = 0;
  runHost = 0;
  hostCount = 0;
  selLevel = 0;
}

/** Smallest capacity of the record, run, host and table buffers. */
const MIN_BUFFER: usize = 4096;

// The selector part of a record (u8 n, (u8 len, name)*) for the last level
// seen, and its register reg(0, S). 32 bytes of room past the longest.
const selBytes: usize = memory.data(8 * 256 + 8 + 32, 16);
let selLen: usize = 0;
let selCrc: u32 = 0;
let selLevel: usize = 0;
let selHost: usize = 0;
const pathStack: usize = memory.data(8 * 4);

function encodeSelector(host: usize, level: usize): void {
  selLevel = level;
  selHost = host;
  if (level == host) {
    store<u8>(selBytes, 0);
    selLen = 1;
    selCrc = 0; // reg(0, one zero byte)
    return;
  }
  if (parentOf(level) == host) {
    // One level below the host, the usual case.
    const len = nameLen(level);
    store<u16>(selBytes, <u16>(1 | (len << 8)));
    copySmall(selBytes + 2, level + L_HEADER, len);
    selLen = 2 + len;
  } else {
    let depth = 0;
    let l = level;
    while (l != host && l != 0 && depth < 8) {
      store<u32>(pathStack + (<usize>depth << 2), <u32>l);
      depth++;
      l = parentOf(l);
    }
    let p = selBytes;
    store<u8>(p, <u8>depth);
    p++;
    for (let i = depth - 1; i >= 0; i--) {
      const lv = <usize>load<u32>(pathStack + (<usize>i << 2));
      const len = nameLen(lv);
      store<u8>(p, <u8>len);
      copySmall(p + 1, lv + L_HEADER, len);
      p += 1 + len;
    }
    selLen = p - selBytes;
  }
  // A level's place never changes: the register of its selector is computed once.
  if (load<u32>(level, L_SELLEN) == 0) {
    store<u32>(level, crcUpdate(0, selBytes, selLen), L_SELCRC);
    store<u32>(level, <u32>selLen + 1, L_SELLEN);
  }
  selCrc = load<u32>(level, L_SELCRC);
}

/**
 * Room for the record of one sample at `level` of `host`; false when memory
 * runs out (the sample is then not stored either). Inlined: mostly the
 * selector, the host and the room are those of the previous record.
 */
// @ts-ignore: decorator
@inline export function walReserve(metric: i32, level: usize, host: usize): bool {
  return (level == selLevel && host == runHost &&
    recLen + 4 + 4 + 8 + 2 + metricNameLen(metric) + selLen + 4 + 4 + STORE_SLACK <= recCap) ||
    walReserveSlow(metric, level, host);
}

function walReserveSlow(metric: i32, level: usize, host: usize): bool {
  if (level != selLevel || host != selHost) encodeSelector(host, level);
  const need = recLen + 4 + 4 + 8 + 2 + metricNameLen(metric) + selLen + 4 + 4 + STORE_SLACK;
  if (need > recCap) {
    const p = growScratch(recBuf, recCap, recLen, need, MIN_BUFFER);
    if (p == 0) return false;
    recBuf = p;
    recCap = grownScratchCap;
  }
  if (host != runHost) {
    if ((<usize>runCount + 1) * RUN_ENTRY > runCap) {
      const p = growScratch(runBuf, runCap, <usize>runCount * RUN_ENTRY, (<usize>runCount + 1) * RUN_ENTRY, MIN_BUFFER);
      if (p == 0) return false;
      runBuf = p;
      runCap = grownScratchCap;
    }
    if ((<usize>hostCount + 1) << 4 > hostCap) {
      const p = growScratch(hostBuf, hostCap, <usize>hostCount << 4, (<usize>hostCount + 1) << 4, MIN_BUFFER);
      if (p == 0) return false;
      hostBuf = p;
      hostCap = grownScratchCap;
    }
  }
  return true;
}

function closeRun(): void {
  if (runHost == 0) return;
  const h = hostBuf + (<usize>runSlot << 4);
  store<u32>(h, load<u32>(h, 8) + runRecords, 8);
  store<u32>(h, load<u32>(h, 12) + <u32>(recLen - runStart), 12);
  store<u32>(runBuf + <usize>(runCount - 1) * RUN_ENTRY, runRecords, 8);
  runHost = 0;
}

function openRun(host: usize): void {
  closeRun();
  let slot: u32;
  if (load<u32>(host, L_WALCALL) == walCall) {
    slot = load<u32>(host, L_WALSLOT);
  } else {
    slot = hostCount;
    hostCount++;
    store<u32>(host, walCall, L_WALCALL);
    store<u32>(host, slot, L_WALSLOT);
    const h = hostBuf + (<usize>slot << 4);
    store<u32>(h, <u32>host);
    store<u32>(h, <u32>recLen, 4);
    store<u64>(h, 0, 8);
  }
  const r = runBuf + <usize>runCount * RUN_ENTRY;
  store<u32>(r, slot);
  store<u32>(r, <u32>recLen, 4);
  store<u32>(r, 0, 8);
  runCount++;
  runHost = host;
  runSlot = slot;
  runStart = recLen;
  runRecords = 0;
}

/** zeros(reg(init, T), n) for the timestamp T. */
// @ts-ignore: decorator
@inline function tsTerm(ts: i64, n: u32): u32 {
  const e = TS_TERMS + (<usize>(n & 63) << 4);
  if (load<i64>(e) != ts || load<u32>(e, 8) != n) {
    if (!tsRegValid || tsRegFor != ts) {
      tsReg = crcWord(crcWord(0xffffffff, <u32>ts), <u32>(ts >>> 32));
      tsRegFor = ts;
      tsRegValid = true;
    }
    store<i64>(e, ts);
    store<u32>(e, n, 8);
    store<u32>(e, crcZeros(tsReg, n), 12);
  }
  return load<u32>(e, 12);
}

/** zeros(reg(0, M), |S|) for the metric M and the current selector S. */
// @ts-ignore: decorator
@inline function metricTerm(metric: i32): u32 {
  const e = metricCrcs + (<usize>metric << 4);
  if (<usize>load<u32>(e, 4) != selLen) {
    store<u32>(e, <u32>selLen, 4);
    store<u32>(e, crcZeros(load<u32>(e), selLen), 8);
  }
  return load<u32>(e, 8);
}

/** Appends the record of one stored sample; walReserve must have succeeded just before. */
// @ts-ignore: decorator
@inline export function walAppend(host: usize, metric: i32, ts: i64, value: f32): void {
  if (host != runHost) openRun(host);
  const rec = recBuf + recLen;
  const mlen = metricNameLen(metric);
  const mBytes: usize = 2 + mlen;
  const payloadLen: usize = 8 + mBytes + selLen + 4;
  store<u64>(rec, RECORD_MAGIC | (<u64>payloadLen << 32));
  store<i64>(rec, ts, 8);
  let p = rec + 16;
  if (mBytes <= METRIC_BLOB) {
    const blob = metricBlobs + <usize>metric * METRIC_BLOB;
    v128.store(p, v128.load(blob));
    if (mBytes > 16) v128.store(p, v128.load(blob, 16), 16);
  } else {
    store<u16>(p, <u16>mlen);
    memory.copy(p + 2, metricNamePtr(metric), mlen);
  }
  p += mBytes;
  if (selLen <= 32) {
    v128.store(p, v128.load(selBytes));
    if (selLen > 16) v128.store(p, v128.load(selBytes, 16), 16);
  } else {
    memory.copy(p, selBytes, selLen);
  }
  p += selLen;
  const reg = tsTerm(ts, <u32>(mBytes + selLen)) ^ metricTerm(metric) ^ selCrc;
  const bits = reinterpret<u32>(value);
  store<u64>(p, <u64>bits | (<u64>~crcWord(reg, bits) << 32));
  recLen = p + 8 - recBuf;
  runRecords++;
}

/**
 * Lists the call's records by host (see walTable); returns the number of
 * table entries, 0xffffffff when out of memory. A host whose records are in
 * one run gets one entry; when some host's are in several (hosts interleaved
 * in the body), every run gets one, a host's runs together: the caller writes
 * them one after the other, so the records are not copied to group them.
 */
export function walFinish(): u32 {
  closeRun();
  if (hostCount == 0) return 0;
  const entries = runCount;
  if (<usize>entries * TABLE_ENTRY > tableCap) {
    const p = growScratch(tableBuf, tableCap, 0, <usize>entries * TABLE_ENTRY, MIN_BUFFER);
    if (p == 0) return 0xffffffff;
    tableBuf = p;
    tableCap = grownScratchCap;
  }
  if (runCount == hostCount) {
    // Each host's records are one run already.
    for (let i: u32 = 0; i < hostCount; i++) {
      const h = hostBuf + (<usize>i << 4);
      const t = tableBuf + <usize>i * TABLE_ENTRY;
      const host = <usize>load<u32>(h);
      store<u32>(t, <u32>host);
      store<u32>(t, <u32>recBuf + load<u32>(h, 4), 4);
      store<u32>(t, load<u32>(h, 12), 8);
      store<u32>(t, load<u32>(h, 8), 12);
      store<u32>(t, load<u32>(host, L_GEN), 16);
    }
    return hostCount;
  }
  // Per host: its runs counted, then the index of its next entry (hosts in order of first appearance).
  for (let i: u32 = 0; i < hostCount; i++) store<u32>(hostBuf + (<usize>i << 4), 0, 4);
  for (let r: u32 = 0; r < runCount; r++) {
    const h = hostBuf + (<usize>load<u32>(runBuf + <usize>r * RUN_ENTRY) << 4);
    store<u32>(h, load<u32>(h, 4) + 1, 4);
  }
  let next: u32 = 0;
  for (let i: u32 = 0; i < hostCount; i++) {
    const h = hostBuf + (<usize>i << 4);
    const runs = load<u32>(h, 4);
    store<u32>(h, next, 4);
    next += runs;
  }
  for (let r: u32 = 0; r < runCount; r++) {
    const run = runBuf + <usize>r * RUN_ENTRY;
    const from = load<u32>(run, 4);
    const to = r + 1 < runCount ? load<u32>(run + RUN_ENTRY, 4) : <u32>recLen;
    const h = hostBuf + (<usize>load<u32>(run) << 4);
    const at = load<u32>(h, 4);
    store<u32>(h, at + 1, 4);
    const host = <usize>load<u32>(h);
    const t = tableBuf + <usize>at * TABLE_ENTRY;
    store<u32>(t, <u32>host);
    store<u32>(t, <u32>recBuf + from, 4);
    store<u32>(t, to - from, 8);
    store<u32>(t, load<u32>(run, 8), 12);
    store<u32>(t, load<u32>(host, L_GEN), 16);
  }
  return entries;
}

export function walTable(): usize {
  return tableBuf;
}
