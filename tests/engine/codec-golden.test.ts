// The encoder's output, byte for byte, over a fixed corpus: the seeded chunk
// shapes (with edge values, missing runs and noise mixed in), DECIMAL fields
// of every width in both modes, XOR windows of every width, and 48 h series
// of the generator's metric kinds cut as a restore cuts them (512-value
// chunks, 64-value pages). Speed-only changes to the encoder (restore spends
// most of its time there, docs/engine.md "Chunk encodings") must leave every
// block as it was: sealed sizes, memory figures and the rollup stamps of
// sealed chunks depend on them. A change that means to encode differently
// updates the digest (and says why in its commit).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { chunksOf, rng, SHAPES } from '../../bench/chunk-shapes.mjs';
import { KINDS, seriesValues } from '../../bench/data/generator.mjs';
import { codecInstance } from './helpers.ts';

const BEST = 0, DECIMAL = 3, XOR = 4;
const MISSING = 0x7fc00000;
const SPECIALS = [0x80000000, 0x00000001, 0x007fffff, 0x7fc00001, 0xffc00000, 0x7f800001, 0x7f800000, 0xff800000, 0x7f7fffff];

const { x, io } = codecInstance();
const BLOCK = 4096;

function digestOf(corpus: Iterable<Uint32Array>): { digest: string; blocks: number } {
  const h = createHash('sha256');
  let blocks = 0;
  for (const bits of corpus) {
    for (const codec of [BEST, DECIMAL, XOR]) {
      new Uint32Array(x.memory.buffer, io, bits.length).set(bits);
      const size = x.codecEncode(0, bits.length, BLOCK, codec);
      h.update(Uint32Array.of(bits.length, codec, size));
      if (size > 0) {
        h.update(new Uint8Array(x.memory.buffer, io + BLOCK, size));
        blocks++;
      }
    }
  }
  return { digest: h.digest('hex'), blocks };
}

const bitsOf = (f: Float32Array) => new Uint32Array(f.buffer.slice(0));
const fill = (len: number, f: (i: number) => number) => Uint32Array.from({ length: len }, (_, i) => f(i) >>> 0);
const f32bits = (v: number) => new Uint32Array(Float32Array.of(v).buffer)[0];

function* shapes(): Generator<Uint32Array> {
  const r = rng(5150);
  const names = Object.keys(SHAPES);
  for (let k = 0; k < 1500; k++) {
    const len = r() < 0.3 ? 1 + Math.floor(r() * 512) : 512;
    const bits = bitsOf(chunksOf(names[k % names.length], 1, len, 900 + k)[0]);
    const spice = r();
    if (spice < 0.15) {
      for (let i = 0; i < len; i++) if (r() < 0.05) bits[i] = SPECIALS[Math.floor(r() * SPECIALS.length)];
    } else if (spice < 0.3) {
      for (let i = 0; i < len; i++) if (r() < 0.3) bits[i] = MISSING;
    } else if (spice < 0.35) {
      for (let i = 0; i < len; i++) bits[i] = (r() * 2 ** 32) >>> 0;
    } else if (spice < 0.45) {
      const from = Math.floor(r() * len);
      for (let i = from; i < Math.min(len, from + 1 + r() * 100); i++) bits[i] = MISSING;
    }
    yield bits;
  }
}

function* decimalWidths(): Generator<Uint32Array> {
  const r = rng(31337);
  for (let w = 1; w <= 31; w++) {
    for (const len of [512, 509, 128, 67, 64, 63, 16, 9, 8, 1]) {
      const offset = w % 3 === 0 ? -(2 ** 20) : 1000;
      const noise = () => Math.floor(r() * 2 ** w);
      yield fill(len, () => f32bits((offset + noise()) / 100));
      let walk = offset;
      yield fill(len, () => f32bits((walk += noise() - 2 ** (w - 1)) / 1000));
    }
  }
}

function* xorWidths(): Generator<Uint32Array> {
  const r = rng(4711);
  for (let w = 1; w <= 32; w++) {
    for (const repeats of [0, 0.7]) {
      for (const len of [512, 509, 67, 64, 9]) {
        let cur = (r() * 2 ** 32) >>> 0;
        yield fill(len, (i) => {
          if (i > 0 && r() >= repeats) cur = (cur ^ (Math.floor(r() * 2 ** w) >>> 0)) >>> 0;
          return cur;
        });
      }
    }
  }
}

/** n around 2^30, where the encoder's narrow route (i32 copies, |n| < 2^30) ends, at every exponent. */
function* narrowEdge(): Generator<Uint32Array> {
  const r = rng(1030);
  for (let e = 0; e <= 7; e++) {
    for (const len of [512, 64, 20]) {
      for (const spread of [4, 4000]) {
        yield fill(len, () => f32bits((2 ** 30 + Math.floor((r() - 0.5) * spread)) / 10 ** e));
        yield fill(len, () => f32bits(-(2 ** 30 + Math.floor((r() - 0.7) * spread)) / 10 ** e));
      }
    }
  }
}

function* restorePieces(): Generator<Uint32Array> {
  let seed = 1;
  for (const kind of KINDS) {
    for (let s = 0; s < 6; s++) {
      const bits = bitsOf(seriesValues(kind, 2880, seed++));
      for (let p = 0; p + 512 <= 2560; p += 512) yield bits.subarray(p, p + 512);
      for (let p = 2560; p + 64 <= 2880; p += 64) yield bits.subarray(p, p + 64);
    }
  }
}

describe('chunk codecs: the encoder writes the same bytes', () => {
  it('seeded shapes with edge values and missing slots', () => {
    expect(digestOf(shapes())).toEqual({ digest: '83605a187a6c1f9eff35fdfff083ae32c6155180e547a89ee35acf595e71cf33', blocks: 4125 });
  });
  it('DECIMAL fields of every width, frame of reference and delta', () => {
    expect(digestOf(decimalWidths())).toEqual({ digest: '2dfc632599960ecb5c60e06734350e5f33b02a256331f917782ea370bbd6c3d0', blocks: 1548 });
  });
  it('XOR windows of every width, plain and masked', () => {
    expect(digestOf(xorWidths())).toEqual({ digest: '990c1ce33951ffedac200158b84ace6aa9fe29ebc87d57cd930864220f6b55cc', blocks: 618 });
  });
  it('n around 2^30 at every exponent', () => {
    expect(digestOf(narrowEdge())).toEqual({ digest: '2db5e51d20ff085f6a297e4c9921d24b1c423778aa3171a0e34eaca5e5275d65', blocks: 272 });
  });
  it("the generator's metric kinds cut into chunks and pages as restore cuts them", () => {
    expect(digestOf(restorePieces())).toEqual({ digest: '3759b6caa25cfede8972bd5595480b418a31407ef11ec05815333fc592f90852', blocks: 2943 });
  });
});
