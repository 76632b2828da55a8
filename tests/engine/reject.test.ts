// Issue 10: every line whose sample is not stored is rejected, counted by
// reason and listed (the first ten, by line), over one shard and several;
// nothing rejected reaches the store or the WAL.
import { describe, expect, it } from 'vitest';
import type { IngestResult, StoreOptions } from '../../src/engine/types.ts';
import { hostHash } from '../../src/engine/shard-hash.ts';
import { lp, makeStore, read } from './helpers.ts';

const T = 1725620400;
const enc = new TextEncoder();

/** One cpu_load line per [host, ts, value]. */
function body(lines: Array<[string, number, number]>): Uint8Array {
  return lp(lines.map(([h, ts, v]) => `cpu_load,cluster=fritz,hostname=${h} value=${v} ${ts}`).join('\n'));
}

function walCount(r: IngestResult): number {
  return r.wal.reduce((n, w) => n + w.count, 0);
}

/** Hosts that land on shards 1 and 2 of 3 (never the parsing shard 0), so their samples travel in outboxes. */
function remoteHosts(n: number, shards = 3): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) {
    const h = `r${i}`;
    if (hostHash(enc.encode('fritz'), enc.encode(h)) % shards !== 0) out.push(h);
  }
  return out;
}

describe.each([1, 3])('rejections over %i shard(s)', (shards) => {
  const store = (options: Partial<StoreOptions> = {}) => makeStore({ shards, wal: true, ...options });

  it('rejects cluster and host names that cannot be directories, and stores the lines around them', () => {
    const s = store();
    const lines = [
      `cpu_load,cluster=fritz,hostname=ok value=1 ${T}`,
      `cpu_load,cluster=fritz value=2 ${T}`,
      `cpu_load,cluster=fritz,hostname=. value=3 ${T}`,
      `cpu_load,cluster=fritz,hostname=.. value=4 ${T}`,
      `cpu_load,cluster=fritz,hostname=a/b value=5 ${T}`,
      `cpu_load,cluster=fritz,hostname=a\\b value=6 ${T}`,
      `cpu_load,cluster=.,hostname=h value=7 ${T}`,
      `cpu_load,hostname=h value=8 ${T}`,
      `cpu_load,cluster=fritz,hostname=${'x'.repeat(256)} value=9 ${T}`,
      // The general parser (an escaped space) refuses the same names as the fast path.
      `cpu_load,cluster=fritz,hostname=.,x=a\\ b value=10 ${T}`,
      `cpu_load,cluster=fritz,hostname=${'y'.repeat(255)} value=11 ${T}`,
    ];
    const r = s.ingest(lp(lines.join('\n')), '', T);
    expect(r).toMatchObject({ accepted: 2, skipped: 0, rejected: 9, reasons: { 'unsafe-name': 9 }, error: null });
    expect(r.rejectedLines).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10].map((line) => ({ line, reason: 'unsafe-name' })));
    expect(walCount(r)).toBe(2);
    expect(s.hosts().sort()).toEqual([['fritz', 'ok'], ['fritz', 'y'.repeat(255)]]);
  });

  it('rejects samples outside the ingest window, and takes every time without one', () => {
    const window = { pastSeconds: 3600, futureSeconds: 600 };
    const lines: Array<[string, number, number]> = [
      ['h', T, 1],
      ['h', T - 3600, 2], // the window's first second
      ['h', T - 3601, 3],
      ['h', T + 600, 4], // its last
      ['h', T + 601, 5],
      ['other', T - 7200, 6],
    ];
    const s = store({ ingestWindow: window });
    const r = s.ingest(body(lines), 'fritz', T);
    expect(r).toMatchObject({ accepted: 3, rejected: 3, reasons: { 'too-old': 2, 'too-new': 1 } });
    expect(r.rejectedLines).toEqual([{ line: 3, reason: 'too-old' }, { line: 5, reason: 'too-new' }, { line: 6, reason: 'too-old' }]);
    expect(walCount(r)).toBe(3);
    // Nothing of a rejected line is created, not even its host.
    expect(s.hosts()).toEqual([['fritz', 'h']]);
    // A line without a timestamp is stamped `now`: always inside.
    expect(s.ingest(lp('cpu_load,cluster=fritz,hostname=h value=9'), 'fritz', T + 86400)).toMatchObject({ accepted: 1, rejected: 0 });

    const open = store();
    expect(open.ingest(body(lines), 'fritz', T)).toMatchObject({ accepted: 6, rejected: 0, reasons: {} });
  });

  it('keeps a late sample older than everything its series holds: a chunk on the oldest chunk\'s grid', () => {
    const s = store({ ingestWindow: { pastSeconds: 86400, futureSeconds: 600 } });
    s.ingest(body([['h', T, 1], ['h', T + 60, 2]]), 'fritz', T);
    // 100 minutes and 10 s before the first sample: the slot covering it on the grid of T - 30.
    const r = s.ingest(body([['h', T - 6010, 3], ['h', T - 5950, 4], ['h', T - 40000, 5]]), 'fritz', T);
    expect(r).toMatchObject({ accepted: 3, rejected: 0 });
    expect(walCount(r)).toBe(3);
    const chain = JSON.parse(s.debugDump(['fritz', 'h'])!).data.cpu_load;
    expect(chain.map((c: any) => [c.start, (c.end - c.start) / 60])).toEqual([
      [T - 30 - 667 * 60, 1],
      [T - 30 - 100 * 60, 2],
      [T - 30, 2],
    ]);
    expect(read(s, 'fritz', 'h', 'cpu_load', T - 50000, T + 120).data.filter((v: number | null) => v !== null)).toEqual([5, 3, 4, 1, 2]);
  });

  it('rejects a late sample in a gap narrower than one step as no-slot', () => {
    const s = store();
    // A jittered overflow: the second chunk opens 20 s after the first one ends, off its grid.
    const samples: Array<[string, number, number]> = [];
    for (let i = 0; i < 512; i++) samples.push(['h', T + i * 60, i]);
    samples.push(['h', T + 512 * 60 + 20, 512]);
    expect(s.ingest(body(samples), 'fritz', T)).toMatchObject({ accepted: 513, rejected: 0 });
    // The gap [T - 30 + 512*60, T + 512*60 - 10) is 20 s wide: no whole slot of the older grid fits.
    const r = s.ingest(body([['h', T + 512 * 60 - 25, 7], ['h', T + 100 * 60, 8]]), 'fritz', T);
    expect(r).toMatchObject({ accepted: 1, rejected: 1, reasons: { 'no-slot': 1 }, rejectedLines: [{ line: 1, reason: 'no-slot' }] });
    expect(walCount(r)).toBe(1);
  });

  it('rejects what finds no memory as store-full, counts exactly, and logs only what was stored', () => {
    const s = store({ shardMemoryLimit: 2 ** 20 });
    const lines: Array<[string, number, number]> = [];
    for (let i = 0; i < 20_000; i++) lines.push([`n${i}`, T, i]);
    const r = s.ingest(body(lines), 'fritz', T);
    expect(r.error).toBeNull();
    expect(r.rejected).toBeGreaterThan(0);
    expect(r.reasons).toEqual({ 'store-full': r.rejected });
    expect(r.accepted + r.rejected).toBe(20_000);
    expect(walCount(r)).toBe(r.accepted);
    expect(r.rejectedLines).toHaveLength(10);
    expect(r.rejectedLines.every((l) => l.reason === 'store-full')).toBe(true);
    const listed = r.rejectedLines.map((l) => l.line);
    expect(listed).toEqual([...listed].sort((a, b) => a - b));
    // The listed lines are exactly those not stored.
    for (const line of listed) expect(read(s, 'fritz', `n${line - 1}`, 'cpu_load', T - 60, T + 60)?.data ?? []).toEqual([]);
    const stored = s.stats().shards.reduce((n, x) => n + x.samples, 0);
    expect(stored).toBe(r.accepted);
  });

  it('rejects the lines of hosts beyond the N-th distinct host of a body, however they interleave', () => {
    const s = store({ maxHostsPerBody: 3 });
    const lines: Array<[string, number, number]> = [];
    for (let step = 0; step < 3; step++) {
      for (const h of ['a', 'b', 'a', 'c', 'd', 'b', 'e', 'c']) lines.push([h, T + step * 60, step]);
    }
    const r = s.ingest(body(lines), 'fritz', T);
    // d and e (lines 5 and 7 of each step of 8) are beyond the third host.
    expect(r).toMatchObject({ accepted: 18, rejected: 6, reasons: { 'too-many-hosts': 6 } });
    expect(r.rejectedLines.map((l) => l.line)).toEqual([5, 7, 13, 15, 21, 23]);
    expect(walCount(r)).toBe(18);
    expect(s.hosts().map((h) => h[1]).sort()).toEqual(['a', 'b', 'c']);
    // The count starts anew with every body.
    expect(s.ingest(body([['d', T, 1], ['e', T, 1], ['f', T, 1], ['g', T, 1]]), 'fritz', T)).toMatchObject({ accepted: 3, rejected: 1 });
  });

  it('counts many distinct hosts exactly against a large limit', () => {
    const s = store({ maxHostsPerBody: 1000 });
    const lines: Array<[string, number, number]> = [];
    for (let i = 0; i < 1500; i++) lines.push([`n${i % 1200}`, T + Math.floor(i / 1200) * 60, i]);
    const r = s.ingest(body(lines), 'fritz', T);
    // n0..n999 twice or once, n1000..n1199 never.
    expect(r).toMatchObject({ accepted: 1300, rejected: 200, reasons: { 'too-many-hosts': 200 } });
    expect(r.rejectedLines[0]).toEqual({ line: 1001, reason: 'too-many-hosts' });
  });

  it('lists the malformed line that stopped the parse after the others, within the first ten', () => {
    const s = store({ ingestWindow: { pastSeconds: 60, futureSeconds: 60 } });
    const r = s.ingest(lp([
      `cpu_load,cluster=fritz,hostname=h value=1 ${T}`,
      `cpu_load,cluster=fritz,hostname=h value=2 ${T - 7200}`,
      `nope,cluster=fritz,hostname=h value=3 ${T}`,
      `cpu_load,cluster=fritz,hostname=h value=oops ${T}`,
      `cpu_load,cluster=fritz,hostname=h value=5 ${T}`,
    ].join('\n')), 'fritz', T);
    expect(r).toMatchObject({
      accepted: 1, skipped: 1, rejected: 2, reasons: { 'too-old': 1, malformed: 1 },
      rejectedLines: [{ line: 2, reason: 'too-old' }, { line: 4, reason: 'malformed' }],
      error: { line: 4 },
    });
  });

  it('keeps only the first ten rejected lines, in line order', () => {
    const s = store({ ingestWindow: { pastSeconds: 60, futureSeconds: 60 } });
    const lines: Array<[string, number, number]> = [];
    for (let i = 0; i < 30; i++) lines.push([`n${i}`, i % 2 === 0 ? T : T - 7200, i]);
    const r = s.ingest(body(lines), 'fritz', T);
    expect(r).toMatchObject({ accepted: 15, rejected: 15 });
    expect(r.rejectedLines.map((l) => l.line)).toEqual([2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
  });
});

describe('rejections decided by the shard that owns the host', () => {
  it('lists the line numbers of samples that travelled in an outbox', () => {
    const hosts = remoteHosts(4);
    const s = makeStore({ shards: 3 });
    const samples: Array<[string, number, number]> = [];
    for (let i = 0; i < 512; i++) samples.push([hosts[0]!, T + i * 60, i]);
    samples.push([hosts[0]!, T + 512 * 60 + 20, 512]);
    s.ingest(body(samples), 'fritz', T);
    const r = s.ingest(body([
      [hosts[1]!, T, 1],
      [hosts[0]!, T + 512 * 60 - 25, 2],
      [hosts[2]!, T, 3],
      [hosts[0]!, T + 512 * 60 - 25, 4],
    ]), 'fritz', T);
    expect(r).toMatchObject({ accepted: 2, rejected: 2, reasons: { 'no-slot': 2 } });
    expect(r.rejectedLines).toEqual([{ line: 2, reason: 'no-slot' }, { line: 4, reason: 'no-slot' }]);
  });

  it('counts store-full in the owning shard while another shard still has room', () => {
    const s = makeStore({ shards: 3, shardMemoryLimit: 2 ** 20 });
    const lines: Array<[string, number, number]> = [];
    for (let i = 0; i < 30_000; i++) lines.push([`n${i}`, T, i]);
    const r = s.ingest(body(lines), 'fritz', T);
    expect(r.reasons).toEqual({ 'store-full': r.rejected });
    expect(r.accepted + r.rejected).toBe(30_000);
    expect(s.stats().shards.reduce((n, x) => n + x.samples, 0)).toBe(r.accepted);
    expect(r.rejectedLines).toHaveLength(10);
    const listed = r.rejectedLines.map((l) => l.line);
    expect(listed).toEqual([...listed].sort((a, b) => a - b));
  });
});

describe('line numbers', () => {
  it('names line 1 for a bad field on line 1, with or without a newline after it', () => {
    for (const text of [
      'cpu_load,cluster=c,hostname=h value=1,s="x"\ncpu_load,cluster=c,hostname=h value=1',
      'cpu_load,cluster=c,hostname=h value=1,s="x" 1725620476\n',
      'cpu_load,cluster=c,hostname=h value=1,s=4x\n',
      'cpu_load,cluster=c,hostname=h value=true\r\n',
    ]) {
      const r = makeStore().ingest(lp(text), 'c', T);
      expect(r.error?.line, text).toBe(1);
      expect(r.rejectedLines).toEqual([{ line: 1, reason: 'malformed' }]);
    }
  });
});
