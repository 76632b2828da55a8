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
    // both come back (a small file is read into a buffer that fits the largest read so far)
    const c = await pool.readFile(join(dir, 'small'));
    const d = await pool.readFile(join(dir, 'big'));
    expect(Array.from(c.bytes)).toEqual([1, 2, 3]);
    expect(d.bytes).toEqual(big);
    expect(new Set([c.buffer, d.buffer])).toEqual(new Set([a.buffer, b.buffer]));
  });

  it('hands out the smallest free buffer that fits', () => {
    const pool = new ReadBuffers();
    const big = pool.take(500_000);
    const small = pool.take(10);
    pool.give(big);
    pool.give(small);
    expect(pool.take(10)).toBe(small);
    expect(pool.take(10)).toBe(big);
    expect(pool.take(600_000).length).toBeGreaterThanOrEqual(600_000);
  });

  it('reads an empty file, and fails for a missing one', async () => {
    const pool = new ReadBuffers();
    writeFileSync(join(dir, 'empty'), new Uint8Array(0));
    expect((await pool.readFile(join(dir, 'empty'))).bytes.length).toBe(0);
    await expect(pool.readFile(join(dir, 'missing'))).rejects.toThrow(/ENOENT/);
  });

  it('reads files bigger and smaller than the largest before (the read runs beside fstat into a buffer of that size)', async () => {
    const pool = new ReadBuffers();
    const file = (name: string, n: number) => {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 7 + n) % 253);
      writeFileSync(join(dir, name), bytes);
      return bytes;
    };
    const first = file('first', 100_000);
    const bigger = file('bigger', 300_000);
    const smaller = file('smaller', 5_000);
    file('empty', 0);
    const a = await pool.readFile(join(dir, 'first'));
    expect(a.bytes).toEqual(first);
    // the buffer fits 100,000 and a bit: the rest of a bigger file lands in a bigger one
    const b = await pool.readFile(join(dir, 'bigger'));
    expect(b.bytes).toEqual(bigger);
    expect(b.identity.size).toBe(300_000);
    expect(b.buffer).not.toBe(a.buffer);
    pool.give(b.buffer);
    const c = await pool.readFile(join(dir, 'smaller'));
    expect(c.bytes).toEqual(smaller);
    expect(c.identity.size).toBe(5_000);
    const e = await pool.readFile(join(dir, 'empty'));
    expect(e.bytes.length).toBe(0);
    expect(e.identity.size).toBe(0);
    await expect(pool.readFile(join(dir, 'missing'))).rejects.toThrow(/ENOENT/);
    // a failed read gives its slot back
    expect((await pool.readFile(join(dir, 'smaller'))).bytes).toEqual(smaller);
  });

  it('reads `reads` files at once, the waiting ones lowest order first', async () => {
    for (const n of ['a', 'b', 'c', 'd', 'e']) writeFileSync(join(dir, n), new TextEncoder().encode(n));
    const pool = new ReadBuffers(1);
    const ended: string[] = [];
    const read = (n: string, order: number) => pool.readFile(join(dir, n), order).then((r) => ended.push(new TextDecoder().decode(r.bytes)));
    await Promise.all([read('a', 5), read('b', 3), read('c', 1), read('d', 3), read('e', 0)]);
    // `a` was under way before the others asked
    expect(ended).toEqual(['a', 'e', 'c', 'b', 'd']);

    const two = new ReadBuffers(2);
    const order: string[] = [];
    await Promise.all(['e', 'd', 'c', 'b', 'a'].map((n, i) => two.readFile(join(dir, n), 4 - i).then(() => order.push(n))));
    expect(order.slice(2)).toEqual(['a', 'b', 'c']);
    expect(new Set(order.slice(0, 2))).toEqual(new Set(['e', 'd']));
  });
});
