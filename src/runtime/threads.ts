// Worker threads on Node, Bun and Deno (all three provide node:worker_threads
// with `eval` workers) and how many cores there are to run them on.

import { availableParallelism, cpus } from 'node:os';
import { Worker } from 'node:worker_threads';

/** The parent's end of a worker thread. */
export interface ThreadPort {
  post(message: unknown, transfer?: Transferable[]): void;
  onMessage(handler: (message: unknown) => void): void;
  /** Called once when the thread fails or exits. */
  onEnd(handler: (error?: unknown) => void): void;
  terminate(): void;
}

/** Cores this process may run on. */
export function coreCount(): number {
  try {
    return typeof availableParallelism === 'function' ? availableParallelism() : cpus().length;
  } catch {
    return 1;
  }
}

/**
 * A thread running `source` (CommonJS, given `workerData` as `data`), or null
 * where none can be had. It does not keep the process alive on its own.
 */
export function startThread(source: string, data: unknown): ThreadPort | null {
  let worker: Worker;
  try {
    worker = new Worker(source, { eval: true, workerData: data });
  } catch {
    return null;
  }
  worker.unref();
  let ended = false;
  const endHandlers: Array<(error?: unknown) => void> = [];
  const end = (error?: unknown) => {
    if (ended) return;
    ended = true;
    for (const h of endHandlers) h(error);
  };
  worker.on('error', (err) => end(err));
  worker.on('exit', () => end());
  return {
    post: (message, transfer) => worker.postMessage(message, transfer as never),
    onMessage: (handler) => void worker.on('message', handler),
    onEnd: (handler) => void endHandlers.push(handler),
    terminate: () => {
      end();
      void worker.terminate().catch(() => undefined);
    },
  };
}
