// The two slow operations on a host's `current.wal` that read it whole or in
// part: checking a log this process has not written (where its last whole
// record ends), and starting it anew after a snapshot with only the records
// that came after the snapshot's mark.

import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { WalDecoder, walFileHeader } from './format/wal.ts';
import { syncDir } from './files.ts';

const HEADER = walFileHeader();
const READ_CHUNK = 8 << 20;

export type LogCheck =
  | { kind: 'ok'; validBytes: number; cut: number; reason: string }
  | { kind: 'moved-aside'; aside: string; reason: string };

/** Reads the first `size` bytes of the log, cuts off a torn or broken tail, and moves a file that is no WAL aside. */
export async function checkLogFile(path: string, size: number): Promise<LogCheck> {
  const handle = await open(path, 'r+');
  try {
    const decoder = new WalDecoder();
    const buf = new Uint8Array(Math.min(READ_CHUNK, size));
    for (let at = 0; at < size && !decoder.stop; ) {
      const { bytesRead } = await handle.read(buf, 0, Math.min(buf.length, size - at), at);
      if (bytesRead === 0) break;
      at += bytesRead;
      decoder.decode(buf.subarray(0, bytesRead), at >= size);
    }
    if (decoder.stop === 'bad-header') {
      await handle.close();
      const aside = `${path}.corrupt-${Date.now()}`;
      await rename(path, aside);
      return { kind: 'moved-aside', aside, reason: decoder.reason ?? 'bad header' };
    }
    const cut = size - decoder.validBytes;
    if (cut > 0) await handle.truncate(decoder.validBytes);
    return { kind: 'ok', validBytes: decoder.validBytes, cut, reason: decoder.reason ?? '' };
  } finally {
    await handle.close().catch(() => {});
  }
}

/**
 * Replaces the log by a new one holding the header and the bytes from `from`
 * to `size` (written as `.tmp`, renamed over it, so the log is whole at every
 * instant); `beforeReplace` runs just before the rename. Returns the new size.
 */
export async function keepTail(path: string, from: number, size: number, opts: { fsync: boolean; beforeReplace(): void }): Promise<number> {
  const tailLength = size - from;
  const fresh = new Uint8Array(HEADER.length + tailLength);
  fresh.set(HEADER);
  const reader = await open(path, 'r');
  try {
    let at = 0;
    while (at < tailLength) {
      const { bytesRead } = await reader.read(fresh, HEADER.length + at, tailLength - at, from + at);
      if (bytesRead === 0) throw new Error(`log shorter than expected (${from + at} < ${size})`);
      at += bytesRead;
    }
  } finally {
    await reader.close();
  }
  const tmp = `${path}.tmp`;
  const writer = await open(tmp, 'w', 0o644);
  try {
    await writer.writeFile(fresh);
    if (opts.fsync) await writer.sync();
  } finally {
    await writer.close();
  }
  opts.beforeReplace();
  await rename(tmp, path);
  if (opts.fsync) await syncDir(dirname(path));
  return fresh.length;
}
