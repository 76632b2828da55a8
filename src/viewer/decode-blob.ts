// Reads and decodes one file handed over by the page; shared by the worker and the
// in-page fallback so both report the same progress.

import { decodeFile, type DecodedFile, type DecodeProgress } from './decode.ts';
import type { DecodeRequest } from './protocol.ts';
import { readWithProgress } from './read.ts';

export async function decodeRequest(
  req: DecodeRequest,
  onProgress: (progress: DecodeProgress) => void,
): Promise<DecodedFile> {
  const bytes = await readWithProgress(req.file, (done, total) => onProgress({ stage: 'read', done, total }));
  return decodeFile(req.name, bytes, {
    relativePath: req.relativePath,
    cluster: req.cluster,
    host: req.host,
    frequencies: req.frequencies,
    onProgress,
  });
}

/** The buffers of a result, to hand them to the page without copying (views over them move along). */
export function transferables(result: DecodedFile): ArrayBuffer[] {
  return [...new Set(result.series.map((s) => s.values.buffer as ArrayBuffer))];
}
