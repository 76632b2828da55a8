// WAL records (formats.md) for every sample ingest stores, grouped per host
// in arrival order at the end of a call:
//   u32 0xCC1DA7A1, u32 payloadLen, payload, u32 crc32(payload)
//   payload := i64 ts, u16 metricLen, metric, u8 nSel, nSel x (u8 len, name), f32 value
import { allocScratch, freeScratch } from "./alloc";
import { copySmall } from "./bytes";
import { L_HEADER, L_WALCALL, L_WALSLOT, nameLen, parentOf } from "./level";
import { metricNameLen, metricNamePtr } from "./metrics";

const RECORD_MAGIC: u32 = 0xcc1da7a1;

export let walEnabled = false;
let walCall: u32 = 0;

// Records in arrival order.
let recBuf: usize = 0;
let recCap: usize = 0;
let recLen: usize = 0;
// Per record: u32 host slot, u32 offset.
let idxBuf: usize = 0;
let idxCap: usize = 0;
let recCount: u32 = 0;
// Hosts of this call, in order of first appearance.
let hostBuf: usize = 0;
let hostCap: usize = 0;
let hostCount: u32 = 0;

// Grouped output.
let groupBuf: usize = 0;
let groupCap: usize = 0;
/** Per host: u32 hostLevel, u32 offset, u32 length, u32 count. */
let tableBuf: usize = 0;
let tableCap: usize = 0;

const CRC_TABLE: usize = memory.data(256 * 4 * 8, 16);

function initCrcTable(): void {
  for (let i: u32 = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    store<u32>(CRC_TABLE + (<usize>i << 2), c);
  }
  // Slicing-by-8 tables.
  for (let t: usize = 1; t < 8; t++) {
    for (let i: usize = 0; i < 256; i++) {
      const prev = load<u32>(CRC_TABLE + ((t - 1) << 10) + (i << 2));
      store<u32>(CRC_TABLE + (t << 10) + (i << 2), (prev >>> 8) ^ load<u32>(CRC_TABLE + ((<usize>(prev & 0xff)) << 2)));
    }
  }
}

// @ts-ignore: decorator
@inline function tab(t: usize, b: u32): u32 {
  return load<u32>(CRC_TABLE + (t << 10) + (<usize>(b & 0xff) << 2));
}

export function crc32(ptr: usize, len: usize): u32 {
  let c: u32 = 0xffffffff;
  let p = ptr;
  let n = len;
  while (n >= 8) {
    const lo = load<u32>(p) ^ c;
    const hi = load<u32>(p, 4);
    c = tab(7, lo) ^ tab(6, lo >>> 8) ^ tab(5, lo >>> 16) ^ tab(4, lo >>> 24) ^
      tab(3, hi) ^ tab(2, hi >>> 8) ^ tab(1, hi >>> 16) ^ tab(0, hi >>> 24);
    p += 8;
    n -= 8;
  }
  while (n > 0) {
    c = tab(0, c ^ <u32>load<u8>(p)) ^ (c >>> 8);
    p++;
    n--;
  }
  return ~c;
}

export function walInit(enabled: bool): void {
  walEnabled = enabled;
  initCrcTable();
}

/** Starts a new ingest call: forgets the records of the previous one. */
export function walBegin(): void {
  walCall++;
  if (walCall == 0) walCall = 1;
  recLen = 0;
  recCount = 0;
  hostCount = 0;
  scattered = false;
  selLevel = 0;
}

function growTo(ptr: usize, cap: usize, used: usize, need: usize): usize {
  let newCap = cap < 4096 ? <usize>4096 : cap;
  while (newCap < need) newCap <<= 1;
  const p = allocScratch(newCap);
  if (p == 0) return 0;
  if (ptr != 0) {
    memory.copy(p, ptr, used);
    freeScratch(ptr, cap);
  }
  grownCap = newCap;
  return p;
}
let grownCap: usize = 0;

// The selector part of a record (u8 n, (u8 len, name)*) for the last level seen.
const selBytes: usize = memory.data(8 * 256 + 8);
let selLen: usize = 0;
let selLevel: usize = 0;
let selHost: usize = 0;
const pathStack: usize = memory.data(8 * 4);

function encodeSelector(host: usize, level: usize): void {
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
  selLevel = level;
  selHost = host;
}

/**
 * Room for the record of one sample at `level` of `host`; false when memory
 * runs out (the sample is then not stored either).
 */
export function walReserve(metric: i32, level: usize, host: usize): bool {
  if (level != selLevel || host != selHost) encodeSelector(host, level);
  const bytes: usize = 4 + 4 + 8 + 2 + metricNameLen(metric) + selLen + 4 + 4;
  if (recLen + bytes > recCap) {
    const p = growTo(recBuf, recCap, recLen, recLen + bytes);
    if (p == 0) return false;
    recBuf = p;
    recCap = grownCap;
  }
  if ((<usize>recCount + 1) * 8 > idxCap) {
    const p = growTo(idxBuf, idxCap, <usize>recCount * 8, (<usize>recCount + 1) * 8);
    if (p == 0) return false;
    idxBuf = p;
    idxCap = grownCap;
  }
  if ((<usize>hostCount + 1) * 32 > hostCap) {
    const p = growTo(hostBuf, hostCap, <usize>hostCount * 32, (<usize>hostCount + 1) * 32);
    if (p == 0) return false;
    hostBuf = p;
    hostCap = grownCap;
  }
  return true;
}

// Per host of the call (hostBuf, 32 bytes): u32 level, u32 first record offset,
// u32 end of its last record, u32 count, u32 bytes, u32 copy cursor. While
// every host's records form one run, walFinish needs no copying.
let scattered = false;

/** Appends the record of one stored sample; walReserve must have succeeded just before. */
export function walAppend(host: usize, level: usize, metric: i32, ts: i64, value: f32): void {
  let slot: u32;
  let h: usize;
  if (load<u32>(host, L_WALCALL) == walCall) {
    slot = load<u32>(host, L_WALSLOT);
    h = hostBuf + (<usize>slot << 5);
    if (<usize>load<u32>(h, 8) != recLen) scattered = true;
  } else {
    slot = hostCount;
    hostCount++;
    store<u32>(host, walCall, L_WALCALL);
    store<u32>(host, slot, L_WALSLOT);
    h = hostBuf + (<usize>slot << 5);
    store<u32>(h, <u32>host);
    store<u32>(h, <u32>recLen, 4);
    store<u32>(h, 0, 12);
    store<u32>(h, 0, 16);
  }
  store<u32>(idxBuf + (<usize>recCount << 3), slot);
  store<u32>(idxBuf + (<usize>recCount << 3), <u32>recLen, 4);
  recCount++;

  const rec = recBuf + recLen;
  store<u32>(rec, RECORD_MAGIC);
  let p = rec + 8;
  store<i64>(p, ts);
  p += 8;
  const mlen = metricNameLen(metric);
  store<u16>(p, <u16>mlen);
  copySmall(p + 2, metricNamePtr(metric), mlen);
  p += 2 + mlen;
  copySmall(p, selBytes, selLen);
  p += selLen;
  store<f32>(p, value);
  p += 4;
  const payloadLen = p - (rec + 8);
  store<u32>(rec, <u32>payloadLen, 4);
  store<u32>(p, crc32(rec + 8, payloadLen));
  p += 4;
  store<u32>(h, load<u32>(h, 16) + <u32>(p - rec), 16);
  recLen = p - recBuf;
  store<u32>(h, <u32>recLen, 8);
  store<u32>(h, load<u32>(h, 12) + 1, 12);
}

/** Groups the call's records by host; returns the number of hosts (see walTable), 0xffffffff when out of memory. */
export function walFinish(): u32 {
  if (hostCount == 0) return 0;
  if (<usize>hostCount * 16 > tableCap) {
    const p = growTo(tableBuf, tableCap, 0, <usize>hostCount * 16);
    if (p == 0) return 0xffffffff;
    tableBuf = p;
    tableCap = grownCap;
  }
  if (!scattered) {
    // Each host's records are one run already.
    for (let i: u32 = 0; i < hostCount; i++) {
      const h = hostBuf + (<usize>i << 5);
      const t = tableBuf + (<usize>i << 4);
      const first = load<u32>(h, 4);
      store<u32>(t, load<u32>(h));
      store<u32>(t, <u32>recBuf + first, 4);
      store<u32>(t, load<u32>(h, 8) - first, 8);
      store<u32>(t, load<u32>(h, 12), 12);
    }
    return hostCount;
  }
  if (recLen > groupCap) {
    const p = growTo(groupBuf, groupCap, 0, recLen);
    if (p == 0) return 0xffffffff;
    groupBuf = p;
    groupCap = grownCap;
  }
  // Per host: its place in the grouped output, then a write cursor.
  let off: u32 = <u32>groupBuf;
  for (let i: u32 = 0; i < hostCount; i++) {
    const h = hostBuf + (<usize>i << 5);
    const t = tableBuf + (<usize>i << 4);
    const bytes = load<u32>(h, 16);
    store<u32>(t, load<u32>(h));
    store<u32>(t, off, 4);
    store<u32>(t, bytes, 8);
    store<u32>(t, load<u32>(h, 12), 12);
    store<u32>(h, off, 20);
    off += bytes;
  }
  for (let r: u32 = 0; r < recCount; r++) {
    const slot = load<u32>(idxBuf + (<usize>r << 3));
    const from = load<u32>(idxBuf + (<usize>r << 3), 4);
    const to = r + 1 < recCount ? load<u32>(idxBuf + (<usize>(r + 1) << 3), 4) : <u32>recLen;
    const h = hostBuf + (<usize>slot << 5);
    const cursor = load<u32>(h, 20);
    copySmall(<usize>cursor, recBuf + <usize>from, <usize>(to - from));
    store<u32>(h, cursor + (to - from), 20);
  }
  return hostCount;
}

export function walTable(): usize {
  return tableBuf;
}
