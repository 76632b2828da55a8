// The engine's memory, per shard and per sample: what sizing and the memory
// cap are judged by (README "Monitoring").

import type { MetricStore } from '../engine/types.ts';
import { processRssBytes } from '../runtime/index.ts';
import { memoryFigures } from './memory-figures.ts';
import type { ScrapedMetrics } from './scraped.ts';

export interface StoreLimits {
  /** metric-store.memory-cap in bytes; 0 = none. */
  memoryCapBytes: number;
  /** metric-store.shard-memory-limit in bytes. */
  shardMemoryLimitBytes: number;
}

export function storeMetrics(m: ScrapedMetrics, store: MetricStore, limits: StoreLimits): () => void {
  const linear = m.gaugeSet('cc_metric_store_shard_memory_bytes', 'Linear memory of a shard (WebAssembly memory never shrinks)', ['shard']);
  const used = m.gaugeSet('cc_metric_store_shard_used_bytes', 'Bytes of stored data in a shard (what freeing lowers and the memory cap is held against)', ['shard']);
  const chunks = m.gaugeSet('cc_metric_store_shard_chunks', 'Chunks held by a shard', ['shard']);
  const samples = m.gaugeSet('cc_metric_store_shard_samples', 'Sample slots held by a shard', ['shard']);
  const perSample = m.gaugeSet(
    'cc_metric_store_bytes_per_sample',
    'Bytes per sample held: kind="used" stored data, kind="linear" linear memory (0 while empty)',
    ['kind'],
  );
  const shardPerSample = m.gaugeSet(
    'cc_metric_store_shard_bytes_per_sample',
    'Bytes per sample held by a shard: kind="used" stored data, kind="linear" linear memory (0 while empty)',
    ['shard', 'kind'],
  );
  const rss = m.gauge('cc_metric_store_process_rss_bytes', 'Resident set size of the process (the runtime\'s process.memoryUsage().rss)');
  const rssPerSample = m.gauge('cc_metric_store_process_rss_bytes_per_sample', 'Resident set size of the process per sample held (0 while empty)');
  const hosts = m.gauge('cc_metric_store_hosts', 'Hosts (cluster/host pairs) holding data in memory');
  m.gauge('cc_metric_store_memory_cap_bytes', 'metric-store.memory-cap in bytes; 0 = no cap')(limits.memoryCapBytes);
  m.gauge('cc_metric_store_shard_memory_limit_bytes', 'metric-store.shard-memory-limit in bytes: the most a shard stores')(limits.shardMemoryLimitBytes);

  return () => {
    const stats = store.stats();
    const figures = memoryFigures(stats, processRssBytes());
    const each = <K extends 'memoryBytes' | 'usedBytes' | 'chunks' | 'samples'>(key: K) =>
      stats.shards.map((s, i) => [{ shard: String(i) }, s[key]] as [Record<string, string>, number]);
    linear(each('memoryBytes'));
    used(each('usedBytes'));
    chunks(each('chunks'));
    samples(each('samples'));
    perSample([
      [{ kind: 'used' }, figures.bytesPerSample.used],
      [{ kind: 'linear' }, figures.bytesPerSample.linear],
    ]);
    shardPerSample(figures.shards.flatMap((s, i) => [
      [{ shard: String(i), kind: 'used' }, s.bytesPerSample.used] as [Record<string, string>, number],
      [{ shard: String(i), kind: 'linear' }, s.bytesPerSample.linear] as [Record<string, string>, number],
    ]));
    if (figures.processRssBytes !== null) {
      rss(figures.processRssBytes);
      rssPerSample(figures.rssBytesPerSample ?? 0);
    }
    hosts(store.hosts().length);
  };
}
