// The same seeded workloads through a store that keeps every chunk raw and
// one that seals them (StoreOptions.compression): every query answer, every
// export (as .bin and .json bytes, and the Parquet archive made from them),
// every WAL record and debug dump must be the same bytes, and so must a fresh
// pair of stores restored from the exports and the replayed WAL.
//
// COMPRESSION_SEED and COMPRESSION_SCENARIOS run other or more workloads.
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/engine/store.ts';
import { encodeParquetArchive } from '../../src/persist/format/parquet-archive.ts';
import type { CheckpointFile } from '../../src/persist/format/checkpoint-file.ts';
import { decodeWal, walFileHeader } from '../../src/persist/format/wal.ts';
import {
  chance, inOrderBody, lateBody, makeWorkload, mulberry32, pick, randomLevel, randomQuery, rint, sampleColumns, T0, type Rng,
  type Workload,
} from './support/seeded-workload.ts';
import { firstDifference, TwinStores, type WalCopy } from './support/twin-stores.ts';

const SEED = Number(process.env.COMPRESSION_SEED ?? 20261201);
const SCENARIOS = Number(process.env.COMPRESSION_SCENARIOS ?? 4);
const enc = new TextEncoder();

interface Run {
  twin: TwinStores;
  walLog: Map<string, Uint8Array[]>;
  now: number;
}

function keep(run: Run, wal: WalCopy[]): void {
  for (const w of wal) {
    const key = `${w.cluster}/${w.host}`;
    let list = run.walLog.get(key);
    if (!list) run.walLog.set(key, (list = []));
    list.push(w.records);
  }
}

/** Between two bodies: queries, and now and then a free, an export, a dump, WAL columns or a loaded file. */
function betweenBodies(r: Rng, w: Workload, run: Run): void {
  const { twin, now } = run;
  for (let q = rint(r, 2, 6); q > 0; q--) twin.query(randomQuery(r, w, now));
  const [cluster, host] = pick(r, w.hosts);
  if (chance(r, 0.08)) {
    const t = rint(r, T0 - 600, now - 6 * 3600);
    twin.free(pick(r, [[cluster, host], [cluster], [], [cluster, host, 'hwthread1']]), t);
  }
  if (chance(r, 0.3)) twin.exportHost(cluster, host, chance(r, 0.7), chance(r, 0.7), now);
  if (chance(r, 0.1)) twin.debugDump(pick(r, [[], [cluster], [cluster, host]]));
  if (chance(r, 0.15)) twin.writeSamples(cluster, host, sampleColumns(r, w, cluster, host, now, rint(r, 10, 400)), chance(r, 0.2) ? now - 3600 : undefined);
  if (chance(r, 0.08)) twin.loadHost(cluster, host, randomLevel(r, w, cluster, host, now));
}

/** A workload of about 30 h at 60 s over `hosts` hosts, in bodies of 30-400 steps with jumps, late bodies in between. */
function feed(r: Rng, w: Workload, run: Run): void {
  let t = T0;
  const end = T0 + 30 * 3600;
  while (t < end) {
    const steps = rint(r, 30, 400);
    const to = Math.min(end, t + steps * 60);
    run.twin.step = `body [${t}, ${to})`;
    keep(run, run.twin.ingest(enc.encode(inOrderBody(r, w, t, to)), 'c', to));
    run.now = to;
    if (chance(r, 0.6)) keep(run, run.twin.ingest(enc.encode(lateBody(r, w, to, rint(r, 1, 300))), 'c', to));
    betweenBodies(r, w, run);
    run.twin.compareCounts();
    // Now and then nothing arrives for a while (longer than a chunk).
    t = chance(r, 0.1) ? to + rint(r, 513, 1500) * 60 : to;
  }
}

/** Full exports of every host, compared, then as one Parquet archive each. */
async function finalFiles(w: Workload, run: Run): Promise<Map<string, CheckpointFile[]>> {
  const files = new Map<string, CheckpointFile[]>();
  run.twin.step = 'final export';
  for (const [cluster, host] of w.hosts) {
    const f = run.twin.exportHost(cluster, host, false, false, run.now);
    if (f) files.set(`${cluster}/${host}`, f);
  }
  return files;
}

async function archiveOf(store: Store, w: Workload, now: number): Promise<Uint8Array> {
  const hosts = w.hosts.flatMap(([cluster, hostname]) => {
    const e = store.exportHost(cluster, hostname, { unsavedOnly: false });
    return e ? [{ cluster, hostname, files: e.files.map((root, i) => ({ from: 0, to: now + i, root })) }] : [];
  });
  return encodeParquetArchive(hosts);
}

/** A fresh pair restored from the raw store's files, the WAL replayed on top, queried like the first. */
function restoreAndCompare(r: Rng, w: Workload, run: Run, files: Map<string, CheckpointFile[]>, shards: number): TwinStores {
  const restored = new TwinStores({ shards });
  restored.step = 'restore';
  for (const [key, list] of files) {
    const [cluster, host] = key.split('/');
    for (const f of list) restored.loadHost(cluster, host, f.root);
  }
  for (const [key, parts] of run.walLog) {
    const [cluster, host] = key.split('/');
    const bytes = new Uint8Array(4 + parts.reduce((a, p) => a + p.length, 0));
    bytes.set(walFileHeader());
    let at = 4;
    for (const p of parts) {
      bytes.set(p, at);
      at += p.length;
    }
    const decoded = decodeWal(bytes);
    expect(decoded.stop).toBe('end');
    restored.writeSamples(cluster, host, decoded.samples);
  }
  restored.compareCounts();
  for (let q = 0; q < 60; q++) restored.query(randomQuery(r, w, run.now));
  for (const [cluster, host] of w.hosts) restored.exportHost(cluster, host, false, false, run.now);
  restored.debugDump([]);
  return restored;
}

describe('compression: sealed chunks answer exactly as raw ones', () => {
  for (const shards of [1, 3]) {
    it(`gives the same bytes for ${SCENARIOS} seeded workloads over ${shards} shard(s) (seed ${SEED})`, async () => {
      const problems: string[] = [];
      let checks = 0;
      let sealedChunks = 0;
      let unsealedChunks = 0;
      for (let n = 0; n < SCENARIOS && problems.length === 0; n++) {
        const r = mulberry32(SEED + n * 7919 + shards);
        const w = makeWorkload(r, rint(r, 4, 8));
        const run: Run = { twin: new TwinStores({ shards, wal: true }), walLog: new Map(), now: T0 };
        feed(r, w, run);
        const stats = run.twin.sealed.stats();
        sealedChunks += stats.sealedChunks;
        unsealedChunks += run.twin.raw.stats().sealedChunks;
        const files = await finalFiles(w, run);
        const archive = firstDifference(await archiveOf(run.twin.raw, w, run.now), await archiveOf(run.twin.sealed, w, run.now));
        if (archive) problems.push(`scenario ${n}: Parquet archive: ${archive}`);
        run.twin.debugDump([]);
        const restored = restoreAndCompare(r, w, run, files, shards);
        expect(restored.sealed.stats().sealedChunks).toBeGreaterThan(0);
        checks += run.twin.checks + restored.checks;
        problems.push(...run.twin.problems.map((p) => `scenario ${n}: ${p}`), ...restored.problems.map((p) => `scenario ${n} restored: ${p}`));
      }
      console.log(`compression differential, ${shards} shard(s): ${SCENARIOS} workloads, ${checks} byte comparisons, ${sealedChunks} chunks sealed at the end`);
      expect(problems.slice(0, 5)).toEqual([]);
      expect(sealedChunks).toBeGreaterThan(100);
      expect(unsealedChunks).toBe(0);
    }, 600_000);
  }
});
