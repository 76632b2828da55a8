// The write path, telling the idle collection (runtime/idle-collection.ts)
// about every body that goes through it, over HTTP and NATS alike.

import type { IngestBody } from '../engine/types.ts';
import type { IdleCollection } from '../runtime/index.ts';
import type { WritePath } from './ingest.ts';

/** Writes quiet this long count as an idle store. */
export const QUIET_MS = 1000;
/** Less than this since the last collection leaves too little garbage to bother. */
export const MIN_BODY_BYTES = 16 * 2 ** 20;

export function noteWrites(path: WritePath, idle: IdleCollection): WritePath {
  return {
    ingest(body, cluster) {
      idle.noteWrite(byteLength(body));
      return path.ingest(body, cluster);
    },
    openBatch() {
      const batch = path.openBatch();
      return {
        ingest(body, cluster) {
          idle.noteWrite(byteLength(body));
          return batch.ingest(body, cluster);
        },
        commit: () => batch.commit(),
      };
    },
  };
}

function byteLength(body: IngestBody): number {
  if (!Array.isArray(body)) return (body as Uint8Array).byteLength;
  let n = 0;
  for (const chunk of body as readonly Uint8Array[]) n += chunk.byteLength;
  return n;
}
