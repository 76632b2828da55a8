// The start-up check of a directory the service will write to: created if
// missing, then a probe file created and removed. Better to refuse to start,
// naming the directory, its config key and the OS error, than to fail on the
// first write or, worse, at shutdown with every host unsaved.

import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import process from 'node:process';
import { makeDirectory } from './files.ts';
import { errorText } from './log.ts';

export async function assertWritableDirectory(dir: string, configKey: string): Promise<void> {
  const probe = join(dir, `.write-probe-${process.pid}`);
  try {
    await makeDirectory(dir);
    const handle = await open(probe, 'w');
    await handle.close();
    await rm(probe);
  } catch (err) {
    await rm(probe, { force: true }).catch(() => {});
    throw new Error(`directory '${dir}' (${configKey}) is not writable: ${errorText(err)}`, { cause: err });
  }
}
