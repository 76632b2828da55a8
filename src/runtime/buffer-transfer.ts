// ArrayBuffer.prototype.transfer for engine/detach-buffer.ts on Node 20.
//
// V8 11.3 (Node 20) has it behind --harmony-rab-gsab-transfer. Set at run time,
// the flag gives it to the contexts created afterwards only, so a node:vm
// context made then lends its function, which detaches this context's buffers
// as well. Elsewhere (Node 21+, Bun, Deno) it is built in and this does nothing.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { useBufferTransfer } from '../engine/detach-buffer.ts';

let lent = false;

/** Lends the flag-gated transfer to the engine's detachBuffer where the runtime lacks it built in; true when there is one to use. */
export function lendBufferTransfer(): boolean {
  if (typeof (ArrayBuffer.prototype as { transfer?: unknown }).transfer === 'function') return true;
  if (lent) return true;
  try {
    setFlagsFromString('--harmony-rab-gsab-transfer');
    const fn: unknown = runInNewContext('ArrayBuffer.prototype.transfer');
    if (typeof fn !== 'function') return false;
    useBufferTransfer(fn as (this: ArrayBuffer, newLength?: number) => ArrayBuffer);
    lent = true;
    return true;
  } catch {
    return false;
  }
}
