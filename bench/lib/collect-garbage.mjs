// A full garbage collection now, on Node, Bun and Deno, so that the garbage of
// making a bench's input is not collected inside the timed part. Without a way
// to force one (Deno without --v8-flags=--expose-gc) it does nothing and says
// so once.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const gc = find();
let warned = false;

export function collectGarbage() {
  if (gc) {
    gc();
  } else if (!warned) {
    warned = true;
    console.error('collect-garbage.mjs: no way to force a garbage collection here (run with --expose-gc)');
  }
}

function find() {
  if (globalThis.Bun) return () => globalThis.Bun.gc(true);
  if (typeof globalThis.gc === 'function') return globalThis.gc;
  try {
    // Node: the flag set at run time, and gc() taken from a context made after it.
    setFlagsFromString('--expose-gc');
    const fn = runInNewContext('gc');
    if (typeof fn === 'function') return fn;
  } catch {
    // not supported by this runtime
  }
  return null;
}
