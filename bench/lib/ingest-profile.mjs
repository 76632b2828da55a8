// A fixed line-protocol load for counting the engine's ingest instructions
// (valgrind --tool=callgrind), with what the service sets: WAL records, the
// 48 h / 10 min ingest window, hosts per write.
//
//   node bench/lib/ingest-profile.mjs make <file> [hosts] [ticks] [linesPerBody]
//       realistic collector bodies (bench/data/generator.mjs) into <file>
//   node --no-liftoff bench/lib/ingest-profile.mjs run <file> <compression> <bodies>
//       ingests the first <bodies> bodies of <file>; prints lines and time
//
// Instructions a line: run twice under callgrind, with the warm-up count of
// bodies and with more, and divide the difference of the totals by the
// difference of the lines (startup, compilation and the reading of the file
// cancel out). `--no-liftoff` compiles the module with the optimizing tier
// only, as it runs once warm.
import { readFileSync, writeFileSync } from 'node:fs';

const [cmd, file, ...rest] = process.argv.slice(2);
if (cmd === 'make') {
  const { bodies } = await import('../data/generator.mjs');
  const [hosts = 2, ticks = 1200, linesPerBody = 876 * 2] = rest.map(Number);
  const from = 1725620400;
  const parts = [];
  for (const b of bodies({ hosts, hwthreads: 72, from, to: from + ticks * 60, linesPerBody })) parts.push(b);
  const header = Buffer.alloc(4 + 4 * parts.length);
  header.writeUInt32LE(parts.length, 0);
  parts.forEach((b, i) => header.writeUInt32LE(b.length, 4 + 4 * i));
  writeFileSync(file, Buffer.concat([header, ...parts]));
  console.log(`${parts.length} bodies, ${parts.reduce((s, b) => s + b.length, 0)} bytes`);
} else if (cmd === 'run') {
  const { Store } = await import('../../dist/engine/store.js');
  const { metricConfig } = await import('../data/generator.mjs');
  const module = new WebAssembly.Module(readFileSync(new URL('../../build/engine.wasm', import.meta.url)));
  const compression = rest[0] === 'true';
  const count = Number(rest[1]);
  const data = readFileSync(file);
  const n = data.readUInt32LE(0);
  const list = [];
  let at = 4 + 4 * n;
  for (let i = 0; i < n; i++) {
    const len = data.readUInt32LE(4 + 4 * i);
    list.push(data.subarray(at, at + len));
    at += len;
  }
  const store = Store.fromModule(module, {
    metrics: metricConfig({}),
    compression,
    wal: true,
    ingestWindow: { pastSeconds: 48 * 3600, futureSeconds: 600 },
    maxHostsPerBody: 10_000,
  });
  let lines = 0;
  const started = performance.now();
  for (let i = 0; i < Math.min(count, n); i++) {
    const body = list[i];
    // `now`: the body's last timestamp (as a collector sends what it just measured).
    let e = body.length - 2;
    while (body[e] !== 32) e--;
    const now = Number(body.subarray(e + 1, body.length - 1).toString());
    const r = store.ingest(body, 'fritz', now);
    if (r.rejected || r.error) throw new Error(`rejected ${r.rejected}: ${JSON.stringify(r.reasons)} ${JSON.stringify(r.error)}`);
    lines += r.accepted + r.skipped;
  }
  const sec = (performance.now() - started) / 1000;
  console.log(JSON.stringify({ bodies: Math.min(count, n), lines, linesPerSec: Math.round(lines / sec) }));
}
