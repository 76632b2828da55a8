// releaseBody: the buffers of a stored write body are given back at once (on
// Node), and only buffers that nothing else can share.

import { type Server, createServer } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { takeCompleteBody } from '../../src/api/body.ts';
import { releaseBody } from '../../src/api/release-body.ts';

describe('releaseBody', () => {
  it('detaches a chunk that owns its whole buffer', () => {
    const chunk = new Uint8Array(64 * 1024).fill(7);
    const buffer = chunk.buffer;
    releaseBody(chunk);
    expect(buffer.byteLength).toBe(0);
    expect(chunk.byteLength).toBe(0);
  });

  it('detaches every owning chunk of a chunked body', () => {
    const chunks = [new Uint8Array(100), new Uint8Array(200)];
    releaseBody(chunks);
    expect(chunks.map((c) => c.buffer.byteLength)).toEqual([0, 0]);
  });

  it('leaves slices of a pool and views of a larger buffer alone', () => {
    const pooled = Buffer.from('cpu_load value=1 1\n');
    const whole = new Uint8Array(1000).fill(1);
    const view = whole.subarray(10, 20);
    const head = whole.subarray(0, 999);
    releaseBody([pooled, view, head]);
    expect(pooled.toString()).toBe('cpu_load value=1 1\n');
    expect(whole.byteLength).toBe(1000);
    expect(view.byteLength).toBe(10);
    expect(head.byteLength).toBe(999);
  });

  it('leaves an empty body and an empty list alone', () => {
    expect(() => releaseBody(new Uint8Array(0))).not.toThrow();
    expect(() => releaseBody([])).not.toThrow();
  });
});

describe('a node:http body', () => {
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    // What the direct handler does: take the parsed body, use it, release it; answer whether its buffer went.
    server = createServer((req, res) => {
      process.nextTick(() => {
        const body = takeCompleteBody(req, 1 << 20);
        const length = body?.byteLength ?? -1;
        const first = body?.[0];
        if (body) releaseBody(body);
        res.setHeader('connection', 'close');
        res.end(`${length} ${first} ${body?.buffer.byteLength}`);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("is a buffer of its own, freed by releaseBody (the parser's copy, nothing shared)", async () => {
    const body = 'x'.repeat(59_000);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let got = '';
      socket.on('data', (d) => (got += d));
      socket.on('end', () => resolve(got.slice(got.indexOf('\r\n\r\n') + 4)));
      socket.on('error', reject);
      socket.once('connect', () => socket.write(`POST /api/write HTTP/1.1\r\nhost: x\r\ncontent-length: ${body.length}\r\n\r\n${body}`));
    });
    expect(answer).toBe(`59000 ${'x'.charCodeAt(0)} 0`);
  });
});
