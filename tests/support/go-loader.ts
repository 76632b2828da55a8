// What the Go store's loader demands of a host's checkpoint files: read in
// the order of their numbers, no series starts before its start in an earlier
// file (its loadFile chains buffers and refuses one that goes back).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeBinSnapshot, decodeJsonCheckpoint } from '../../src/persist/format/index.ts';
import { parseCheckpointName, sortCheckpoints } from '../../src/persist/layout.ts';
import { filesIn } from './persist-env.ts';

export function goLoaderAccepts(hostDir: string): boolean {
  const files = sortCheckpoints(filesIn(hostDir).map(parseCheckpointName).filter((n) => n !== null));
  const latest = new Map<string, number>();
  for (const f of files) {
    const bytes = readFileSync(join(hostDir, f.name));
    const file = f.ext === 'bin' ? decodeBinSnapshot(bytes) : decodeJsonCheckpoint(bytes);
    const walk = (l: typeof file.root, path: string): boolean => {
      for (const [m, s] of l.metrics) {
        const k = `${path}/${m}`;
        if (latest.has(k) && s.start < latest.get(k)!) return false;
        latest.set(k, s.start);
      }
      for (const [n, c] of l.children) if (!walk(c, `${path}/${n}`)) return false;
      return true;
    };
    if (!walk(file.root, '')) return false;
  }
  return true;
}
