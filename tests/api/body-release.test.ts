// A write body's socket buffers given back once the engine has its bytes
// (src/api/body-release.ts): only chunks that own their buffer whole, so that
// a buffer shared with another request, a head or Node's Buffer pool is never
// emptied under someone else.
import { describe, expect, it } from 'vitest';
import { detachOwned, releaseBodyMemory } from '../../src/api/body-release.ts';

const KB = 1024;

describe('releaseBodyMemory', () => {
  it("empties the body's chunks that are the whole of their buffer", () => {
    const one = new Uint8Array(64 * KB).fill(1);
    releaseBodyMemory(one);
    expect(one.byteLength).toBe(0);
    expect(one.buffer.byteLength).toBe(0);
    const chunks = [new Uint8Array(64 * KB), new Uint8Array(20 * KB)];
    releaseBodyMemory(chunks);
    expect(chunks.map((c) => c.byteLength)).toEqual([0, 0]);
  });

  it('leaves a view of part of a buffer, a small chunk and a pooled Buffer as they are', () => {
    const shared = new Uint8Array(128 * KB).fill(7);
    const tail = shared.subarray(100); // the head of the request before it
    const head = shared.subarray(0, 64 * KB); // the next request after it
    const small = new Uint8Array(KB).fill(3);
    const pooled = Buffer.from('cpu_load,cluster=c,hostname=h,type=node value=1 1\n'); // a slice of Node's pool
    releaseBodyMemory([tail, head, small, pooled]);
    expect(shared.byteLength).toBe(128 * KB);
    expect(tail[0]).toBe(7);
    expect(head.byteLength).toBe(64 * KB);
    expect(small.byteLength).toBe(KB);
    expect(pooled.toString()).toContain('cpu_load');
  });

  it('detachOwned says whether it detached', () => {
    expect(detachOwned(new Uint8Array(32 * KB))).toBe(true);
    expect(detachOwned(new Uint8Array(32 * KB).subarray(1))).toBe(false);
    const detached = new Uint8Array(32 * KB);
    detachOwned(detached);
    expect(detachOwned(detached)).toBe(false);
  });
});
