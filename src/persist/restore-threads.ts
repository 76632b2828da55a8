// How many threads restore uses (restore-worker.ts): 2 where the process may
// run on two cores or more, 1 otherwise. CC_METRIC_STORE_RESTORE_THREADS=1
// turns the worker off (2 turns it on even on one core).
import { coreCount, environmentVariable } from '../runtime/index.ts';

export const RESTORE_THREADS_VARIABLE = 'CC_METRIC_STORE_RESTORE_THREADS';

export function restoreThreads(): number {
  const set = environmentVariable(RESTORE_THREADS_VARIABLE)?.trim();
  if (set === '1') return 1;
  if (set === '2') return 2;
  return coreCount() >= 2 ? 2 : 1;
}
