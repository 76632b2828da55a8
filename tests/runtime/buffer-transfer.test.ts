// lendBufferTransfer (runtime/buffer-transfer.ts): on Node 20, where
// ArrayBuffer.prototype.transfer is behind a V8 flag, the service lends it to
// the engine's detachBuffer, which then frees a buffer's memory at once, with
// no collection at all (the clone it falls back to waits for a scavenge).
import { describe, expect, it } from 'vitest';
import { detachBuffer } from '../../src/engine/detach-buffer.ts';
import { lendBufferTransfer } from '../../src/runtime/buffer-transfer.ts';

describe('lendBufferTransfer', () => {
  it('gives detachBuffer a transfer that frees the memory without a collection', () => {
    expect(lendBufferTransfer()).toBe(true);
    const size = 64 * 2 ** 20;
    const buffer = new Uint8Array(size).fill(1).buffer;
    const before = process.memoryUsage().arrayBuffers;
    expect(detachBuffer(buffer)).toBe(true);
    expect(buffer.byteLength).toBe(0);
    expect(before - process.memoryUsage().arrayBuffers).toBeGreaterThanOrEqual(size);
  });
});
