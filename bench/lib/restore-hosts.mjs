// The hosts of bench/persist.bench.mjs's restore files, shared with
// bench/restore-profile.mjs: 10 node metrics, 64 hwthreads x 8, 2 sockets x 4,
// 720 values a series (12 h at 60 s). `sinesHost`: full-precision sines (the
// codecs' worst case among the files); `realisticHost`: each series its
// metric's shape (bench/data/generator.mjs seriesValues).
import { METRICS, seriesValues } from '../data/generator.mjs';

export const SLOTS = 720;
export const T0 = 1725620030;

export const metricNames = [
  ...Array.from({ length: 10 }, (_, j) => `node_metric_${j}`),
  ...Array.from({ length: 8 }, (_, j) => `thread_metric_${j}`),
  ...Array.from({ length: 4 }, (_, j) => `socket_metric_${j}`),
];
export const metricTable = Object.fromEntries(metricNames.map((m) => [m, { frequency: 60, aggregation: 'avg' }]));

export function sinesHost(seed) {
  const series = (k) => {
    const values = new Float32Array(SLOTS);
    for (let i = 0; i < SLOTS; i++) values[i] = (i % 97 === 13) ? NaN : Math.sin(seed + k + i / 50) * 100 + k;
    return { frequency: 60, start: T0, values };
  };
  const level = (names, k0) => ({ metrics: new Map(names.map((n, j) => [n, series(k0 + j)])), children: new Map() });
  const root = level(Array.from({ length: 10 }, (_, j) => `node_metric_${j}`), 0);
  for (let t = 0; t < 64; t++) root.children.set(`hwthread${t}`, level(Array.from({ length: 8 }, (_, j) => `thread_metric_${j}`), 100 + t));
  for (let s = 0; s < 2; s++) root.children.set(`socket${s}`, level(Array.from({ length: 4 }, (_, j) => `socket_metric_${j}`), 300 + s));
  return root;
}

const NODE_KINDS = METRICS.filter((m) => m.level === 'node').map((m) => m.kind);
const THREAD_KINDS = METRICS.filter((m) => m.level === 'hwthread').map((m) => m.kind);

export function realisticHost(seed) {
  const series = (kind, k) => ({ frequency: 60, start: T0, values: seriesValues(kind, SLOTS, seed * 1000 + k) });
  const level = (names, kinds, k0) => ({ metrics: new Map(names.map((n, j) => [n, series(kinds[j % kinds.length], k0 + j)])), children: new Map() });
  const root = level(Array.from({ length: 10 }, (_, j) => `node_metric_${j}`), NODE_KINDS, 0);
  for (let t = 0; t < 64; t++) root.children.set(`hwthread${t}`, level(Array.from({ length: 8 }, (_, j) => `thread_metric_${j}`), THREAD_KINDS, 100 + 8 * t));
  for (let s = 0; s < 2; s++) root.children.set(`socket${s}`, level(Array.from({ length: 4 }, (_, j) => `socket_metric_${j}`), THREAD_KINDS.slice(6), 700 + 4 * s));
  return root;
}
