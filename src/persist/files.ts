// File-system steps with the durability the persistence layer relies on.

import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import type { Dirent } from 'node:fs';
import { dirname } from 'node:path';

/**
 * mkdir -p that reports why it failed. A recursive mkdir answers ENOENT when
 * a missing parent cannot be created (on Node: on a read-only file system, or
 * without write permission), which hides the real error; creating the
 * missing levels one by one gives it (EROFS, EACCES, ENOTDIR, ...).
 */
export async function makeDirectory(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await makeLevels(dir);
  }
}

async function makeLevels(dir: string): Promise<void> {
  try {
    await mkdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    const parent = dirname(dir);
    if (code !== 'ENOENT' || parent === dir) throw err;
    await makeLevels(parent);
    await mkdir(dir).catch((again: NodeJS.ErrnoException) => {
      if (again.code !== 'EEXIST') throw again;
    });
  }
}

/** Flushes a directory entry (a rename or a new file) to disk. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes `data` to `<path>.tmp`, flushes it, and renames it to `path`, so a
 * crash leaves either the old file or the whole new one, never a part.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string, opts: { sync: boolean }): Promise<void> {
  const tmp = `${path}.tmp`;
  const handle = await open(tmp, 'w', 0o644);
  try {
    await handle.writeFile(data);
    if (opts.sync) await handle.sync();
  } catch (err) {
    await handle.close().catch(() => {});
    await rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  await rename(tmp, path);
  if (opts.sync) await syncDir(dirname(path));
}

/** Directory entries, or [] when the directory does not exist. */
export async function listDir(dir: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

export function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException)?.code === 'ENOENT';
}

/** Yields to the event loop so requests are served between long steps. */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
