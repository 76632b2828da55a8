// Messages between the page and the decoding worker.

import type { DecodedFile, DecodeProgress } from './decode.ts';

export interface DecodeRequest {
  id: number;
  file: Blob;
  name: string;
  relativePath: string;
  cluster: string;
  host: string;
  frequencies: Record<string, number>;
}

export type DecodeReply =
  | { id: number; type: 'progress'; progress: DecodeProgress }
  | { id: number; type: 'done'; result: DecodedFile }
  | { id: number; type: 'error'; message: string };
