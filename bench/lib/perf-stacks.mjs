// The samples of a `perf record -g` of the store under collector writes, put
// into rows by what the whole stack says (not the leaf alone): a kernel
// sample under the WAL's write is the WAL's cost, one under the socket's
// write is the 200's send, and so on. For bench/write-perf.mjs --call-graph.
import { spawnSync } from 'node:child_process';

/** Rows in order; the first whose test(leaf, frames leaf first, their text) matches a sample takes it. */
const ROWS = [
  ['engine (WASM, and the kernel under it: page faults)', (leaf, frames) => /wasm-function/.test(leaf) || (isKernel(leaf) && /wasm-function/.test(userFrame(frames)))],
  ['WAL write (kernel, under fs.writeSync/writev of wal-*.js)', (leaf, frames, text) => isKernel(leaf) && /uv_fs_write|uv__fs_write/.test(text)],
  ['the answer\'s send (kernel, socket write)', (leaf, frames, text) => isKernel(leaf) && /__GI___libc_write|writev/.test(text)],
  ['the request\'s read (kernel, socket read)', (leaf, frames, text) => isKernel(leaf) && /ksys_read|__x64_sys_read/.test(text)],
  ['epoll (kernel: wait, pause/resume of the socket)', (leaf, frames, text) => isKernel(leaf) && /epoll/.test(text)],
  ['other kernel (scheduling, interrupts, futex)', (leaf) => isKernel(leaf)],
  ['V8 garbage collection', (leaf) => /Marking|Sweep|Scaveng|MarkCompact|Evacuat|PointersUpdating|IteratePointers|SizeFromMap|MemoryChunk|StringTableCleaner|WhiteToGrey|RememberedSet|SlotSet|ArrayBufferSweeper|heap::|Heap::/.test(leaf)],
  ['TurboFan (compiling)', (leaf) => /compiler::/.test(leaf)],
  ['memcpy (the parser\'s copy of the body, the body into WASM memory)', (leaf) => /memmove|memcpy/.test(leaf)],
  ['the WAL\'s JavaScript (wal-*.js, persistence.js)', (leaf, frames) => /\/dist\/(persist|engine\/wal-parts)/.test(firstJs(frames))],
  ['the store\'s JavaScript (dist/: api, service, engine, monitor, runtime)', (leaf, frames) => /\/dist\//.test(firstJs(frames))],
  ['node:http, streams, timers (JS, and the natives they call)', (leaf, frames) => /JS:.*node:/.test(firstJs(frames))],
  ['other natives (V8, node, libc)', () => true],
];

const isKernel = (frame) => /kallsyms|vmlinux|\[k\]/.test(frame);
const userFrame = (frames) => frames.find((f) => !isKernel(f)) ?? '';
/** The innermost JavaScript frame: who the native code at the leaf works for. */
const firstJs = (frames) => frames.find((f) => /JS:/.test(f) && !/wasm-function/.test(f)) ?? '';

/** Shares (0-1) of the samples in `data` by row, and the number of samples. */
export function stackSplit(data) {
  const script = spawnSync('perf', ['script', '-i', data], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const counts = new Map(ROWS.map(([name]) => [name, 0]));
  let total = 0;
  for (const sample of script.stdout.split('\n\n')) {
    const lines = sample.split('\n').map((l) => l.trim()).filter(Boolean);
    if (lines.length < 2) continue;
    const frames = lines.slice(1);
    const row = ROWS.find(([, test]) => test(frames[0], frames, frames.join('\n')));
    total++;
    counts.set(row[0], counts.get(row[0]) + 1);
  }
  return { total, shares: [...counts].map(([name, n]) => [name, total ? n / total : 0]) };
}
