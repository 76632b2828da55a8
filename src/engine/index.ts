// The storage engine's TypeScript face (browser-safe: no Node APIs here).
export { Store } from './store.ts';
export { EngineMemoryError } from './shard.ts';
export type * from './types.ts';
