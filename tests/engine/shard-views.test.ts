// Shard's views of linear memory are re-made when the memory grew, which
// Shard tells by its held ArrayBuffer having been detached (length 0): the
// WebAssembly JS API detaches a non-shared memory's old buffer on grow. Checked
// here through Shard on Node, and the runtime behaviour itself on Bun and Deno.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Shard } from '../../src/engine/shard.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = (name: string) => `${root}node_modules/.bin/${name}`;
const GROW_DETACHES = 'const m = new WebAssembly.Memory({ initial: 1 }); const old = m.buffer; m.grow(1); console.log(JSON.stringify([old.byteLength, m.buffer.byteLength]));';
const PAGE = 65536;

function shardOver(memory: WebAssembly.Memory): Shard {
  return new Shard({ exports: { memory } } as unknown as WebAssembly.Instance);
}

describe('Shard views', () => {
  it('follow the memory when it grows', () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const shard = shardOver(memory);
    shard.u8()[10] = 7;
    expect(shard.u8().length).toBe(PAGE);
    memory.grow(2);
    expect(shard.u8().length).toBe(3 * PAGE);
    expect(shard.u32().length).toBe((3 * PAGE) / 4);
    expect(shard.dv().byteLength).toBe(3 * PAGE);
    expect(shard.u8()[10]).toBe(7);
    shard.u8()[2 * PAGE] = 9;
    expect(new Uint8Array(memory.buffer)[2 * PAGE]).toBe(9);
  });

  it('stay the same views while the memory does not grow', () => {
    const shard = shardOver(new WebAssembly.Memory({ initial: 1 }));
    const [a, b, c] = [shard.u8(), shard.u32(), shard.dv()];
    expect(shard.u8()).toBe(a);
    expect(shard.u32()).toBe(b);
    expect(shard.dv()).toBe(c);
  });

  it('rest on grow detaching the old buffer, as on Node', () => {
    expect(JSON.parse(execFileSync(process.execPath, ['-e', GROW_DETACHES], { encoding: 'utf8' }))).toEqual([0, 2 * PAGE]);
  });

  it.skipIf(!existsSync(bin('bun')))('... and on Bun', () => {
    expect(JSON.parse(execFileSync(bin('bun'), ['-e', GROW_DETACHES], { encoding: 'utf8' }))).toEqual([0, 2 * PAGE]);
  });

  it.skipIf(!existsSync(bin('deno')))('... and on Deno', () => {
    expect(JSON.parse(execFileSync(bin('deno'), ['eval', GROW_DETACHES], { encoding: 'utf8' }))).toEqual([0, 2 * PAGE]);
  });
});
