// Two stores fed the same calls: one keeping every chunk raw (compression
// off), one sealing chunks (compression on). Every answer, export, WAL record
// and dump of the two must be the same bytes; differences are collected, not
// thrown, so a run reports the first few with their step.
import type { Store } from '../../../src/engine/store.ts';
import type { LevelData, QueryRequest, SampleColumns, StoreOptions } from '../../../src/engine/types.ts';
import { encodeCheckpoint } from '../../../src/persist/checkpoint-io.ts';
import type { CheckpointFile } from '../../../src/persist/format/checkpoint-file.ts';
import { makeStore } from '../helpers.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Where two byte strings first differ, with a little of each around it. */
export function firstDifference(a: Uint8Array, b: Uint8Array): string | null {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  if (i === n && a.length === b.length) return null;
  const around = (x: Uint8Array) => JSON.stringify(dec.decode(x.subarray(Math.max(0, i - 40), i + 40)));
  return `byte ${i} of ${a.length}/${b.length}: raw ${around(a)} sealed ${around(b)}`;
}

/** The WAL records of a call, copied out of engine memory (they are views until the next call). */
export interface WalCopy {
  cluster: string;
  host: string;
  records: Uint8Array;
  count: number;
}

export class TwinStores {
  readonly raw: Store;
  readonly sealed: Store;
  readonly problems: string[] = [];
  /** Checks made (answers, files, records compared). */
  checks = 0;
  step = '';

  constructor(options: Partial<StoreOptions>) {
    this.raw = makeStore({ ...options, compression: false });
    this.sealed = makeStore({ ...options, compression: true });
  }

  private differ(what: string, a: Uint8Array, b: Uint8Array): void {
    this.checks++;
    const d = firstDifference(a, b);
    if (d && this.problems.length < 20) this.problems.push(`${this.step}: ${what}: ${d}`);
  }

  private same(what: string, a: unknown, b: unknown): void {
    this.differ(what, enc.encode(JSON.stringify(a)), enc.encode(JSON.stringify(b)));
  }

  /** One ingest call on both; the records (copied) of the raw store. */
  ingest(body: Uint8Array, cluster: string, now: number): WalCopy[] {
    const a = this.raw.ingest(body, cluster, now);
    const walA = a.wal.map((w) => ({ ...w, records: w.records.slice() }));
    const b = this.sealed.ingest(body, cluster, now);
    const walB = b.wal.map((w) => ({ ...w, records: w.records.slice() }));
    this.same('ingest result', { ...a, wal: a.wal.length }, { ...b, wal: b.wal.length });
    this.same('WAL hosts', walA.map((w) => [w.cluster, w.host, w.count]), walB.map((w) => [w.cluster, w.host, w.count]));
    walA.forEach((w, i) => {
      if (walB[i]) this.differ(`WAL records of ${w.cluster}/${w.host}`, w.records, walB[i].records);
    });
    return walA;
  }

  query(req: QueryRequest): void {
    this.differ(`query ${JSON.stringify(req)}`, this.raw.query(req), this.sealed.query(req));
  }

  free(selector: string[], t: number): void {
    this.same(`free(${JSON.stringify(selector)}, ${t})`, this.raw.free(selector, t), this.sealed.free(selector, t));
  }

  debugDump(selector: string[]): void {
    this.same(`debug dump of ${JSON.stringify(selector)}`, this.raw.debugDump(selector), this.sealed.debugDump(selector));
  }

  /**
   * Exports a host from both and compares the files as .bin and .json bytes;
   * commits both when asked. Returns the raw store's files (null: no host).
   */
  exportHost(cluster: string, host: string, unsavedOnly: boolean, commit: boolean, to: number): CheckpointFile[] | null {
    const a = this.raw.exportHost(cluster, host, { unsavedOnly });
    const b = this.sealed.exportHost(cluster, host, { unsavedOnly });
    this.same(`export of ${cluster}/${host} exists`, a === null, b === null);
    if (!a || !b) return null;
    const filesA = a.files.map((root, i) => ({ from: 0, to: to + i, root }));
    const filesB = b.files.map((root, i) => ({ from: 0, to: to + i, root }));
    this.same(`export of ${cluster}/${host}: files`, filesA.length, filesB.length);
    filesA.forEach((f, i) => {
      if (!filesB[i]) return;
      for (const ext of ['bin', 'json'] as const) {
        this.differ(`export of ${cluster}/${host} (unsavedOnly ${unsavedOnly}) file ${i} .${ext}`,
          encodeCheckpoint(f, ext), encodeCheckpoint(filesB[i], ext));
      }
    });
    if (commit) {
      a.commit();
      b.commit();
    }
    return filesA;
  }

  writeSamples(cluster: string, host: string, samples: SampleColumns, notBefore?: number): void {
    this.same(`writeSamples to ${cluster}/${host}`, this.raw.writeSamples(cluster, host, samples, notBefore),
      this.sealed.writeSamples(cluster, host, samples, notBefore));
  }

  loadHost(cluster: string, host: string, level: LevelData): void {
    this.raw.loadHost(cluster, host, level);
    this.sealed.loadHost(cluster, host, level);
  }

  /** The layout figures that do not depend on how chunks hold their values. */
  compareCounts(): void {
    const count = (s: Store) => s.stats().shards.map((x) => [x.chunks, x.samples]);
    this.same('chunks and samples per shard', count(this.raw), count(this.sealed));
    this.same('hosts', this.raw.hosts(), this.sealed.hosts());
  }
}
