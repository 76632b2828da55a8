// Write bodies gathered as they arrive into buffers kept from body to body
// (src/api/body-buffers.ts, readIncomingChunks with buffers): the bytes are the
// body's, each chunk's memory is let go of once copied, a buffer is lent to one
// body at a time and kept for the next, and a failed body gives its buffer back.
import { Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { BodyBuffers } from '../../src/api/body-buffers.ts';
import { readIncomingChunks } from '../../src/api/body.ts';

const KB = 1024;

/** A request whose body arrives in `chunks`, with a Content-Length header when `length` is given. */
function request(chunks: Uint8Array[], length?: number): IncomingMessage {
  const stream = Readable.from(chunks, { objectMode: false }) as unknown as IncomingMessage;
  (stream as { headers: Record<string, string> }).headers = length === undefined ? {} : { 'content-length': String(length) };
  return stream;
}

/** `n` chunks of `size` bytes, chunk i filled with i + 1: each the whole of its own buffer, as node:http's. */
function chunksOf(n: number, size: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => new Uint8Array(size).fill(i + 1));
}

function expected(n: number, size: number): Uint8Array {
  const all = new Uint8Array(n * size);
  for (let i = 0; i < n; i++) all.fill(i + 1, i * size, (i + 1) * size);
  return all;
}

/** Byte for byte (toEqual over 100,000s of elements takes a second). */
const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) === 0;

describe('BodyBuffers', () => {
  it('gathers a body into one buffer of its Content-Length and lets go of each chunk once copied', async () => {
    const buffers = new BodyBuffers();
    const chunks = chunksOf(5, 64 * KB);
    const body = (await readIncomingChunks(request(chunks, 5 * 64 * KB), 1 << 20, buffers)) as Uint8Array;
    expect(body).toBeInstanceOf(Uint8Array);
    expect(same(body, expected(5, 64 * KB))).toBe(true);
    expect(chunks.map((c) => c.buffer.byteLength)).toEqual([0, 0, 0, 0, 0]);
    expect(buffers.keptBytes()).toBe(0); // lent, not free
    expect(buffers.giveBackBody(body)).toBe(true);
    expect(body.byteLength).toBe(5 * 64 * KB); // kept as it is (overwritten by the next body), not detached
    // Kept, with room for a body a little longer (bodies of one shape differ by a few bytes).
    expect(buffers.keptBytes()).toBeGreaterThan(5 * 64 * KB);
    expect(buffers.keptBytes()).toBeLessThanOrEqual(6 * 64 * KB);
    expect(buffers.giveBackBody(body)).toBe(false); // not lent any more
  });

  it('reuses the kept buffer for the next body, and grows it for a larger one', async () => {
    const buffers = new BodyBuffers();
    const first = (await readIncomingChunks(request(chunksOf(4, 32 * KB), 4 * 32 * KB), 1 << 20, buffers)) as Uint8Array;
    const kept = first.buffer;
    buffers.giveBackBody(first);
    const second = (await readIncomingChunks(request(chunksOf(2, 32 * KB), 2 * 32 * KB), 1 << 20, buffers)) as Uint8Array;
    expect(second.buffer).toBe(kept);
    expect(same(second, expected(2, 32 * KB))).toBe(true);
    buffers.giveBackBody(second);
    const longer = (await readIncomingChunks(request(chunksOf(4, 32 * KB), 4 * 32 * KB + 100), 1 << 20, buffers)) as Uint8Array;
    expect(longer.buffer).toBe(kept); // a few bytes more fit the same buffer
    buffers.giveBackBody(longer);
    const larger = (await readIncomingChunks(request(chunksOf(8, 32 * KB), 8 * 32 * KB), 1 << 20, buffers)) as Uint8Array;
    expect(same(larger, expected(8, 32 * KB))).toBe(true);
    expect(larger.buffer).not.toBe(kept);
    buffers.giveBackBody(larger);
    // Both kept (up to two).
    expect(buffers.keptBytes()).toBe(kept.byteLength + larger.buffer.byteLength);
  });

  it('lends a buffer to one body at a time', () => {
    const buffers = new BodyBuffers();
    const a = buffers.gather(64 * KB, 1 << 20);
    const b = buffers.gather(64 * KB, 1 << 20);
    a.add(new Uint8Array(64 * KB).fill(1));
    b.add(new Uint8Array(64 * KB).fill(2));
    expect(a.bytes().buffer).not.toBe(b.bytes().buffer);
    expect(a.bytes()[0]).toBe(1);
    expect(b.bytes()[0]).toBe(2);
  });

  it('says whether a body is being gathered: from its first chunk until its buffer is given back', () => {
    const buffers = new BodyBuffers();
    const a = buffers.gather(64 * KB, 1 << 20);
    expect(buffers.gathering()).toBe(false);
    a.add(new Uint8Array(64 * KB).fill(1));
    expect(buffers.gathering()).toBe(true);
    a.end();
    expect(buffers.gathering()).toBe(false);
    const b = buffers.gather(64 * KB, 1 << 20);
    b.add(new Uint8Array(64 * KB).fill(2));
    expect(buffers.giveBackBody(b.bytes())).toBe(true);
    expect(buffers.gathering()).toBe(false);
  });

  it('grows by doubling without a Content-Length, within the limit, and keeps every byte', async () => {
    const buffers = new BodyBuffers();
    const body = (await readIncomingChunks(request(chunksOf(7, 40 * KB)), 7 * 40 * KB, buffers)) as Uint8Array;
    expect(same(body, expected(7, 40 * KB))).toBe(true);
    expect(body.buffer.byteLength).toBeLessThanOrEqual(7 * 40 * KB);
  });

  it('keeps every byte when more arrive than the Content-Length said', async () => {
    const buffers = new BodyBuffers();
    const body = (await readIncomingChunks(request(chunksOf(3, 32 * KB), 2 * 32 * KB), 1 << 20, buffers)) as Uint8Array;
    expect(same(body, expected(3, 32 * KB))).toBe(true);
  });

  it('gives the buffer back when the body is refused (over the limit) and keeps nothing of it', async () => {
    const buffers = new BodyBuffers();
    await expect(readIncomingChunks(request(chunksOf(3, 32 * KB)), 80 * KB, buffers)).rejects.toMatchObject({ status: 413 });
    expect(buffers.keptBytes()).toBeGreaterThan(0); // back in the free list, for the next body
    const next = (await readIncomingChunks(request(chunksOf(1, 32 * KB), 32 * KB), 80 * KB, buffers)) as Uint8Array;
    expect(same(next, expected(1, 32 * KB))).toBe(true);
  });

  it('leaves a chunk that is a view of a larger buffer as it is (it may be shared)', async () => {
    const buffers = new BodyBuffers();
    const shared = new Uint8Array(128 * KB).fill(9);
    const view = shared.subarray(0, 64 * KB);
    const body = (await readIncomingChunks(request([Buffer.from(view.buffer, 0, 64 * KB)], 64 * KB), 1 << 20, buffers)) as Uint8Array;
    expect(body[0]).toBe(9);
    expect(shared.byteLength).toBe(128 * KB);
  });

  it('release lets go of the kept buffers; the next body makes a new one', async () => {
    const buffers = new BodyBuffers();
    const body = (await readIncomingChunks(request(chunksOf(2, 64 * KB), 2 * 64 * KB), 1 << 20, buffers)) as Uint8Array;
    const kept = body.buffer;
    buffers.giveBackBody(body);
    buffers.release();
    expect(buffers.keptBytes()).toBe(0);
    expect(kept.byteLength).toBe(0);
    const next = (await readIncomingChunks(request(chunksOf(2, 64 * KB), 2 * 64 * KB), 1 << 20, buffers)) as Uint8Array;
    expect(same(next, expected(2, 64 * KB))).toBe(true);
  });

  it('keeps at most two free buffers, the largest', () => {
    const buffers = new BodyBuffers();
    const gatherings = [1, 2, 3].map((n) => {
      const g = buffers.gather(n * 64 * KB, 1 << 20);
      g.add(new Uint8Array(n * 64 * KB));
      return g;
    });
    const sizes = gatherings.map((g) => g.bytes().buffer.byteLength);
    for (const g of gatherings) g.end();
    expect(buffers.keptBytes()).toBe(sizes[1]! + sizes[2]!);
  });
});
