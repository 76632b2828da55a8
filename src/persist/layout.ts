// Names and places of the files below the checkpoint directory, and which of
// them a restore loads or a cleanup removes. Pure functions: the rules are
// tested on their own.
//
//   <checkpoints>/<cluster>/<host>/<number>.json | <number>.bin | current.wal

import { join } from 'node:path';

export const WAL_FILE = 'current.wal';
export type CheckpointExt = 'json' | 'bin';

export interface CheckpointName {
  name: string;
  /** The number in the name: the start of the period the file covers. */
  number: number;
  ext: CheckpointExt;
}

const NAME = /^([+-]?\d+)\.(json|bin)$/;

/** The checkpoint file a directory entry names, or null for anything else (WAL, .tmp, strays). */
export function parseCheckpointName(name: string): CheckpointName | null {
  const m = NAME.exec(name);
  if (!m) return null;
  const number = Number(m[1]);
  if (!Number.isSafeInteger(number)) return null;
  return { name, number, ext: m[2] as CheckpointExt };
}

/** Oldest first, as the Go loader orders them; a tie (same number) puts .bin after .json. */
export function sortCheckpoints(files: CheckpointName[]): CheckpointName[] {
  return [...files].sort((a, b) => a.number - b.number || (a.ext < b.ext ? 1 : a.ext > b.ext ? -1 : 0));
}

/**
 * The files a restore at `restorePoint` loads, in load order: every file whose
 * number is >= the restore point, plus the last file before it when the
 * restore point falls between two files (the Go rule, checkpoint.go findFiles).
 * Ours also loads the newest file when every file is older than the restore
 * point: it may still hold samples newer than the restore point (its `to`
 * decides), which the Go rule would drop.
 */
export function selectRestoreFiles(sorted: CheckpointName[], restorePoint: number): CheckpointName[] {
  const out: CheckpointName[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const ts = sorted[i].number;
    const next = i + 1 < sorted.length ? sorted[i + 1].number : undefined;
    if (restorePoint <= ts) out.push(sorted[i]);
    else if (next === undefined || restorePoint < next) out.push(sorted[i]);
  }
  return out;
}

/**
 * The files a cleanup at `t` (= now - retention) may delete or archive: those
 * whose number is <= t (Go's rule; a 0 number is never touched). The newest of
 * them is returned apart: a restart would still load it while its `to` is >= t,
 * so the caller keeps it in that case (the Go store deletes it and loses up to
 * one checkpoint interval of retained data).
 */
export function selectCleanupFiles(sorted: CheckpointName[], t: number): { older: CheckpointName[]; newest: CheckpointName | null } {
  const due = sorted.filter((f) => f.number <= t && f.number !== 0);
  const newest = due.pop() ?? null;
  return { older: due, newest };
}

export function hostDir(root: string, cluster: string, host: string): string {
  return join(root, cluster, host);
}

/** Cluster and host names become directory names; refuse those that would escape or collide. */
export function assertSafeName(kind: 'cluster' | 'host', name: string): void {
  if (name === '' || name === '.' || name === '..' || /[/\\\0]/.test(name)) {
    throw new Error(`unsafe ${kind} name for a directory: ${JSON.stringify(name)}`);
  }
}
