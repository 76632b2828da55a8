// Reading and writing one checkpoint file, whatever its format.

import { open, readFile } from 'node:fs/promises';
import { decodeBinSnapshot, readBinSnapshotHeader } from './format/bin-snapshot.ts';
import { encodeBinSnapshot } from './format/bin-snapshot.ts';
import type { CheckpointFile } from './format/checkpoint-file.ts';
import { decodeJsonCheckpoint, encodeJsonCheckpoint } from './format/json-checkpoint.ts';
import type { CheckpointExt } from './layout.ts';

export function decodeCheckpoint(bytes: Uint8Array, ext: CheckpointExt): CheckpointFile {
  return ext === 'bin' ? decodeBinSnapshot(bytes) : decodeJsonCheckpoint(bytes);
}

export function encodeCheckpoint(file: CheckpointFile, ext: CheckpointExt): Uint8Array {
  return ext === 'bin' ? encodeBinSnapshot(file) : new TextEncoder().encode(encodeJsonCheckpoint(file));
}

export async function readCheckpoint(path: string, ext: CheckpointExt): Promise<CheckpointFile> {
  return decodeCheckpoint(await readFile(path), ext);
}

/**
 * The `to` of a checkpoint file without decoding all of it where the format
 * allows: the header of a .bin, the tail of a .json (Go writes "to" last).
 */
export async function readCheckpointTo(path: string, ext: CheckpointExt): Promise<number> {
  const handle = await open(path, 'r');
  try {
    const size = (await handle.stat()).size;
    if (ext === 'bin') {
      const head = new Uint8Array(20);
      await handle.read(head, 0, 20, 0);
      return readBinSnapshotHeader(head).to;
    }
    const tailSize = Math.min(size, 256);
    const tail = new Uint8Array(tailSize);
    await handle.read(tail, 0, tailSize, size - tailSize);
    const m = /"to"\s*:\s*(-?\d+)\s*}\s*$/.exec(new TextDecoder().decode(tail));
    if (m) return Number(m[1]);
  } finally {
    await handle.close();
  }
  return (await readCheckpoint(path, ext)).to;
}
