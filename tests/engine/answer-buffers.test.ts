// The buffers answers are copied into (engine/answer-buffers.ts): cut from
// shared slabs, each must be exactly its size, never overlap another answer
// (one may still be in a socket's queue when the next is filled), and a
// large answer has a buffer of its own.
import { describe, expect, it } from 'vitest';
import { answerBuffer } from '../../src/engine/answer-buffers.ts';

describe('answer buffers', () => {
  it('are their size, and filling one leaves every earlier one as it was', () => {
    const sizes = Array.from({ length: 200 }, (_, i) => 1 + ((i * 7919) % 15000));
    const answers = sizes.map((size, i) => {
      const b = answerBuffer(size);
      expect(b.byteLength).toBe(size);
      b.fill(i & 0xff);
      return b;
    });
    answers.forEach((b, i) => expect(b.every((x) => x === (i & 0xff))).toBe(true));
  });

  it('give a large answer a buffer of its own', () => {
    const b = answerBuffer(1 << 20);
    expect(b.byteLength).toBe(1 << 20);
    expect(b.buffer.byteLength).toBe(1 << 20);
  });
});
