import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDirectory } from '../../src/persist/files.ts';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'ccms-mkdir-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A read-only tmpfs binds root too; null where this process may not mount. */
function readOnlyMount(dir: string): (() => void) | null {
  mkdirSync(dir);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    return null;
  }
  return () => execFileSync('umount', [dir], { stdio: 'ignore' });
}

describe('makeDirectory', () => {
  it('creates every missing level and accepts one that exists', async () => {
    const dir = join(root, 'a', 'b', 'c');
    await makeDirectory(dir);
    await makeDirectory(dir);
    expect(statSync(dir).isDirectory()).toBe(true);
  });

  it('reports ENOTDIR, naming the path, below a regular file', async () => {
    writeFileSync(join(root, 'file'), 'x');
    await expect(makeDirectory(join(root, 'file', 'x', 'y'))).rejects.toThrow(/ENOTDIR.*file/);
  });

  it('reports EROFS on a read-only file system where a recursive mkdir says ENOENT', async (ctx) => {
    const ro = join(root, 'ro');
    const unmount = readOnlyMount(ro);
    if (!unmount) return ctx.skip();
    try {
      await expect(makeDirectory(join(ro, 'cluster', 'host'))).rejects.toThrow(`EROFS: read-only file system, mkdir '${join(ro, 'cluster')}'`);
    } finally {
      unmount();
    }
  });
});
