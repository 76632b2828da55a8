// The collection once writes go quiet (src/runtime/idle-collection.ts):
// never while writes keep coming, once after they stop and only when enough
// body bytes came in, the store's buffers let go of first.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { detachBuffer } from '../../src/engine/detach-buffer.ts';
import { collectWhenQuiet, idleGarbageCollection, v8GarbageCollection } from '../../src/runtime/idle-collection.ts';

const QUIET = 1000;
const MIN = 1000;

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function watched() {
  const calls: string[] = [];
  const idle = collectWhenQuiet({ quietMs: QUIET, minBytes: MIN, beforeCollect: () => calls.push('release'), collect: () => calls.push('collect') });
  return { idle, calls };
}

describe('collectWhenQuiet', () => {
  it('collects once after a burst goes quiet, never during it, the buffers released first', () => {
    const { idle, calls } = watched();
    // A write every 400 ms for 10 s: never a quiet period.
    for (let t = 0; t < 10_000; t += 400) {
      idle.noteWrite(600);
      vi.advanceTimersByTime(400);
    }
    expect(calls).toEqual([]);
    vi.advanceTimersByTime(2 * QUIET);
    expect(calls).toEqual(['release', 'collect']);
    expect(idle.collections()).toBe(1);
    // Quiet on: nothing more, and no timer left.
    vi.advanceTimersByTime(60_000);
    expect(calls).toHaveLength(2);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('waits at least quietMs and at most twice that after the last write', () => {
    const { idle, calls } = watched();
    idle.noteWrite(MIN);
    vi.advanceTimersByTime(QUIET / 2);
    idle.noteWrite(1);
    vi.advanceTimersByTime(QUIET - 1);
    expect(calls).toEqual([]);
    vi.advanceTimersByTime(QUIET + 1);
    expect(calls).toEqual(['release', 'collect']);
  });

  it('is not quiet while a write is under way (busy), however long since the last noted one', () => {
    const calls: string[] = [];
    let arriving = true;
    const idle = collectWhenQuiet({ quietMs: QUIET, minBytes: MIN, beforeCollect: () => calls.push('release'), collect: () => calls.push('collect'), busy: () => arriving });
    idle.noteWrite(MIN);
    // A body taking 5 s to arrive, noted only once whole.
    vi.advanceTimersByTime(5 * QUIET);
    expect(calls).toEqual([]);
    arriving = false;
    idle.noteWrite(MIN);
    vi.advanceTimersByTime(2 * QUIET);
    expect(calls).toEqual(['release', 'collect']);
    vi.advanceTimersByTime(60_000);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('skips a collection for less than minBytes, counting on from there', () => {
    const { idle, calls } = watched();
    idle.noteWrite(MIN - 1);
    vi.advanceTimersByTime(3 * QUIET);
    expect(calls).toEqual([]);
    idle.noteWrite(1);
    vi.advanceTimersByTime(3 * QUIET);
    expect(calls).toEqual(['release', 'collect']);
    // A new burst starts from nothing.
    idle.noteWrite(MIN - 1);
    vi.advanceTimersByTime(3 * QUIET);
    expect(idle.collections()).toBe(1);
  });

  it('runs no timer after stop', () => {
    const { idle, calls } = watched();
    idle.noteWrite(MIN);
    idle.stop();
    expect(vi.getTimerCount()).toBe(0);
    idle.noteWrite(MIN);
    vi.advanceTimersByTime(3 * QUIET);
    expect(calls).toEqual([]);
  });
});

describe('v8GarbageCollection', () => {
  it('is found on this runtime and frees what nothing refers to', async () => {
    vi.useRealTimers();
    const gc = v8GarbageCollection();
    expect(gc).toBeTypeOf('function');
    let ref: WeakRef<object> | null = null;
    (() => {
      ref = new WeakRef({ payload: new Array(1000).fill(1) });
    })();
    // A WeakRef's target stays alive until the end of the turn that made it.
    await new Promise((r) => setTimeout(r, 0));
    gc!();
    expect(ref!.deref()).toBeUndefined();
  });
});

describe('idleGarbageCollection', () => {
  it("frees the memory of a detached old buffer (a scavenge on Node: no full collection needed)", async () => {
    vi.useRealTimers();
    const full = v8GarbageCollection()!;
    const idle = idleGarbageCollection();
    expect(idle).toBeTypeOf('function');
    const size = 64 * 2 ** 20;
    const old = new Uint8Array(size).fill(1);
    // Two full collections: the buffer is in the old generation, out of a scavenge's reach.
    full();
    full();
    const before = process.memoryUsage().arrayBuffers;
    expect(detachBuffer(old.buffer)).toBe(true);
    await new Promise((r) => setTimeout(r, 0));
    idle!();
    // V8 frees a young buffer's memory in a sweep after the scavenge, off the main thread: wait for it.
    let after = process.memoryUsage().arrayBuffers;
    for (let i = 0; i < 50 && before - after < size / 2; i++) {
      await new Promise((r) => setTimeout(r, 20));
      after = process.memoryUsage().arrayBuffers;
    }
    expect(before - after).toBeGreaterThanOrEqual(size / 2);
  });
});
