// readIncomingBody: the body of a node:http request as one buffer, within the limit.

import { Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { readIncomingBody } from '../../src/api/body.ts';

/** A request whose body arrives in `chunks`, with a Content-Length header when `length` is given. */
function request(chunks: Uint8Array[], length?: number): IncomingMessage {
  const stream = Readable.from(chunks, { objectMode: false }) as unknown as IncomingMessage;
  (stream as { headers: Record<string, string> }).headers = length === undefined ? {} : { 'content-length': String(length) };
  return stream;
}

const bytes = (text: string) => Buffer.from(text); // a Buffer: a stream passes it on as it is
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('readIncomingBody', () => {
  it('keeps a chunk that is the whole body as it is, without a copy', async () => {
    const chunk = bytes('cpu_load,hostname=a value=1 1\n');
    const body = await readIncomingBody(request([chunk], chunk.length), 1000);
    expect(body).toBe(chunk);
  });

  it('copies a body of several chunks into one buffer of its Content-Length', async () => {
    const body = await readIncomingBody(request([bytes('abc'), bytes('def'), bytes('g')], 7), 1000);
    expect(text(body)).toBe('abcdefg');
    expect(body.byteLength).toBe(7);
  });

  it('keeps every byte when more arrive than the Content-Length said', async () => {
    expect(text(await readIncomingBody(request([bytes('abcd'), bytes('efgh')], 4), 1000))).toBe('abcdefgh');
    expect(text(await readIncomingBody(request([bytes('abcdefgh')], 4), 1000))).toBe('abcdefgh');
  });

  it('joins the chunks of a body without a Content-Length', async () => {
    expect(text(await readIncomingBody(request([bytes('ab'), bytes('cd')]), 1000))).toBe('abcd');
  });

  it('refuses a body over the limit, declared or not, naming the limit', async () => {
    await expect(readIncomingBody(request([bytes('abcdef')], 6), 5)).rejects.toThrow(/larger than 5 bytes \(main.max-body-size\)/);
    await expect(readIncomingBody(request([bytes('abc'), bytes('def')]), 5)).rejects.toThrow(/larger than 5 bytes/);
  });
});
