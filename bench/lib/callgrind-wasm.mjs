// Instructions by function of a callgrind profile of node, the engine's WASM
// functions named. Callgrind sees V8's generated code as anonymous addresses
// (and names a "function" after the jump-table slot it was entered through),
// so the profile must be taken with --dump-instr=yes: each instruction's cost
// is then put to the code range holding it, from `node --perf-basic-prof
// --no-wasm-lazy-compilation` (/tmp/perf-<pid>.map, WASM functions as
// wasm-function[index]), and build/engine.wat names each index.
//
//   node bench/lib/callgrind-wasm.mjs <callgrind.out> <perf-pid.map> [top]
import { readFileSync } from 'node:fs';

const [out, mapFile, topArg] = process.argv.slice(2);
const top = Number(topArg ?? 40);
const wat = readFileSync(new URL('../../build/engine.wat', import.meta.url), 'utf8');
const names = [];
for (const m of wat.matchAll(/^ \((?:import "[^"]*" "[^"]*" \(func|func) \$(\S+)/gm)) names.push(m[1]);
const ranges = readFileSync(mapFile, 'utf8').trim().split('\n').map((l) => {
  const [a, s, ...n] = l.split(' ');
  return { from: parseInt(a, 16), to: parseInt(a, 16) + parseInt(s, 16), name: n.join(' ') };
}).sort((x, y) => x.from - y.from);
function rangeOf(addr) {
  let lo = 0, hi = ranges.length - 1, hit = null;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (ranges[mid].from <= addr) { hit = ranges[mid]; lo = mid + 1; } else hi = mid - 1;
  }
  if (!hit || addr >= hit.to) return null;
  const w = /wasm-function\[(\d+)\]/.exec(hit.name);
  return w ? `wasm ${names[Number(w[1])] ?? w[1]}` : hit.name;
}

// The cost lines of a --dump-instr=yes profile: "<position> <Ir>", a position
// absolute (0x...), relative (+n, -n) or the same (*); the line after
// "calls=" is a call's inclusive cost, not the caller's own.
const byObject = new Map();
const perAddr = new Map();
let objName = '';
let fnName = '';
let pos = 0;
let skipNext = false;
const objs = new Map();
const fns = new Map();
function named(table, rest) {
  const m = /^\((\d+)\)(?: (.*))?$/.exec(rest);
  if (!m) return rest;
  if (m[2] !== undefined) table.set(m[1], m[2]);
  return table.get(m[1]);
}
let total = 0;
let positions = 1;
for (const line of readFileSync(out, 'utf8').split('\n')) {
  if (line === '') continue;
  const c = line.charCodeAt(0);
  if ((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 42) {
    const f = line.split(' ');
    const p = f[0];
    if (p.startsWith('0x')) pos = parseInt(p, 16);
    else if (p[0] === '+') pos += Number(p.slice(1));
    else if (p[0] === '-') pos -= Number(p.slice(1));
    const ir = Number(f[positions] ?? 0);
    if (skipNext) { skipNext = false; continue; }
    total += ir;
    if (objName === '???' || objName.includes('perf-') || fnName.startsWith('0x')) perAddr.set(pos, (perAddr.get(pos) ?? 0) + ir);
    else { const k = fnName.replace(/\(.*$/, '').slice(0, 90); byObject.set(k, (byObject.get(k) ?? 0) + ir); }
    continue;
  }
  if (line.startsWith('positions:')) positions = line.split(' ').length - 1;
  else if (line.startsWith('ob=')) objName = named(objs, line.slice(3));
  else if (line.startsWith('fn=')) fnName = named(fns, line.slice(3));
  else if (line.startsWith('cob=')) named(objs, line.slice(4));
  else if (line.startsWith('cfn=') || line.startsWith('cfi=') || line.startsWith('cfl=')) { if (line.startsWith('cfn=')) named(fns, line.slice(4)); }
  else if (line.startsWith('calls=')) {
    skipNext = true;
    // The target position of calls= is absolute or relative too.
  }
}
let wasm = 0;
for (const [addr, ir] of perAddr) {
  const k = rangeOf(addr) ?? '??? (unmapped JIT code)';
  if (k.startsWith('wasm ')) wasm += ir;
  byObject.set(k, (byObject.get(k) ?? 0) + ir);
}
console.log(`total ${total.toLocaleString()}  wasm ${wasm.toLocaleString()}`);
// CALLGRIND_WASM_FN=<part of a name>: that function's instructions by offset
// from its start, to read beside `node --print-wasm-code` (same flags, same code).
const only = process.env.CALLGRIND_WASM_FN;
if (only) {
  const hits = [...perAddr].map(([addr, ir]) => {
    const r = ranges.find((x) => addr >= x.from && addr < x.to);
    return r && (rangeOf(addr) ?? '').includes(only) ? [addr - r.from, ir] : null;
  }).filter(Boolean).sort((x, y) => x[0] - y[0]);
  for (const [off, ir] of hits) console.log(`  +0x${off.toString(16)} ${ir}`);
}
for (const [fn, ir] of [...byObject].sort((x, y) => y[1] - x[1]).slice(0, top)) console.log(ir.toLocaleString().padStart(14), fn);
