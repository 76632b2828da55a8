import { describe, expect, it } from 'vitest';
import { VerifiedTokenCache } from '../../src/auth/token-cache.ts';

describe('VerifiedTokenCache', () => {
  it('remembers tokens until they expire, then drops them', () => {
    let now = 100;
    const cache = new VerifiedTokenCache(8, () => now);
    cache.add('a', 150);
    cache.add('b', Infinity);
    expect(cache.has('a')).toBe(true);
    now = 150;
    expect(cache.has('a')).toBe(false);
    expect(cache.size).toBe(1);
    expect(cache.has('b')).toBe(true);
  });

  it('never holds more than its capacity', () => {
    const cache = new VerifiedTokenCache(3, () => 0);
    for (let i = 0; i < 100; i++) cache.add(`t${i}`, Infinity);
    expect(cache.size).toBe(3);
    expect(cache.has('t99')).toBe(true);
  });

  it('makes room by evicting expired tokens before live ones', () => {
    let now = 0;
    const cache = new VerifiedTokenCache(3, () => now);
    cache.add('live1', Infinity);
    cache.add('short', 10);
    cache.add('live2', Infinity);
    now = 20;
    cache.add('new', Infinity);
    expect(['live1', 'live2', 'new'].map((t) => cache.has(t))).toEqual([true, true, true]);
    expect(cache.has('short')).toBe(false);
  });

  it('evicts the least recently used live token when all are live', () => {
    const cache = new VerifiedTokenCache(2, () => 0);
    cache.add('a', Infinity);
    cache.add('b', Infinity);
    cache.has('a'); // a is now the most recent
    cache.add('c', Infinity);
    expect(cache.has('b')).toBe(false);
    expect(cache.has('a')).toBe(true);
    expect(cache.has('c')).toBe(true);
  });
});
