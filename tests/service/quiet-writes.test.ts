// Every body of the write path, over HTTP and NATS (single and batched), is
// noted for the idle collection with its byte length, and passed on as it is.
import { describe, expect, it } from 'vitest';
import type { IdleCollection } from '../../src/runtime/idle-collection.ts';
import type { WritePath } from '../../src/service/ingest.ts';
import { noteWrites } from '../../src/service/quiet-writes.ts';
import type { IngestBody, IngestResult } from '../../src/engine/types.ts';

const RESULT = { accepted: 1 } as unknown as IngestResult;

describe('noteWrites', () => {
  it('notes each body with its bytes and hands it on unchanged', async () => {
    const noted: number[] = [];
    const idle: IdleCollection = { noteWrite: (n) => noted.push(n), collections: () => 0, stop: () => {} };
    const passed: IngestBody[] = [];
    const path: WritePath = {
      ingest: async (body) => (passed.push(body), RESULT),
      openBatch: () => ({ ingest: (body) => (passed.push(body), RESULT), commit: () => Promise.resolve() }),
    };
    const watched = noteWrites(path, idle);
    const one = new Uint8Array(10);
    const chunks = [new Uint8Array(3), new Uint8Array(4)];
    expect(await watched.ingest(one, 'c')).toBe(RESULT);
    expect(await watched.ingest(chunks, 'c')).toBe(RESULT);
    const batch = watched.openBatch();
    expect(batch.ingest(new Uint8Array(5), 'c')).toBe(RESULT);
    await batch.commit();
    expect(noted).toEqual([10, 7, 5]);
    expect(passed[0]).toBe(one);
    expect(passed[1]).toBe(chunks);
  });
});
