import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.ts';
import type { IngestResult } from '../../src/engine/types.ts';
import { silentLogger } from '../../src/log.ts';
import { WalWriteError } from '../../src/service/ingest.ts';
import { call, fetchOnly, json } from '../support/app-client.ts';
import { createTestStore } from '../support/test-store.ts';

function result(r: Partial<IngestResult>): IngestResult {
  return { accepted: 0, skipped: 0, rejected: 0, reasons: {}, rejectedLines: [], error: null, wal: [], ...r };
}

const lines = [
  'cpu_load,cluster=fritz,hostname=f0101,type=node value=1.5 1725620476',
  'flops_any,cluster=fritz,hostname=f0101,type=hwthread,type-id=0 value=4i 1725620476214474893',
].join('\n');

describe('/api/write', () => {
  it.each(['/api/write', '/api/write/'])('hands the body bytes and ?cluster= to ingest, then answers 200 with no body (%s)', async (path) => {
    const store = createTestStore();
    const res = await call(createApp({ store }), `${path}?cluster=alex`, { method: 'POST', body: lines });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    expect(store.calls.ingest).toHaveLength(1);
    const { body, cluster } = store.calls.ingest[0]!;
    expect(body).toBeInstanceOf(Uint8Array);
    expect(body).toEqual(new TextEncoder().encode(lines));
    expect(cluster).toBe('alex');
  });

  it('passes an empty default cluster when ?cluster= is absent', async () => {
    const store = createTestStore();
    await call(createApp({ store }), '/api/write', { method: 'POST', body: lines });
    expect(store.calls.ingest[0]!.cluster).toBe('');
  });

  it('keeps bytes that are not valid UTF-8 exactly as sent', async () => {
    const store = createTestStore();
    const bytes = new Uint8Array([0x63, 0xff, 0xfe, 0x0a, 0x80]);
    await call(createApp({ store }), '/api/write', { method: 'POST', body: bytes });
    expect(store.calls.ingest[0]!.body).toEqual(bytes);
  });

  it('answers a malformed line with a 400 naming it and the counts, the lines before it kept', async () => {
    const store = createTestStore();
    const body = `${lines}\nthis is not line protocol\n${lines}`;
    const res = await call(createApp({ store }), '/api/write?cluster=fritz', { method: 'POST', body });
    expect(res.status).toBe(400);
    expect(await json(res)).toEqual({
      status: 'Bad Request',
      error: 'line 3: expected "<metric>,<tags> value=<number> [<timestamp>]"; lines after it were not read; 1 of 3 lines rejected',
      stored: 2,
      skipped: 0,
      rejected: 1,
      reasons: { malformed: 1 },
      rejectedLines: [{ line: 3, reason: 'malformed' }],
    });
  });

  it('answers rejected lines with a 400 naming the first one, its reason and the limit behind it', async () => {
    const ingest = async (): Promise<IngestResult> => result({
      accepted: 8, rejected: 2, reasons: { 'too-old': 1, malformed: 1 },
      rejectedLines: [{ line: 3, reason: 'too-old' }, { line: 10, reason: 'malformed' }],
      error: { line: 10, message: 'invalid timestamp ("12a")' },
    });
    const app = createApp({ store: createTestStore(), ingest, ingestLimits: { retentionInMemorySeconds: 48 * 3600 } });
    const res = await call(app, '/api/write?cluster=c', { method: 'POST', body: 'x' });
    expect(res.status).toBe(400);
    expect(res.headers.get('retry-after')).toBeNull();
    expect(await json(res)).toEqual({
      status: 'Bad Request',
      error: 'line 3: sample older than the ingest window (now - metric-store.retention-in-memory 48h); 2 of 10 lines rejected; ' +
        'line 10: invalid timestamp ("12a"); lines after it were not read',
      stored: 8,
      skipped: 0,
      rejected: 2,
      reasons: { 'too-old': 1, malformed: 1 },
      rejectedLines: [{ line: 3, reason: 'too-old' }, { line: 10, reason: 'malformed' }],
    });
  });

  it.each([
    ['unsafe-name', {}, /cluster or host name that cannot be stored/],
    ['too-new', { maxFutureSkewSeconds: 600 }, /now \+ metric-store\.max-future-skew 10m/],
    ['no-slot', {}, /gap between two chunks narrower than one step/],
    ['too-many-hosts', { maxHostsPerWrite: 10000 }, /limit main\.max-hosts-per-write = 10000/],
  ] as const)('names the reason %s in words', async (reason, ingestLimits, words) => {
    const ingest = async (): Promise<IngestResult> => result({ accepted: 1, rejected: 1, reasons: { [reason]: 1 }, rejectedLines: [{ line: 2, reason }] });
    const res = await call(createApp({ store: createTestStore(), ingest, ingestLimits }), '/api/write', { method: 'POST', body: 'x' });
    expect(res.status).toBe(400);
    const answer = (await json(res)) as { error: string };
    expect(answer.error).toMatch(/^line 2: /);
    expect(answer.error).toMatch(words);
    expect(answer.error).toMatch(/; 1 of 2 lines rejected$/);
  });

  it('answers 507 with Retry-After when a shard is full, with the counts', async () => {
    const ingest = async (): Promise<IngestResult> => result({
      accepted: 5, skipped: 1, rejected: 4, reasons: { 'store-full': 3, 'too-new': 1 },
      rejectedLines: [{ line: 2, reason: 'too-new' }, { line: 7, reason: 'store-full' }, { line: 8, reason: 'store-full' }, { line: 9, reason: 'store-full' }],
    });
    const res = await call(createApp({ store: createTestStore(), ingest, ingestLimits: { shardMemoryLimit: 8 * 2 ** 20 } }), '/api/write', { method: 'POST', body: 'x' });
    expect(res.status).toBe(507);
    expect(res.headers.get('retry-after')).toBe('60');
    expect(await json(res)).toMatchObject({ status: 'Insufficient Storage', stored: 5, skipped: 1, rejected: 4, reasons: { 'store-full': 3, 'too-new': 1 } });
    const full = await call(createApp({ store: createTestStore(), ingest: async () => result({ accepted: 0, rejected: 1, reasons: { 'store-full': 1 }, rejectedLines: [{ line: 1, reason: 'store-full' }] }), ingestLimits: { shardMemoryLimit: 8 * 2 ** 20 } }), '/api/write', { method: 'POST', body: 'x' });
    expect(((await json(full)) as { error: string }).error).toBe('line 1: no memory left for it in its shard (metric-store.shard-memory-limit 8MiB); 1 of 1 line rejected');
  });

  it('answers 500 with the counts when the WAL could not be written', async () => {
    const ingest = async (): Promise<IngestResult> => {
      throw new WalWriteError(result({ accepted: 3 }), new Error('ENOSPC: no space left on device'));
    };
    const res = await call(createApp({ store: createTestStore(), ingest }), '/api/write', { method: 'POST', body: 'x' });
    expect(res.status).toBe(500);
    expect(await json(res)).toEqual({
      status: 'Internal Server Error',
      error: 'the WAL could not be written (ENOSPC: no space left on device); 3 samples stored in memory only, to be written by the next checkpoint',
      stored: 3,
      skipped: 0,
      rejected: 0,
      reasons: {},
      rejectedLines: [],
    });
  });

  it('answers 200 when only lines of metrics that are not configured were skipped', async () => {
    const ingest = async (): Promise<IngestResult> => result({ accepted: 2, skipped: 5 });
    const res = await call(createApp({ store: createTestStore(), ingest }), '/api/write', { method: 'POST', body: 'x' });
    expect([res.status, await res.text()]).toEqual([200, '']);
  });

  it('logs rejections at a bounded rate', async () => {
    const warnings: string[] = [];
    const log = { ...silentLogger, warn: (m: string) => warnings.push(m) };
    const ingest = async (): Promise<IngestResult> => result({ accepted: 0, rejected: 1, reasons: { 'unsafe-name': 1 }, rejectedLines: [{ line: 1, reason: 'unsafe-name' }] });
    const app = createApp({ store: createTestStore(), ingest, log });
    for (let i = 0; i < 30; i++) expect((await call(app, '/api/write?cluster=c', { method: 'POST', body: 'x' })).status).toBe(400);
    expect(warnings).toHaveLength(10);
    expect(warnings[0]).toBe('/api/write (cluster "c"): line 1: cluster or host name that cannot be stored (empty, ".", containing "..", "/" or "\\", or over 255 bytes); 1 of 1 line rejected');
  });

  it('calls the ingest function it was given, not the store directly', async () => {
    const store = createTestStore();
    const seen: string[] = [];
    const ingest = async (body: Uint8Array, cluster: string): Promise<IngestResult> => {
      seen.push(`${cluster}:${body.byteLength}`);
      return result({ accepted: 1 });
    };
    const res = await call(createApp({ store, ingest }), '/api/write?cluster=c', { method: 'POST', body: 'x value=1' });
    expect(res.status).toBe(200);
    expect(seen).toEqual(['c:9']);
    expect(store.calls.ingest).toHaveLength(0);
  });

  it('answers 413 with the JSON error body when the declared length is over the limit', async () => {
    const store = createTestStore();
    const res = await call(createApp({ store, maxBodySize: 16 }), '/api/write', { method: 'POST', body: lines });
    expect(res.status).toBe(413);
    expect(res.headers.get('connection')).toBe('close');
    expect(await json(res)).toEqual({
      status: 'Request Entity Too Large',
      error: 'request body larger than 16 bytes (main.max-body-size)',
    });
    expect(store.calls.ingest).toHaveLength(0);
  });

  it('answers 413 when a body without a declared length grows over the limit', async () => {
    const store = createTestStore();
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 4; i++) controller.enqueue(new Uint8Array(10).fill(0x61));
        controller.close();
      },
    });
    const res = await fetchOnly(createApp({ store, maxBodySize: 25 }), '/api/write', {
      method: 'POST',
      body: chunks,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(store.calls.ingest).toHaveLength(0);
  });

  it('accepts a body of exactly the limit', async () => {
    const store = createTestStore();
    const body = 'x value=1';
    const res = await call(createApp({ store, maxBodySize: body.length }), '/api/write', { method: 'POST', body });
    expect(res.status).toBe(200);
  });
});
