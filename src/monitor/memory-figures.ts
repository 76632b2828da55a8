// What the store's memory amounts to, per shard and in total: the figures
// /api/debug shows under "service.store" and /metrics as gauges. Stored bytes
// are what the store holds (and what metric-store.memory-cap is held
// against); linear memory is what its WASM instances took from the system
// (it never shrinks); the process RSS adds the runtime and its heap.

export interface ShardFigures {
  /** Linear memory of the shard. */
  memoryBytes: number;
  /** Bytes of stored data (levels, chunks, pages). */
  usedBytes: number;
  chunks: number;
  /** Sample slots held. */
  samples: number;
  /** Bytes per sample held: of linear memory and of stored data (0 while empty). */
  bytesPerSample: { linear: number; used: number };
}

export interface MemoryFigures extends Omit<ShardFigures, 'chunks'> {
  chunks: number;
  /** Of the stored bytes: encoded blocks of sealed chunks, and pages of raw chunks. */
  sealedBytes: number;
  rawBytes: number;
  /**
   * Linear memory the engine ever handed out (stored data, free blocks kept
   * for reuse, scratch): what of memoryBytes the process has touched.
   */
  touchedBytes: number;
  /** Of touchedBytes: blocks on the engine's free lists (in use again before linear memory grows), those above 2,048 bytes, and request scratch. */
  freeBytes: number;
  freeLargeBytes: number;
  scratchBytes: number;
  shards: ShardFigures[];
  /** Resident set size of the process, where the runtime tells it. */
  processRssBytes: number | null;
  /** Bytes of process RSS per sample held (null without RSS, 0 while empty). */
  rssBytesPerSample: number | null;
}

interface StoreStats {
  memoryBytes: number;
  usedBytes: number;
  sealedBytes?: number;
  rawBytes?: number;
  touchedBytes?: number;
  freeBytes?: number;
  freeLargeBytes?: number;
  scratchBytes?: number;
  shards: ReadonlyArray<{ memoryBytes: number; usedBytes: number; chunks: number; samples: number }>;
}

function perSample(bytes: number, samples: number): number {
  return samples > 0 ? bytes / samples : 0;
}

export function memoryFigures(stats: StoreStats, rss: number | null): MemoryFigures {
  const shards = stats.shards.map((s) => ({
    memoryBytes: s.memoryBytes,
    usedBytes: s.usedBytes,
    chunks: s.chunks,
    samples: s.samples,
    bytesPerSample: { linear: perSample(s.memoryBytes, s.samples), used: perSample(s.usedBytes, s.samples) },
  }));
  const samples = shards.reduce((a, s) => a + s.samples, 0);
  return {
    memoryBytes: stats.memoryBytes,
    usedBytes: stats.usedBytes,
    chunks: shards.reduce((a, s) => a + s.chunks, 0),
    samples,
    sealedBytes: stats.sealedBytes ?? 0,
    rawBytes: stats.rawBytes ?? 0,
    touchedBytes: stats.touchedBytes ?? 0,
    freeBytes: stats.freeBytes ?? 0,
    freeLargeBytes: stats.freeLargeBytes ?? 0,
    scratchBytes: stats.scratchBytes ?? 0,
    bytesPerSample: { linear: perSample(stats.memoryBytes, samples), used: perSample(stats.usedBytes, samples) },
    shards,
    processRssBytes: rss,
    rssBytesPerSample: rss === null ? null : perSample(rss, samples),
  };
}
