// The decoding Web Worker: big files are read and decoded here so the page stays live.
// Bundled on its own and started from a Blob URL, which also works for a page opened from file://.

import { decodeRequest, transferables } from './decode-blob.ts';
import type { DecodeReply, DecodeRequest } from './protocol.ts';

interface WorkerScope {
  onmessage: ((event: MessageEvent<DecodeRequest>) => void) | null;
  postMessage(message: DecodeReply, transfer?: Transferable[]): void;
}

const scope = self as unknown as WorkerScope;

scope.onmessage = async (event) => {
  const req = event.data;
  let lastPost = 0;
  try {
    const result = await decodeRequest(req, (progress) => {
      // A message per chunk would flood the page; ten a second are enough for a bar.
      const now = Date.now();
      if (progress.done < progress.total && now - lastPost < 100) return;
      lastPost = now;
      scope.postMessage({ id: req.id, type: 'progress', progress });
    });
    scope.postMessage({ id: req.id, type: 'done', result }, transferables(result));
  } catch (err) {
    scope.postMessage({ id: req.id, type: 'error', message: err instanceof Error ? err.message : String(err) });
  }
};
