#!/usr/bin/env node
// The JavaScript side of the aggregated query's ids, in-process: the body of
// bench/http.bench.mjs's aggregated query (72 hwthread ids) read by
// parseQueryRequest and written into the engine's command by encodeQuery,
// one build against another, counted by callgrind (the engine not run).
//
//   node bench/ids-profile.mjs [--builds A,B] [--ids 72] [--reps 2000] [--functions 15]
//
// A build is a directory holding dist/ (default: this checkout). Every build
// must write the same command bytes.
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { profileArgs } from './lib/args.mjs';
import { callgrindMarked } from './lib/callgrind-marked.mjs';

const { opt, builds, inner } = profileArgs();
const ids = Number(opt('--ids', 72));
const reps = Number(opt('--reps', 2000));
const topFunctions = Number(opt('--functions', 15));

const body = Buffer.from(JSON.stringify({
  cluster: 'bench', from: 1764613620, to: 1764700020,
  queries: [{ metric: 'flops_any', host: 'q0', type: 'hwthread', 'type-ids': Array.from({ length: ids }, (_, i) => String(i)), aggreg: true }],
}));

async function commandOf(dir) {
  const { parseQueryRequest } = await import(pathToFileURL(join(dir, 'dist/api/query-request.js')).href);
  const { encodeQuery } = await import(pathToFileURL(join(dir, 'dist/engine/codec.js')).href);
  return () => {
    const req = parseQueryRequest(body);
    const header = { from: req.from, to: req.to, withStats: true, withData: true, withPadding: true, cluster: req.cluster };
    return encodeQuery(header, req.queries.map((q, row) => [row, q]));
  };
}

if (inner) {
  const run = await commandOf(builds[0]);
  for (let i = 0; i < 20_000; i++) run();
  new Array(reps).fill(0).findLastIndex(() => (run(), false));
  process.stdout.write(JSON.stringify({ pid: process.pid }));
} else {
  const commands = [];
  for (const dir of builds) commands.push(Buffer.from((await commandOf(dir))()).toString('hex'));
  if (commands.some((c) => c !== commands[0])) throw new Error('the builds write different commands');
  for (const dir of builds) {
    const { dumps: [d], done } = callgrindMarked(fileURLToPath(import.meta.url),
      ['--inner', '--builds', dir, '--ids', String(ids), '--reps', String(reps)], { top: topFunctions });
    try {
      console.log(`\n${dir}: ${Math.round(d.instructions / reps).toLocaleString('en-US')} instructions a body of ${ids} ids (parse + encodeQuery, callgrind, ${reps} bodies); top functions a body:`);
      const top = topFunctions ? d.costs().costs.slice(0, topFunctions) : [];
      for (const [name, ir] of top) console.log(`  ${String(Math.round(ir / reps)).padStart(9)}  ${name}`);
    } finally {
      done();
    }
  }
}
