// bench/lib/collect-garbage.mjs: a forced full collection, so that benches
// do not time the collection of their own input's garbage.

import { describe, expect, it } from 'vitest';
// @ts-expect-error: a bench module without type declarations
import { collectGarbage } from '../../bench/lib/collect-garbage.mjs';

describe('collectGarbage', () => {
  it('collects what nothing refers to any more', async () => {
    const ref = (() => new WeakRef(new Uint8Array(1 << 20)))();
    // A WeakRef's target stays alive until the job that made the ref has ended.
    await new Promise((resolve) => setTimeout(resolve, 0));
    collectGarbage();
    expect(ref.deref()).toBeUndefined();
  });
});
