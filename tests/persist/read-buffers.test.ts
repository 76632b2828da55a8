import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ReadBuffers } from '../../src/persist/read-buffers.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'read-buffers-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('read buffers', () => {
  it('reads whole files and hands the same buffer out again once it is given back', async () => {
    const pool = new ReadBuffers();
    const big = Uint8Array.from({ length: 200_000 }, (_, i) => i % 251);
    writeFileSync(join(dir, 'big'), big);
    writeFileSync(join(dir, 'small'), Uint8Array.of(1, 2, 3));
    const a = await pool.readFile(join(dir, 'big'));
    expect(a.bytes).toEqual(big);
    expect(a.bytes.buffer).toBe(a.buffer.buffer);
    // while `a` is held, another read gets a buffer of its own
    const b = await pool.readFile(join(dir, 'small'));
    expect(b.buffer).not.toBe(a.buffer);
    expect(Array.from(b.bytes)).toEqual([1, 2, 3]);
    pool.give(a.buffer);
    pool.give(b.buffer);
    // the smallest free buffer that fits
    expect((await pool.readFile(join(dir, 'small'))).buffer).toBe(b.buffer);
    expect((await pool.readFile(join(dir, 'big'))).buffer).toBe(a.buffer);
  });

  it('reads an empty file, and fails for a missing one', async () => {
    const pool = new ReadBuffers();
    writeFileSync(join(dir, 'empty'), new Uint8Array(0));
    expect((await pool.readFile(join(dir, 'empty'))).bytes.length).toBe(0);
    await expect(pool.readFile(join(dir, 'missing'))).rejects.toThrow(/ENOENT/);
  });
});
