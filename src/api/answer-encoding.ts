// Query answers gzip-compressed (level 1, the fastest) when the client asks
// with Accept-Encoding: gzip, as Go's HTTP client in cc-backend does and
// decompresses transparently, and the answer is at least main.gzip-min-size
// bytes (default 0: never; README "Performance" says when it pays: links
// slower than about 300 Mbit/s). Compression runs on libuv's thread pool.

import { constants, gzip } from 'node:zlib';

export interface EncodedAnswer {
  body: Uint8Array;
  /** Headers beside content-type: content-encoding and vary when compressed. */
  headers: Readonly<Record<string, string>>;
}

export const NO_HEADERS: Readonly<Record<string, string>> = {};
const GZIPPED = { 'content-encoding': 'gzip', vary: 'Accept-Encoding' } as const;

/** True when `accept` (an Accept-Encoding header) lists gzip with a weight above 0. */
export function acceptsGzip(accept: string | undefined | null): boolean {
  if (!accept) return false;
  for (const item of accept.split(',')) {
    const [coding, ...params] = item.split(';');
    if (coding!.trim().toLowerCase() !== 'gzip') continue;
    const q = params.map((p) => p.trim().toLowerCase()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  }
  return false;
}

/** `answer` as it is sent: gzipped when asked and at least `minSize` bytes (0: never). */
export function encodeAnswer(answer: Uint8Array, accept: string | undefined | null, minSize: number): Promise<EncodedAnswer> | EncodedAnswer {
  if (minSize <= 0 || answer.byteLength < minSize || !acceptsGzip(accept)) return { body: answer, headers: NO_HEADERS };
  return new Promise((resolve, reject) => {
    gzip(answer, { level: constants.Z_BEST_SPEED }, (err, zipped) => (err ? reject(err) : resolve({ body: zipped, headers: GZIPPED })));
  });
}
