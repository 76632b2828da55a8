// WAL records (formats.md) for every sample ingest stores, grouped per host
// in arrival order at the end of a call:
//   u32 0xCC1DA7A1, u32 payloadLen, payload, u32 crc32(payload)
//   payload := i64 ts, u16 metricLen, metric, u8 nSel, nSel x (u8 len, name), f32 value
import { allocScratch, free } from "./alloc";
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
}

function growTo(ptr: usize, cap: usize, used: usize, need: usize): usize {
  let newCap = cap < 4096 ? <usize>4096 : cap;
  while (newCap < need) newCap <<= 1;
  const p = allocScratch(newCap);
  if (p == 0) return 0;
  if (ptr != 0) {
    memory.copy(p, ptr, used);
    free(ptr, cap);
  }
  grownCap = newCap;
  return p;
}
let grownCap: usize = 0;

/** Room for one more record of up to `bytes`; false when memory runs out. */
export function walReserve(bytes: usize): bool {
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
  if ((<usize>hostCount + 1) * 4 > hostCap) {
    const p = growTo(hostBuf, hostCap, <usize>hostCount * 4, (<usize>hostCount + 1) * 4);
    if (p == 0) return false;
    hostBuf = p;
    hostCap = grownCap;
  }
  return true;
}

/** Bytes a record for this metric and level needs at most. */
export function walRecordBound(metric: i32, level: usize, host: usize): usize {
  let n: usize = 4 + 4 + 8 + 2 + metricNameLen(metric) + 1 + 4 + 4;
  let l = level;
  while (l != host && l != 0) {
    n += 1 + nameLen(l);
    l = parentOf(l);
  }
  return n;
}

const pathStack: usize = memory.data(64 * 4);

/** Appends the record of one stored sample; walReserve must have succeeded. */
export function walAppend(host: usize, level: usize, metric: i32, ts: i64, value: f32): void {
  let slot: u32;
  if (load<u32>(host, L_WALCALL) == walCall) {
    slot = load<u32>(host, L_WALSLOT);
  } else {
    slot = hostCount;
    store<u32>(hostBuf + (<usize>slot << 2), <u32>host);
    hostCount++;
    store<u32>(host, walCall, L_WALCALL);
    store<u32>(host, slot, L_WALSLOT);
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
  memory.copy(p + 2, metricNamePtr(metric), mlen);
  p += 2 + mlen;
  let depth = 0;
  let l = level;
  while (l != host && l != 0 && depth < 64) {
    store<u32>(pathStack + (<usize>depth << 2), <u32>l);
    depth++;
    l = parentOf(l);
  }
  store<u8>(p, <u8>depth);
  p++;
  for (let i = depth - 1; i >= 0; i--) {
    const lv = <usize>load<u32>(pathStack + (<usize>i << 2));
    const len = nameLen(lv);
    store<u8>(p, <u8>len);
    memory.copy(p + 1, lv + L_HEADER, len);
    p += 1 + len;
  }
  store<f32>(p, value);
  p += 4;
  const payloadLen = p - (rec + 8);
  store<u32>(rec, <u32>payloadLen, 4);
  store<u32>(p, crc32(rec + 8, payloadLen));
  p += 4;
  recLen = p - recBuf;
}

/** Groups the call's records by host; returns the number of hosts (see walTable). */
export function walFinish(): u32 {
  if (hostCount == 0) return 0;
  if (<usize>hostCount * 16 > tableCap) {
    const p = growTo(tableBuf, tableCap, 0, <usize>hostCount * 16);
    if (p == 0) return 0xffffffff;
    tableBuf = p;
    tableCap = grownCap;
  }
  // Sizes and counts per host.
  memory.fill(tableBuf, 0, <usize>hostCount * 16);
  for (let i: u32 = 0; i < hostCount; i++) {
    store<u32>(tableBuf + (<usize>i << 4), load<u32>(hostBuf + (<usize>i << 2)));
  }
  for (let r: u32 = 0; r < recCount; r++) {
    const slot = load<u32>(idxBuf + (<usize>r << 3));
    const off = load<u32>(idxBuf + (<usize>r << 3), 4);
    const end = r + 1 < recCount ? load<u32>(idxBuf + (<usize>(r + 1) << 3), 4) : <u32>recLen;
    const t = tableBuf + (<usize>slot << 4);
    store<u32>(t, load<u32>(t, 8) + (end - off), 8);
    store<u32>(t, load<u32>(t, 12) + 1, 12);
  }
  if (hostCount == 1) {
    store<u32>(tableBuf, <u32>recBuf, 4);
    return 1;
  }
  if (recLen > groupCap) {
    const p = growTo(groupBuf, groupCap, 0, recLen);
    if (p == 0) return 0xffffffff;
    groupBuf = p;
    groupCap = grownCap;
  }
  let off: u32 = <u32>groupBuf;
  for (let i: u32 = 0; i < hostCount; i++) {
    const t = tableBuf + (<usize>i << 4);
    store<u32>(t, off, 4);
    off += load<u32>(t, 8);
  }
  // Second pass: copy records to their host's running write position (kept in field 4 temporarily via a cursor array).
  for (let i: u32 = 0; i < hostCount; i++) {
    const t = tableBuf + (<usize>i << 4);
    store<u32>(hostBuf + (<usize>i << 2), load<u32>(t, 4));
  }
  for (let r: u32 = 0; r < recCount; r++) {
    const slot = load<u32>(idxBuf + (<usize>r << 3));
    const off2 = load<u32>(idxBuf + (<usize>r << 3), 4);
    const end = r + 1 < recCount ? load<u32>(idxBuf + (<usize>(r + 1) << 3), 4) : <u32>recLen;
    const cursorAt = hostBuf + (<usize>slot << 2);
    const cursor = load<u32>(cursorAt);
    memory.copy(<usize>cursor, recBuf + <usize>off2, <usize>(end - off2));
    store<u32>(cursorAt, cursor + (end - off2));
  }
  return hostCount;
}

export function walTable(): usize {
  return tableBuf;
}
