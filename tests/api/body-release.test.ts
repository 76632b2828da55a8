// A write body's socket buffers given back once the engine has its bytes
// (src/api/body-release.ts): only chunks that own their buffer whole, so that
// a buffer shared with another request, a head or Node's Buffer pool is never
// emptied under someone else.
import { type Server, createServer } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detachOwned, releaseBodyMemory } from '../../src/api/body-release.ts';
import { takeCompleteBody } from '../../src/api/body.ts';

const KB = 1024;

describe('releaseBodyMemory', () => {
  it("empties the body's chunks that are the whole of their buffer", () => {
    const one = new Uint8Array(64 * KB).fill(1);
    releaseBodyMemory(one);
    expect(one.byteLength).toBe(0);
    expect(one.buffer.byteLength).toBe(0);
    const chunks = [new Uint8Array(64 * KB), new Uint8Array(20 * KB)];
    releaseBodyMemory(chunks);
    expect(chunks.map((c) => c.byteLength)).toEqual([0, 0]);
  });

  it('leaves a view of part of a buffer, a small chunk and a pooled Buffer as they are', () => {
    const shared = new Uint8Array(128 * KB).fill(7);
    const tail = shared.subarray(100); // the head of the request before it
    const head = shared.subarray(0, 64 * KB); // the next request after it
    const small = new Uint8Array(KB).fill(3);
    const pooled = Buffer.from('cpu_load,cluster=c,hostname=h,type=node value=1 1\n'); // a slice of Node's pool
    releaseBodyMemory([tail, head, small, pooled]);
    expect(shared.byteLength).toBe(128 * KB);
    expect(tail[0]).toBe(7);
    expect(head.byteLength).toBe(64 * KB);
    expect(small.byteLength).toBe(KB);
    expect(pooled.toString()).toContain('cpu_load');
  });

  it('detachOwned says whether it detached', () => {
    expect(detachOwned(new Uint8Array(32 * KB))).toBe(true);
    expect(detachOwned(new Uint8Array(32 * KB).subarray(1))).toBe(false);
    const detached = new Uint8Array(32 * KB);
    detachOwned(detached);
    expect(detachOwned(detached)).toBe(false);
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
        if (body) releaseBodyMemory(body);
        res.setHeader('connection', 'close');
        res.end(`${length} ${first} ${body?.buffer.byteLength}`);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("is a buffer of its own, freed by releaseBodyMemory (the parser's copy, nothing shared)", async () => {
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
