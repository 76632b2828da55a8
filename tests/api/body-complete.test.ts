// takeCompleteBody: a body node:http parsed whole before the next tick is taken
// at once; one still arriving is left to readIncomingBody (null).

import { type IncomingMessage, type Server, createServer } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readIncomingBody, takeCompleteBody } from '../../src/api/body.ts';

let server: Server;
let port = 0;

/** Answers how the body was read ("now" or "later"), its length and text, or the error. */
async function answer(req: IncomingMessage): Promise<string> {
  try {
    const now = takeCompleteBody(req, 100);
    const body = now ?? (await readIncomingBody(req, 100));
    return `${now ? 'now' : 'later'} ${body.byteLength} ${Buffer.from(body).toString()}`;
  } catch (e) {
    return `error ${(e as Error).message}`;
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    process.nextTick(async () => {
      const text = await answer(req);
      res.setHeader('connection', 'close');
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Sends `parts` on one connection (a pause between them) and returns the answer's body. */
function send(parts: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let got = '';
    socket.on('data', (d) => (got += d));
    socket.on('end', () => resolve(got.slice(got.indexOf('\r\n\r\n') + 4)));
    socket.on('error', reject);
    socket.once('connect', async () => {
      for (const [i, part] of parts.entries()) {
        if (i > 0) await new Promise((r) => setTimeout(r, 30));
        socket.write(part);
      }
    });
  });
}

const head = (length: number, method = 'GET') => `${method} /api/query HTTP/1.1\r\nhost: x\r\ncontent-length: ${length}\r\n\r\n`;

describe('takeCompleteBody', () => {
  it('takes a body that came with its headers at once', async () => {
    expect(await send([`${head(9)}{"a":"b"}`])).toBe('now 9 {"a":"b"}');
  });

  it('takes an empty body at once', async () => {
    expect(await send([head(0)])).toBe('now 0 ');
    expect(await send(['GET /api/query HTTP/1.1\r\nhost: x\r\n\r\n'])).toBe('now 0 ');
  });

  it('leaves a chunked body to readIncomingBody (not marked complete by the next tick)', async () => {
    const chunked = 'POST /api/query HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n';
    expect(await send([chunked])).toBe('later 5 abcde');
  });

  it('leaves a body still arriving to readIncomingBody', async () => {
    expect(await send([`${head(9)}{"a"`, ':"b"}'])).toBe('later 9 {"a":"b"}');
    expect(await send([head(9), '{"a":"b"}'])).toBe('later 9 {"a":"b"}');
  });

  it('refuses a body over the limit, declared or counted, as readIncomingBody does', async () => {
    expect(await send([`${head(101)}${'x'.repeat(101)}`])).toMatch(/^error request body larger than 100 bytes/);
    const chunked = `POST /api/query HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n65\r\n${'x'.repeat(101)}\r\n0\r\n\r\n`;
    expect(await send([chunked])).toMatch(/^error request body larger than 100 bytes/);
  });
});
