// src/persist/format is shared with the browser viewer: it must bundle for a
// browser with no Node built-in, and work there as it does here.
import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/shared.ts';

describe('format module in a browser bundle', () => {
  it('bundles for the browser without any Node built-in', async () => {
    const result = await build({
      entryPoints: [join(repoRoot, 'src/persist/format/index.ts')],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    const inputs = Object.keys(result.metafile!.inputs);
    expect(inputs.some((i) => i.includes('hyparquet-writer/src/node.js'))).toBe(false);
    expect(inputs.filter((i) => /^node:|^(fs|path|os|crypto)$/.test(i))).toEqual([]);
    const text = result.outputFiles[0].text;
    expect(text).not.toMatch(/from\s+["'](node:)?(fs|path|os|child_process)["']/);
  });
});
