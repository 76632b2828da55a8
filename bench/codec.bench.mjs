// The chunk codecs alone (assembly/codec/, like VictoriaMetrics' lib/encoding
// benchmarks): encode and decode ns per sample and bytes per sample for each
// shape of bench/chunk-shapes.mjs, 512-sample chunks, through the test exports
// codecEncode/codecDecode on one engine instance. "raw" counts the chunks the
// chooser leaves as float32 (counted at 4 bytes a sample). Best of 5 rounds.
//
//   npm run build:wasm && node bench/codec.bench.mjs [shape ...]
import { existsSync, readFileSync } from 'node:fs';
import { SHAPES, chunksOf } from './chunk-shapes.mjs';

const wasmUrl = new URL('../build/engine.wasm', import.meta.url);
if (!existsSync(wasmUrl)) {
  console.error('codec bench: run `npm run build:wasm` first');
  process.exit(1);
}
const { exports: x } = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(wasmUrl)), {});
if (!x.init(0, 1, 65536, 0)) throw new Error('engine init failed');

const LEN = 512;
const CHUNKS = 256;
const ROUNDS = 5;
const REPEAT = 8; // passes over the chunks per timed round
const VALUES = 0;
const BLOCKS = CHUNKS * LEN * 4;
const BLOCK_STRIDE = 4096; // > encodedBound(512)
const DECODED = BLOCKS + CHUNKS * BLOCK_STRIDE;
const io = x.ioBuffer(DECODED + CHUNKS * LEN * 4) >>> 0;
const NAMES = { 0: 'raw', 1: 'missing', 2: 'const', 3: 'decimal', 4: 'xor' };

function bestNs(fn, samples) {
  let best = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < REPEAT; k++) fn();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / (REPEAT * samples));
  }
  return best;
}

function measure(shape) {
  const chunks = chunksOf(shape, CHUNKS, LEN, 7);
  const f32 = new Float32Array(x.memory.buffer, io + VALUES, CHUNKS * LEN);
  chunks.forEach((c, k) => f32.set(c, k * LEN));
  const sizes = new Int32Array(CHUNKS);
  const encodeAll = () => {
    for (let k = 0; k < CHUNKS; k++) sizes[k] = x.codecEncode(VALUES + k * LEN * 4, LEN, BLOCKS + k * BLOCK_STRIDE, 0);
  };
  const decodeAll = () => {
    for (let k = 0; k < CHUNKS; k++) if (sizes[k] > 0) x.codecDecode(BLOCKS + k * BLOCK_STRIDE, sizes[k], DECODED + k * LEN * 4);
  };
  encodeAll();
  const u8 = new Uint8Array(x.memory.buffer);
  const codecs = {};
  let bytes = 0;
  let encoded = 0;
  for (let k = 0; k < CHUNKS; k++) {
    const name = NAMES[sizes[k] > 0 ? u8[io + BLOCKS + k * BLOCK_STRIDE] & 15 : 0];
    codecs[name] = (codecs[name] ?? 0) + 1;
    bytes += sizes[k] > 0 ? sizes[k] : LEN * 4;
    if (sizes[k] > 0) encoded++;
  }
  decodeAll();
  const a = new Uint32Array(x.memory.buffer, io + VALUES, CHUNKS * LEN);
  const b = new Uint32Array(x.memory.buffer, io + DECODED, CHUNKS * LEN);
  for (let k = 0; k < CHUNKS; k++) {
    if (sizes[k] === 0) continue;
    for (let i = 0; i < LEN; i++) if (a[k * LEN + i] !== b[k * LEN + i]) throw new Error(`${shape}: chunk ${k} slot ${i} decodes differently`);
  }
  const encodeNs = bestNs(encodeAll, CHUNKS * LEN);
  const decodeNs = encoded > 0 ? bestNs(decodeAll, encoded * LEN) : 0;
  return { shape, bytes: bytes / (CHUNKS * LEN), encodeNs, decodeNs, codecs };
}

const only = process.argv.slice(2);
const rows = Object.keys(SHAPES).filter((s) => only.length === 0 || only.includes(s)).map(measure);
console.log(`codecs, ${CHUNKS} chunks of ${LEN} per shape (best of ${ROUNDS})`);
console.log('shape        bytes/sample  encode ns/sample  decode ns/sample  chosen');
for (const r of rows) {
  const chosen = Object.entries(r.codecs).map(([k, v]) => `${k} ${v}`).join(', ');
  console.log(`${r.shape.padEnd(12)} ${r.bytes.toFixed(3).padStart(12)}  ${r.encodeNs.toFixed(2).padStart(16)}  ${r.decodeNs.toFixed(2).padStart(16)}  ${chosen}`);
}
const realistic = rows.filter((r) => SHAPES[r.shape].realistic);
if (realistic.length > 0) {
  const mean = (f) => realistic.reduce((s, r) => s + f(r), 0) / realistic.length;
  console.log(`${'realistic'.padEnd(12)} ${mean((r) => r.bytes).toFixed(3).padStart(12)}  ${mean((r) => r.encodeNs).toFixed(2).padStart(16)}  ${mean((r) => r.decodeNs).toFixed(2).padStart(16)}  (mean of the realistic shapes)`);
}
