// Query output prints each 32-bit value in the shortest decimal that reads
// back to the same 32-bit float, laid out as JavaScript prints numbers, and
// NaN/infinities as null. Checked against a reference built from
// Number#toPrecision for many random bit patterns.
import { describe, expect, it } from 'vitest';
import { Shard } from '../../src/engine/shard.ts';
import { engineModule } from './helpers.ts';

/** The JSON bytes of `values`, comma-separated (`ryuOnly`: by Ryu alone). */
function byteFormatter(ryuOnly = false) {
  const shard = new Shard(new WebAssembly.Instance(engineModule, {}));
  shard.x.init(0, 1, 65536, 0);
  return (values: Float32Array): Uint8Array => {
    const p = shard.io(values.byteLength);
    shard.u8().set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), p);
    expect(shard.x.formatFloats(values.length, ryuOnly ? 1 : 0)).toBeTruthy();
    return shard.response().slice();
  };
}

function formatter(ryuOnly = false) {
  const format = byteFormatter(ryuOnly);
  return (values: Float32Array): string[] => new TextDecoder().decode(format(values)).split(',');
}

/** Bit patterns [from, from + n) as floats (wrapping at 2^32). */
function run(from: number, n: number): Float32Array {
  const bits = new Uint32Array(n);
  for (let i = 0; i < n; i++) bits[i] = (from + i) >>> 0;
  return new Float32Array(bits.buffer);
}

const f32bits = (x: number): number => new Uint32Array(Float32Array.of(x).buffer)[0];

/** The shortest decimal that reads back as x (toPrecision: the nearest one, ties upwards). */
function reference(x: number): string {
  if (!Number.isFinite(x)) return 'null';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  for (let p = 1; p <= 9; p++) {
    const s = x.toPrecision(p);
    if (Math.fround(Number(s)) === x) return String(Number(s));
    // At the lopsided interval of a power of two a neighbour may read back instead.
    const m = /^(-?)(\d)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(Number(s).toExponential(p - 1))!;
    const digits = BigInt(m[2] + (m[3] ?? ''));
    const exp = Number(m[4] ?? 0) - (p - 1);
    for (const d of [digits - 1n, digits + 1n]) {
      const c = `${m[1]}${d}e${exp}`;
      if (Math.fround(Number(c)) === x) return String(Number(c));
    }
  }
  throw new Error(`no representation for ${x}`);
}

/** A decimal string as an exact fraction [numerator, denominator]. */
function exact(s: string): [bigint, bigint] {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/.exec(s)!;
  const frac = m[3] ?? '';
  let num = BigInt(m[2] + frac) * (m[1] ? -1n : 1n);
  let den = 10n ** BigInt(frac.length);
  const e = Number(m[4] ?? 0);
  if (e >= 0) num *= 10n ** BigInt(e);
  else den *= 10n ** BigInt(-e);
  return [num, den];
}

/** A finite float as an exact fraction. */
function exactFloat(x: number): [bigint, bigint] {
  const b = new DataView(new ArrayBuffer(8));
  b.setFloat64(0, x);
  const hi = b.getUint32(0);
  const lo = b.getUint32(4);
  const e = (hi >>> 20) & 0x7ff;
  const mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  const m = e === 0 ? mant : mant | (1n << 52n);
  const p = (e === 0 ? 1 : e) - 1075;
  const sign = x < 0 ? -1n : 1n;
  return p >= 0 ? [sign * (m << BigInt(p)), 1n] : [sign * m, 1n << BigInt(-p)];
}

function distance(s: string, x: number): [bigint, bigint] {
  const [a, b] = exact(s);
  const [c, d] = exactFloat(x);
  const n = a * d - c * b;
  return [n < 0n ? -n : n, b * d];
}

function significantDigits(s: string): number {
  const m = /^-?(\d+)(?:\.(\d+))?(?:e[+-]?\d+)?$/.exec(s)!;
  return (m[1] + (m[2] ?? '')).replace(/^0+/, '').replace(/0+$/, '').length || 1;
}

/** Our output is right when it reads back, is as short as the reference, as close, and laid out like JavaScript. */
function check(out: string, x: number): void {
  const ref = reference(x);
  if (out === ref) return;
  const fail = (why: string) => new Error(`${x}: got ${out}, want ${ref} (${why})`);
  if (ref === 'null' || Math.fround(Number(out)) !== x) throw fail('does not read back');
  if (significantDigits(out) !== significantDigits(ref)) throw fail('not shortest');
  if (String(Number(out)) !== out) throw fail('not laid out like JavaScript');
  const [dn, dd] = distance(out, x);
  const [rn, rd] = distance(ref, x);
  if (dn * rd > rn * dd) throw fail('not nearest');
}

describe('float formatting', () => {
  const format = formatter();

  it('prints special values and common numbers', () => {
    const v = Float32Array.from([0.1, 0.5, 1, -1, 0, -0, 100, 1.5e-7, 3.4028234663852886e38, NaN, Infinity, -Infinity, 12.345, 1e21, 1e-6, 123456.7]);
    expect(format(v)).toEqual(['0.1', '0.5', '1', '-1', '0', '-0', '100', '1.5e-7', '3.4028235e+38', 'null', 'null', 'null', '12.345', '1e+21', '0.000001', '123456.7']);
  });

  it('reads back to the same float for 200,000 random bit patterns and is as short as the reference', () => {
    const n = 200_000;
    const bits = new Uint32Array(n);
    let seed = 0x12345678;
    for (let i = 0; i < n; i++) {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      bits[i] = seed >>> 0;
    }
    const values = new Float32Array(bits.buffer);
    const out = format(values);
    let checked = 0;
    for (let i = 0; i < n; i++) {
      const x = values[i];
      if (Number.isNaN(x)) {
        expect(out[i]).toBe('null');
        continue;
      }
      check(out[i], x);
      checked++;
    }
    expect(checked).toBeGreaterThan(190_000);
  });

  it('matches the reference for values with few decimals and their neighbours', () => {
    const list: number[] = [];
    for (let i = 0; i < 40_000; i++) {
      const base = Math.fround(Math.round(Math.random() * 1e7) / 10 ** (1 + (i % 6)));
      const b = new Float32Array([base]);
      const u = new Uint32Array(b.buffer);
      for (const d of [-1, 0, 1]) {
        u[0] = (u[0] + d) >>> 0;
        list.push(b[0]);
        u[0] = (u[0] - d) >>> 0;
      }
    }
    // Powers of two and their neighbours: the lopsided intervals.
    for (let e = -149; e < 128; e++) {
      const p = Math.fround(2 ** e);
      list.push(p, -p);
      const b = new Float32Array([p]);
      const u = new Uint32Array(b.buffer);
      u[0]++;
      list.push(b[0]);
      u[0] -= 2;
      list.push(b[0]);
    }
    const values = Float32Array.from(list);
    const out = format(values);
    values.forEach((x, i) => check(out[i], x));
  });

  // The fast routes (whole numbers below 2^24, and up to 11 decimals for
  // 2^-10 <= |x| < 2^23) must print what Ryu prints, byte for byte.
  // tests/fuzz/float-format-exhaustive.mjs checks all 2^32 floats.
  describe('fast routes print exactly what Ryu prints', () => {
    const fast = byteFormatter();
    const ryu = byteFormatter(true);
    function same(values: Float32Array): void {
      const fastBytes = fast(values);
      const ryuBytes = ryu(values);
      expect(fastBytes.length).toBeGreaterThan(values.length);
      if (Buffer.compare(fastBytes, ryuBytes) === 0) return;
      const dec = new TextDecoder();
      const a = dec.decode(fastBytes).split(',');
      const b = dec.decode(ryuBytes).split(',');
      for (let i = 0; i < values.length; i++) {
        if (a[i] !== b[i]) throw new Error(`${values[i]} (0x${f32bits(values[i]).toString(16)}): ${a[i]}, Ryu ${b[i]}`);
      }
    }

    it('for 2^14 floats on either side of every power of two from 2^-12 to 2^25, both signs', () => {
      for (let e = -12; e <= 25; e++) {
        for (const sign of [0, 0x80000000]) same(run((f32bits(2 ** e) | sign) - 16384, 32768));
      }
    });

    it('for every float between 2^-10 and 2^-9, 1 and 2, 8192 and 16384 (the ends of the routes)', () => {
      for (const lo of [2 ** -10, 1, 8192, 2 ** 13 + 2 ** 12]) {
        const first = f32bits(lo);
        for (let at = 0; at < 1 << 23; at += 1 << 20) same(run(first + at, 1 << 20));
      }
    });

    it('for every number with up to three decimals below 4096, and its neighbours', () => {
      const n = 4_096_000;
      const values = new Float32Array(3 * n);
      const bits = new Uint32Array(values.buffer);
      for (let d = 0; d < n; d++) {
        values[3 * d + 1] = d / 1000;
        bits[3 * d] = bits[3 * d + 1] - 1;
        bits[3 * d + 2] = bits[3 * d + 1] + 1;
      }
      for (let at = 0; at < values.length; at += 1 << 20) same(values.subarray(at, at + (1 << 20)));
    });

    it('around every power of ten from 1e-4 to 1e8', () => {
      for (let k = -4; k <= 8; k++) same(run(f32bits(10 ** k) - 8192, 16384));
    });
  });
});

