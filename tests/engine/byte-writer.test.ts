// ByteWriter.strs16 writes a list of names with one room() check: its bytes
// must be those of str16 name by name, whatever the list holds.
import { describe, expect, it } from 'vitest';
import { ByteWriter } from '../../src/engine/codec.ts';

function oneByOne(list: readonly unknown[]): number[] {
  const w = new ByteWriter(4);
  for (const x of list) w.str16(typeof x === 'string' ? x : String(x));
  return [...w.result()];
}

function together(list: readonly unknown[]): number[] {
  const w = new ByteWriter(4);
  w.u8(7); // not at the start of the buffer
  w.strs16(list);
  return [...w.result().subarray(1)];
}

describe('ByteWriter.strs16', () => {
  const lists: Array<[string, unknown[]]> = [
    ['empty', []],
    ['short ASCII ids', Array.from({ length: 72 }, (_, i) => String(i))],
    ['an empty id among them', ['0', '', '12']],
    ['non-ASCII in the middle', ['0', '1', 'gpü', '3', 'ä']],
    ['numbers', [0, 1, 17]],
    ['a string past 255 characters', ['a', 'x'.repeat(300), 'b']],
  ];
  for (const [name, list] of lists) {
    it(`writes the bytes of str16 one by one: ${name}`, () => {
      expect(together(list)).toEqual(oneByOne(list));
    });
  }
});
