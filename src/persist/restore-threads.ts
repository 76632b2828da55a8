// How many threads restore uses (restore-worker.ts): 2 where the process may
// run on three cores or more, 1 otherwise. On two cores the rest of the
// process (the thread pool's reads, V8's collector and compiles) already
// keeps the second core half busy during a restore, and the worker's own
// cost (its start-up, its reads) comes on top: measured slower there
// (docs/engine.md "Restoring on two threads"). CC_METRIC_STORE_RESTORE_THREADS
// overrides it: 1 turns the worker off, 2 turns it on.
import { coreCount, environmentVariable } from '../runtime/index.ts';

export const RESTORE_THREADS_VARIABLE = 'CC_METRIC_STORE_RESTORE_THREADS';
/** Cores from which restore starts its worker by default. */
export const WORKER_FROM_CORES = 3;

export function restoreThreads(): number {
  const set = environmentVariable(RESTORE_THREADS_VARIABLE)?.trim();
  if (set === '1') return 1;
  if (set === '2') return 2;
  return coreCount() >= WORKER_FROM_CORES ? 2 : 1;
}
