// The write bodies of bench/http.bench.mjs, shared with its in-process
// ceiling (bench/lib/engine-ingest.mjs), so both ingest the same bytes.

export const METRICS = ['cpu_load', 'cpu_user', 'flops_any', 'flops_dp', 'flops_sp', 'mem_bw', 'ipc', 'clock', 'cpu_power', 'mem_used'];
export const HOSTS = 64;
export const HWTHREADS = 72;
export const STEPS_PER_BODY = 5;
export const COLLECTOR_HOSTS = 256;
export const FREQUENCY = 60;
export const BULK_LINES = METRICS.length * HOSTS * HWTHREADS * STEPS_PER_BODY;
export const COLLECTOR_LINES = METRICS.length * HWTHREADS;

/** The metric table of the bench's config.json. */
export const METRIC_CONFIG = Object.fromEntries(
  METRICS.map((m) => [m, { frequency: FREQUENCY, aggregation: ['cpu_load', 'mem_used'].includes(m) ? null : m === 'ipc' || m === 'clock' ? 'avg' : 'sum' }]),
);

/** One bulk write body: every metric of every hwthread of every host at STEPS_PER_BODY timestamps. */
export function bulkBody(firstTs) {
  const parts = [];
  for (let step = 0; step < STEPS_PER_BODY; step++) {
    const ts = firstTs + step * FREQUENCY;
    for (let h = 0; h < HOSTS; h++) {
      for (let t = 0; t < HWTHREADS; t++) {
        for (let m = 0; m < METRICS.length; m++) {
          parts.push(`${METRICS[m]},cluster=bench,hostname=h${h},type=hwthread,type-id=${t} value=${((h + t + m + step) % 97) * 0.5} ${ts}\n`);
        }
      }
    }
  }
  return Buffer.from(parts.join(''));
}

/** What one collector sends at one timestamp: every metric of every hwthread of its host. */
export function collectorBody(host, ts) {
  const parts = [];
  for (let t = 0; t < HWTHREADS; t++) {
    for (let m = 0; m < METRICS.length; m++) {
      parts.push(`${METRICS[m]},cluster=bench,hostname=c${host},type=hwthread,type-id=${t} value=${((host + t + m) % 97) * 0.5} ${ts}\n`);
    }
  }
  return Buffer.from(parts.join(''));
}
