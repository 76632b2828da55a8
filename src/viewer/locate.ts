// What a file is and whose it is, from its first bytes and its place in a checkpoint tree.

export type FileKind = 'json' | 'bin' | 'wal' | 'parquet';

const SNAPSHOT_MAGIC = 0xcc5b0001;
const WAL_MAGIC = 0xcc1da701;

/**
 * The format of a file: by its magic number first (a renamed or extension-less file still
 * opens), by its name when the bytes say nothing; null when neither knows it.
 */
export function detectKind(name: string, bytes: Uint8Array): FileKind | null {
  if (bytes.length >= 4) {
    const magic = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
    if (magic === SNAPSHOT_MAGIC) return 'bin';
    if (magic === WAL_MAGIC) return 'wal';
    if (bytes[0] === 0x50 && bytes[1] === 0x41 && bytes[2] === 0x52 && bytes[3] === 0x31) return 'parquet'; // "PAR1"
  }
  const first = bytes.find((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);
  if (first === 0x7b) return 'json'; // "{"
  const ext = /\.([a-z]+)$/i.exec(name)?.[1]?.toLowerCase();
  if (ext === 'json' || ext === 'bin' || ext === 'wal' || ext === 'parquet') return ext;
  return null;
}

export interface FileOwner {
  cluster: string;
  host: string;
}

/**
 * Cluster and host of a checkpoint file from its path inside the checkpoint directory,
 * `<cluster>/<host>/<file>` (a folder the user opened, or a dropped tree). What the path
 * does not name comes from `fallback`, else "unknown".
 */
export function ownerFromPath(relativePath: string, fallback: Partial<FileOwner> = {}): FileOwner {
  const dirs = relativePath.split(/[\\/]/).filter((p) => p !== '' && p !== '.');
  dirs.pop();
  return {
    host: dirs.at(-1) ?? nonEmpty(fallback.host) ?? 'unknown',
    cluster: dirs.at(-2) ?? nonEmpty(fallback.cluster) ?? 'unknown',
  };
}

function nonEmpty(s: string | undefined): string | undefined {
  return s && s.trim() !== '' ? s.trim() : undefined;
}
