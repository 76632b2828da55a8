import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.ts';
import type { IngestResult } from '../../src/engine/types.ts';
import { call, fetchOnly, json } from '../support/app-client.ts';
import { createTestStore } from '../support/test-store.ts';

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

  it('answers a malformed line with a 400 naming it', async () => {
    const store = createTestStore();
    const body = `${lines}\nthis is not line protocol\n${lines}`;
    const res = await call(createApp({ store }), '/api/write?cluster=fritz', { method: 'POST', body });
    expect(res.status).toBe(400);
    expect(await json(res)).toEqual({
      status: 'Bad Request',
      error: 'line 3: expected "<metric>,<tags> value=<number> [<timestamp>]"',
    });
  });

  it('calls the ingest function it was given, not the store directly', async () => {
    const store = createTestStore();
    const seen: string[] = [];
    const ingest = async (body: Uint8Array, cluster: string): Promise<IngestResult> => {
      seen.push(`${cluster}:${body.byteLength}`);
      return { accepted: 1, skipped: 0, dropped: 0, error: null, wal: [] };
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
