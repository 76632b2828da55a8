// behaviour.md section 6, free: chunks whose last step ends before t go,
// empty levels below the selector disappear, unknown selectors touch nothing.
import { describe, expect, it } from 'vitest';
import { lp, makeStore, read } from './helpers.ts';

const T = 1725620400;

function filled(options = {}) {
  const s = makeStore(options);
  const lines: string[] = [];
  for (const host of ['a', 'b']) {
    for (let i = 0; i < 1100; i++) {
      lines.push(`cpu_load,cluster=fritz,hostname=${host} value=${i} ${T + i * 60}`);
      lines.push(`cpu_user,cluster=fritz,hostname=${host},type=hwthread,type-id=0 value=${i} ${T + i * 60}`);
    }
  }
  lines.push(`cpu_load,cluster=other,hostname=x value=1 ${T}`);
  s.ingest(lp(lines.join('\n')), 'fritz', T);
  return s;
}

describe('free', () => {
  it('frees the chunks whose end (first write + len * f) is before t', () => {
    const s = filled();
    // chunk 0: first write T, 512 slots: end T + 512*60; end == t is kept
    expect(s.free(['fritz', 'a'], T + 512 * 60)).toBe(0);
    expect(s.free(['fritz', 'a'], T + 512 * 60 + 1)).toBe(2);
    expect(read(s, 'fritz', 'a', 'cpu_load', T, T + 1100 * 60)).toMatchObject({ from: T + 512 * 60 });
    expect(read(s, 'fritz', 'b', 'cpu_load', T, T + 1100 * 60)).toMatchObject({ from: T });
  });

  it('removes levels left empty below the selector but keeps the selected one', () => {
    const s = filled();
    expect(s.free(['fritz'], T + 2000 * 60)).toBe(2 * 2 * 3);
    expect(s.listChildren(['fritz'])).toEqual([]);
    expect(s.listChildren([])).toEqual(['fritz', 'other']);
    expect(s.free([], T + 2000 * 60)).toBe(1);
    expect(s.listChildren([])).toEqual([]);
    expect(s.hosts()).toEqual([]);
  });

  it('frees nothing and creates nothing for a selector that names nothing (ours)', () => {
    const s = filled();
    expect(s.free(['fritz', 'nohost'], T + 9e9)).toBe(0);
    expect(s.free(['nocluster'], T + 9e9)).toBe(0);
    expect(s.listChildren([])).toEqual(['fritz', 'other']);
    expect(s.listChildren(['fritz'])).toEqual(['a', 'b']);
  });

  it('reuses freed chunks for new writes', () => {
    const s = filled();
    const before = s.stats().shards[0];
    s.free([], T + 2000 * 60);
    expect(s.stats().shards[0]).toMatchObject({ chunks: 0, samples: 0 });
    const lines = Array.from({ length: 4400 }, (_, i) => `cpu_load,cluster=fritz,hostname=z${i % 4} value=${i} ${T + (i >> 2) * 60}`);
    s.ingest(lp(lines.join('\n')), 'fritz', T);
    expect(s.stats().shards[0].chunks).toBe(12);
    expect(s.stats().shards[0].memoryBytes).toBe(before.memoryBytes);
  });

  it('holds its memory steady over days of writes and hourly frees (the retention worker\'s pattern)', () => {
    const s = makeStore({ shards: 2 });
    const hosts = 16;
    const retention = 6 * 3600;
    const memory: number[] = [];
    for (let hour = 0; hour < 72; hour++) {
      const lines: string[] = [];
      for (let m = 0; m < 60; m++) {
        const ts = T + hour * 3600 + m * 60;
        for (let h = 0; h < hosts; h++) {
          lines.push(`cpu_load,cluster=fritz,hostname=n${h} value=${m} ${ts}`);
          for (let t = 0; t < 4; t++) lines.push(`cpu_user,cluster=fritz,hostname=n${h},type=hwthread,type-id=${t} value=${t} ${ts}`);
        }
      }
      expect(s.ingest(lp(lines.join('\n')), 'fritz', T + hour * 3600).accepted).toBe(lines.length);
      s.free([], T + (hour + 1) * 3600 - retention);
      memory.push(s.stats().memoryBytes);
    }
    // A chunk goes once its 512 slots have all passed the retention: at most ~15 h held per series.
    const used = s.stats().shards.reduce((n, sh) => n + sh.samples, 0);
    expect(used).toBeLessThanOrEqual(hosts * 5 * (512 + 6 * 60));
    // After the first cycles, freed chunks and pages serve the new ones: no growth over the last two days.
    expect(memory[71]).toBe(memory[23]);
    // And the data of the last 6 hours answers.
    expect(read(s, 'fritz', 'n3', 'cpu_load', T + 66 * 3600, T + 72 * 3600).data).toHaveLength(360);
  });

  it('frees across shards', () => {
    const s = filled({ shards: 3 });
    expect(s.free([], T + 2000 * 60)).toBe(2 * 2 * 3 + 1);
    expect(s.hosts()).toEqual([]);
  });

  it('counts what it frees on the free lists: touched = stored + scratch + free, and in use again by the next writes', () => {
    const s = filled({ compression: false });
    const account = () => {
      const st = s.stats();
      expect(st.touchedBytes).toBe(st.usedBytes + st.scratchBytes + st.freeBytes);
      expect(st.freeLargeBytes).toBeLessThanOrEqual(st.freeBytes);
      return st;
    };
    const before = account();
    s.free([], T + 2000 * 60);
    const freed = account();
    // 12 chunks (1,100 slots a series: 512 + 512 + 76) of 64-byte headers and 72 pages of 256 bytes (raw: compression off), and their levels.
    const pages = 4 * (8 + 8 + 2);
    expect(freed.freeBytes - before.freeBytes).toBeGreaterThanOrEqual(12 * 64 + pages * 256);
    expect(freed.usedBytes).toBeLessThan(before.usedBytes);
    const lines = Array.from({ length: 4400 }, (_, i) => `cpu_load,cluster=fritz,hostname=z${i % 4} value=${i} ${T + (i >> 2) * 60}`);
    s.ingest(lp(lines.join('\n')), 'fritz', T);
    const refilled = account();
    expect(refilled.freeBytes).toBeLessThanOrEqual(freed.freeBytes - pages * 256);
    expect(refilled.touchedBytes).toBe(freed.touchedBytes);
  });
});
