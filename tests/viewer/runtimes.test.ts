// The viewer's decoders are the same code in Node, Bun and Deno: each runtime decodes
// the fixtures (and an archive) from src/ directly and must print what Node computes.

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFile, seriesStats } from '../../src/viewer/index.ts';
import { fixturesDir, repoRoot } from '../support/shared.ts';
import { archiveFixtureHost } from './archive-fixture.ts';

const run = promisify(execFile);
const script = fileURLToPath(new URL('./runtime/summarise.ts', import.meta.url));
let work: string;
let args: string[];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'viewer-runtimes-'));
  const parquet = join(work, '1725620000.parquet');
  await writeFile(parquet, await archiveFixtureHost());
  const f = fixturesDir();
  args = [
    `${f}/checkpoints-wal/fritz/f0201/1725620000.bin=fritz/f0201/1725620000.bin`,
    `${f}/checkpoints-wal/fritz/f0201/current.wal=fritz/f0201/current.wal`,
    `${f}/checkpoints-json/fritz/f0202/1725620000.json=fritz/f0202/1725620000.json`,
    `${parquet}=1725620000.parquet`,
  ];
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** What Node makes of the same files, in the shape the script prints (NaN stats as null, as JSON has it). */
async function expected(): Promise<unknown> {
  const out = [];
  for (const [path, relativePath] of args.map((a) => a.split('='))) {
    const file = await decodeFile(path.split('/').pop()!, new Uint8Array(readFileSync(path)), { relativePath });
    for (const s of file.series) {
      out.push([file.kind, s.path.join('/'), s.metric, s.start, s.frequency, s.values.length, seriesStats(s.values)]);
    }
  }
  return JSON.parse(JSON.stringify(out));
}

describe.each([
  ['bun', ['bun', 'run', script]],
  ['deno', ['deno', 'run', '--allow-read', '--allow-env', script]],
])('the viewer decoders under %s', (_name, command) => {
  it('decode the .bin, .wal, .json and .parquet as Node does', async () => {
    const bin = join(repoRoot, 'node_modules/.bin', command[0]);
    const { stdout } = await run(bin, [...command.slice(1), ...args], { cwd: repoRoot, timeout: 60_000 });
    const got = JSON.parse(stdout);
    expect(got).toEqual(await expected());
    expect(got.map((row: unknown[]) => row.slice(0, 3))).toContainEqual(['parquet', 'fritz/f0202', 'cpu_load']);
    expect(got.length).toBe(8 + 2 + 2 + 2);
  });
});
