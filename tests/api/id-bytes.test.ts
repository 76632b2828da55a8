// The ids' bytes the body parser makes on the way (query-body-fast.ts ids(),
// src/engine/id-bytes.ts): whatever the body, the list it registers bytes
// for is frozen, and those bytes are exactly what ByteWriter.strs16 writes
// for its strings, so encodeQuery writes the same command as for a copy of
// the request that no parser has seen.
import { describe, expect, it } from 'vitest';
import { fastQueryRequest } from '../../src/api/query-body-fast.ts';
import { parseQueryRequest } from '../../src/api/query-request.ts';
import { ByteWriter, encodeQuery } from '../../src/engine/codec.ts';
import { idBytesOf } from '../../src/engine/id-bytes.ts';
import type { QueryRequest } from '../../src/engine/types.ts';

const hwthreads = Array.from({ length: 72 }, (_, i) => String(i));

function strs16(list: readonly string[]): number[] {
  const w = new ByteWriter(4);
  w.strs16(list);
  return [...w.result()];
}

function command(req: QueryRequest): number[] {
  const header = { from: req.from, to: req.to, withStats: true, withData: true, withPadding: true, cluster: req.cluster };
  return [...encodeQuery(header, req.queries.map((q, row) => [row, q]))];
}

/** The request of `body` (bytes), its lists' registered bytes checked against strs16, and its command against an unregistered copy's. */
function checked(body: Uint8Array): { req: QueryRequest; registered: number } {
  const req = parseQueryRequest(body);
  let registered = 0;
  for (const q of req.queries) {
    for (const list of [q['type-ids'], q['subtype-ids']]) {
      const bytes = list ? idBytesOf(list) : undefined;
      if (!list || !bytes) continue;
      registered++;
      expect(Object.isFrozen(list)).toBe(true);
      expect([...bytes]).toEqual(strs16(list));
    }
  }
  expect(command(req)).toEqual(command(structuredClone(req)));
  return { req, registered };
}

const body = (ids: unknown, extra = '') =>
  new TextEncoder().encode(`{"cluster":"c${extra}","from":1,"to":2,"queries":[{"metric":"m","host":"h","type":"hwthread","type-ids":${JSON.stringify(ids)},"subtype":"core","subtype-ids":["1"],"aggreg":true}]}`);

describe('ids read with their bytes', () => {
  it('registers the bytes of a node\'s hwthread ids, the small numbers as shared strings', () => {
    const a = checked(body(hwthreads));
    const b = checked(body(hwthreads));
    expect(a.registered).toBe(2);
    expect(a.req.queries[0]!['type-ids']).toEqual(hwthreads);
    // The same string objects from one body to the next: no substring for "17".
    expect(a.req.queries[0]!['type-ids']![17]).toBe(b.req.queries[0]!['type-ids']![17]);
  });

  it('gives the run "0" to "n-1" as one frozen list for every body', () => {
    const first = checked(body(hwthreads)).req.queries[0]!['type-ids'];
    const again = checked(body(hwthreads)).req.queries[0]!['type-ids'];
    expect(again).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(() => (first as string[]).push('72')).toThrow(TypeError);
    const ids = (n: number) => Array.from({ length: n }, (_, i) => String(i));
    for (const n of [1, 2, 1023, 1024, 1025]) expect(checked(body(ids(n))).req.queries[0]!['type-ids']).toEqual(ids(n));
  });

  it('reads lists that are almost a run id by id', () => {
    const almost: unknown[][] = [['0', '2'], ['1', '2'], ['0', '01'], ['00'], ['0', '1', '1'], ['0', '1 '], ['0', '1', '2', 'x'], ['0', '', '2'], ['0', '1', '2', '4'], ['0', '1]'], ['0]', '1'], [']']];
    for (const list of almost) {
      const { req } = checked(body(list));
      expect(req.queries[0]!['type-ids']).toEqual(list);
      expect(Object.isFrozen(req.queries[0]!['type-ids'])).toBe(true);
    }
    const spaced = new TextEncoder().encode('{"queries":[{"type-ids":[ "0", "1" ,"2"\n]}]}');
    expect(checked(spaced).req.queries[0]!['type-ids']).toEqual(['0', '1', '2']);
  });

  it('writes the same command for ids of every kind', () => {
    const lists: unknown[][] = [
      ['0', '01', '007', '1023', '1024', '99999', '-1', '1.5', '', ' 1', 'a'],
      ['0000:3B:00.0', 'mlx5_0', 'gpü', '3'],
      ['x'.repeat(255), 'y'.repeat(256), 'z'],
      [],
      ['\u2028', 'é'],
    ];
    for (const list of lists) checked(body(list));
  });

  it('reads from the text when the bytes are not one a character', () => {
    // A multi-byte character before the ids: byte and character indices differ.
    const { req, registered } = checked(body(hwthreads, 'ü'));
    expect(req.queries[0]!['type-ids']).toEqual(hwthreads);
    expect(registered).toBe(0);
  });

  it('gives an invalid byte in an id the text\'s U+FFFD, without registered bytes', () => {
    const bytes = body(['1', 'aXb', '2']);
    const at = bytes.indexOf(0x58); // the X
    bytes[at] = 0xff;
    const { req, registered } = checked(bytes);
    expect(req.queries[0]!['type-ids']).toEqual(['1', 'a\ufffdb', '2']);
    expect(registered).toBe(1); // subtype-ids only
  });

  it('gives up on the same bodies from the bytes as from the text', () => {
    for (const text of ['{"queries":[{"type-ids":[1]}]}', '{"queries":[{"type-ids":["1",]}]}', '{"queries":[{"type-ids":["1"', '{"queries":[{"type-ids":["\\u0031"]}]}',
      '{"queries":[{"type-ids":["1"\n,\t"2" ]}]}', '{"queries":[{"type-ids":[ ]}]}', '{"queries":[{"type-ids":["a\tb"]}]}']) {
      const bytes = new TextEncoder().encode(text);
      expect(fastQueryRequest(text, bytes) === null, text).toBe(fastQueryRequest(text) === null);
      expect(fastQueryRequest(text, bytes), text).toEqual(fastQueryRequest(text));
    }
  });
});
