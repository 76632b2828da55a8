// A Parquet archive written by the persistence codec from the shared JSON fixture
// (fritz/f0202), the way cleanup mode "archive" would write it.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeJsonCheckpoint, encodeParquetArchive } from '../../src/persist/format/index.ts';
import { fixturesDir } from '../support/shared.ts';

export const JSON_HOST_FILE = () => join(fixturesDir(), 'checkpoints-json/fritz/f0202/1725620000.json');

export function archiveFixtureHost(): Promise<Uint8Array> {
  const file = decodeJsonCheckpoint(readFileSync(JSON_HOST_FILE()));
  return encodeParquetArchive([{ cluster: 'fritz', hostname: 'f0202', files: [file] }]);
}
