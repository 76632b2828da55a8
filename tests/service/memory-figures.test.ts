// The memory figures /api/debug and /metrics show: totals, per shard, per sample, and the process RSS.
import { describe, expect, it } from 'vitest';
import { memoryFigures } from '../../src/monitor/memory-figures.ts';
import { processRssBytes } from '../../src/runtime/index.ts';

describe('memory figures', () => {
  it('gives bytes per sample of linear memory and of stored data, per shard and in total', () => {
    const f = memoryFigures({
      memoryBytes: 3000, usedBytes: 1200, sealedBytes: 500, rawBytes: 600, touchedBytes: 2500,
      freeBytes: 1100, freeLargeBytes: 700, scratchBytes: 200,
      shards: [{ memoryBytes: 2000, usedBytes: 1000, chunks: 2, samples: 250 }, { memoryBytes: 1000, usedBytes: 200, chunks: 0, samples: 0 }],
    }, 9000);
    expect(f).toMatchObject({
      memoryBytes: 3000, usedBytes: 1200, chunks: 2, samples: 250,
      sealedBytes: 500, rawBytes: 600, touchedBytes: 2500,
      freeBytes: 1100, freeLargeBytes: 700, scratchBytes: 200,
      bytesPerSample: { linear: 12, used: 4.8 },
      processRssBytes: 9000, rssBytesPerSample: 36,
    });
    expect(f.shards.map((s) => s.bytesPerSample)).toEqual([{ linear: 8, used: 4 }, { linear: 0, used: 0 }]);
    expect(memoryFigures({ memoryBytes: 0, usedBytes: 0, shards: [] }, null)).toMatchObject({ processRssBytes: null, rssBytesPerSample: null });
  });

  it('reads the process RSS from the runtime', () => {
    expect(processRssBytes()).toBeGreaterThan(10e6);
  });
});
