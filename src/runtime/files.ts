// Reading files on Node, Bun and Deno (all through node:fs).

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The text of a file, or null when it does not exist. */
export async function readTextFile(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** The bytes of a file, or null when it does not exist. */
export async function readBinaryFile(path: string): Promise<Uint8Array | null> {
  try {
    return await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** The project's root directory: src/runtime/ and dist/runtime/ are both two levels below it. */
export function projectRoot(): string {
  return fileURLToPath(new URL('../../', import.meta.url));
}

/** The directory of an installed npm package. */
export function packageDirectory(name: string): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve(`${name}/package.json`));
}

/** Reads a file named by a file: URL (the built viewer's files). */
export function readUrlFile(file: URL): Promise<Uint8Array | null> {
  return readBinaryFile(fileURLToPath(file));
}

/** Reads one file of the swagger-ui-dist package; names are checked by the caller. */
export function swaggerAssetReader(): (name: string) => Promise<Uint8Array | null> {
  const dir = packageDirectory('swagger-ui-dist');
  return (name) => readBinaryFile(join(dir, name));
}
