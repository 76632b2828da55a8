// The fast reading of /api/query bodies (src/api/query-body-fast.ts) against
// the general one: on the shapes cc-backend sends and on thousands of
// mutations of them, parseQueryRequest gives exactly what the general path
// gives (the same request, or the same error), and the fast path takes the
// common shapes itself.

import { describe, expect, it } from 'vitest';
import { HttpError } from '../../src/api/errors.ts';
import { fastQueryRequest } from '../../src/api/query-body-fast.ts';
import { parseQueryRequest, parseQueryText } from '../../src/api/query-request.ts';

const ids = (n: number) => Array.from({ length: n }, (_, i) => String(i));
const BASES = [
  { cluster: 'fritz', from: 1725620400, to: 1725706800, queries: [{ metric: 'cpu_load', host: 'f0101' }] },
  { cluster: 'fritz', from: 1725620400, to: 1725706800, queries: [{ metric: 'flops_any', host: 'f0101', type: 'hwthread', 'type-ids': ids(72), aggreg: true }] },
  {
    cluster: 'fritz', from: -5, to: 0, 'with-stats': false, 'with-data': true, 'with-padding': false,
    queries: [
      { metric: 'mem_bw', host: 'f0101', type: 'socket', 'type-ids': ['0', '1'], resolution: 600, 'scale-by': 1.5e-3, aggreg: false },
      { metric: 'nv_util', host: 'f0102', type: 'accelerator', 'type-ids': ['00000000:3B:00.0'], subtype: 'core', 'subtype-ids': ['1'] },
      { metric: 'ib_recv', host: 'f0103', subtype: 'ib', 'subtype-ids': ['mlx5_0'] },
    ],
  },
  { cluster: 'fritz', from: 1, to: 2, 'for-all-nodes': ['cpu_load', 'mem_used'], queries: [] },
  { cluster: 'ünïcode <&>', from: 0, to: 9007199254740991, queries: [{ metric: 'm', host: 'h', 'scale-by': -0, resolution: -0 }] },
  {},
];

/** Both paths' outcome on `text`: the request, or the error's status and message. */
function outcome(parse: () => unknown): unknown {
  try {
    return { ok: parse() };
  } catch (e) {
    if (!(e instanceof HttpError)) throw e;
    return { status: e.status, message: e.message };
  }
}

function expectSame(text: string): void {
  const general = outcome(() => parseQueryText(text));
  expect(outcome(() => parseQueryRequest(new TextEncoder().encode(text))), text).toEqual(general);
}

/** A seeded xorshift: the same mutations on every run. */
function random(seed: number) {
  let x = seed;
  return (n: number) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
}

const PIECES = ['', ' ', '\n', '\t', ',', ':', '"', '\\', '\\"', '{', '}', '[', ']', 'null', 'true', 'false', '0', '-', '.', 'e', 'E', '+', '1', '01', '1.5', '1e3',
  '9007199254740993', '"x"', '\u0001', 'é', '\u2028', 'From', 'FROM', 'ſcale-by', 'queries', '"cluster":"x",', '"from":null,', '"metric":"a",', '"aggreg":1,'];

function mutate(text: string, next: (n: number) => number): string {
  const at = next(text.length + 1);
  const to = Math.min(text.length, at + next(4));
  switch (next(4)) {
    case 0: // delete a few characters
      return text.slice(0, at) + text.slice(to);
    case 1: // insert a piece
      return text.slice(0, at) + PIECES[next(PIECES.length)] + text.slice(at);
    case 2: // replace a few characters with a piece
      return text.slice(0, at) + PIECES[next(PIECES.length)] + text.slice(to);
    default: // swap the case of a letter
      return text.slice(0, at) + (text[at] ?? '').toUpperCase() + text.slice(at + 1);
  }
}

describe('fast query body reading', () => {
  it('takes the shapes cc-backend sends, with the general path result', () => {
    for (const base of BASES) {
      for (const text of [JSON.stringify(base), JSON.stringify(base, null, 2), ` ${JSON.stringify(base)}\r\n`]) {
        expect(fastQueryRequest(text), text).not.toBeNull();
        expect(fastQueryRequest(text)).toEqual(parseQueryText(text));
        expectSame(text);
      }
    }
  });

  it('reads numbers of every JSON form as JSON.parse does', () => {
    for (const text of ['{"from":1e3,"to":-0}', '{"from":1.0,"to":250E-1,"queries":[{"scale-by":25E-1}]}', '{"queries":[{"scale-by":1e400,"resolution":6e1}]}', '{"queries":[{"scale-by":-0.000001}]}']) {
      expect(fastQueryRequest(text), text).not.toBeNull();
      expectSame(text);
    }
  });

  it('leaves the rest to the general path: keys in another case, duplicates, null, escapes, other number forms', () => {
    const leftAlone = [
      '{"From":1}', '{"from":1,"from":2}', '{"from":null}', '{"cluster":"a\\u0062"}',
      '{"from":1.5}', '{"queries":[{"metric":"a","metric":"b"}]}', '{"queries":null}', '{"unknown":1}', '', ' ', '{} x', '[]',
      '{"type-ids":["1"]}', '{"queries":[{"type-ids":[1]}]}', '{"with-stats":1}', '{"from":9007199254740993}', '{"from":-}', '{"from":01}',
    ];
    for (const text of leftAlone) {
      expect(fastQueryRequest(text), text).toBeNull();
      expectSame(text);
    }
  });

  it('gives the general path result on 10,000 mutated bodies', () => {
    const next = random(0x9e3779b9);
    let taken = 0;
    for (let i = 0; i < 10_000; i++) {
      let text = JSON.stringify(BASES[next(BASES.length)]);
      for (let k = 1 + next(3); k > 0; k--) text = mutate(text, next);
      if (fastQueryRequest(text) !== null) taken++;
      expectSame(text);
    }
    // Many mutations keep a valid common shape (whitespace, digits, letters in values).
    expect(taken).toBeGreaterThan(500);
  });
});
