// An entry's data as a query writes it (writeValueRange, through the
// formatValues export): the padding nulls, each value times the scale as the
// shortest float32 text (the same bytes as Ryu alone prints), commas between
// them, in one piece or in the pieces of a long entry; and the statistics of
// the unscaled values in slot order (count, the sum as one chain of additions,
// the first minimum and maximum), exactly as a plain loop computes them.
import { describe, expect, it } from 'vitest';
import { Shard } from '../../src/engine/shard.ts';
import { seriesValues } from '../../bench/data/generator.mjs';
import { engineModule } from './helpers.ts';

const shard = new Shard(new WebAssembly.Instance(engineModule, {}));
shard.x.init(0, 1, 65536, 0);
const dec = new TextDecoder();

function written(values: Float64Array, scale: number, pad: number, piece: number) {
  const p = shard.io(values.byteLength);
  new Float64Array(shard.u8().buffer, p, values.length).set(values);
  expect(shard.x.formatValues(values.length, scale, pad, piece)).toBeTruthy();
  return { text: dec.decode(shard.response()), stats: [0, 1, 2, 3].map((k) => shard.x.valueStat(k)) };
}

function writtenOnly(values: Float64Array, scale: number, pad: number): string {
  const p = shard.io(values.byteLength);
  new Float64Array(shard.u8().buffer, p, values.length).set(values);
  expect(shard.x.formatValuesOnly(values.length, scale, pad)).toBeTruthy();
  return dec.decode(shard.response());
}

/** What the query must write: Ryu's text of each float32, nulls first. */
function expected(values: Float64Array, scale: number, pad: number) {
  const scaled = Float32Array.from(values, (x) => (scale !== 1 ? x * scale : x));
  const p = shard.io(scaled.byteLength);
  shard.u8().set(new Uint8Array(scaled.buffer), p);
  expect(shard.x.formatFloats(scaled.length, 1)).toBeTruthy();
  const numbers = dec.decode(shard.response());
  const nulls = Array(pad).fill('null').join(',');
  const text = pad > 0 && values.length > 0 ? `${nulls},${numbers}` : pad > 0 ? nulls : numbers;
  let count = 0;
  let sum = 0;
  let min = Number.MAX_VALUE;
  let max = -Number.MAX_VALUE;
  for (const x of values) {
    if (Number.isNaN(x)) continue;
    count++;
    sum += x;
    min = x < min ? x : min;
    max = x > max ? x : max;
  }
  return { text, stats: [count, sum, min, max] };
}

let seed = 99;
const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
const randomBits = (n: number) => {
  const bits = Uint32Array.from({ length: n }, () => (rnd() * 2 ** 32) >>> 0);
  return Float64Array.from(new Float32Array(bits.buffer));
};

const SERIES: Array<[string, Float64Array]> = [
  ['random bit patterns', randomBits(3000)],
  ['repeats of a few values', Float64Array.from({ length: 1440 }, (_, i) => (i % 50) * 0.25)],
  ['flat stretches and gaps', Float64Array.from({ length: 1000 }, (_, i) => (i % 97 < 5 ? NaN : Math.fround(Math.floor(i / 40) * 1.1)))],
  ['signed zeros, infinities, extremes', Float64Array.of(0, -0, Infinity, -Infinity, NaN, 3.4028234663852886e38, 1.401298464324817e-45, -0, 0, 1e-7, 123456789012, -1e21, 1e21)],
  ['values that collide in a small table', Float64Array.from({ length: 2048 }, (_, i) => Math.fround(i * 0.5 + (i & 1 ? 1e-3 : 0)))],
  ...(['percent-busy', 'clock', 'ipc', 'flops', 'net-rate', 'memory-gb', 'integer'] as const).map(
    (k): [string, Float64Array] => [k, Float64Array.from(seriesValues(k, 1440, 3))],
  ),
];

describe('an entry\'s values as the query writes them', () => {
  for (const [name, values] of SERIES) {
    it(`${name}: the same bytes as Ryu and the statistics of a plain loop, in any pieces, scaled or padded`, () => {
      for (const [scale, pad, piece] of [[1, 0, 0], [1, 3, 0], [1, 7, 100], [2.5, 0, 0], [-3, 2, 511], [1e-3, 0, 1]] as const) {
        const got = written(values, scale, pad, piece);
        const want = expected(values, scale, pad);
        expect(got.text).toBe(want.text);
        got.stats.forEach((s, k) => expect(Object.is(s, want.stats[k]), `stat ${k} of ${name}: ${s} vs ${want.stats[k]}`).toBe(true));
        // The loop without statistics (a query whose read gathered them) writes the same bytes.
        if (piece === 0) expect(writtenOnly(values, scale, pad)).toBe(want.text);
      }
    });
  }

  it('writes the same text for a value again after many others came between (any table of earlier texts stays right)', () => {
    const first = written(SERIES[0]![1], 1, 0, 0).text;
    for (const [, values] of SERIES) written(values, 1, 0, 0);
    expect(written(SERIES[0]![1], 1, 0, 0).text).toBe(first);
    expect(written(Float64Array.of(), 1, 4, 0).text).toBe('null,null,null,null');
  });
});
