// A stand-in for the storage engine in tests of the service: it records every
// call and answers from canned data, so route tests check routing, parsing,
// status codes and bodies. Tests get it through createTestStore(), the one place
// to swap in the real engine. Runtime-neutral: the e2e test server runs it under
// Node, Bun and Deno.

import type {
  HealthResult,
  HostExport,
  IngestResult,
  LevelData,
  MetricStore,
  MetricTable,
  QueryRequest,
  SampleColumns,
  SeriesTable,
} from '../../src/engine/types.ts';

export const TEST_METRICS: MetricTable = {
  cpu_load: { frequency: 60, aggregation: null },
  flops_any: { frequency: 60, aggregation: 'sum' },
  clock: { frequency: 60, aggregation: 'avg' },
};

export interface TestStoreCalls {
  ingest: Array<{ body: Uint8Array; cluster: string }>;
  query: QueryRequest[];
  free: Array<{ selector: string[]; to: number }>;
  debugDump: string[][];
  healthCheck: Array<{ cluster: string; nodes: string[]; metricNames: string[] }>;
}

export interface TestStoreAnswers {
  /** The JSON document /api/query answers with; by default one empty row per query. */
  query?: (req: QueryRequest) => unknown;
  /** Chunks freed per selector. */
  freed?: number;
  /** Debug dumps by selector joined with ":"; other selectors name no level. */
  debug?: Record<string, string>;
  /** Hosts known per cluster (listChildren, healthCheck). */
  hosts?: Record<string, string[]>;
}

export interface TestStore extends MetricStore {
  readonly calls: TestStoreCalls;
}

const LINE = /^[^\s,]+(,[^\s]+)? value=-?\d+(\.\d+)?[iu]?( \d+)?$/;

export function createTestStore(answers: TestStoreAnswers = {}, metrics: MetricTable = TEST_METRICS): TestStore {
  const calls: TestStoreCalls = { ingest: [], query: [], free: [], debugDump: [], healthCheck: [] };
  const hosts = answers.hosts ?? { fritz: ['f0101', 'f0102'] };
  const utf8 = new TextDecoder();

  return {
    metrics,
    calls,

    ingest(body, defaultCluster): IngestResult {
      calls.ingest.push({ body: new Uint8Array(body), cluster: defaultCluster });
      // Accepts simple "metric,tags value=V [ts]" lines; the first other line is the error.
      const lines = utf8.decode(body).split('\n');
      let accepted = 0;
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i]!.trim();
        if (line === '' || line.startsWith('#')) continue;
        if (!LINE.test(line)) {
          return {
            accepted, skipped: 0, rejected: 1, reasons: { malformed: 1 }, rejectedLines: [{ line: i + 1, reason: 'malformed' }],
            error: { line: i + 1, message: 'expected "<metric>,<tags> value=<number> [<timestamp>]"' }, wal: [],
          };
        }
        accepted++;
      }
      return { accepted, skipped: 0, rejected: 0, reasons: {}, rejectedLines: [], error: null, wal: [] };
    },

    // It keeps no WAL records: a batch of it has nothing to hand over.
    ingestHeld(body, defaultCluster): IngestResult {
      return this.ingest(body, defaultCluster);
    },

    takeHeldWal: () => [],

    query(req) {
      calls.query.push(req);
      const answer = answers.query ? answers.query(req) : { results: req.queries.map(() => []) };
      return new TextEncoder().encode(JSON.stringify(answer) + '\n');
    },

    queryAsync(req) {
      return Promise.resolve(this.query(req));
    },

    free(selector, to) {
      calls.free.push({ selector, to });
      return answers.freed ?? 0;
    },

    listChildren(selector) {
      if (selector.length === 0) return Object.keys(hosts);
      return selector.length === 1 ? (hosts[selector[0]!] ?? []) : [];
    },

    debugDump(selector) {
      calls.debugDump.push(selector);
      return answers.debug?.[selector.join(':')] ?? null;
    },

    healthCheck(cluster, nodes, metricNames) {
      calls.healthCheck.push({ cluster, nodes, metricNames });
      const known = hosts[cluster] ?? [];
      const result: Record<string, HealthResult> = {};
      for (const node of nodes) {
        result[node] = known.includes(node)
          ? { State: 'full', HealthMetrics: '{"degraded":[],"missing":[]}' }
          : { State: 'failed', HealthMetrics: '' };
      }
      return result;
    },

    hosts() {
      return Object.entries(hosts).flatMap(([cluster, list]) => list.map((h): [string, string] => [cluster, h]));
    },

    exportHost(): HostExport | null {
      return null;
    },

    loadHost(_cluster: string, _host: string, _level: LevelData) {},

    loadTable(_cluster: string, _host: string, _table: SeriesTable) {},

    reserve(_bytes: number) {},

    writeSamples(_cluster: string, _host: string, samples: SampleColumns) {
      return samples.count;
    },

    stats() {
      return { memoryBytes: 0, usedBytes: 0, shards: [] };
    },
  };
}
