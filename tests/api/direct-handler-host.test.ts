// Which requests the direct handler takes by their Host header: a plain one
// (what @hono/node-server takes as it is), and it remembers the last plain
// one it saw; any other is left to Hono, also right after a plain one.
import { describe, expect, it } from 'vitest';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { directHandler } from '../../src/api/direct-handler.ts';

function handler() {
  const answered: number[] = [];
  const take = directHandler({
    // Every request it takes is refused by the token check: nothing else of the handler runs.
    answerers: {} as never,
    auth: { check: () => 'no token' } as never,
    log: {} as never,
    maxBodySize: 1 << 20,
    gzipMinSize: 0,
    requests: null,
  });
  const request = (host: string | undefined, url = '/api/query') => {
    const req = { url, method: 'GET', headers: { host }, readableEnded: true } as unknown as IncomingMessage;
    const res = {
      headersSent: false,
      statusCode: 0,
      setHeader() {},
      end() {
        answered.push(this.statusCode);
      },
    } as unknown as ServerResponse;
    return take(req, res);
  };
  return { request, answered };
}

describe('the direct handler and the Host header', () => {
  it('takes plain hosts, leaves the others to Hono, whatever came before', async () => {
    const { request, answered } = handler();
    const plain = ['127.0.0.1:8080', '127.0.0.1:8080', 'localhost', 'node-1.example:9000', 'localhost'];
    const other = ['', 'LOCALHOST', '127.0.0.1:80', 'a b', 'x:1234567', '[::1]:8080', 'h%41'];
    const sequence = plain.flatMap((h, i) => [h, other[i % other.length]!, other[(i + 3) % other.length]!, h]);
    for (const host of sequence) expect(request(host), JSON.stringify(host)).toBe(plain.includes(host));
    expect(request(undefined)).toBe(false);
    expect(request('localhost', '/api/query?x=%41')).toBe(false);
    expect(request('localhost', '/api/query?version=v2')).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(answered).toEqual(Array(sequence.filter((h) => plain.includes(h)).length + 1).fill(401));
  });
});
