// Creating the storage engine from the configuration.

import type { ServiceConfig } from '../config/types.ts';
import type { MetricStore, StoreOptions } from '../engine/types.ts';

interface EngineModule {
  createStore(wasm: BufferSource | WebAssembly.Module, options: StoreOptions): Promise<MetricStore>;
}

interface EngineWasmModule {
  loadEngineWasm(): Promise<Uint8Array>;
}

// Imported by name at run time: the engine is built in parallel with the
// service, and a checkout without it still starts far enough to report that.
const ENGINE = '../engine/index.ts';
const ENGINE_WASM = '../runtime/engine-wasm.ts';

export function storeOptions(config: ServiceConfig): StoreOptions {
  const ms = config.metricStore;
  return {
    metrics: config.metrics,
    shards: ms.shards,
    shardMemoryLimit: ms.shardMemoryLimit,
    wal: ms.checkpoints.fileFormat === 'wal',
  };
}

export async function openStore(options: StoreOptions): Promise<MetricStore> {
  let engine: EngineModule;
  let engineWasm: EngineWasmModule;
  try {
    [engine, engineWasm] = await Promise.all([import(ENGINE), import(ENGINE_WASM)]);
  } catch (e) {
    throw new Error(`the storage engine is not available in this build: ${(e as Error).message}`, { cause: e });
  }
  return engine.createStore(await engineWasm.loadEngineWasm(), options);
}
