// Files the user opened or dropped, each with its path inside what was chosen, so a
// dropped or opened checkpoint tree tells the cluster and host of every file.

export interface PickedFile {
  file: File;
  /** "fritz/f0201/1725620000.bin" inside a folder; the bare name otherwise. */
  relativePath: string;
  /** Came from a folder, where files of other kinds are skipped rather than reported. */
  inFolder: boolean;
}

const READABLE = /\.(json|bin|wal|parquet)$/i;

/** Files of an <input type=file>, with or without `webkitdirectory`. */
export function filesFromInput(list: FileList): PickedFile[] {
  return Array.from(list)
    .map((file) => {
      const relativePath = file.webkitRelativePath || file.name;
      return { file, relativePath, inFolder: relativePath !== file.name };
    })
    .filter((f) => !f.inFolder || READABLE.test(f.file.name));
}

/**
 * Files of a drop, walking dropped folders. The entries must be taken while the drop
 * event runs (the browser empties the DataTransfer afterwards), so call this first.
 */
export function filesFromDrop(data: DataTransfer): Promise<PickedFile[]> {
  const entries = Array.from(data.items)
    .filter((item) => item.kind === 'file')
    .map((item) => item.webkitGetAsEntry?.() ?? null);
  if (entries.length === 0 || entries.some((e) => e === null)) {
    return Promise.resolve(Array.from(data.files).map((file) => ({ file, relativePath: file.name, inFolder: false })));
  }
  return Promise.all(entries.map((e) => walk(e!, false))).then((lists) => lists.flat());
}

async function walk(entry: FileSystemEntry, inFolder: boolean): Promise<PickedFile[]> {
  if (entry.isFile) {
    if (inFolder && !READABLE.test(entry.name)) return [];
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    return [{ file, relativePath: entry.fullPath.replace(/^\/+/, ''), inFolder }];
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  const children: FileSystemEntry[] = [];
  // readEntries hands out a directory in batches (100 in Chromium) until it returns none.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) break;
    children.push(...batch);
  }
  const lists = await Promise.all(children.map((child) => walk(child, true)));
  return lists.flat();
}

/**
 * The order to decode in: metric lists and checkpoints before WAL logs, so WAL samples are
 * laid on the frequency their metric has elsewhere; within a host, files by name
 * (checkpoint names are their start times).
 */
export function decodeOrder(files: PickedFile[]): PickedFile[] {
  const rank = (f: PickedFile) => (/\.wal$/i.test(f.file.name) ? 2 : /config.*\.json$/i.test(f.file.name) ? 0 : 1);
  const natural = new Intl.Collator(undefined, { numeric: true });
  return [...files].sort((a, b) => rank(a) - rank(b) || natural.compare(a.relativePath, b.relativePath));
}
