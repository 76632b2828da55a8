// Reads the compiled engine (build/engine.wasm) on Node, Bun and Deno. The
// engine itself (src/engine) never touches files, so browsers hand it bytes
// they fetched.
import { readFile } from 'node:fs/promises';
import { Store } from '../engine/store.ts';
import type { StoreOptions } from '../engine/types.ts';

export const ENGINE_WASM_URL = new URL('../../build/engine.wasm', import.meta.url);

let compiled: Promise<WebAssembly.Module> | null = null;

/** The engine module, compiled once per process. */
export function engineModule(): Promise<WebAssembly.Module> {
  compiled ??= readFile(ENGINE_WASM_URL).then((bytes) => WebAssembly.compile(bytes));
  return compiled;
}

export async function createStore(options: StoreOptions): Promise<Store> {
  return Store.create(await engineModule(), options);
}
