// Persistence figures: snapshot encode/write MB/s, .bin decode and restore
// MB/s (files only, and into the engine), WAL encode/decode/append, JSON, and
// the ingest rate of the service's write path with the WAL on versus off.
// Restore into the engine is measured twice, raw versus sealed chunks in the
// same run: on full-precision sines (the files' worst case for the codecs)
// and on realistic values (bench/data/generator.mjs `seriesValues`: each
// series its metric's shape, node metrics on the node, hwthread metrics per
// hwthread). Prints figures; asserts nothing.
//
//   node bench/persist.bench.mjs [hosts=100] [restore]   (`restore`: only the restore figures)
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { metricTable, realisticHost, sinesHost, SLOTS, T0 } from './lib/restore-hosts.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(repo, 'test-output');
mkdirSync(outDir, { recursive: true });

async function bundle(entry, name) {
  const outfile = join(outDir, name);
  await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', outfile, logLevel: 'error' });
  return import(pathToFileURL(outfile).href);
}

const P = await bundle(join(repo, 'bench/persist-entry.ts'), 'bench-persist.mjs');
// The engine's own loader finds build/engine.wasm relative to its source; the bundle lives elsewhere.
const wasm = new WebAssembly.Module(readFileSync(join(repo, 'build/engine.wasm')));
const engineStore = (metrics, wal = true, compression = true) => P.Store.create(wasm, { metrics, wal, compression });
const HOSTS = Number(process.argv[2] ?? 100);
const ONLY_RESTORE = process.argv[3] === 'restore';
/** A host as a cluster node looks: 10 node metrics, 64 hwthreads x 8, 2 sockets x 4. */
const hostLevel = sinesHost;
/** The same tree as hostLevel, its values as collectors send them. */
const realisticHostLevel = realisticHost;
const benchSettings = (checkpointDir) => P.walStoreSettings(checkpointDir);

/** Writes host h's .bin under root/fritz/n<h>, as the checkpointer leaves it. */
async function writeBin(root, h, level) {
  const d = join(root, 'fritz', `n${h}`);
  mkdirSync(d, { recursive: true });
  await P.writeFileAtomic(join(d, `${T0 - 30}.bin`), P.encodeBinSnapshot({ from: T0 - 30, to: T0 + 43200, root: level }), { sync: false });
}

function time(fn) {
  const t = performance.now();
  const r = fn();
  return [r, (performance.now() - t) / 1000];
}
async function timeAsync(fn) {
  const t = performance.now();
  const r = await fn();
  return [r, (performance.now() - t) / 1000];
}
const mbs = (bytes, secs) => `${(bytes / 1e6 / secs).toFixed(0)} MB/s`;
const line = (what, detail) => console.log(`${what.padEnd(44)} ${detail}`);

const quiet = { debug() {}, info() {}, warn: console.warn, error: console.error };

/**
 * Restore of the .bin files under `root` into a new engine, as at start-up,
 * with sealed chunks (the default: restore encodes every chunk but a series'
 * newest as it loads) and with raw chunks; alternating, best of 3 each, so
 * the machine's other load hits both alike.
 */
async function restoreIntoEngine(root, what) {
  const variants = { raw: { compression: false }, sealed: { compression: true } };
  const best = Object.fromEntries(Object.keys(variants).map((k) => [k, { secs: Infinity }]));
  for (let rep = 0; rep < 3; rep++) {
    for (const [name, v] of Object.entries(variants)) {
      const store = await engineStore(metricTable, true, v.compression);
      const opts = { store, root, restorePoint: 0, log: quiet, disk: new P.DiskState(), sync: false };
      const [rs, secs] = await timeAsync(() => P.restore(opts));
      if (secs < best[name].secs) best[name] = { secs, rs, used: store.stats().usedBytes };
    }
  }
  const rate = (b) => b.rs.bytes / 1e6 / b.secs;
  for (const name of Object.keys(variants)) {
    const b = best[name];
    line(`restore of .bin into the engine, ${what}, ${name}`,
      `${rate(b).toFixed(0)} MB/s (${b.rs.files} files, best of 3; target >= 1000 MB/s), ${(b.used / 1e6).toFixed(0)} MB held, ${(b.used / (b.rs.bytes / 4)).toFixed(2)} B/value${name !== 'raw' ? `; ${(100 * rate(b) / rate(best.raw)).toFixed(0)} % of raw` : ''}`);
  }
}

/** Both restore figures: the sines already under sineRoot, then realistic values written beside them. */
async function restoreFigures(sineRoot) {
  await restoreIntoEngine(sineRoot, 'sines');
  const realRoot = join(dir, 'realistic');
  for (let h = 0; h < HOSTS; h++) await writeBin(realRoot, h, realisticHostLevel(h));
  await restoreIntoEngine(realRoot, 'realistic');
}

const dir = mkdtempSync(join(tmpdir(), 'ccms-bench-'));
try {
  console.log(`persist bench: ${HOSTS} hosts x ${(10 + 64 * 8 + 2 * 4)} series x ${SLOTS} values`);
  if (ONLY_RESTORE) {
    const sineRoot = join(dir, 'sync');
    for (let h = 0; h < HOSTS; h++) await writeBin(sineRoot, h, hostLevel(h));
    await restoreFigures(sineRoot);
    process.exit(0);
  }
  const levels = Array.from({ length: HOSTS }, (_, h) => hostLevel(h));

  // .bin encode
  const [bins, encSecs] = time(() => levels.map((root) => P.encodeBinSnapshot({ from: T0 - 30, to: T0 + 43200, root })));
  const binBytes = bins.reduce((n, b) => n + b.length, 0);
  line('.bin encode', `${mbs(binBytes, encSecs)} (${(binBytes / 1e6).toFixed(0)} MB)`);

  // .bin write: encode + .tmp + fsync + rename + dir fsync, as the checkpointer does
  for (const sync of [true, false]) {
    const [, secs] = await timeAsync(async () => {
      for (let h = 0; h < HOSTS; h++) {
        const d = join(dir, sync ? 'sync' : 'nosync', 'fritz', `n${h}`);
        mkdirSync(d, { recursive: true });
        await P.writeFileAtomic(join(d, `${T0 - 30}.bin`), P.encodeBinSnapshot({ from: T0 - 30, to: T0 + 43200, root: levels[h] }), { sync });
      }
    });
    line(`snapshot write (encode+write${sync ? '+fsync' : ''}+rename)`, mbs(binBytes, secs));
  }

  // .bin decode, one host at a time as restore does (best of 3: the first pass also warms up the JIT)
  const jsonLevels = levels.slice(0, 10);
  levels.length = 0; // let the garbage collector have the source trees
  let decSecs = Infinity;
  for (let rep = 0; rep < 3; rep++) {
    decSecs = Math.min(decSecs, time(() => {
      for (const b of bins) P.decodeBinSnapshot(b);
    })[1]);
  }
  line('.bin decode (tree, values copied)', mbs(binBytes, decSecs));
  let scanSecs = Infinity;
  for (let rep = 0; rep < 3; rep++) {
    scanSecs = Math.min(scanSecs, time(() => {
      for (const b of bins) P.scanBinSnapshot(b);
    })[1]);
  }
  line('.bin scan (table over the bytes, as restore)', mbs(binBytes, scanSecs));

  // restore pipeline: readdir, read, decode, select, order check; loadHost is a no-op
  const nullStore = { loadHost() {}, loadTable() {}, reserve() {}, writeSamples: (_c, _h, s) => s.count, hosts: () => [], exportHost: () => null, stats: () => ({ memoryBytes: 0, usedBytes: 0, shards: [] }) };
  let best = { secs: Infinity, rs: null };
  for (let rep = 0; rep < 3; rep++) {
    const [rs, secs] = await timeAsync(() =>
      P.restore({ store: nullStore, root: join(dir, 'sync'), restorePoint: 0, log: quiet, disk: new P.DiskState(), sync: false }),
    );
    if (secs < best.secs) best = { secs, rs };
  }
  line('restore of .bin (read+decode; loading excluded)', `${mbs(best.rs.bytes, best.secs)} (${best.rs.files} files, best of 3)`);

  await restoreFigures(join(dir, 'sync'));

  // JSON
  const [jsons, jEnc] = time(() => jsonLevels.map((root) => P.encodeJsonCheckpoint({ from: T0 - 30, to: T0 + 43200, root })));
  const jBytes = jsons.reduce((n, s) => n + s.length, 0);
  line('.json encode', `${mbs(jBytes, jEnc)} (${(jsons.length ? jBytes / jsons.length / 1e6 : 0).toFixed(1)} MB/host)`);
  const [, jDec] = time(() => jsons.map((s) => P.decodeJsonCheckpoint(s)));
  line('.json decode', mbs(jBytes, jDec));

  // WAL encode / decode / append
  const N = 500_000;
  const samples = Array.from({ length: N }, (_, i) => ({ ts: T0 + 60 * Math.floor(i / 600), metric: `thread_metric_${i % 8}`, path: [`hwthread${(i >> 3) % 64}`], value: i * 0.5 }));
  const [walRecords, wEnc] = time(() => P.encodeWalRecords(samples));
  line('WAL encode (reference encoder)', `${(N / wEnc / 1e6).toFixed(2)} M records/s, ${mbs(walRecords.length, wEnc)}`);
  const walFile = new Uint8Array(4 + walRecords.length);
  walFile.set(P.walFileHeader());
  walFile.set(walRecords, 4);
  const [dec, wDec] = time(() => P.decodeWal(walFile));
  line('WAL decode', `${(dec.samples.count / wDec / 1e6).toFixed(2)} M records/s, ${mbs(walFile.length, wDec)}`);

  const perReq = 100;
  const bodies = [];
  for (let r = 0; r < N / perReq; r++) {
    bodies.push({ cluster: 'fritz', host: `n${r % HOSTS}`, records: P.encodeWalRecords(samples.slice(r * perReq, (r + 1) * perReq)), count: perReq });
  }
  for (const fsync of [false, true]) {
    const appender = new P.WalAppender({ root: join(dir, fsync ? 'wal-fsync' : 'wal'), log: quiet, fsync, maxOpenFiles: 1024, maxBytes: 0 });
    const count = fsync ? Math.min(bodies.length, 500) : bodies.length;
    const [, secs] = await timeAsync(async () => {
      const inflight = [];
      for (let r = 0; r < count; r++) {
        inflight.push(appender.append([bodies[r]]));
        if (inflight.length >= 64) await inflight.shift();
      }
      await Promise.all(inflight);
    });
    await appender.close();
    line(`WAL append, ${perReq} samples/request${fsync ? ', fsync' : ''}`, `${((count * perReq) / secs / 1e6).toFixed(2)} M samples/s (${(count / secs).toFixed(0)} requests/s)`);
  }

  // The service's write path (store + WAL append before the answer) with the WAL on versus off,
  // for small requests (one host's 64 hwthreads at one time) and large ones (64 such hosts).
  const metrics = { cpu_load: { frequency: 60, aggregation: null }, cpu_user: { frequency: 60, aggregation: 'avg' } };
  const now = Math.floor(Date.now() / 1000);
  const enc = new TextEncoder();
  for (const hostsPerRequest of [1, 64]) {
    const requests = Array.from({ length: Math.round(4000 / hostsPerRequest) }, (_, r) => {
      const lines = [];
      for (let k = 0; k < hostsPerRequest; k++) {
        const h = (r * hostsPerRequest + k) % HOSTS;
        const ts = now - 7200 + 60 * Math.floor((r * hostsPerRequest + k) / HOSTS);
        for (let t = 0; t < 64; t++) lines.push(`cpu_user,cluster=fritz,hostname=n${h},type=hwthread,type-id=${t} value=${r + t} ${ts}`);
      }
      return enc.encode(lines.join('\n'));
    });
    const samples = requests.length * hostsPerRequest * 64;
    const rates = {};
    // Alternating, best of 3 each: the machine's other load hits both alike.
    for (let rep = 0; rep < 3; rep++) {
      for (const wal of [false, true]) {
        const store = await engineStore(metrics, wal);
        const p = P.openPersistence({ store, settings: benchSettings(join(dir, `ingest-${hostsPerRequest}-${wal}-${rep}`)), log: quiet, wal });
        const [, secs] = await timeAsync(async () => {
          const inflight = [];
          for (const body of requests) {
            inflight.push(p.ingest(body, 'fritz'));
            if (inflight.length >= 16) await inflight.shift();
          }
          await Promise.all(inflight);
        });
        rates[wal] = Math.max(rates[wal] ?? 0, samples / secs);
        await p.stop(); // closes the WAL files (and writes a checkpoint, not timed)
      }
    }
    const what = `${hostsPerRequest * 64} lines/request`;
    line(`ingest, ${what}, WAL off`, `${(rates.false / 1e6).toFixed(2)} M samples/s`);
    line(`ingest, ${what}, WAL on`, `${(rates.true / 1e6).toFixed(2)} M samples/s`);
    line(`WAL cost, ${what}`, `${((1 - rates.true / rates.false) * 100).toFixed(1)} % of the ingest rate without HTTP (the 25 % target is measured where writes arrive: http and nats benches)`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
