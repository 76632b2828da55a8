// With wal: true, ingest returns the WAL records (formats.md) of every stored
// sample, one entry per host, in arrival order.
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/engine/store.ts';
import { encodeWalRecords, type WalSample } from '../../src/persist/format/wal.ts';
import { engineModule, lp, makeStore, read } from './helpers.ts';

const T = 1725620400;

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(b: Uint8Array): number {
  let c = 0xffffffff;
  for (const x of b) c = CRC_TABLE[(c ^ x) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

interface Rec { ts: number; metric: string; selector: string[]; value: number }

function decode(records: Uint8Array): Rec[] {
  const v = new DataView(records.buffer, records.byteOffset, records.byteLength);
  const dec = new TextDecoder();
  const out: Rec[] = [];
  let p = 0;
  while (p < records.length) {
    expect(v.getUint32(p, true)).toBe(0xcc1da7a1);
    const len = v.getUint32(p + 4, true);
    const payload = records.subarray(p + 8, p + 8 + len);
    expect(v.getUint32(p + 8 + len, true)).toBe(crc32(payload));
    let q = p + 8;
    const ts = Number(v.getBigInt64(q, true));
    q += 8;
    const ml = v.getUint16(q, true);
    const metric = dec.decode(records.subarray(q + 2, q + 2 + ml));
    q += 2 + ml;
    const n = records[q++];
    const selector: string[] = [];
    for (let i = 0; i < n; i++) {
      const l = records[q++];
      selector.push(dec.decode(records.subarray(q, q + l)));
      q += l;
    }
    const value = v.getFloat32(q, true);
    q += 4;
    expect(q).toBe(p + 8 + len);
    out.push({ ts, metric, selector, value });
    p = q + 4;
  }
  return out;
}

describe('WAL records', () => {
  it('logs every stored sample per host, in arrival order, with a valid CRC', () => {
    const lines: string[] = [];
    const want = new Map<string, Rec[]>();
    let seed = 3;
    for (let i = 0; i < 3000; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const host = `n${seed % 7}`;
      const sub = (seed >>> 8) % 3;
      const selector = sub === 0 ? [] : sub === 1 ? ['hwthread1'] : ['socket0', 'memctrl2'];
      const tags = sub === 0 ? '' : sub === 1 ? ',type=hwthread,type-id=1' : ',type=socket,type-id=0,stype=memctrl,stype-id=2';
      const value = Math.fround(i / 8);
      lines.push(`mem_bw,cluster=fritz,hostname=${host}${tags} value=${value} ${T + i}`);
      if (!want.has(host)) want.set(host, []);
      want.get(host)!.push({ ts: T + i, metric: 'mem_bw', selector, value });
    }
    for (const shards of [1, 3]) {
      const r = makeStore({ wal: true, shards }).ingest(lp(lines.join('\n')), 'fritz', T);
      expect(r.accepted).toBe(3000);
      expect(r.wal.map((w) => w.host).sort()).toEqual([...want.keys()].sort());
      for (const w of r.wal) {
        expect(w.cluster).toBe('fritz');
        expect(w.count).toBe(want.get(w.host)!.length);
        expect(decode(w.records)).toEqual(want.get(w.host));
      }
    }
  });

  it('logs nothing for skipped, rejected or malformed lines but keeps the records before an error', () => {
    const s = makeStore({ wal: true, ingestWindow: { pastSeconds: 600, futureSeconds: 600 } });
    s.ingest(lp(`cpu_load,cluster=fritz,hostname=h value=1 ${T}\n`), 'fritz', T);
    const r = s.ingest(lp([
      `nope,cluster=fritz,hostname=h value=1 ${T}`,
      `cpu_load,cluster=fritz,hostname=h value=2 ${T - 3600}`,
      `cpu_load,cluster=fritz,hostname=h value=3 ${T + 60}`,
      `cpu_load,cluster=fritz,hostname=h value=oops ${T + 120}`,
      `cpu_load,cluster=fritz,hostname=h value=5 ${T + 180}`,
    ].join('\n')), 'fritz', T);
    expect(r).toMatchObject({ accepted: 1, skipped: 1, rejected: 2, reasons: { 'too-old': 1, malformed: 1 }, error: { line: 4 } });
    expect(r.wal).toHaveLength(1);
    expect(decode(r.wal[0].records)).toEqual([{ ts: T + 60, metric: 'cpu_load', selector: [], value: 3 }]);
  });

  it('writes the bytes of the reference encoder for names and selectors of every length, whatever the timestamps', () => {
    // Lengths around the 16- and 32-byte stores the engine builds records with.
    const name = (prefix: string, len: number) => (prefix + 'x'.repeat(len)).slice(0, len);
    const metricNames = [1, 2, 13, 14, 15, 16, 29, 30, 31, 32, 33, 60, 200].map((n) => name('m', n));
    const metrics = Object.fromEntries(metricNames.map((m) => [m, { frequency: 1, aggregation: null }]));
    const selectors: Array<{ tags: string; path: string[] }> = [{ tags: '', path: [] }];
    for (const n of [2, 6, 13, 14, 15, 16, 17, 29, 30, 31, 32, 33, 100, 254]) {
      selectors.push({ tags: `,type=${name('t', n - 1)},type-id=7`, path: [name('t', n - 1) + '7'] });
      selectors.push({ tags: `,type=socket,type-id=${n},stype=${name('s', n)},stype-id=0`, path: [`socket${n}`, name('s', n) + '0'] });
    }
    const lines: string[] = [];
    const want = new Map<string, WalSample[]>();
    let seed = 11;
    const next = () => (seed = (seed * 1103515245 + 12345) >>> 0);
    for (let i = 0; i < 20_000; i++) {
      const host = `n${next() % 5}`;
      const metric = metricNames[next() % metricNames.length];
      const sel = selectors[next() % selectors.length];
      // Runs of one timestamp (as collectors send them), and stretches where every line has its own.
      const ts = T + Math.floor(i / 50) * 100 + (Math.floor(i / 1000) % 2 === 0 ? 0 : i % 50);
      const value = Math.fround((next() - 2 ** 31) / 4096);
      lines.push(`${metric},cluster=fritz,hostname=${host}${sel.tags} value=${value} ${ts}`);
      if (!want.has(host)) want.set(host, []);
      want.get(host)!.push({ ts, metric, path: sel.path, value });
    }
    for (const shards of [1, 2]) {
      const store = Store.fromModule(engineModule, { metrics, wal: true, shards });
      // Several bodies: later calls meet the CRC parts cached by earlier ones.
      const got = new Map<string, Uint8Array[]>();
      for (let start = 0; start < lines.length; start += 5000) {
        const r = store.ingest(lp(lines.slice(start, start + 5000).join('\n')), 'fritz', T);
        expect(r).toMatchObject({ error: null, accepted: 5000 });
        for (const w of r.wal) {
          if (!got.has(w.host)) got.set(w.host, []);
          // Views of engine memory: kept past the next call, they must be copied.
          got.get(w.host)!.push(w.records.slice());
        }
      }
      expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
      for (const [host, samples] of want) {
        const bytes = Buffer.concat(got.get(host)!);
        expect(Buffer.compare(bytes, Buffer.from(encodeWalRecords(samples)))).toBe(0);
      }
    }
  });

  it('hands over the records of a large body in parts and still returns one entry per host', () => {
    // 40 hosts, each sending three blocks of 1,000 lines spread over the body:
    // several MiB of records, handed over in parts between hosts, a host's
    // blocks in different parts.
    const lines: string[] = [];
    const want = new Map<string, WalSample[]>();
    for (let block = 0; block < 3; block++) {
      for (let h = 0; h < 40; h++) {
        const host = `node${h}`;
        if (!want.has(host)) want.set(host, []);
        for (let i = 0; i < 1000; i++) {
          const ts = T + block * 1000 + i;
          const value = Math.fround(h + i / 1000);
          lines.push(`mem_bw,cluster=fritz,hostname=${host},type=socket,type-id=${i % 2} value=${value} ${ts}`);
          want.get(host)!.push({ ts, metric: 'mem_bw', path: [`socket${i % 2}`], value });
        }
      }
    }
    for (const shards of [1, 3]) {
      const r = makeStore({ wal: true, shards }).ingest(lp(lines.join('\n')), 'fritz', T);
      expect(r).toMatchObject({ error: null, accepted: lines.length });
      expect(r.wal.map((w) => w.host).sort()).toEqual([...want.keys()].sort());
      for (const w of r.wal) {
        expect(w.count).toBe(3000);
        expect(Buffer.compare(Buffer.from(w.records), Buffer.from(encodeWalRecords(want.get(w.host)!)))).toBe(0);
      }
    }
  });

  it('hands a host whose records are in several runs over as those runs, in order, not copied together', () => {
    // Three rounds over four hosts (the step-major order of a bulk body), then
    // a host with one run: a small body, so everything is handed over at the end.
    const lines: string[] = [];
    const want = new Map<string, WalSample[]>();
    const add = (host: string, ts: number, value: number) => {
      lines.push(`mem_bw,cluster=fritz,hostname=${host},type=socket,type-id=0 value=${value} ${ts}`);
      if (!want.has(host)) want.set(host, []);
      want.get(host)!.push({ ts, metric: 'mem_bw', path: ['socket0'], value });
    };
    for (let round = 0; round < 3; round++) {
      for (let h = 0; h < 4; h++) for (let i = 0; i < 10; i++) add(`node${h}`, T + round * 10 + i, Math.fround(h + i / 8));
    }
    add('single', T, 1);
    const r = makeStore({ wal: true }).ingest(lp(lines.join('\n')), 'fritz', T);
    expect(r).toMatchObject({ error: null, accepted: lines.length });
    expect(r.wal.map((w) => w.host)).toEqual(['node0', 'node1', 'node2', 'node3', 'single']);
    for (const w of r.wal) {
      const expected = Buffer.from(encodeWalRecords(want.get(w.host)!));
      if (w.host === 'single') {
        expect(w.parts).toBeUndefined();
      } else {
        expect(w.parts).toHaveLength(3);
        expect(w.count).toBe(30);
        expect(Buffer.compare(Buffer.concat(w.parts!.map((p) => Buffer.from(p))), expected)).toBe(0);
      }
      expect(Buffer.compare(Buffer.from(w.records), expected)).toBe(0);
    }
  });

  it('holds the records of a batch of calls and hands them over together, one entry per host in order', () => {
    // A batch of bodies as NATS delivers them: every body spreads over all hosts;
    // the third is large enough to be handed over in parts within its call.
    const want = new Map<string, WalSample[]>();
    const bodies: string[] = [];
    for (let b = 0; b < 4; b++) {
      const lines: string[] = [];
      const perHost = b === 2 ? 1500 : 20;
      for (let h = 0; h < 30; h++) {
        const host = `node${h}`;
        if (!want.has(host)) want.set(host, []);
        for (let i = 0; i < perHost; i++) {
          const ts = T + b * 10_000 + i;
          const value = Math.fround(h + b + i / 1000);
          lines.push(`mem_bw,cluster=fritz,hostname=${host},type=socket,type-id=${i % 2} value=${value} ${ts}`);
          want.get(host)!.push({ ts, metric: 'mem_bw', path: [`socket${i % 2}`], value });
        }
      }
      bodies.push(lines.join('\n'));
    }
    for (const shards of [1, 3]) {
      const store = makeStore({ wal: true, shards });
      let accepted = 0;
      for (const body of bodies) {
        const r = store.ingestHeld(lp(body), 'fritz', T);
        expect([r.error, r.wal]).toEqual([null, []]);
        accepted += r.accepted;
        // Reads in between do not disturb what is held.
        read(store, 'fritz', 'node1', 'mem_bw', T, T + 40_000);
      }
      expect(() => store.ingest(lp(`mem_bw,cluster=fritz,hostname=x value=1 ${T}`), 'fritz', T)).toThrow(/held/);
      const wal = store.takeHeldWal();
      // In order of first appearance, shard by shard.
      const order = (hosts: string[]) => (shards === 1 ? hosts : [...hosts].sort());
      expect(order(wal.map((w) => w.host))).toEqual(order([...want.keys()]));
      expect(wal.reduce((n, w) => n + w.count, 0)).toBe(accepted);
      for (const w of wal) {
        expect(Buffer.compare(Buffer.from(w.records), Buffer.from(encodeWalRecords(want.get(w.host)!)))).toBe(0);
      }
      // Taken: the next call is an ordinary one again.
      expect(store.takeHeldWal()).toEqual([]);
      expect(store.ingest(lp(`mem_bw,cluster=fritz,hostname=x value=1 ${T}`), 'fritz', T).wal).toHaveLength(1);
    }
  });

  it('returns no records when the WAL is off', () => {
    expect(makeStore().ingest(lp(`cpu_load,cluster=fritz,hostname=h value=1 ${T}\n`), 'fritz', T).wal).toEqual([]);
  });
});
