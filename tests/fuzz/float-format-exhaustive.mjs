// Every 32-bit float through the engine's float formatting, compared byte for
// byte with Ryu alone (formatFloats(n, 1)): the fast routes of
// assembly/f32-format.ts must print exactly what Ryu prints. Too slow for
// `npm test` (about 4 minutes for all 2^32 bit patterns on one core); run it
// after changing the formatter:
//
//   npm run build:wasm && node tests/fuzz/float-format-exhaustive.mjs [fromExp toExp]
//
// fromExp/toExp (biased exponents, default 0 255) narrow the run; both signs
// are always checked.
import { readFileSync } from 'node:fs';

const wasm = readFileSync(new URL('../../build/engine.wasm', import.meta.url));
const { exports: x } = new WebAssembly.Instance(new WebAssembly.Module(wasm), {});
if (!x.init(0, 1, 65536, 0)) throw new Error('engine init failed');

const fromExp = Number(process.argv[2] ?? 0);
const toExp = Number(process.argv[3] ?? 255);
const CHUNK = 1 << 20; // bit patterns per call: a quarter of one exponent

function format(bits, ryuOnly) {
  const p = x.ioBuffer(bits.byteLength) >>> 0;
  new Uint32Array(x.memory.buffer, p, bits.length).set(bits);
  if (!x.formatFloats(bits.length, ryuOnly)) throw new Error('out of memory');
  const r = x.responsePtr() >>> 0;
  return new Uint8Array(x.memory.buffer, r, x.responseLength() >>> 0).slice();
}

const bits = new Uint32Array(CHUNK);
let checked = 0;
const started = Date.now();
for (let sign = 0; sign < 2; sign++) {
  for (let e = fromExp; e <= toExp; e++) {
    for (let m0 = 0; m0 < 1 << 23; m0 += CHUNK) {
      const base = ((sign << 31) | (e << 23) | m0) >>> 0;
      for (let i = 0; i < CHUNK; i++) bits[i] = base + i;
      const fast = format(bits, 0);
      const ryu = format(bits, 1);
      if (Buffer.compare(fast, ryu) !== 0) {
        const a = Buffer.from(fast).toString().split(',');
        const b = Buffer.from(ryu).toString().split(',');
        const i = a.findIndex((s, k) => s !== b[k]);
        const f = new Float32Array(new Uint32Array([bits[i]]).buffer)[0];
        console.error(`0x${bits[i].toString(16)} (${f}): fast route ${a[i]}, Ryu ${b[i]}`);
        process.exit(1);
      }
      checked += CHUNK;
    }
  }
  console.log(`sign ${sign}: exponents ${fromExp}..${toExp} identical (${checked.toLocaleString('en-US')} floats, ${((Date.now() - started) / 1000).toFixed(0)} s)`);
}
