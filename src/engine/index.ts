// The storage engine's TypeScript face (browser-safe: no Node APIs here).
export { Store } from './store.ts';
export { EngineMemoryError } from './shard.ts';
export { QueryLimitError, type QueryOptions, type StepSize } from './query-steps.ts';
export type * from './types.ts';
