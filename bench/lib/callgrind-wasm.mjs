// Instructions by function of a callgrind profile of node, the engine's WASM
// functions named. Callgrind sees V8's generated code as anonymous addresses
// (and names a "function" after the jump-table slot it was entered through),
// so the profile must be taken with --dump-instr=yes: each instruction's cost
// is then put to the code range holding it, from `node --perf-basic-prof
// --no-wasm-lazy-compilation` (/tmp/perf-<pid>.map, WASM functions as
// wasm-function[index]), and build/engine.wat names each index.
//
//   node bench/lib/callgrind-wasm.mjs <callgrind.out> <perf-pid.map> [top] [engine.wat ...]
//
// As a module: costsByFunction(dumpFile, mapFile, watFiles) and
// printCosts(costs, top), the text the command prints.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const THIS_CHECKOUT_WAT = fileURLToPath(new URL('../../build/engine.wat', import.meta.url));

/**
 * The name of each WASM function index. Several builds in one process share
 * the perf map's wasm-function[i] names (the map does not say which module a
 * range is of), so an index that is another function in another build is
 * named by all of them: "a / b".
 */
function wasmNames(watFiles) {
  const perBuild = watFiles.map((file) => {
    const names = [];
    // Imported functions take the first indices.
    for (const m of readFileSync(file, 'utf8').matchAll(/^ \((?:import "[^"]*" "[^"]*" \(func|func) \$(\S+)/gm)) names.push(m[1]);
    return names;
  });
  return (index) => [...new Set(perBuild.map((names) => names[index] ?? String(index)))].join(' / ');
}

/** The perf map's code ranges, sorted; rangeOf(addr) names the one holding addr (null if none). */
function jitRanges(mapFile, nameOfWasm) {
  const ranges = readFileSync(mapFile, 'utf8').trim().split('\n').map((l) => {
    const [a, s, ...n] = l.split(' ');
    return { from: parseInt(a, 16), to: parseInt(a, 16) + parseInt(s, 16), name: n.join(' ') };
  }).sort((x, y) => x.from - y.from);
  const rangeAt = (addr) => {
    let lo = 0, hi = ranges.length - 1, hit = null;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (ranges[mid].from <= addr) { hit = ranges[mid]; lo = mid + 1; } else hi = mid - 1;
    }
    return hit && addr < hit.to ? hit : null;
  };
  const rangeOf = (addr) => {
    const hit = rangeAt(addr);
    if (!hit) return null;
    const w = /wasm-function\[(\d+)\]/.exec(hit.name);
    return w ? `wasm ${nameOfWasm(Number(w[1]))}` : hit.name;
  };
  rangeOf.startOf = (addr) => rangeAt(addr)?.from ?? null;
  return rangeOf;
}

/**
 * Self instructions of a --dump-instr=yes dump by function: { total, wasm,
 * costs: [[name, instructions], ...] most first }. V8's code (callgrind's
 * object "???") is named by the perf map, the rest by callgrind's names.
 */
export function costsByFunction(dumpFile, mapFile, watFiles = [THIS_CHECKOUT_WAT]) {
  const rangeOf = jitRanges(mapFile, wasmNames(watFiles));
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
  for (const line of readFileSync(dumpFile, 'utf8').split('\n')) {
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
      else {
        // The name without its argument list ("(anonymous namespace)" is part of the name).
        const k = fnName.replace(/\((?!anonymous namespace\)).*$/, '').slice(0, 90);
        byObject.set(k, (byObject.get(k) ?? 0) + ir);
      }
      continue;
    }
    if (line.startsWith('positions:')) positions = line.split(' ').length - 1;
    else if (line.startsWith('ob=')) objName = named(objs, line.slice(3));
    else if (line.startsWith('fn=')) fnName = named(fns, line.slice(3));
    else if (line.startsWith('cob=')) named(objs, line.slice(4));
    else if (line.startsWith('cfn=')) named(fns, line.slice(4));
    else if (line.startsWith('calls=')) skipNext = true;
  }
  let wasm = 0;
  for (const [addr, ir] of perAddr) {
    const k = rangeOf(addr) ?? '??? (unmapped JIT code)';
    if (k.startsWith('wasm ')) wasm += ir;
    byObject.set(k, (byObject.get(k) ?? 0) + ir);
  }
  // CALLGRIND_WASM_FN=<part of a name>: that function's instructions by offset from its start,
  // to read beside `node --print-wasm-code` (same flags, same code).
  const only = process.env.CALLGRIND_WASM_FN;
  const offsets = only
    ? [...perAddr].filter(([addr]) => (rangeOf(addr) ?? '').includes(only)).map(([addr, ir]) => [addr - rangeOf.startOf(addr), ir]).sort((x, y) => x[0] - y[0])
    : [];
  return { total, wasm, costs: [...byObject].sort((x, y) => y[1] - x[1]), offsets };
}

/** The total and the top functions, one a line, as the command prints them. */
export function printCosts({ total, wasm, costs, offsets = [] }, top) {
  const lines = [`total ${total.toLocaleString()}  wasm ${wasm.toLocaleString()}`];
  for (const [off, ir] of offsets) lines.push(`  +0x${off.toString(16)} ${ir}`);
  for (const [fn, ir] of costs.slice(0, top)) lines.push(`${ir.toLocaleString().padStart(14)} ${fn}`);
  return `${lines.join('\n')}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [out, mapFile, topArg, ...watFiles] = process.argv.slice(2);
  process.stdout.write(printCosts(costsByFunction(out, mapFile, watFiles.length ? watFiles : undefined), Number(topArg ?? 40)));
}
