// Decodes the files named on the command line with the viewer's entry point and prints
// one line of JSON: run by Node's tests under Bun and Deno to show it is one implementation.
import { readFileSync } from 'node:fs';
import { decodeFile, seriesStats } from '../../../src/viewer/index.ts';

const args = typeof Deno !== 'undefined' ? Deno.args : process.argv.slice(2);
const out = [];
for (const [path, relativePath] of args.map((a: string) => a.split('='))) {
  const file = await decodeFile(path.split('/').pop()!, new Uint8Array(readFileSync(path)), { relativePath });
  for (const s of file.series) {
    out.push([file.kind, s.path.join('/'), s.metric, s.start, s.frequency, s.values.length, seriesStats(s.values)]);
  }
}
console.log(JSON.stringify(out));

declare const Deno: { args: string[] } | undefined;
