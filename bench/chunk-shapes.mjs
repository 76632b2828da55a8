// Chunks of 512 f32 values shaped like what collectors send (cc-metric-collector
// node and hwthread metrics), for the codec tests and bench/codec.bench.mjs.
// Every shape is a function (rng, len) -> Float32Array; values go through a
// decimal string like a line-protocol body does (`toFixed`), then f32.
// NaN 0x7fc00000 marks a missing sample.

/** A small seeded generator (mulberry32): the same seed gives the same chunks. */
export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  next.gauss = () => {
    const u = Math.max(next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
  };
  return next;
}

const fixed = (x, digits) => Math.fround(Number(x.toFixed(digits)));
const clamp = (x, lo, hi) => Math.min(hi, Math.max(lo, x));

function series(len, f) {
  const out = new Float32Array(len);
  for (let i = 0; i < len; i++) out[i] = f(i);
  return out;
}

/** Shape name -> generator. `realistic` says whether it counts as realistic data. */
export const SHAPES = {
  /** cpu_load: a wandering load average printed with 2 decimals. */
  load2: { realistic: true, make(r, len) {
    let x = r() * 72;
    return series(len, () => fixed((x = clamp(x + r.gauss() * 0.8, 0, 80)), 2));
  } },
  /** cpu_user and friends: noisy percentages with 2 decimals. */
  percent2: { realistic: true, make(r, len) {
    const level = 20 + r() * 70;
    return series(len, () => fixed(clamp(level + r.gauss() * 5, 0, 100), 2));
  } },
  /** mem_used in GB with 3 decimals: slow drift, now and then a job's allocation. */
  memGB: { realistic: true, make(r, len) {
    let x = 10 + r() * 200;
    return series(len, () => {
      if (r() < 0.01) x = 5 + r() * 240;
      return fixed((x = Math.max(0, x + r.gauss() * 0.05)), 3);
    });
  } },
  /** clock in MHz: a fixed frequency, now and then a step of the governor. */
  clock: { realistic: true, make(r, len) {
    let x = [2400, 2200, 3000, 1800][Math.floor(r() * 4)];
    return series(len, () => {
      if (r() < 0.02) x = fixed(1800 + r() * 1200, 3);
      return x;
    });
  } },
  /** A monotone counter (energy in J): ~250 W a minute with noise, large values. */
  counter: { realistic: true, make(r, len) {
    let x = Math.floor(r() * 4e7);
    return series(len, () => Math.fround((x += 15000 + Math.floor(r.gauss() * 500))));
  } },
  /** flops_any on an idle node: long zero runs, short bursts with 2 decimals. */
  zeroRuns: { realistic: true, make(r, len) {
    let busy = false;
    return series(len, () => {
      if (r() < (busy ? 0.1 : 0.01)) busy = !busy;
      return busy ? fixed(r() * 300, 2) : 0;
    });
  } },
  /** ipc: ratios sent with all float64 digits (Go's %v of a division). */
  ipc: { realistic: true, make(r, len) {
    let x = 0.5 + r();
    return series(len, () => Math.fround((x = clamp(x + r.gauss() * 0.05, 0.1, 3)) * (1 + 1e-9 * r())));
  } },
  /** load2 with samples missing: a few single ones and a run (a collector restart). */
  missing: { realistic: true, make(r, len) {
    const v = SHAPES.load2.make(r, len);
    const gapAt = Math.floor(r() * len);
    for (let i = 0; i < len; i++) if (r() < 0.01 || (i >= gapAt && i < gapAt + 20)) v[i] = NaN;
    return v;
  } },
  /** percentages with 2 decimals that jump between levels (jobs starting and ending). */
  jumps: { realistic: true, make(r, len) {
    let level = r() * 100;
    return series(len, () => {
      if (r() < 0.01) level = r() * 100;
      return fixed(clamp(level + r.gauss(), 0, 100), 2);
    });
  } },
  /** The worst case: a random walk at full f32 precision. */
  randomWalk: { realistic: false, make(r, len) {
    let x = (r() - 0.5) * 2000;
    return series(len, () => Math.fround((x += r.gauss() * 3.7)));
  } },
};

/** `count` chunks of one shape, each from its own seed. */
export function chunksOf(shape, count, len = 512, seed = 1) {
  const chunks = [];
  for (let k = 0; k < count; k++) chunks.push(SHAPES[shape].make(rng(seed * 1000003 + k), len));
  return chunks;
}
