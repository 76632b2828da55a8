import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

describe('build', () => {
  it('produces a WASM engine that instantiates', async () => {
    const bytes = readFileSync(new URL('../build/engine.wasm', import.meta.url));
    const { instance } = await WebAssembly.instantiate(bytes, { env: { abort() {} } });
    expect(typeof instance.exports.memory).toBe('object');
  });
});
