// The chunk codecs (assembly/codec/, docs/engine.md "Chunk encodings")
// through the test exports codecEncode/codecDecode: every encoding decodes to
// the same bits, the chooser picks what it should for typical shapes, and
// realistic shapes get small. Values, block and decoded output live in the
// shard's I/O buffer at fixed offsets.
import { describe, expect, it } from 'vitest';
import { chunksOf, rng, SHAPES } from '../../bench/chunk-shapes.mjs';
import { codecInstance } from './helpers.ts';

const VALUES = 0;
const BLOCK = 4096;
const DECODED = 8192;
const GUARD = 0xdeadbeef;
const MISSING = 0x7fc00000;
const BEST = 0, ALL_MISSING = 1, CONSTANT = 2, DECIMAL = 3, XOR = 4;
const CODECS = [ALL_MISSING, CONSTANT, DECIMAL, XOR];

const { x, io } = codecInstance();
const words = (offset: number, n: number) => new Uint32Array(x.memory.buffer, io + offset, n);

/** The block for `bits` (null when the codec declines), its codec id in block[0] & 15. */
function encode(bits: Uint32Array, codec = BEST): Uint8Array | null {
  words(VALUES, bits.length).set(bits);
  const size = x.codecEncode(VALUES, bits.length, BLOCK, codec);
  return size > 0 ? new Uint8Array(x.memory.buffer, io + BLOCK, size).slice() : null;
}

/** Decoded bits of a block; checks the slot after the last is left alone. */
function decode(block: Uint8Array, len: number): Uint32Array | null {
  new Uint8Array(x.memory.buffer, io + BLOCK, block.length).set(block);
  words(DECODED, len + 1)[len] = GUARD;
  const n = x.codecDecode(BLOCK, block.length, DECODED);
  expect(words(DECODED, len + 1)[len]).toBe(GUARD);
  return n === 0 ? null : words(DECODED, n).slice();
}

const bitsOf = (f: Float32Array) => new Uint32Array(f.buffer.slice(0));
const hex = (a: Uint32Array) => Array.from(a, (v) => v.toString(16));

/** Every codec (and the chooser) that encodes `bits` gives them back; returns the codecs that applied. */
function roundTrips(bits: Uint32Array): number[] {
  const applied: number[] = [];
  for (const codec of [BEST, ...CODECS]) {
    const block = encode(bits, codec);
    if (block === null) continue;
    if (codec !== BEST) expect(block[0] & 15).toBe(codec);
    const back = decode(block, bits.length);
    if (back === null || back.length !== bits.length || back.some((v, i) => v !== bits[i])) {
      expect(hex(back ?? new Uint32Array()), `codec ${codec}`).toEqual(hex(bits));
    }
    applied.push(codec);
  }
  return applied;
}

const f32 = (...v: number[]) => bitsOf(Float32Array.from(v));
const fill = (len: number, f: (i: number) => number) => Uint32Array.from({ length: len }, (_, i) => f(i) >>> 0);

const EDGE = {
  negativeZero: 0x80000000,
  subnormalMin: 0x00000001,
  subnormalMax: 0x007fffff,
  negativeSubnormal: 0x80000001,
  nanPayload: 0x7fc00001,
  negativeNaN: 0xffc00000,
  signallingNaN: 0x7f800001,
  infinity: 0x7f800000,
  negativeInfinity: 0xff800000,
  largest: 0x7f7fffff,
  smallestNormal: 0x00800000,
};

describe('chunk codecs: round trips of edge values', () => {
  it('each edge value alone, among decimals, repeated, and with missing slots', () => {
    for (const [name, v] of Object.entries(EDGE)) {
      const cases = [
        Uint32Array.of(v),
        fill(512, () => v),
        fill(512, (i) => (i % 7 === 3 ? v : f32(i * 0.25)[0])),
        fill(300, (i) => (i === 299 ? v : f32(12.5 + (i % 5))[0])),
        fill(512, (i) => (i % 3 === 0 ? MISSING : i % 2 ? v : f32(1.5)[0])),
      ];
      for (const bits of cases) expect(roundTrips(bits).length, name).toBeGreaterThan(0);
    }
  });

  it('-0 and NaN payloads come back through DECIMAL as exceptions', () => {
    const bits = fill(512, (i) => f32(Math.round(i * 7.3) / 100)[0]);
    bits[5] = EDGE.negativeZero;
    bits[77] = EDGE.nanPayload;
    bits[400] = EDGE.infinity;
    expect(roundTrips(bits)).toContain(DECIMAL);
    expect(encode(bits)![0] & 15).toBe(DECIMAL);
  });

  it('huge and tiny magnitudes, all-equal, alternating', () => {
    const cases = [
      f32(3.4e38, -3.4e38, 1e38, 1e-38, 1e-45, -1e-45, 1.17549435e-38, 6e37),
      fill(512, (i) => f32(1e30 * (1 + i))[0]),
      fill(512, (i) => f32(1e-30 * (1 + i))[0]),
      fill(512, () => f32(42.42)[0]),
      fill(512, (i) => f32(i % 2 ? 1 : -1)[0]),
      fill(512, (i) => f32(i % 2 ? 0.1 : 1e9)[0]),
      fill(512, (i) => (i % 2 ? EDGE.infinity : EDGE.negativeInfinity)),
      fill(512, (i) => f32(i * 1e6)[0]),
      fill(512, (i) => f32(2 ** 60 + i * 2 ** 40)[0]),
      // n beyond 2^30 (the plan's wide path), alone and after narrow values, both signs.
      fill(512, (i) => f32(1.2e12 + i * 65536 * 3)[0]),
      fill(512, (i) => f32(i < 256 ? i * 0.5 : -3e9 - i * 1024)[0]),
      fill(512, (i) => f32(i % 2 ? 1073741824 : -1073741824)[0]),
      fill(512, (i) => f32(i % 2 ? 1073741760 : -1073741824)[0]),
    ];
    for (const bits of cases) expect(roundTrips(bits).length).toBeGreaterThan(0);
  });

  it('len 1 and 512, one present value, all missing, and the missing-slot layouts', () => {
    const v = f32(7.25)[0];
    const cases = [
      Uint32Array.of(v),
      Uint32Array.of(MISSING),
      fill(512, () => MISSING),
      fill(512, (i) => (i === 300 ? v : MISSING)),
      fill(512, (i) => (i < 200 ? MISSING : f32(i / 4)[0])), // a range
      fill(512, (i) => (i >= 100 && i < 150 ? f32(i / 4)[0] : MISSING)),
      fill(512, (i) => (i % 2 ? MISSING : f32(i / 4)[0])), // a bitmap
      fill(512, (i) => (i === 0 || i === 511 || i === 256 ? MISSING : f32(i / 4)[0])), // a list
      fill(512, (i) => (i % 97 === 5 ? MISSING : f32(i / 8)[0])),
      fill(511, (i) => (i % 3 ? MISSING : v)),
      fill(65, (i) => (i === 64 ? MISSING : f32(i)[0])),
    ];
    for (const bits of cases) expect(roundTrips(bits).length).toBeGreaterThan(0);
  });

  it('all missing is 3 bytes, a constant 7, and a constant with missing slots adds its layout', () => {
    expect(encode(fill(512, () => MISSING))?.length).toBe(3);
    expect(encode(fill(512, () => MISSING))![0] & 15).toBe(ALL_MISSING);
    expect(encode(fill(512, () => f32(0)[0]))?.length).toBe(7);
    expect(encode(fill(512, () => EDGE.negativeZero))![0] & 15).toBe(CONSTANT);
    // Present slots [200, 512): a range of 4 bytes.
    expect(encode(fill(512, (i) => (i < 200 ? MISSING : f32(1)[0])))?.length).toBe(11);
  });

  it('never leaves its block: every truncated block is refused', () => {
    const shapes = ['load2', 'clock', 'ipc', 'missing', 'counter'];
    for (const shape of shapes) {
      const bits = bitsOf(chunksOf(shape, 1, 512, 3)[0]);
      for (const codec of [BEST, DECIMAL, XOR]) {
        const block = encode(bits, codec);
        if (block === null) continue;
        for (let cut = 0; cut < block.length; cut += Math.max(1, block.length >> 5)) {
          expect(decode(block.subarray(0, cut), 512), `${shape} codec ${codec} cut to ${cut}`).toBeNull();
        }
      }
    }
  });
});

describe('chunk codecs: the bytes around a block', () => {
  // The decoders' last loads of a block reach up to 16 bytes past it when
  // memory goes on (codec/bits.ts readableEnd): what lies there must not show
  // in the values, and a block at the very end of memory decodes the same.
  const shapes = ['load2', 'percent2', 'clock', 'ipc', 'missing', 'counter', 'jumps'];
  it('the same values whatever follows the block, and at the end of memory', () => {
    const afterBlock = (block: Uint8Array, byte: number) => new Uint8Array(x.memory.buffer, io + BLOCK + block.length, 64).fill(byte);
    let checked = 0;
    for (const shape of shapes) {
      for (const len of [512, 509, 64, 67, 9]) {
        const bits = bitsOf(chunksOf(shape, 1, len, 5)[0]);
        for (const codec of [DECIMAL, XOR]) {
          const block = encode(bits, codec);
          if (block === null) continue;
          for (const byte of [0x00, 0xff, 0x5a]) {
            new Uint8Array(x.memory.buffer, io + BLOCK, block.length).set(block);
            afterBlock(block, byte);
            const n = x.codecDecode(BLOCK, block.length, DECODED);
            expect(hex(words(DECODED, n)), `${shape} len ${len} codec ${codec} before ${byte}`).toEqual(hex(bits));
          }
          // The block's last byte on the last byte of linear memory.
          const last = x.memory.buffer.byteLength - io - block.length;
          new Uint8Array(x.memory.buffer, io + last, block.length).set(block);
          const n = x.codecDecode(last, block.length, DECODED);
          expect(hex(words(DECODED, n)), `${shape} len ${len} codec ${codec} at the end of memory`).toEqual(hex(bits));
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(30);
  });

  it('a cut block decodes the same whatever follows it (refused, or its values when the cut took no field)', () => {
    let refused = 0;
    for (const shape of shapes) {
      const bits = bitsOf(chunksOf(shape, 1, 512, 7)[0]);
      for (const codec of [DECIMAL, XOR]) {
        const block = encode(bits, codec);
        if (block === null) continue;
        for (const cut of [block.length - 1, block.length - 2, block.length - 3, block.length - 8, block.length - 17]) {
          const answers = [0x00, 0xff, 0xa5].map((byte) => {
            new Uint8Array(x.memory.buffer, io + BLOCK, block.length).set(block);
            new Uint8Array(x.memory.buffer, io + BLOCK + cut, 80).fill(byte);
            const n = x.codecDecode(BLOCK, cut, DECODED);
            return hex(words(DECODED, n));
          });
          expect(answers[1], `${shape} codec ${codec} cut to ${cut}`).toEqual(answers[0]);
          expect(answers[2], `${shape} codec ${codec} cut to ${cut}`).toEqual(answers[0]);
          if (answers[0].length === 0) refused++;
          else expect(answers[0]).toEqual(hex(bits));
        }
      }
    }
    expect(refused).toBeGreaterThan(20);
  });
});

describe('chunk codecs: bytes that are not a block of ours', () => {
  it('a bitmap with bits past len is refused, not written past the chunk', () => {
    const bits = fill(509, (i) => (i % 2 ? MISSING : f32(2.5)[0]));
    const block = encode(bits)!;
    expect(block[0]).toBe(CONSTANT | (1 << 4)); // BITMAP
    const forged = block.slice();
    forged.fill(0xff, 3, 3 + 64); // and slots 509..511, which do not exist
    expect(decode(forged, 509)).toBeNull();
  });
});

describe('chunk codecs: seeded fuzz', () => {
  it('thousands of chunks of mixed shapes decode bit for bit', () => {
    const r = rng(20261211);
    const names = Object.keys(SHAPES);
    const specials = Object.values(EDGE);
    let encoded = 0;
    for (let k = 0; k < 3000; k++) {
      const len = r() < 0.3 ? 1 + Math.floor(r() * 512) : 512;
      const bits = bitsOf(SHAPES[names[k % names.length]].make(rng(k + 1), len));
      const spice = r();
      if (spice < 0.2) {
        for (let i = 0; i < len; i++) if (r() < 0.05) bits[i] = specials[Math.floor(r() * specials.length)];
      } else if (spice < 0.3) {
        for (let i = 0; i < len; i++) if (r() < 0.3) bits[i] = MISSING;
      } else if (spice < 0.35) {
        for (let i = 0; i < len; i++) bits[i] = (r() * 2 ** 32) >>> 0;
      } else if (spice < 0.4) {
        const from = Math.floor(r() * len);
        for (let i = from; i < Math.min(len, from + 1 + r() * 100); i++) bits[i] = MISSING;
      }
      for (const codec of [BEST, DECIMAL, XOR]) {
        const block = encode(bits, codec);
        if (block === null) continue;
        encoded++;
        const back = decode(block, len);
        if (back === null || back.some((v, i) => v !== bits[i])) {
          expect.fail(`chunk ${k} (len ${len}, codec ${codec}) decodes differently`);
        }
      }
    }
    expect(encoded).toBeGreaterThan(5000);
  });
});

describe('chunk codecs: every packed width', () => {
  // The decoders unpack four fields at a time up to width 25 and one at a
  // time past it and near a block's end: every width, FOR and delta blocks,
  // negative bases, and lengths that leave a tail, decode bit for bit.
  it('DECIMAL blocks of widths 1..30 (frame of reference and delta) round-trip', () => {
    const r = rng(77);
    for (let w = 1; w <= 30; w++) {
      for (const len of [512, 509, 67, 9]) {
        const noise = () => Math.floor(r() * 2 ** w);
        const offset = w % 3 === 0 ? -(2 ** 20) : 1000;
        // Integers (exponent 0) exact in f32: FOR-shaped noise, and a walk whose steps need w bits.
        const exact = (n: number) => Math.fround(n) === n;
        const forShape = fill(len, () => f32(offset + noise())[0]);
        let walk = offset;
        const deltaShape = fill(len, () => {
          const next = walk + noise() - 2 ** (w - 1);
          if (exact(next)) walk = next;
          return f32(walk)[0];
        });
        for (const bits of [forShape, deltaShape]) {
          const block = encode(bits, DECIMAL);
          if (block === null) continue;
          const back = decode(block, len);
          if (back === null || back.some((v, i) => v !== bits[i])) expect.fail(`width ${w}, len ${len} decodes differently`);
        }
      }
    }
  });
});

describe('chunk codecs: the encoder stays inside encodedBound', () => {
  // The packers store 8 bytes at a time and may pass a block's area by up
  // to 8 bytes (assembly/codec/pack-or.ts), only while that stays inside
  // out[0, encodedBound(len)): a block forced to a codec close to the bound
  // leaves the bytes after the bound alone, and every block decodes.
  it('guard bytes after encodedBound(len) survive every codec on every shape', () => {
    const r = rng(91);
    const shapes = Object.keys(SHAPES);
    for (const len of [512, 64, 61, 9]) {
      const bound = len * 4 + 64;
      for (let k = 0; k < 40; k++) {
        const src = chunksOf(shapes[k % shapes.length], 1, 512, 300 + k)[0].subarray(0, len);
        // Every other chunk: full-precision noise, which takes the widest fields.
        const bits = k % 2 === 0 ? bitsOf(src.slice()) : fill(len, () => f32((r() - 0.5) * 1e6)[0]);
        for (const codec of [BEST, DECIMAL, XOR]) {
          words(VALUES, len).set(bits);
          const guard = new Uint32Array(x.memory.buffer, io + BLOCK + bound, 8);
          guard.fill(GUARD);
          const size = x.codecEncode(VALUES, len, BLOCK, codec);
          expect(Array.from(guard).every((g) => g === GUARD), `len ${len} chunk ${k} codec ${codec}`).toBe(true);
          if (size === 0) continue;
          const back = decode(new Uint8Array(x.memory.buffer, io + BLOCK, size).slice(), len);
          if (back === null || back.some((v, i) => v !== bits[i])) expect.fail(`len ${len} chunk ${k} codec ${codec} decodes differently`);
        }
      }
    }
  });
});

describe('chunk codecs: every XOR width', () => {
  // The XOR decoder unpacks four fields at a time up to width 25 (plain
  // blocks) and spreads a masked block's fields without a branch: every
  // width 1..32, shifted or not, plain (few repeats) and masked (mostly
  // repeats), and lengths that leave a tail, decode bit for bit.
  it('XOR blocks of widths 1..32, plain and masked, round-trip', () => {
    const r = rng(4242);
    let masked = 0;
    for (let w = 1; w <= 32; w++) {
      for (const shift of [0, 32 - w, Math.floor((32 - w) / 2)]) {
        for (const repeats of [0, 0.7]) {
          for (const len of [512, 509, 67, 9]) {
            let cur = (r() * 2 ** 32) >>> 0;
            const bits = fill(len, (i) => {
              if (i > 0 && r() >= repeats) {
                // The top bit of the window set now and then, so the block's width is w.
                const field = (Math.floor(r() * 2 ** w) | (r() < 0.2 ? 2 ** (w - 1) : 0)) >>> 0;
                cur = (cur ^ ((field * 2 ** shift) >>> 0)) >>> 0;
              }
              return cur === MISSING ? cur ^ 1 : cur;
            });
            const block = encode(bits, XOR);
            if (block === null) expect.fail(`width ${w}: XOR declined`);
            if (block[4 + 3] & 0x80) masked++;
            const back = decode(block, len);
            if (back === null || back.some((v, i) => v !== bits[i])) expect.fail(`width ${w}, shift ${shift}, repeats ${repeats}, len ${len} decodes differently`);
          }
        }
      }
    }
    expect(masked).toBeGreaterThan(50);
  });
});

/** Mean bytes a sample over `count` chunks of a shape, raw chunks counted at 4. */
function bytesPerSample(shape: string, count = 64): { bytes: number; codecs: Record<number, number> } {
  let total = 0;
  const codecs: Record<number, number> = {};
  for (const chunk of chunksOf(shape, count, 512, 11)) {
    const block = encode(bitsOf(chunk));
    const codec = block === null ? 0 : block[0] & 15;
    codecs[codec] = (codecs[codec] ?? 0) + 1;
    total += block === null ? 2048 : block.length;
  }
  return { bytes: total / (count * 512), codecs };
}

describe('chunk codecs: choice and size', () => {
  it('picks the codec each typical shape calls for', () => {
    expect(bytesPerSample('load2').codecs).toEqual({ [DECIMAL]: 64 });
    expect(bytesPerSample('counter').codecs).toEqual({ [DECIMAL]: 64 });
    expect(bytesPerSample('clock').codecs[XOR]).toBeGreaterThan(32);
    expect(encode(fill(512, () => f32(2400)[0]))![0] & 15).toBe(CONSTANT);
    // Full-precision random bits: nothing beats raw float32, the chunk stays raw.
    const r = rng(5);
    expect(encode(fill(512, () => r() * 2 ** 32))).toBeNull();
  });

  // Bounds a little above what the codecs give today (bench/codec.bench.mjs prints the figures).
  const BOUNDS: Record<string, number> = {
    load2: 1.3, percent2: 1.65, memGB: 1.75, clock: 0.3, counter: 1.7, zeroRuns: 0.6,
    ipc: 3.3, missing: 1.4, jumps: 1.55,
  };
  for (const [shape, bound] of Object.entries(BOUNDS)) {
    it(`${shape} takes at most ${bound} bytes a sample`, () => {
      expect(bytesPerSample(shape).bytes).toBeLessThanOrEqual(bound);
    });
  }

  it('large counters (n past 2^30) are DECIMAL at a few bits a sample', () => {
    let n = 1.5e12;
    const bytes = fill(512, () => f32((n += 2 ** 20))[0]);
    const block = encode(bytes)!;
    expect(block[0] & 15).toBe(DECIMAL);
    expect(block.length / 512).toBeLessThan(0.1);
  });

  it('a counter at a steady rate and a clock that never changes take a few bits a sample', () => {
    let n = 123456;
    const steady = fill(512, () => f32((n += 60))[0]);
    expect(encode(steady)!.length / 512).toBeLessThan(0.1);
    const blip = fill(512, (i) => f32(i === 200 ? 2399.999 : 2400)[0]);
    expect(encode(blip)!.length / 512).toBeLessThan(0.1);
  });

  it('full-precision random walks stay at most raw', () => {
    expect(bytesPerSample('randomWalk').bytes).toBeLessThanOrEqual(4);
    const r = rng(9);
    let v = 1;
    const walk = fill(512, () => f32((v *= 1 + (r() - 0.5) * 1e-3))[0]);
    const block = encode(walk);
    expect(block === null || block.length < 512 * 4 - 64).toBe(true);
  });
});
