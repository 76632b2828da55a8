// DECIMAL's conversion (assembly/codec/decimal-exponent.ts convertAt) keeps
// one copy of the n: i32 while every n so far is narrow (|n| < 2^30), f64
// from the first wide one on, made for the slots before it then. These
// chunks put that switch everywhere a group of sixteen or four can cut it,
// with exceptions before the first value that fits, inside groups and past
// the 24 that raise the exponent, and a reference that alone is wide. The
// digest is the bytes the encoder wrote before the conversion was rewritten
// (2026-12-03), so the rewrite changed no block; every block also decodes
// to its input bit for bit.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { rng } from '../../bench/chunk-shapes.mjs';
import { codecInstance } from './helpers.ts';

const BEST = 0, DECIMAL = 3;
const { x, io } = codecInstance();
const BLOCK = 4096, BACK = 8192;
const f32bits = (v: number) => new Uint32Array(Float32Array.of(v).buffer)[0];
const EXCEPTIONS = [0x80000000, 0x7fc00001, 0x7f800000, 0xff800000, f32bits(1 / 3)];

/** Values of e decimals: narrow n (a few thousand) or wide ones (past 2^30, below 2^51). */
function valueAt(r: () => number, wide: boolean, e: number): number {
  const n = wide ? 2 ** 31 + Math.floor(r() * 2 ** 20) : Math.floor(r() * 5000) - 2500;
  return f32bits(n / 10 ** e);
}

function* chunks(): Generator<Uint32Array> {
  const r = rng(2026);
  const cuts = [0, 1, 3, 4, 5, 15, 16, 17, 31, 48, 63, 64, 65, 100, 255, 500, 511];
  for (const e of [0, 2]) {
    for (const len of [512, 509, 64, 40, 17, 16, 15, 5, 1]) {
      for (const cut of cuts.filter((c) => c < len)) {
        // Narrow up to `cut`, wide from it; and the other way round.
        yield Uint32Array.from({ length: len }, (_, i) => valueAt(r, i >= cut, e));
        yield Uint32Array.from({ length: len }, (_, i) => valueAt(r, i < cut, e));
        // Exceptions before the first fit, then one in the group of the cut.
        yield Uint32Array.from({ length: len }, (_, i) =>
          i < Math.min(cut, 20) || i === cut + 2 ? EXCEPTIONS[i % EXCEPTIONS.length] : valueAt(r, false, e));
      }
      // Exceptions scattered: some chunks pass 24 and raise the exponent.
      for (const p of [0.02, 0.06, 0.2]) {
        yield Uint32Array.from({ length: len }, () => (r() < p ? EXCEPTIONS[Math.floor(r() * EXCEPTIONS.length)] : valueAt(r, r() < 0.1, e)));
      }
    }
  }
  // Both first n narrow, the reference (2 n0 - n1) wide.
  for (const len of [512, 64, 2]) {
    yield Uint32Array.from({ length: len }, (_, i) => f32bits(i === 0 ? 2 ** 29 + 2 ** 28 : i === 1 ? -(2 ** 29) : Math.floor(r() * 1000)));
  }
}

describe('chunk codecs: DECIMAL converts every value as before', () => {
  it('wherever the chunk turns wide, with exceptions around', () => {
    const h = createHash('sha256');
    let blocks = 0;
    let roundTrips = 0;
    for (const bits of chunks()) {
      for (const codec of [BEST, DECIMAL]) {
        new Uint32Array(x.memory.buffer, io, bits.length).set(bits);
        const size = x.codecEncode(0, bits.length, BLOCK, codec);
        h.update(Uint32Array.of(bits.length, codec, size));
        if (size <= 0) continue;
        h.update(new Uint8Array(x.memory.buffer, io + BLOCK, size));
        blocks++;
        expect(x.codecDecode(BLOCK, size, BACK)).toBe(bits.length);
        expect(new Uint32Array(x.memory.buffer, io + BACK, bits.length)).toEqual(bits);
        roundTrips++;
      }
    }
    expect({ digest: h.digest('hex'), blocks, roundTrips }).toEqual({ digest: '2e23ce37f490a3a369965fe3b48947e689f898c935a7a2c441948b1347f07ceb', blocks: 668, roundTrips: 668 });
  });
});
