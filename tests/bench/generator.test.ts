// The bench's data generator (bench/data/generator.mjs) has the shapes its
// header documents, is deterministic, and speaks line protocol the engine
// takes whole: benches and codec tests build on it.
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain ESM with JSDoc types, without type declarations
import { KINDS, bodies, metricConfig, plannedLines, seriesValues } from '../../bench/data/generator.mjs';
import { Store } from '../../src/engine/store.ts';
import { engineModule } from '../engine/helpers.ts';

const FROM = 1725620400;
const N = 20_000; // about two weeks at 60 s: several jobs and idle stretches per series

const present = (values: Float32Array) => Array.from(values).filter((v) => !Number.isNaN(v));

/** Whether every present value is the float32 of a decimal with at most `decimals` digits after the point. */
function hasDecimals(values: Float32Array, decimals: number): boolean {
  const scale = 10 ** decimals;
  return present(values).every((v) => Math.fround(Math.round(v * scale) / scale) === v);
}

/** The longest run of exact zeros. */
function longestZeroRun(values: Float32Array): number {
  let best = 0;
  let run = 0;
  for (const v of values) {
    run = v === 0 ? run + 1 : 0;
    best = Math.max(best, run);
  }
  return best;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe('bench data generator', () => {
  it('is deterministic: the same seed gives the same values and bytes, another seed others', () => {
    for (const kind of KINDS) {
      expect(seriesValues(kind, 500, 7)).toEqual(seriesValues(kind, 500, 7));
    }
    expect(seriesValues('flops', 500, 7)).not.toEqual(seriesValues('flops', 500, 8));
    const options = { hosts: 2, hwthreads: 4, from: FROM, to: FROM + 3 * 3600, linesPerBody: 1000, seed: 3 };
    // Compared as buffers: toEqual walks megabytes element by element (8 s of the suite).
    const a = Buffer.from(concat([...bodies(options)]));
    expect(a.equals(Buffer.from(concat([...bodies(options)])))).toBe(true);
    expect(a.equals(Buffer.from(concat([...bodies({ ...options, seed: 4 })])))).toBe(false);
  });

  it.each(['realistic', 'worst'] as const)('%s bodies: every line is stored, none rejected, about the planned count', (mode) => {
    const options = { hosts: 3, hwthreads: 8, from: FROM, to: FROM + 12 * 3600, linesPerBody: 5000, seed: 11, mode };
    const store = Store.fromModule(engineModule, { metrics: metricConfig() });
    let accepted = 0;
    let lines = 0;
    for (const body of bodies(options)) {
      for (let i = body.indexOf(10); i >= 0; i = body.indexOf(10, i + 1)) lines++;
      const r = store.ingest(body, 'fritz', FROM + 13 * 3600);
      expect(r.error).toBeFalsy();
      expect(r.rejected).toBe(0);
      expect(r.skipped).toBe(0);
      accepted += r.accepted;
    }
    expect(accepted).toBe(lines);
    const planned = plannedLines(options);
    if (mode === 'worst') expect(lines).toBe(planned);
    // Missing samples: p = 0.002 per line plus silent hosts.
    else expect(lines).toBeGreaterThan(planned * 0.99);
    expect(lines).toBeLessThanOrEqual(planned);
    // The store counts slots: a missing line inside a series is a slot too.
    const slots = store.stats().shards.reduce((n, s) => n + s.samples, 0);
    expect(slots).toBeGreaterThanOrEqual(lines);
    expect(slots).toBeLessThanOrEqual(planned);
  });

  it('sends the collector value forms: 2 decimals, Go exponents, int64 and uint64, full float64 digits', () => {
    const text = new TextDecoder().decode(concat([...bodies({ hosts: 2, hwthreads: 2, from: FROM, to: FROM + 6 * 3600, seed: 5 })]));
    expect(text).toMatch(/^cpu_user,cluster=fritz,hostname=f0001,type=hwthread,type-id=0,unit=Percent value=\d+(\.\d{1,2})? \d{10}$/m);
    expect(text).toMatch(/^proc_run,cluster=fritz,hostname=f0001,type=node value=\d+i \d{10}$/m);
    expect(text).toMatch(/^ib_recv,cluster=fritz,hostname=f0002,type=node,unit=bytes value=\d+u \d{10}$/m);
    expect(text).toMatch(/^net_bytes_in,.* value=\d\.\d+e\+0[67] \d{10}$/m);
    expect(text).toMatch(/^ipc,.* value=\d\.\d{15,17} \d{10}$/m);
  });

  it('has the documented shapes as float32', () => {
    for (const kind of ['percent-busy', 'percent-small', 'percent-idle', 'rare', 'load']) expect(hasDecimals(seriesValues(kind, N, 2), 2), kind).toBe(true);
    for (const kind of ['clock', 'memory-gb', 'constant']) expect(hasDecimals(seriesValues(kind, N, 2), 3), kind).toBe(true);
    // Full digits do not fit a short decimal.
    for (const kind of ['ipc', 'flops', 'worst']) expect(hasDecimals(seriesValues(kind, N, 2), 4), kind).toBe(false);

    const counter = present(seriesValues('counter', N, 2));
    expect(counter.every((v, i) => i === 0 || v >= counter[i - 1]!)).toBe(true);
    expect(counter.at(-1)!).toBeGreaterThan(counter[0]!);

    expect(new Set(present(seriesValues('constant', N, 2))).size).toBe(1);
    // Clocks barely change: long stretches of one value.
    const clock = present(seriesValues('clock', N, 2));
    expect(clock.filter((v, i) => i > 0 && v !== clock[i - 1]).length).toBeLessThan(clock.length * 0.05);

    // Idle stretches: zero runs of hours in FLOP rates, near-constant zeros in the rare percentages.
    expect(longestZeroRun(seriesValues('flops', N, 2))).toBeGreaterThan(60);
    expect(longestZeroRun(seriesValues('rare', N, 2))).toBeGreaterThan(500);

    // Missing samples, but only a few; none in the worst case.
    const missing = seriesValues('percent-busy', N, 2).filter(Number.isNaN).length;
    expect(missing).toBeGreaterThan(0);
    expect(missing).toBeLessThan(N * 0.05);
    expect(seriesValues('worst', N, 2).some(Number.isNaN)).toBe(false);

    // Jobs start and end: FLOP rates jump between levels.
    const flops = present(seriesValues('flops', N, 2));
    const jumps = flops.filter((v, i) => i > 0 && Math.abs(v - flops[i - 1]!) > 0.5 * Math.max(v, flops[i - 1]!) && Math.max(v, flops[i - 1]!) > 40);
    expect(jumps.length).toBeGreaterThan(5);
  });

  it('follows per-metric frequencies from a config table', () => {
    const frequencies = { load_one: { frequency: 120 }, cpu_user: 60 };
    const text = new TextDecoder().decode(
      concat([...bodies({ hosts: 1, hwthreads: 1, metrics: ['cpu_user', 'load_one'], from: FROM, to: FROM + 3600, frequencies, missing: 0, seed: 9 })]),
    );
    const count = (metric: string) => text.split('\n').filter((l) => l.startsWith(`${metric},`)).length;
    expect(metricConfig({ metrics: ['cpu_user', 'load_one'], frequencies })).toEqual({
      cpu_user: { frequency: 60, aggregation: 'avg' },
      load_one: { frequency: 120, aggregation: null },
    });
    // Unless its host went silent (p = 1/5,000 a tick), every tick of its frequency.
    expect(count('cpu_user')).toBeGreaterThanOrEqual(58);
    expect(count('load_one')).toBeLessThanOrEqual(30);
    expect(count('load_one')).toBeGreaterThanOrEqual(28);
  });
});
