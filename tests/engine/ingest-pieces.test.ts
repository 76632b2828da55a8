// A body fed to the engine in pieces (StoreOptions.ingestPieceBytes, 4 MiB
// by default) must give exactly what the body in one piece gives: counts,
// reasons, the rejected lines with their numbers over the whole body, the
// parse error at its line (and nothing after it stored), the WAL records per
// host in the same order, and the same data. The one-piece store is the
// behaviour before pieces.
import { describe, expect, it } from 'vitest';
import type { IngestResult, StoreOptions } from '../../src/engine/types.ts';
import { BodyPieces, ChunkedBody } from '../../src/engine/ingest-pieces.ts';
import { lp, makeStore } from './helpers.ts';
import { mulberry32 as random } from './support/seeded-workload.ts';

const T = 1725620400;
const ONE_PIECE = 2 ** 40;
const MiB = 2 ** 20;


/** Lines of every kind the parse treats differently, hosts changing in runs, over `n` lines. */
function mixedBody(n: number, seed: number, opts: { errorAtEnd?: boolean } = {}): string {
  const r = random(seed);
  const out: string[] = [];
  let host = 0;
  for (let i = 0; i < n; i++) {
    if (r() < 0.08) host = Math.floor(r() * 40);
    const ts = T + Math.floor(r() * 600) * 60;
    const k = r();
    const h = `n${host}`;
    if (k < 0.55) out.push(`cpu_load,cluster=fritz,hostname=${h} value=${(r() * 100).toFixed(2)} ${ts}`);
    else if (k < 0.7) out.push(`cpu_user,hostname=${h},type=hwthread,type-id=${Math.floor(r() * 8)} value=${Math.floor(r() * 100)}i ${ts}`);
    else if (k < 0.74) out.push(`mem_bw,cluster=fritz,hostname=${h},type=socket,type-id=1,stype=core,stype-id=3 value=${r()} ${ts}\r`);
    else if (k < 0.77) out.push(`# a comment ${i}`);
    else if (k < 0.8) out.push('');
    else if (k < 0.83) out.push(`unknown,hostname=${h} value=1 ${ts}`);
    // A skipped line whose quoted string holds newlines: the parse reads on past them.
    else if (k < 0.85) out.push(`unknown,hostname=${h} value="one\ntwo\n\nthree" ${ts}`);
    else if (k < 0.87) out.push(`cpu_load,hostname=.. value=1 ${ts}`);
    else if (k < 0.9) out.push(`cpu_load,cluster=fritz,hostname=${h} value=2 ${T - 86400 * 3}`); // too old
    else if (k < 0.92) out.push(`cpu_load,cluster=fritz,hostname=${h} value=3 ${T + 86400 * 3}`); // too new
    else if (k < 0.94) out.push(`cpu_load,cluster=fritz,hostname=far${Math.floor(r() * 1000)} value=4 ${ts}`); // past the host limit, mostly
    else if (k < 0.95) out.push(`mem_used,cluster=fritz,hostname=${h},type=${'t'.repeat(200)},type-id=${'x'.repeat(50)} value=5 ${ts}`); // longer than small pieces
    else if (k < 0.97) out.push(`ten,hostname=${h} value=${r() * 1e6} ${ts}000`);
    else out.push(`fast,hostname=${h} value=-${r()} ${ts}`);
  }
  if (opts.errorAtEnd) {
    out.splice(Math.floor(n * 0.8), 0, 'cpu_load,hostname=n1 value="a string\nover lines" 1');
  }
  return out.join('\n');
}

const OPTIONS: Partial<StoreOptions> = {
  ingestWindow: { pastSeconds: 86400, futureSeconds: 86400 },
  maxHostsPerBody: 60,
};

function everything(store: ReturnType<typeof makeStore>): unknown {
  const hosts = store.hosts().sort((a, b) => (a.join('/') < b.join('/') ? -1 : 1));
  return hosts.map(([c, h]) => [c, h, store.exportHost(c, h, { unsavedOnly: false })!.files]);
}

/** The result with its WAL records copied (they are views, valid until the next call). */
function settled(r: IngestResult): IngestResult {
  return { ...r, wal: r.wal.map((w) => ({ ...w, records: w.records.slice() })) };
}

describe('a body in pieces', () => {
  it('cuts after newlines, at most the limit unless a line is longer', () => {
    const body = lp('aa\nbbbbbbbb\nc\nd');
    const p = new BodyPieces(body, 4);
    expect(p.first()).toEqual({ start: 0, end: 3, last: false });
    expect(p.next(3)).toEqual({ start: 3, end: 12, last: false });
    expect(p.next(9)).toEqual({ start: 12, end: 15, last: true });
    // Nothing of a piece read: the same start, twice as long (cut at a newline).
    const q = new BodyPieces(lp('x"\n\n\n\n\n\n\n\n\n"\ny'), 3);
    expect(q.first()).toEqual({ start: 0, end: 3, last: false });
    expect(q.next(0)).toEqual({ start: 0, end: 6, last: false });
    expect(q.next(0)).toEqual({ start: 0, end: 11, last: false });
  });

  for (const shards of [1, 3]) {
    for (const wal of [false, true]) {
      it(`gives what one piece gives (${shards} shard${shards > 1 ? 's' : ''}, WAL ${wal ? 'on' : 'off'})`, () => {
        for (const [seed, errorAtEnd] of [[1, false], [2, true], [3, false]] as const) {
          const body = lp(mixedBody(3000, seed, { errorAtEnd }));
          const whole = makeStore({ ...OPTIONS, shards, wal, ingestPieceBytes: ONE_PIECE });
          const expected = settled(whole.ingest(body, 'dflt', T));
          expect(expected.error !== null, JSON.stringify(expected.error)).toBe(errorAtEnd);
          expect(expected.accepted).toBeGreaterThan(1000);
          expect(expected.rejectedLines.length).toBe(10);
          expect(Object.keys(expected.reasons).sort()).toEqual(
            errorAtEnd
              ? ['malformed', 'too-many-hosts', 'too-new', 'too-old', 'unsafe-name']
              : ['too-many-hosts', 'too-new', 'too-old', 'unsafe-name'],
          );
          for (const pieceBytes of [1, 97, 1000, 64 * 1024]) {
            const pieced = makeStore({ ...OPTIONS, shards, wal, ingestPieceBytes: pieceBytes });
            const got = settled(pieced.ingest(body, 'dflt', T));
            expect(got, `seed ${seed}, pieces of ${pieceBytes} bytes`).toEqual(expected);
            expect(everything(pieced)).toEqual(everything(whole));
          }
        }
      });
    }
  }

  it('lists the rejections and the parse error at their lines over the whole body', () => {
    const lines: string[] = [];
    for (let i = 0; i < 500; i++) lines.push(`cpu_load,cluster=fritz,hostname=h${i % 3} value=${i} ${T + i * 60}`);
    lines[120] = `cpu_load,cluster=fritz,hostname=.. value=1 ${T}`;
    lines[250] = `cpu_load,cluster=fritz,hostname=h1 value=1 ${T - 10 * 86400}`;
    lines[400] = 'cpu_load,hostname=h1 value=oops 1';
    const s = makeStore({ ...OPTIONS, ingestPieceBytes: 200, wal: true });
    const r = s.ingest(lp(lines.join('\n')), 'fritz', T);
    expect(r.rejectedLines).toEqual([
      { line: 121, reason: 'unsafe-name' },
      { line: 251, reason: 'too-old' },
      { line: 401, reason: 'malformed' },
    ]);
    expect(r.error?.line).toBe(401);
    // Nothing after the malformed line is stored.
    expect(r.accepted).toBe(398);
    expect(r.wal.reduce((a, w) => a + w.count, 0)).toBe(398);
    expect(r.wal.map((w) => w.host)).toEqual(['h0', 'h1', 'h2']);
  });

  it('groups the WAL records of held bodies per host as one piece does', () => {
    const bodies = [1, 2, 3, 4].map((seed) => lp(mixedBody(1500, seed)));
    for (const shards of [1, 3]) {
      const run = (pieceBytes: number) => {
        const s = makeStore({ ...OPTIONS, shards, wal: true, ingestPieceBytes: pieceBytes });
        const results = bodies.map((b) => s.ingestHeld(b, 'dflt', T));
        return { results, wal: s.takeHeldWal().map((w) => ({ ...w, records: w.records.slice() })) };
      };
      const expected = run(ONE_PIECE);
      expect(expected.wal.length).toBeGreaterThan(40);
      expect(run(333)).toEqual(expected);
    }
  });

  it('keeps the request buffers of every shard a few MiB whatever the body', () => {
    const lines: string[] = [];
    for (let i = 0; i < 300_000; i++) {
      lines.push(`cpu_user,cluster=fritz,hostname=n${i % 50},type=hwthread,type-id=${i % 72} value=${(i % 1000) / 10} ${T + Math.floor(i / 3600) * 60}`);
    }
    const body = lp(lines.join('\n'));
    expect(body.length).toBeGreaterThan(20 * MiB);
    const beyondData = (s: ReturnType<typeof makeStore>) => s.stats().shards.map((x) => x.memoryBytes - x.usedBytes);
    // One piece: the parsing shard's input buffer alone is the body's size (what it was before pieces).
    const whole = makeStore({ shards: 3, wal: true, ingestPieceBytes: ONE_PIECE });
    expect(whole.ingest(body, 'fritz', T).accepted).toBe(300_000);
    expect(beyondData(whole)[0]).toBeGreaterThan(body.length);
    const pieced = makeStore({ shards: 3, wal: true });
    for (let round = 0; round < 3; round++) expect(pieced.ingest(body, 'fritz', T).accepted).toBe(300_000);
    // Input 4 MiB, outboxes 2 x 2 MiB, WAL records 4 MiB, the rest small: 16 MiB in the parsing shard,
    // plus at most one grow step (8 MiB while memory is small, alloc.ts) grown but not yet written.
    for (const bytes of beyondData(pieced)) expect(bytes).toBeLessThanOrEqual(24 * MiB);
  });

  it('reads a body in chunks as the buffer the chunks make end to end', () => {
    const body = lp('aa\nbbbbbbbb\nc\n\nd\n');
    const r = random(7);
    for (let trial = 0; trial < 200; trial++) {
      // Cut anywhere, empty chunks too.
      const chunks: Uint8Array[] = [];
      for (let at = 0; at < body.length; ) {
        const n = Math.floor(r() * 5);
        chunks.push(body.subarray(at, Math.min(body.length, at + n)));
        at += n;
      }
      if (r() < 0.3) chunks.push(new Uint8Array(0));
      const c = new ChunkedBody(chunks);
      expect(c.length).toBe(body.length);
      for (let from = -2; from <= body.length + 2; from++) {
        expect(c.indexOf(10, from), `indexOf from ${from}`).toBe(body.indexOf(10, from < 0 ? 0 : from));
        if (from >= 0) expect(c.lastIndexOf(10, from), `lastIndexOf from ${from}`).toBe(body.lastIndexOf(10, from));
      }
      const start = Math.floor(r() * body.length);
      const end = start + Math.floor(r() * (body.length - start + 1));
      const dst = new Uint8Array(end - start + 4).fill(0xee);
      c.copyTo(dst, 2, start, end);
      expect([...dst.subarray(2, 2 + end - start)]).toEqual([...body.subarray(start, end)]);
      expect([dst[0], dst[1], dst[dst.length - 2], dst[dst.length - 1]]).toEqual([0xee, 0xee, 0xee, 0xee]);
    }
  });

  for (const shards of [1, 3]) {
    it(`gives for a body in chunks what the body in one buffer gives (${shards} shard${shards > 1 ? 's' : ''})`, () => {
      const r = random(11);
      for (const [seed, errorAtEnd] of [[4, false], [5, true]] as const) {
        const body = lp(mixedBody(3000, seed, { errorAtEnd }));
        for (const pieceBytes of [ONE_PIECE, 97, 4096]) {
          const whole = makeStore({ ...OPTIONS, shards, wal: true, ingestPieceBytes: pieceBytes });
          const expected = settled(whole.ingest(body, 'dflt', T));
          for (const chunkBytes of [1, 50, 1000, 65536]) {
            const chunks: Uint8Array[] = [];
            for (let at = 0; at < body.length; at += chunkBytes) {
              const end = Math.min(body.length, at + Math.max(1, Math.floor(chunkBytes * (0.5 + r()))));
              chunks.push(body.subarray(at, end));
              at = end - chunkBytes;
            }
            const chunked = makeStore({ ...OPTIONS, shards, wal: true, ingestPieceBytes: pieceBytes });
            expect(settled(chunked.ingest(chunks, 'dflt', T)), `seed ${seed}, pieces ${pieceBytes}, chunks ${chunkBytes}`).toEqual(expected);
            expect(everything(chunked)).toEqual(everything(whole));
          }
        }
      }
    });
  }
});
