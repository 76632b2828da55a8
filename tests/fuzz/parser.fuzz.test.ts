// No input traps the engine: 100,000+ bodies of random bytes, mutated valid
// lines, huge numbers and long names go through ingest (three shards, WAL on),
// and the store keeps answering correctly for data written before them.
import { describe, expect, it } from 'vitest';
import type { IngestResult, QueryRequest } from '../../src/engine/types.ts';
import { lp, makeStore, queryJson } from '../engine/helpers.ts';

const T = 1725620400;
const REF_CLUSTER = 'reference-cluster-q9';

/** xorshift32: the fuzz runs are reproducible. */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  return {
    int: (n: number) => next() % n,
    pick: <T>(a: readonly T[]): T => a[next() % a.length],
    chance: (p: number) => next() / 2 ** 32 < p,
  };
}

const ALPHABET = lp('abcXYZ019_-.,= \\"#\n\r\t\x00\x7f\xc3\xa9\xff{}');
const VALID = [
  'cpu_load,cluster=fritz,hostname=f01 value=1.5 1725620400',
  'cpu_user,cluster=fritz,hostname=f02,type=hwthread,type-id=3 value=42i 1725620460000',
  'mem_bw,hostname=f03,type=socket,type-id=0,stype=memctrl,stype-id=1,cluster=alex value=-3.25e2 1725620520000000',
  'fast,host=f04 value=7u',
  'flops_any,cluster=fritz,hostname=f\\ 05,type-id=1,type=core value=0x1p3 1725620400000000000',
  '# comment line',
  'ten,cluster=fritz,hostname=f06 value=1_000.5 -60',
  'cpu_load,cluster=fritz,hostname=f07 value="str" 1725620400',
  'nope,cluster=fritz,hostname=f08 value=1 1725620400',
];

function randomBytes(r: ReturnType<typeof rng>): Uint8Array {
  const n = r.int(200);
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = r.chance(0.5) ? r.pick(ALPHABET) : r.int(256);
  return b;
}

function mutated(r: ReturnType<typeof rng>): Uint8Array {
  const lines: number[] = [];
  const count = 1 + r.int(4);
  for (let i = 0; i < count; i++) lines.push(...lp(r.pick(VALID) + r.pick(['\n', '\r\n', '', '\n\n'])));
  for (let m = 1 + r.int(4); m > 0 && lines.length > 0; m--) {
    const at = r.int(lines.length);
    switch (r.int(5)) {
      case 0: lines.splice(at, 1); break;
      case 1: lines.splice(at, 0, r.pick(ALPHABET)); break;
      case 2: lines[at] = r.int(256); break;
      case 3: lines.splice(at, 0, ...lines.slice(at, at + r.int(20))); break;
      default: lines.length = at;
    }
  }
  return Uint8Array.from(lines);
}

function hugeNumbers(r: ReturnType<typeof rng>): Uint8Array {
  const digits = (n: number) => Array.from({ length: n }, () => r.int(10)).join('');
  const value = r.pick([
    digits(1 + r.int(400)), `${digits(1 + r.int(30))}.${digits(r.int(400))}`, `1e${r.int(100000)}`, `1e-${r.int(100000)}`,
    `${digits(25)}i`, `-${digits(20)}i`, `${digits(21)}u`, `0x${digits(40)}p${r.int(3000) - 1500}`, '-0', '.e1', '1e', '-inf',
    `${digits(2)}.${digits(2)}e${r.pick(['+', '-', ''])}${digits(3)}`, '179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497791.9999999999999999999999999999',
  ]);
  const ts = r.pick(['', ` ${digits(1 + r.int(25))}`, ` -${digits(1 + r.int(20))}`, ' 9223372036854775807', ' -9223372036854775808', ' 0']);
  return lp(`${r.pick(['cpu_load', 'fast', 'mem_bw'])},cluster=fuzz,hostname=n${r.int(4)} value=${value}${ts}\n`);
}

function longNames(r: ReturnType<typeof rng>): Uint8Array {
  const long = (n: number) => 'x'.repeat(n);
  const n = 200 + r.int(70_000);
  return lp(r.pick([
    `${long(n)},cluster=fuzz,hostname=a value=1 ${T}`,
    `cpu_load,cluster=fuzz,hostname=${long(n)} value=1 ${T}`,
    `cpu_load,cluster=${long(n)},hostname=a value=1 ${T}`,
    `cpu_user,cluster=fuzz,hostname=a,type=${long(n)},type-id=1 value=1 ${T}`,
    `cpu_load,cluster=fuzz,hostname=a,${long(n)}=1 value=1 ${T}`,
    `cpu_load,cluster=fuzz,hostname=a ${long(n)}=1 ${T}`,
    `cpu_load,cluster=fuzz,hostname=a value=${'1'.repeat(n)} ${T}`,
    `cpu_load,cluster=fuzz,hostname=a value=1 ${'9'.repeat(n)}`,
    `${'cpu_load,cluster=fuzz,hostname=a value=1\n'.repeat(1 + (n >> 6))}`,
  ]));
}

const REF_QUERY: QueryRequest = {
  cluster: REF_CLUSTER, from: T, to: T + 600 * 60,
  queries: [{ metric: 'cpu_load', host: 'ref' }, { metric: 'cpu_user', host: 'ref' }, { metric: 'mem_bw', host: 'ref', type: 'socket', 'type-ids': ['0', '1'] }],
};

function sane(r: IngestResult, body: Uint8Array): void {
  expect(r.accepted).toBeGreaterThanOrEqual(0);
  expect(r.rejected).toBe(Object.values(r.reasons).reduce((a, b) => a + b, 0));
  expect(r.rejectedLines.length).toBe(Math.min(10, r.rejected));
  expect(r.reasons.malformed ?? 0).toBe(r.error ? 1 : 0);
  if (r.error) {
    expect(r.error.line).toBeGreaterThanOrEqual(1);
    expect(r.error.line).toBeLessThanOrEqual(body.length + 1);
    expect(r.error.message.length).toBeGreaterThan(0);
  }
  let walSamples = 0;
  for (const w of r.wal) walSamples += w.count;
  expect(walSamples).toBe(r.accepted);
}

describe('fuzz', () => {
  it('survives 100,000+ hostile bodies and still answers correctly', () => {
    const store = makeStore({ shards: 3, wal: true });
    const ref: string[] = [];
    for (let i = 0; i < 600; i++) {
      ref.push(`cpu_load,cluster=${REF_CLUSTER},hostname=ref value=${i / 4} ${T + i * 60}`);
      for (let t = 0; t < 4; t++) ref.push(`cpu_user,cluster=${REF_CLUSTER},hostname=ref,type=hwthread,type-id=${t} value=${t * 10 + (i % 10)} ${T + i * 60}`);
      for (let s = 0; s < 2; s++) ref.push(`mem_bw,cluster=${REF_CLUSTER},hostname=ref,type=socket,type-id=${s} value=${s + i} ${T + i * 60}`);
    }
    expect(store.ingest(lp(ref.join('\n')), REF_CLUSTER, T).error).toBeNull();
    const expected = queryJson(store, REF_QUERY);
    expect(expected.results[0][0].data).toHaveLength(600);
    // The compressed engine (the default): the reference series' first chunks are sealed.
    expect(store.stats().sealedChunks).toBeGreaterThan(0);

    const r = rng(20240906);
    let cases = 0;
    let errors = 0;
    const kinds = [randomBytes, mutated, hugeNumbers];
    for (let i = 0; i < 100_000; i++) {
      const body = kinds[i % 3](r);
      const res = store.ingest(body, r.pick(['fuzz', '', 'fr/itz', '..']), T + r.int(100000) - 50000);
      sane(res, body);
      if (res.error) errors++;
      cases++;
      if (i % 10_000 === 9_999) expect(queryJson(store, REF_QUERY)).toEqual(expected);
    }
    for (let i = 0; i < 300; i++) {
      const body = longNames(r);
      sane(store.ingest(body, 'fuzz', T), body);
      cases++;
    }
    expect(cases).toBeGreaterThanOrEqual(100_000);
    expect(errors).toBeGreaterThan(1000);

    // The reference data is intact and every other host still answers (errors allowed, no trap).
    expect(queryJson(store, REF_QUERY)).toEqual(expected);
    const hosts = store.hosts();
    expect(hosts.length).toBeGreaterThan(5);
    for (const [cluster, host] of hosts) {
      const q = queryJson(store, {
        cluster, from: -(2 ** 53), to: 2 ** 53, 'with-data': false,
        queries: ['cpu_load', 'cpu_user', 'mem_bw', 'fast', 'ten', 'flops_any'].map((metric) => ({ metric, host, resolution: 600 })),
      });
      expect(q.results).toHaveLength(6);
      expect(JSON.parse(store.debugDump([cluster, host])!).data).toBeTypeOf('object');
    }
    expect(JSON.parse(store.debugDump([])!).data[REF_CLUSTER].ref).toBeTypeOf('object');
    expect(store.healthCheck(REF_CLUSTER, ['ref'], ['cpu_load'], T + 600 * 60).ref.State).toBe('full');
    const exported = store.exportHost(REF_CLUSTER, 'ref', { unsavedOnly: false })!;
    expect(exported.files[0].metrics.get('cpu_load')!.values).toHaveLength(600);
    expect(store.free([], T + 2 ** 40)).toBeGreaterThan(0);
    expect(store.hosts()).toEqual([]);
  });
});
