// behaviour.md section 5: the line protocol as the reference's decoder reads it.
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/engine/store.ts';
import { engineModule, levelOf, lp, makeStore, METRICS, samplesOf, seriesOf } from './helpers.ts';

const T = 1725620400;

/** A hexadecimal float literal (0x1.8p3) as a 64-bit number (exact for these tests). */
function hexFloat(t: string): number {
  const m = /^0x([0-9a-f]*)(?:\.([0-9a-f]*))?p([+-]?\d+)$/i.exec(t)!;
  const frac = m[2] ?? '';
  return Number(BigInt('0x' + (m[1] || '0') + frac)) * 2 ** (Number(m[3]) - 4 * frac.length);
}

function one(text: string, cluster = 'fritz', now = T + 1000) {
  const store = makeStore();
  const result = store.ingest(lp(text), cluster, now);
  return { store, result };
}

describe('line protocol: structure', () => {
  it('stores a plain line at its timestamp on the host level', () => {
    const { store, result } = one(`cpu_load,cluster=fritz,hostname=f0201 value=1.5 ${T}\n`);
    expect(result).toMatchObject({ accepted: 1, skipped: 0, rejected: 0, error: null });
    expect(samplesOf(store, 'fritz', 'f0201', [], 'cpu_load')).toEqual([[T, 1.5]]);
  });

  it('takes tags in any order, host for hostname, and the cluster parameter as default', () => {
    const { store, result } = one(
      `cpu_load,host=a value=1 ${T}\n` +
      `cpu_load,hostname=b,cluster=other value=2 ${T}\n` +
      `cpu_load,type=node,hostname=c value=3 ${T}\n`, 'fritz');
    expect(result.accepted).toBe(3);
    expect(samplesOf(store, 'fritz', 'a', [], 'cpu_load')).toEqual([[T, 1]]);
    expect(samplesOf(store, 'other', 'b', [], 'cpu_load')).toEqual([[T, 2]]);
    expect(samplesOf(store, 'fritz', 'c', [], 'cpu_load')).toEqual([[T, 3]]);
  });

  it('builds sub-levels from type+type-id and stype+stype-id, in any tag order', () => {
    const { store } = one(
      `cpu_user,cluster=fritz,hostname=h,type=hwthread,type-id=3 value=1 ${T}\n` +
      `cpu_user,type-id=0,hostname=h,type=socket,cluster=fritz value=2 ${T}\n` +
      `mem_bw,cluster=fritz,hostname=h,stype-id=1,type=socket,stype=memctrl,type-id=0 value=3 ${T}\n` +
      `mem_used,cluster=fritz,hostname=h,stype=memctrl,stype-id=9 value=4 ${T}\n`);
    expect(samplesOf(store, 'fritz', 'h', ['hwthread3'], 'cpu_user')).toEqual([[T, 1]]);
    expect(samplesOf(store, 'fritz', 'h', ['socket0'], 'cpu_user')).toEqual([[T, 2]]);
    expect(samplesOf(store, 'fritz', 'h', ['socket0', 'memctrl1'], 'mem_bw')).toEqual([[T, 3]]);
    // (ours) stype without type is a device level below the host; the reference drops the stype.
    expect(samplesOf(store, 'fritz', 'h', ['memctrl9'], 'mem_used')).toEqual([[T, 4]]);
    expect([...levelOf(store, 'fritz', 'h')!.children.keys()]).toEqual(['hwthread3', 'socket0', 'memctrl9']);
  });

  it('ignores other tags and treats type=node as the host level', () => {
    const { store } = one(`cpu_load,cluster=fritz,hostname=h,unit=s,type=node,foo=bar value=7 ${T}\n`);
    expect(samplesOf(store, 'fritz', 'h', [], 'cpu_load')).toEqual([[T, 7]]);
    expect(levelOf(store, 'fritz', 'h')!.children.size).toBe(0);
  });

  it('skips comments, blank lines, leading spaces and CRLF line ends', () => {
    const { store, result } = one(
      `# a comment\r\n\r\n\n   cpu_load,cluster=fritz,hostname=h value=1 ${T}\r\n` +
      `#another\ncpu_load,cluster=fritz,hostname=h value=2 ${T + 60}\r\n\r\n` +
      `cpu_load,cluster=fritz,hostname=h value=3 ${T + 120}`);
    expect(result).toMatchObject({ accepted: 3, error: null });
    expect(samplesOf(store, 'fritz', 'h', [], 'cpu_load').map((s) => s[1])).toEqual([1, 2, 3]);
  });

  it('unescapes measurement, tag keys and tag values', () => {
    const store = Store.fromModule(engineModule, {
      metrics: { ...METRICS, 'cpu load,x': { frequency: 60, aggregation: null } },
    });
    const r = store.ingest(lp(
      `cpu\\ load\\,x,cluster=fritz,hostname=my\\ host value=1 ${T}\n` +
      `cpu_load,cluster=fritz,hostname=a\\,b\\=c value=2 ${T}\n` +
      `cpu_load,cluster=fritz,host\\name=x,hostname=back\\slash value=3 ${T}\n`), 'fritz', T);
    // a backslash before anything else stays: "back\slash" is rejected as a host name
    expect(r).toMatchObject({ accepted: 2, skipped: 0, rejected: 1, reasons: { 'unsafe-name': 1 }, error: null });
    expect(samplesOf(store, 'fritz', 'my host', [], 'cpu load,x')).toEqual([[T, 1]]);
    expect(samplesOf(store, 'fritz', 'a,b=c', [], 'cpu_load')).toEqual([[T, 2]]);
  });
});

describe('line protocol: values', () => {
  const values: Array<[string, number]> = [
    ['1.5', 1.5], ['-2', -2], ['4i', 4], ['-4i', -4], ['4u', 4], ['1e3', 1000], ['.5', 0.5], ['1.', 1],
    ['0x1p-2', 0.25], ['1_000.5', 1000.5], ['123456789012345678901234567890', Math.fround(1.2345678901234568e29)],
    ['9223372036854775807i', Math.fround(9223372036854775807)], ['18446744073709551615u', Math.fround(18446744073709551615)],
    ['0.1', Math.fround(0.1)], ['3.4028235677973366e38', Infinity], ['1e-50', 0], ['-0', -0], ['-0i', 0], ['-0.0e0', -0],
  ];
  for (const [text, want] of values) {
    it(`reads value=${text}`, () => {
      const { store, result } = one(`cpu_load,cluster=fritz,hostname=h value=${text} ${T}\n`);
      expect(result.error).toBeNull();
      expect(seriesOf(store, 'fritz', 'h', [], 'cpu_load')!.values[0]).toBe(want);
    });
  }

  it('rounds decimals through 64 bits to the nearest 32-bit float, like ParseFloat then float32', () => {
    const lines: string[] = [];
    const want: number[] = [];
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (let i = 0; i < 5000; i++) {
      const digits = 1 + Math.floor(rnd() * 25);
      let mant = '';
      for (let d = 0; d < digits; d++) mant += Math.floor(rnd() * 10);
      const dot = Math.floor(rnd() * (digits + 1));
      let s = mant.slice(0, dot) + (dot < digits ? '.' + mant.slice(dot) : '');
      if (s.startsWith('.')) s = '0' + s;
      if (rnd() < 0.3) s += `e${Math.floor(rnd() * 90) - 45}`;
      if (rnd() < 0.5) s = '-' + s;
      lines.push(`cpu_load,cluster=fritz,hostname=h value=${s} ${T + i * 60}\n`);
      want.push(Math.fround(Number(s)));
    }
    const { store, result } = one(lines.join(''));
    expect(result.error).toBeNull();
    const got = seriesOf(store, 'fritz', 'h', [], 'cpu_load')!.values;
    want.forEach((w, i) => {
      if (!Object.is(got[i], w)) throw new Error(`line ${i + 1} (${lines[i].trim()}): got ${got[i]}, want ${w}`);
    });
  });

  it('reads the 16 to 19 digits of shortest float64s (what collectors print) like ParseFloat then float32, near 32-bit boundaries too', () => {
    const texts: string[] = [];
    const f = new Float32Array(2);
    const u = new Uint32Array(f.buffer);
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) >>> 0);
    for (let i = 0; i < 6000; i++) {
      // A random float64 as Go and JavaScript print it: the shortest decimal, 16-17 digits as a rule.
      const x = (next() / 2 ** 32) * 10 ** ((next() % 24) - 8);
      texts.push(String(x).includes('e') ? x.toFixed(18).replace(/0+$/, '') : String(x));
      // A tie between two 32-bit floats, cut to 16-19 significant digits, and one unit above and below.
      u[0] = 0x30000000 + (next() % 0x1f000000);
      u[1] = u[0] + 1;
      const mid = (f[0] + f[1]) / 2;
      const cut = mid.toPrecision(16 + (next() % 4));
      if (!cut.includes('e')) {
        texts.push(cut);
        const last = cut.length - 1;
        const bump = (d: number) => cut.slice(0, last) + String((Number(cut[last]) + d + 10) % 10);
        texts.push(bump(1), bump(-1));
      }
    }
    const lines = texts.map((t, i) => `cpu_load,cluster=fritz,hostname=h value=${t} ${T + i * 60}\n`);
    const { store, result } = one(lines.join(''));
    expect(result.error).toBeNull();
    expect(result.accepted).toBe(texts.length);
    const got = seriesOf(store, 'fritz', 'h', [], 'cpu_load')!.values;
    const long = texts.filter((t) => t.replace(/[-.]/g, '').length > 15).length;
    expect(long).toBeGreaterThan(texts.length / 2);
    texts.forEach((t, i) => {
      const want = Math.fround(Number(t));
      if (!Object.is(got[i], want)) throw new Error(`${t}: got ${got[i]}, want ${want}`);
    });
  });

  it('rounds values at 32-bit rounding boundaries and at the ends of the range exactly', () => {
    /** The exact decimal expansion of a 64-bit float. */
    const exactDecimal = (x: number): string => {
      const b = new DataView(new ArrayBuffer(8));
      b.setFloat64(0, x);
      const e = (b.getUint32(0) >>> 20) & 0x7ff;
      const mant = (BigInt(b.getUint32(0) & 0xfffff) << 32n) | BigInt(b.getUint32(4));
      const m = e === 0 ? mant : mant | (1n << 52n);
      const p = (e === 0 ? 1 : e) - 1075;
      if (p >= 0) return (m << BigInt(p)).toString();
      const digits = (m * 5n ** BigInt(-p)).toString().padStart(-p + 1, '0');
      return `${digits.slice(0, digits.length + p)}.${digits.slice(digits.length + p)}`;
    };
    const texts: string[] = [];
    const f = new Float32Array(2);
    const u = new Uint32Array(f.buffer);
    let seed = 11;
    for (let i = 0; i < 3000; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      u[0] = (seed % 0x7f000000) >>> 0;
      u[1] = u[0] + 1;
      const mid = (f[0] + f[1]) / 2; // exact in 64 bits: a tie between two 32-bit floats
      const text = exactDecimal(mid);
      texts.push(text, `${text}${text.includes('.') ? '' : '.'}000000000000000000001`);
    }
    texts.push('1e-45', '7e-46', '1.4e-45', '1.1754943e-38', '3.4028235e38', '3.40282357e38', '1e-310', '4.9e-324', '1e-400',
      `0.${'0'.repeat(300)}1`, `1${'0'.repeat(300)}`, '1.7976931348623157e308', '0x1.fffffep127', '0x1p-149', '0x1p-150', '0x1.000001p-150');
    const lines = texts.map((t, i) => `cpu_load,cluster=fritz,hostname=h value=${t} ${T + i * 60}\n`);
    const { store, result } = one(lines.join(''));
    expect(result.error).toBeNull();
    const got = seriesOf(store, 'fritz', 'h', [], 'cpu_load')!.values;
    texts.forEach((t, i) => {
      const want = t.startsWith('0x') ? Math.fround(hexFloat(t)) : Math.fround(Number(t));
      if (!Object.is(got[i], want)) throw new Error(`${t}: got ${got[i]}, want ${want}`);
    });
  });

  const bad: Array<[string, RegExp]> = [
    ['value="text"', /unsupported value type in message: String/],
    ['value=true', /unsupported value type in message: Bool/],
    ['value=tru', /invalid bool value "tru"/],
    ['value=1x', /invalid float value syntax/],
    ['value=1e400', /out of range/],
    ['value=-inf', /non-number/],
    ['value=99999999999999999999i', /out of range/],
    ['value=-1u', /invalid unsigned integer value syntax/],
    ['value=1.5i', /invalid integer value syntax/],
    ['other=1', /unknown field: 'other'/],
    ['value=1,other=2', /unknown field: 'other'/],
    ['value=', /expected value for field "value", found end of input/],
    ['value= 1', /missing field value/],
    ['value=abc', /has unrecognized type/],
    ['value=1 12a', /invalid timestamp/],
    ['value=1 123 x', /unexpected text after timestamp/],
    ['value=1 99999999999999999999', /invalid timestamp.*out of range/],
    ['value=1 -', /invalid timestamp.*invalid syntax/],
  ];
  for (const [fields, message] of bad) {
    it(`refuses ${fields}`, () => {
      const { result } = one(`cpu_load,cluster=fritz,hostname=h ${fields}`);
      expect(result.error?.line).toBe(1);
      expect(result.error?.message).toMatch(message);
      expect(result.accepted).toBe(0);
    });
  }

  it('keeps the last of several value fields', () => {
    const { store } = one(`cpu_load,cluster=fritz,hostname=h value=1,value=2 ${T}\n`);
    expect(samplesOf(store, 'fritz', 'h', [], 'cpu_load')).toEqual([[T, 2]]);
  });
});

describe('line protocol: timestamps', () => {
  const cases: Array<[string, number]> = [
    ['1725620476', 1725620476],
    ['1725620476214', 1725620476],
    ['1725620476214474', 1725620476],
    ['1725620476214474893', 1725620476],
    ['9223372036', 9223372036],
    ['9223372037', 9223372],
    ['-60', -60],
    ['-1725620476214', -1725620477],
  ];
  for (const [text, want] of cases) {
    it(`detects the unit of ${text}`, () => {
      const { store } = one(`fast,cluster=fritz,hostname=h value=1 ${text}\n`);
      expect(samplesOf(store, 'fritz', 'h', [], 'fast')).toEqual([[want, 1]]);
    });
  }

  it('stamps a line without timestamp with now (whole seconds)', () => {
    const { store } = one(`fast,cluster=fritz,hostname=h value=1\nfast,cluster=fritz,hostname=h value=2 \n`, 'fritz', 1000.9);
    expect(samplesOf(store, 'fritz', 'h', [], 'fast')).toEqual([[1000, 2]]);
  });
});

describe('line protocol: skipping and errors', () => {
  it('skips unknown metrics, even with a malformed rest', () => {
    const { store, result } = one(
      `nope,cluster=fritz,hostname=h value=1 ${T}\n` +
      `nope,cluster=fritz,hostname=h value="a\nb" ${T}\n` +
      `nope,,,garbage\n` +
      `cpu_load,cluster=fritz,hostname=h value=2 ${T}\n`);
    expect(result).toMatchObject({ accepted: 1, skipped: 3, error: null });
    expect(samplesOf(store, 'fritz', 'h', [], 'cpu_load')).toEqual([[T, 2]]);
  });

  it('rejects cluster and host names that would leave the checkpoint directory', () => {
    const { store, result } = one(
      `cpu_load,cluster=fritz,hostname=../etc value=1 ${T}\n` +
      `cpu_load,cluster=fr/itz,hostname=h value=1 ${T}\n` +
      `cpu_load,cluster=fritz,hostname=a\\b value=1 ${T}\n` +
      `cpu_load,cluster=fritz,hostname=ok value=2 ${T}\n`);
    expect(result).toMatchObject({ accepted: 1, skipped: 0, rejected: 3, reasons: { 'unsafe-name': 3 }, error: null });
    expect(store.hosts()).toEqual([['fritz', 'ok']]);
  });

  it('names the malformed line, keeps the lines before it and reads nothing after it', () => {
    const { store, result } = one(
      `# header\n\ncpu_load,cluster=fritz,hostname=h value=1 ${T}\n` +
      `cpu_load,cluster=fritz,hostname=h value=2 ${T + 60}\n` +
      `cpu_load,cluster=fritz,hostname value=3 ${T + 120}\n` +
      `cpu_load,cluster=fritz,hostname=h value=4 ${T + 180}\n`);
    expect(result.error).toEqual({ line: 5, message: `expected '=' after tag key "hostname", but got ' ' instead` });
    expect(result.accepted).toBe(2);
    expect(samplesOf(store, 'fritz', 'h', [], 'cpu_load').map((s) => s[1])).toEqual([1, 2]);
  });

  const syntax: Array<[string, RegExp]> = [
    [',cluster=a value=1', /invalid character ',' found at start of measurement name/],
    ['cpu_load, value=1', /expected tag key after comma; got white space instead/],
    ['cpu_load,cluster= value=1', /expected tag value after tag key "cluster", but none found/],
    ['cpu_load,=a value=1', /empty tag key/],
    ['cpu_load,cluster=a,hostname=h', /expected field key but none found/],
    ['cpu_load,hostname=h value=1,', /expected field key but none found/],
    ['cpu_load,hostname=h value', /want '=' after field key "value", found end of input/],
    ['cpu_load,hostname=h value=1x2 5', /cannot parse value/],
    ['cpu_load,hostname=h value="unterminated', /expected closing quote/],
    ['# tab\tin comment', /invalid character found in comment line/],
    ['cpu_\xffload value=1', /invalid utf-8/],
  ];
  for (const [line, message] of syntax) {
    it(`reports ${JSON.stringify(line)}`, () => {
      const store = makeStore();
      const bytes = line.includes('\xff') ? Uint8Array.from([...line].map((c) => c.charCodeAt(0))) : lp(line);
      const r = store.ingest(bytes, 'fritz', T);
      expect(r.error?.message).toMatch(message);
      expect(r.error?.line).toBe(1);
    });
  }

  it('refuses a type name longer than 255 bytes', () => {
    const { result } = one(`cpu_user,cluster=fritz,hostname=h,type=${'x'.repeat(300)},type-id=1 value=1 ${T}\n`);
    expect(result.error?.message).toMatch(/longer than 255 bytes/);
  });
});

describe('line protocol: the one-pass reader agrees with the general one', () => {
  it('stores the same samples for 20,000 random lines of every shape', () => {
    const parts = () => {
      const lines: string[] = [];
      let seed = 7;
      const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) >>> 0) % n;
      const metrics = ['cpu_load', 'cpu_user', 'mem_bw', 'nope'];
      for (let i = 0; i < 20_000; i++) {
        const tags = [`cluster=c${rnd(2)}`, `hostname=h${rnd(5)}`];
        if (rnd(2)) tags.push(`type=hwthread`, `type-id=${rnd(4)}`);
        if (rnd(5) === 0) tags.push('stype=core', `stype-id=${rnd(3)}`);
        if (rnd(4) === 0) tags.push('extra=1');
        for (let k = tags.length - 1; k > 0; k--) {
          const j = rnd(k + 1);
          [tags[k], tags[j]] = [tags[j], tags[k]];
        }
        const value = [`${rnd(1000)}.${rnd(1000)}`, `-${rnd(100)}`, `${rnd(50)}i`, `-${rnd(3)}i`, `${rnd(9)}e${rnd(5)}`, `.${rnd(99)}`, `-0.${rnd(9)}`][rnd(7)];
        const ts = [` ${T + rnd(20) * 60}`, ` ${(T + rnd(20) * 60) * 1000}`, '', `  ${T + rnd(20) * 60}`][rnd(4)];
        const end = ['\n', '\r\n', ' \n', '\n\n'][rnd(4)];
        lines.push(`${metrics[rnd(4)]},${tags.join(',')}${' '.repeat(1 + rnd(2))}value=${value}${ts}${end}`);
      }
      return lines.join('');
    };
    const body = lp(parts());
    const fast = makeStore();
    const general = makeStore();
    (general as any).shards[0].x.useFastPath(0);
    const a = fast.ingest(body, 'fritz', T);
    const b = general.ingest(body, 'fritz', T);
    expect(a.error).toBeNull();
    expect(a).toEqual(b);
    expect(fast.hosts()).toEqual(general.hosts());
    for (const [c, h] of fast.hosts()) {
      expect(fast.exportHost(c, h, { unsavedOnly: false })!.files).toEqual(general.exportHost(c, h, { unsavedOnly: false })!.files);
    }
  });

  it('agrees on names, timestamps and metric runs at the edges of the one-pass reader', () => {
    const lines: string[] = [];
    let seed = 11;
    const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) >>> 0) % n;
    const names = ['a', '.', '..', 'a.b', 'a..b', 'x/y', 'x\\y', 'h'.repeat(15), 'h'.repeat(16), 'h'.repeat(17), 'h'.repeat(15) + '.', '.'.repeat(16),
      'h'.repeat(14) + '..', 'h'.repeat(15) + '/', 'h'.repeat(16) + '/', 'f0001', 'f/0001', 'é'];
    const metrics = ['cpu_load', 'cpu_loa', 'cpu_load_', 'cpu_user', 'mem_bw', 'nope', 'c'.repeat(31), 'c'.repeat(32), 'c'.repeat(33)];
    const times = ['1725620400', '17256204', '172562040', '1725620400000', '172562040000000000', '1725620400000000000', '17256204a0', '1725620x00',
      '-1725620400', '00000001725620400', '1725620400 ', '12345678', '1234567', '9999999999'];
    const malformed = (t: string) => /[ax]/.test(t);
    let metric = metrics[0];
    const bad: string[] = [];
    for (let i = 0; i < 30_000; i++) {
      if (rnd(8) === 0) metric = metrics[rnd(metrics.length)];
      const tags: string[] = [];
      if (rnd(3)) tags.push(`cluster=${names[rnd(names.length)]}`);
      tags.push(`hostname=${rnd(2) ? 'f0001' : names[rnd(names.length)]}`);
      if (rnd(2)) tags.push('type=hwthread', `type-id=${rnd(80)}`);
      const value = [`${rnd(1000)}.${rnd(100)}`, `${rnd(50)}i`, `145.4568819351921`, `0.${'1'.repeat(1 + rnd(20))}`][rnd(4)];
      const t = times[rnd(times.length)];
      lines.push(`${metric},${tags.join(',')} value=${value} ${t}\n`);
      // A malformed line ends the body: those are compared one by one.
      if (malformed(t)) bad.push(lines.pop()!);
    }
    const body = lp(lines.join(''));
    const metricTable = { ...METRICS, cpu_loa: { frequency: 60, aggregation: null }, ['c'.repeat(32)]: { frequency: 60, aggregation: null },
      ['c'.repeat(33)]: { frequency: 60, aggregation: null } };
    const fast = makeStore({ metrics: metricTable });
    const general = makeStore({ metrics: metricTable });
    (general as any).shards[0].x.useFastPath(0);
    const now = 1725620400 + 600;
    const a = fast.ingest(body, 'fritz', now);
    const b = general.ingest(body, 'fritz', now);
    expect(a).toEqual(b);
    expect(a.error).toBeNull();
    expect(a.accepted).toBeGreaterThan(500);
    expect(fast.hosts()).toEqual(general.hosts());
    for (const [c, h] of fast.hosts()) {
      expect(fast.exportHost(c, h, { unsavedOnly: false })!.files).toEqual(general.exportHost(c, h, { unsavedOnly: false })!.files);
    }
    expect(bad.length).toBeGreaterThan(100);
    let errors = 0;
    for (const line of bad.slice(0, 300)) {
      const x = fast.ingest(lp(`cpu_load,hostname=f0001 value=1 ${now}\n${line}`), 'fritz', now);
      if (x.error || x.rejected) errors++;
      expect(x).toEqual(general.ingest(lp(`cpu_load,hostname=f0001 value=1 ${now}\n${line}`), 'fritz', now));
    }
    expect(errors).toBeGreaterThan(100);
  });
});

describe('line protocol: sub-levels named in order', () => {
  it('stores each sample at its own sub-level whether the lines name them in order, wrapped, reversed or shuffled', () => {
    const store = makeStore();
    const lines: string[] = [];
    const expected = new Map<string, Array<[number, number]>>();
    const orders = [
      Array.from({ length: 12 }, (_, i) => i),
      Array.from({ length: 12 }, (_, i) => (i + 5) % 12),
      Array.from({ length: 14 }, (_, i) => 13 - i),
      [3, 4, 5, 0, 1, 2, 9, 10, 11, 6, 7, 8, 12],
    ];
    let t = T;
    for (const order of orders) {
      for (const metric of ['cpu_user', 'mem_bw']) {
        for (const id of order) {
          const v = (id + 1) * 10 + (metric === 'mem_bw' ? 1 : 0);
          lines.push(`${metric},cluster=fritz,hostname=h,type=hwthread,type-id=${id} value=${v} ${t}\n`);
          const k = `${metric}/hwthread${id}`;
          expected.set(k, [...(expected.get(k) ?? []), [t, v]]);
        }
        // A line of the host itself and one of another host between the runs.
        lines.push(`${metric},cluster=fritz,hostname=h value=1 ${t}\n`, `${metric},cluster=fritz,hostname=g,type=hwthread,type-id=0 value=2 ${t}\n`);
      }
      t += 60;
    }
    const r = store.ingest(lp(lines.join('')), 'fritz', t);
    expect(r.error).toBeNull();
    expect(r.rejected).toBe(0);
    for (const [k, samples] of expected) {
      const [metric, level] = k.split('/');
      expect(samplesOf(store, 'fritz', 'h', [level], metric)).toEqual(samples);
    }
    expect([...levelOf(store, 'fritz', 'h')!.children.keys()]).toEqual([...Array.from({ length: 12 }, (_, i) => `hwthread${i}`), 'hwthread13', 'hwthread12']);
  });
});
