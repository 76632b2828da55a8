// The page's side of decoding: files go to a Web Worker; where no worker can start
// (a browser that refuses Blob workers), they are decoded in the page instead.

import type { DecodedFile, DecodeProgress } from './decode.ts';
import { decodeRequest } from './decode-blob.ts';
import type { DecodeReply, DecodeRequest } from './protocol.ts';

interface Pending {
  resolve(result: DecodedFile): void;
  reject(err: Error): void;
  onProgress(progress: DecodeProgress): void;
}

export class DecoderClient {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  /** `workerSource` is the bundled worker script; null decodes in the page. */
  constructor(workerSource: string | null) {
    if (workerSource === null || typeof Worker === 'undefined') return;
    try {
      const url = URL.createObjectURL(new Blob([workerSource], { type: 'text/javascript' }));
      this.worker = new Worker(url);
      URL.revokeObjectURL(url);
      this.worker.onmessage = (event: MessageEvent<DecodeReply>) => this.receive(event.data);
      this.worker.onerror = (event) => this.fail(event.message || 'the decoding worker stopped');
    } catch {
      this.worker = null;
    }
  }

  /** True when files are decoded off the page's thread. */
  get inWorker(): boolean {
    return this.worker !== null;
  }

  decode(req: Omit<DecodeRequest, 'id'>, onProgress: (progress: DecodeProgress) => void): Promise<DecodedFile> {
    const id = this.nextId++;
    const request: DecodeRequest = { id, ...req };
    if (this.worker === null) return decodeRequest(request, onProgress);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      this.worker!.postMessage(request);
    });
  }

  close(): void {
    this.worker?.terminate();
    this.worker = null;
  }

  private receive(reply: DecodeReply): void {
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    if (reply.type === 'progress') {
      pending.onProgress(reply.progress);
      return;
    }
    this.pending.delete(reply.id);
    if (reply.type === 'done') pending.resolve(reply.result);
    else pending.reject(new Error(reply.message));
  }

  /** The worker itself broke (not a bad file): finish what waits with an error and decode in the page from now on. */
  private fail(message: string): void {
    this.worker?.terminate();
    this.worker = null;
    for (const pending of this.pending.values()) pending.reject(new Error(message));
    this.pending.clear();
  }
}
