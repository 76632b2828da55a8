import { describe, expect, it } from 'vitest';
import {
  FormatError,
  crc32,
  decodeBinSnapshot,
  decodeJsonCheckpoint,
  decodeWal,
  encodeBinSnapshot,
  encodeJsonCheckpoint,
  encodeWalRecords,
  float32ToText,
  levelOfTable,
  readBinSnapshotHeader,
  scanBinSnapshot,
  walFileHeader,
  WalDecoder,
} from '../../src/persist/format/index.ts';
import type { WalSample } from '../../src/persist/format/index.ts';
import { decodeName } from '../../src/persist/format/bytes.ts';
import { tableNames } from '../../src/persist/format/series-table.ts';
import { level, plain, series } from '../support/levels.ts';

const sample = () => ({
  from: 1725620000,
  to: 1725663200,
  root: level(
    {
      cpu_load: series(1725620030, [0.5, NaN, 1.25, 0.1, -3.4e38, 1e-7, Infinity, -Infinity, -0]),
      mem_used: series(1725620030, [1000.25, 1001.25], 30),
    },
    {
      socket0: level({ mem_bw: series(1725620090, [1, 2, 3]) }, { memctrl1: level({ mem_bw: series(1725620090, [4]) }) }),
      'hwthread12': level({ cpu_user: series(1725620030, []) }),
      'ü-ß': level({ 'metric/ü': series(-60, [7]) }),
    },
  ),
});

describe('float32ToText', () => {
  it('prints the shortest text that reads back to the same f32', () => {
    expect(float32ToText(Math.fround(0.1))).toBe('0.1');
    expect(float32ToText(Math.fround(1.25))).toBe('1.25');
    expect(float32ToText(1000)).toBe('1000');
    expect(float32ToText(Math.fround(1e-7))).toBe('1e-7');
    expect(float32ToText(Math.fround(3.4e38))).toBe('3.4e+38');
    expect(float32ToText(-0)).toBe('-0');
    expect(float32ToText(Infinity)).toBe('1e39');
    expect(float32ToText(-Infinity)).toBe('-1e39');
  });

  it('round-trips many random f32 values', () => {
    const bits = new Uint32Array(1);
    const f = new Float32Array(bits.buffer);
    let x = 12345;
    for (let i = 0; i < 20000; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      bits[0] = x;
      const v = f[0];
      if (!Number.isFinite(v)) continue;
      const text = float32ToText(v);
      expect(Math.fround(Number(JSON.parse(text))), text).toBe(v);
      expect(text.replace(/^-/, '').replace(/e.*$/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '').length, text).toBeLessThanOrEqual(9);
    }
  });
});

describe('crc32', () => {
  it('matches the IEEE check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });
});

describe('JSON checkpoint', () => {
  it('round-trips every value, NaN and infinities included', () => {
    const file = sample();
    const back = decodeJsonCheckpoint(encodeJsonCheckpoint(file));
    expect(back.from).toBe(file.from);
    expect(back.to).toBe(file.to);
    expect(plain(back.root)).toEqual(plain(file.root));
  });

  it('writes the Go layout: sorted keys, metrics/children/from/to order, trailing newline', () => {
    const text = encodeJsonCheckpoint({
      from: 10,
      to: 20,
      root: level({ b: series(30, [0.5, NaN]), a: series(30, [0.1]) }, { c: level({ a: series(30, [2]) }) }),
    });
    expect(text).toBe(
      '{"metrics":{"a":{"frequency":60,"start":30,"data":[0.1]},"b":{"frequency":60,"start":30,"data":[0.5,null]}},' +
        '"children":{"c":{"metrics":{"a":{"frequency":60,"start":30,"data":[2]}},"children":{},"from":10,"to":20}},"from":10,"to":20}\n',
    );
  });

  it('reads what the Go writer prints (one decimal, null, any key order)', () => {
    const go =
      '{"metrics":{"cpu_load":{"frequency":60,"start":100,"data":[0.5,null,12.0]}},"children":{"socket0":{"metrics":{},"children":null,"from":1,"to":2}},"from":1,"to":2}\n';
    const file = decodeJsonCheckpoint(new TextEncoder().encode(go));
    expect(plain(file.root)).toEqual({
      metrics: { cpu_load: { frequency: 60, start: 100, values: [0.5, null, 12] } },
      children: { socket0: { metrics: {}, children: {} } },
    });
  });

  it('names the bad field', () => {
    expect(() => decodeJsonCheckpoint('{"metrics":{"x":{"frequency":60,"start":1,"data":[1,"a"]}}}')).toThrow(/metrics\.x\.data\[1\]/);
    expect(() => decodeJsonCheckpoint('{"metrics":')).toThrow(FormatError);
    expect(() => decodeJsonCheckpoint('[]')).toThrow(/top level/);
  });
});

describe('binary snapshot', () => {
  it('round-trips every value bit for bit', () => {
    const file = sample();
    const bytes = encodeBinSnapshot(file);
    const back = decodeBinSnapshot(bytes);
    expect(back.from).toBe(file.from);
    expect(back.to).toBe(file.to);
    expect(plain(back.root)).toEqual(plain(file.root));
    expect(readBinSnapshotHeader(bytes)).toEqual({ from: file.from, to: file.to });
    // The decoder copies the value bytes: the result does not alias the file.
    const v = back.root.metrics.get('cpu_load')!.values;
    expect(v.buffer).not.toBe(bytes.buffer);
  });

  it('lays out bytes exactly as formats.md says', () => {
    const bytes = encodeBinSnapshot({ from: 1, to: -2, root: level({ m: series(5, [1.5]) }, { c: level() }) });
    const hex = Buffer.from(bytes).toString('hex');
    expect(hex).toBe(
      '01005bcc' + '0100000000000000' + 'feffffffffffffff' +
        '01000000' + '0100' + '6d' + '3c00000000000000' + '0500000000000000' + '01000000' + '0000c03f' +
        '01000000' + '0100' + '63' + '00000000' + '00000000',
    );
  });

  it('reports truncation and bad magic with the offset', () => {
    const bytes = encodeBinSnapshot(sample());
    for (const cut of [3, 19, 25, 60, bytes.length - 1]) {
      expect(() => decodeBinSnapshot(bytes.subarray(0, cut))).toThrow(FormatError);
    }
    const bad = bytes.slice();
    bad[0] = 0;
    expect(() => decodeBinSnapshot(bad)).toThrow(/bad magic/);
  });

  it('decodes from an unaligned view', () => {
    const bytes = encodeBinSnapshot(sample());
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    expect(plain(decodeBinSnapshot(shifted.subarray(3)).root)).toEqual(plain(sample().root));
  });
});

describe('binary snapshot as a table over its bytes (what restore loads)', () => {
  it('points into the file for names and values, and reads back as the same tree', () => {
    const bytes = encodeBinSnapshot(sample());
    const { from, to, table } = scanBinSnapshot(bytes);
    expect([from, to]).toEqual([sample().from, sample().to]);
    expect(table.bytes).toBe(bytes);
    expect(plain(levelOfTable(table))).toEqual(plain(sample().root));
    // socket0 before its child memctrl1; host-level series have level -1
    const names = Array.from(table.levelParent, (_p, i) => decodeName(bytes, table.levelNameAt[i], table.levelNameAt[i] + table.levelNameLength[i]));
    expect(names).toEqual(['socket0', 'memctrl1', 'hwthread12', 'ü-ß']);
    expect(Array.from(table.levelParent)).toEqual([-1, 0, -1, -1]);
    expect(Array.from(table.seriesLevel)).toEqual([-1, -1, 0, 1, 2, 3]);
    const load = new Float32Array(bytes.slice(table.valuesAt[0], table.valuesAt[0] + table.valueCount[0] * 4).buffer);
    expect(Array.from(load)).toEqual(Array.from(sample().root.metrics.get('cpu_load')!.values));
    expect(Array.from(table.frequency)).toEqual([60, 30, 60, 60, 60, 60]);
  });

  it('names the metric whose header or values are cut off, and refuses unsafe integers', () => {
    const bytes = encodeBinSnapshot({ from: 0, to: 0, root: level({ cpu_load: series(60, [1, 2, 3]) }) });
    // header 20, count 4, name length 2 + 8, fields 20, values 12
    expect(() => scanBinSnapshot(bytes.subarray(0, 40))).toThrow(/header of metric cpu_load/);
    expect(() => scanBinSnapshot(bytes.subarray(0, 60))).toThrow(/3 values of metric cpu_load/);
    const huge = bytes.slice();
    new DataView(huge.buffer).setInt32(34 + 12, 0x7fffffff, true); // start's high word
    expect(() => scanBinSnapshot(huge)).toThrow(/start of cpu_load does not fit a safe integer/);
  });
});

describe('binary snapshots scanned one after another (columns sized by the one before)', () => {
  const columns = (t: ReturnType<typeof scanBinSnapshot>['table']) => {
    const { bytes: _bytes, ...cols } = t;
    return Object.fromEntries(Object.entries(cols).map(([k, v]) => [k, Array.from(v as ArrayLike<number>)]));
  };
  const small = () => encodeBinSnapshot({ from: 0, to: 0, root: level({ a: series(60, [1]) }, { s0: level({ b: series(60, [2, 3]) }) }) });

  it('gives the same table as a first scan, for a bigger, a smaller and the same layout', () => {
    const big = encodeBinSnapshot(sample());
    const first = { big: columns(scanBinSnapshot(big).table), small: columns(scanBinSnapshot(small()).table) };
    for (const order of [['big', 'small', 'small', 'big', 'big'], ['small', 'big', 'small']] as const) {
      for (const which of order) {
        const { table } = scanBinSnapshot(which === 'big' ? big : small());
        expect(columns(table)).toEqual(first[which]);
        expect(table.seriesLevel.length).toBe(which === 'big' ? 6 : 2);
        expect(plain(levelOfTable(table))).toEqual(plain(decodeBinSnapshot(which === 'big' ? big : small()).root));
      }
    }
  });

  it('reports a damaged file as a first scan does', () => {
    const big = encodeBinSnapshot(sample());
    const messages = (bytes: Uint8Array) => {
      try {
        scanBinSnapshot(bytes);
        return 'no error';
      } catch (err) {
        return String(err);
      }
    };
    const cuts = [25, 40, 60, 100, big.length - 30, big.length - 1];
    const errors = cuts.map(() => '');
    for (const [i, cut] of cuts.entries()) {
      scanBinSnapshot(small()); // room for 2 series: the cut file overflows it after that
      errors[i] = messages(big.subarray(0, cut));
    }
    for (const [i, cut] of cuts.entries()) {
      scanBinSnapshot(big); // room for all of it: the one-pass scan meets the cut
      expect(messages(big.subarray(0, cut))).toBe(errors[i]);
      expect(errors[i]).toMatch(/FormatError|truncated/);
    }
  });
});

describe('names of a table', () => {
  it('are right for tables of the same layout (shared) and of another one', () => {
    const scan = (root: ReturnType<typeof level>) => scanBinSnapshot(encodeBinSnapshot({ from: 0, to: 0, root })).table;
    const a = scan(level({ x: series(0, [1]) }, { s0: level({ y: series(0, [2]) }) }));
    const b = scan(level({ x: series(60, [3, 4]) }, { s0: level({ y: series(0, []) }) }));
    const c = scan(level({ x: series(0, [1]) }, { s1: level({ y: series(0, [2]) }) }));
    const d = scan(level({ xx: series(0, [1]) }, { s: level({ y: series(0, [2]) }) }));
    const first = tableNames(a);
    expect(first).toEqual({ levels: ['s0'], series: ['x', 'y'] });
    expect(tableNames(b)).toBe(first);
    expect(tableNames(c)).toEqual({ levels: ['s1'], series: ['x', 'y'] });
    // same total length of names, split differently
    expect(tableNames(d)).toEqual({ levels: ['s'], series: ['xx', 'y'] });
    expect(tableNames(a)).toEqual(first);
  });
});

describe('name decoding', () => {
  it('gives the right text for many short names that share cache slots', () => {
    const enc = new TextEncoder();
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 5000; i++) {
        const name = i % 3 === 0 ? `hwthread${i}` : i % 3 === 1 ? `m_${i}_ü` : `x${i}`;
        const b = enc.encode(`..${name}..`);
        expect(decodeName(b, 2, b.length - 2)).toBe(name);
      }
    }
    const long = 'a'.repeat(40) + 'ß';
    const b = enc.encode(long);
    expect(decodeName(b, 0, b.length)).toBe(long);
    expect(() => decodeName(Uint8Array.of(0xff, 0xfe), 0, 2)).toThrow();
  });
});

describe('WAL', () => {
  const samples: WalSample[] = [
    { ts: 1725623630, metric: 'cpu_load', path: [], value: 100 },
    { ts: 1725623630, metric: 'cpu_user', path: ['hwthread0'], value: 50.5 },
    { ts: 1725623690, metric: 'mem_bw', path: ['socket0', 'memctrl1'], value: NaN },
    { ts: -5, metric: 'cpu_user', path: ['hwthread0'], value: -1 },
    { ts: 2 ** 40, metric: 'ü', path: [''], value: 3 },
  ];
  const file = () => {
    const records = encodeWalRecords(samples);
    const out = new Uint8Array(4 + records.length);
    out.set(walFileHeader());
    out.set(records, 4);
    return out;
  };
  const rowsOf = (c: ReturnType<typeof decodeWal>['samples']) =>
    Array.from({ length: c.count }, (_, i) => ({ ts: c.ts[i], metric: c.metrics[c.metric[i]], path: c.paths[c.path[i]], value: c.value[i] }));

  it('round-trips records', () => {
    const bytes = file();
    const result = decodeWal(bytes);
    expect(result.stop).toBe('end');
    expect(result.validBytes).toBe(bytes.length);
    expect(rowsOf(result.samples)).toEqual(samples.map((s) => ({ ...s, path: [...s.path] })));
    // [] and [''] are different levels.
    expect(result.samples.paths).toContainEqual([]);
    expect(result.samples.paths).toContainEqual(['']);
  });

  it('writes the record layout of formats.md', () => {
    const rec = encodeWalRecords([{ ts: 1, metric: 'm', path: ['a'], value: 1.5 }]);
    const hex = Buffer.from(rec).toString('hex');
    const payload = '0100000000000000' + '0100' + '6d' + '01' + '01' + '61' + '0000c03f';
    expect(hex.slice(0, 16)).toBe('a1a71dcc' + '12000000');
    expect(hex.slice(16, 16 + payload.length)).toBe(payload);
    expect(rec.length).toBe(8 + 18 + 4);
    const crc = new DataView(rec.buffer).getUint32(26, true);
    expect(crc).toBe(crc32(rec, 8, 26));
  });

  it('decodes the same samples whatever the chunking', () => {
    const bytes = file();
    const whole = rowsOf(decodeWal(bytes).samples);
    for (const size of [1, 2, 5, 7, 13, 64]) {
      const decoder = new WalDecoder();
      const rows: ReturnType<typeof rowsOf> = [];
      for (let at = 0; at < bytes.length; at += size) {
        const end = Math.min(bytes.length, at + size);
        rows.push(...rowsOf(decoder.decode(bytes.subarray(at, end), end === bytes.length)));
      }
      expect(rows, `chunk size ${size}`).toEqual(whole);
      expect(decoder.stop).toBe('end');
      expect(decoder.validBytes).toBe(bytes.length);
    }
  });

  it('stops quietly at a torn tail, keeping every whole record', () => {
    const bytes = file();
    const lastStart = bytes.length - encodeWalRecords([samples[4]]).length;
    for (let cut = lastStart + 1; cut < bytes.length; cut++) {
      const r = decodeWal(bytes.subarray(0, cut));
      expect(r.stop).toBe('torn');
      expect(r.samples.count).toBe(4);
      expect(r.validBytes).toBe(lastStart);
    }
  });

  it('stops at a corrupt record and keeps what came before', () => {
    const bytes = file();
    const second = 4 + encodeWalRecords([samples[0]]).length;
    const flipped = bytes.slice();
    flipped[second + 12] ^= 0xff; // inside the second record's payload
    let r = decodeWal(flipped);
    expect(r.stop).toBe('corrupt');
    expect(r.reason).toMatch(/CRC/);
    expect(r.samples.count).toBe(1);
    expect(r.validBytes).toBe(second);

    const badMagic = bytes.slice();
    badMagic[second] = 0;
    r = decodeWal(badMagic);
    expect(r.stop).toBe('corrupt');
    expect(r.samples.count).toBe(1);

    const badLength = bytes.slice();
    new DataView(badLength.buffer).setUint32(second + 4, 2 ** 21, true);
    r = decodeWal(badLength);
    expect(r.stop).toBe('corrupt');
    expect(r.samples.count).toBe(1);
  });

  it('handles empty, short and foreign files', () => {
    expect(decodeWal(new Uint8Array(0))).toMatchObject({ stop: 'end', validBytes: 0 });
    expect(decodeWal(walFileHeader().subarray(0, 3))).toMatchObject({ stop: 'torn', validBytes: 0 });
    expect(decodeWal(walFileHeader())).toMatchObject({ stop: 'end', validBytes: 4 });
    expect(decodeWal(new TextEncoder().encode('hello world'))).toMatchObject({ stop: 'bad-header', validBytes: 0 });
  });

  it('rejects what the format cannot hold', () => {
    expect(() => encodeWalRecords([{ ts: 1, metric: 'm', path: ['x'.repeat(256)], value: 1 }])).toThrow(RangeError);
    expect(() => encodeWalRecords([{ ts: 1.5, metric: 'm', path: [], value: 1 }])).toThrow(RangeError);
  });
});
