// One process per checkpoint directory. Two stores on one directory append to
// the same current.wal files and rename snapshots under each other, and a
// -cleanup-checkpoints pass would archive what a running store cleans up
// itself. So the store (and the cleanup pass) holds `<dir>/.lock`, a small
// JSON file naming the holder, from start-up to exit.
//
// The file appears with its content in one step (written aside, then
// hard-linked into place, which fails if it exists), so a reader never sees
// half a lock. A holder that no longer runs (kill -9, power loss) leaves its
// file behind; the next start recognises it as stale by PID, process start
// time and boot id (process-identity.ts) and takes over. A holder that is
// writing its final checkpoint has marked its lock "stopping": its successor
// waits for it, a bounded time, rather than racing it.
//
// The Go reference neither takes nor knows this lock; it refuses a file at the
// top of the checkpoint directory, so after a crash of this store remove
// `.lock` before starting the reference on the same directory.

import { link, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { isNotFound } from './files.ts';
import { errorText, type PersistLogger } from './log.ts';
import { type ProcessIdentity, type ProcessTable, selfIdentity, systemProcesses } from './process-identity.ts';

export const LOCK_FILE = '.lock';
/** How long a start waits for a predecessor's final checkpoint (or a cleanup pass) before it gives up. */
export const LOCK_WAIT_SECONDS = 60;

/** The lock file and the files it is made from; restore and cleanup pass over them quietly. */
export function isLockFile(name: string): boolean {
  return name === LOCK_FILE || name.startsWith(`${LOCK_FILE}.`);
}

export type LockRole = 'store' | 'cleanup';

/** The content of the lock file. */
export interface LockHolder extends ProcessIdentity {
  program: 'cc-metric-store';
  role: LockRole;
  state: 'running' | 'stopping';
  /** When the lock was taken (ISO 8601). */
  since: string;
}

export interface DirLock {
  readonly path: string;
  /** Tells a successor that this process is finishing (final checkpoint): it waits instead of failing. */
  markStopping(): Promise<void>;
  /** Removes the lock file, if it is still this process's. */
  release(): Promise<void>;
}

export interface LockOptions {
  dir: string;
  role: LockRole;
  log: Pick<PersistLogger, 'info' | 'warn'>;
  /** Create `dir` when missing (the store does; a cleanup pass needs an existing directory). */
  create?: boolean;
  waitSeconds?: number;
  pollMs?: number;
  /** Tests: who this process is, and what the machine says about others. */
  self?: ProcessIdentity;
  processes?: ProcessTable;
}

export class DirLockError extends Error {}

type Verdict = { live: true } | { live: false; reason: string };

/**
 * Takes the lock of `dir`, waiting (at most waitSeconds) for a holder that is
 * stopping or cleaning up. Rejects with a DirLockError naming the directory and
 * the holder when another store runs on it.
 */
export async function lockDirectory(options: LockOptions): Promise<DirLock> {
  const dir = resolve(options.dir);
  const self = options.self ?? selfIdentity();
  const attempt: Attempt = {
    dir,
    path: join(dir, LOCK_FILE),
    role: options.role,
    log: options.log,
    self,
    processes: options.processes ?? systemProcesses,
    waitSeconds: options.waitSeconds ?? LOCK_WAIT_SECONDS,
    pollMs: options.pollMs ?? 200,
    mine: { program: 'cc-metric-store', ...self, role: options.role, state: 'running', since: new Date().toISOString() },
  };
  try {
    if (options.create) await mkdir(dir, { recursive: true });
    return await acquire(attempt);
  } catch (e) {
    if (e instanceof DirLockError) throw e;
    throw new DirLockError(`cannot lock metric-store.checkpoints.directory ${dir}: ${errorText(e)}`, { cause: e });
  }
}

interface Attempt {
  dir: string;
  path: string;
  role: LockRole;
  log: LockOptions['log'];
  self: ProcessIdentity;
  processes: ProcessTable;
  waitSeconds: number;
  pollMs: number;
  mine: LockHolder;
}

async function acquire(a: Attempt): Promise<DirLock> {
  const { dir, path, log, waitSeconds, pollMs } = a;
  let waitingFor: LockHolder | null = null;
  const waitStarted = Date.now();
  let unreadable = 0;
  for (;;) {
    if (await createExclusive(path, a.mine, a.self.pid)) {
      if (waitingFor) log.info(`checkpoint lock: ${describe(waitingFor)} finished; waited ${((Date.now() - waitStarted) / 1000).toFixed(1)} s`);
      return heldLock(path, a.mine, a.self.pid, log);
    }
    const holder = await readHolder(path);
    if (holder === undefined) continue; // released just now: try again
    if (holder === null) {
      // Unparseable: being written by a runtime without hard links, or cut short by a crash.
      if (++unreadable < 10) {
        await sleep(pollMs);
        continue;
      }
      await removeStale(path, null, a.self.pid);
      log.warn(`checkpoint lock: removed the unreadable lock file ${path}`);
      continue;
    }
    unreadable = 0;
    const verdict = judge(holder, a.self, a.processes, dir, path);
    if (!verdict.live) {
      if (await removeStale(path, holder, a.self.pid)) log.warn(`checkpoint lock: took over ${path} from ${describe(holder)}: ${verdict.reason}`);
      continue;
    }
    if (holder.role === 'store' && holder.state === 'running') {
      throw new DirLockError(
        a.role === 'store'
          ? `checkpoint directory ${dir} is in use by another ${describe(holder)}, running since ${holder.since}: stop it, or give this store another metric-store.checkpoints.directory (lock file ${path})`
          : `checkpoint directory ${dir} is in use by a running ${describe(holder)}, which cleans it up itself every retention-in-memory: run -cleanup-checkpoints only while no store runs on it (lock file ${path})`,
      );
    }
    if (!waitingFor || !sameHolder(waitingFor, holder)) {
      waitingFor = holder;
      log.warn(`checkpoint lock: waiting up to ${waitSeconds} s for ${describe(holder)} to finish ${holder.role === 'cleanup' ? 'its cleanup pass' : 'its final checkpoint'} in ${dir}`);
    }
    if (Date.now() - waitStarted >= waitSeconds * 1000) {
      throw new DirLockError(
        `checkpoint directory ${dir} is still held by ${describe(holder)} (${holder.state === 'stopping' ? 'writing its final checkpoint' : 'cleaning up'}) after waiting ${waitSeconds} s (limit of the checkpoint lock wait): start again once it has exited (lock file ${path})`,
      );
    }
    await sleep(pollMs);
  }
}

function judge(holder: LockHolder, self: ProcessIdentity, processes: ProcessTable, dir: string, path: string): Verdict {
  if (holder.host !== self.host) {
    // Another machine on a shared file system, or another container: its processes cannot be seen from here.
    throw new DirLockError(
      `checkpoint directory ${dir} is locked by ${describe(holder)} on host "${holder.host}", which cannot be checked from host "${self.host}": if no store runs there any more, remove ${path}`,
    );
  }
  if (holder.bootId && self.bootId && holder.bootId !== self.bootId) return { live: false, reason: 'the machine has restarted since' };
  if (holder.pid === self.pid) return { live: false, reason: 'its PID is now this process' };
  if (!processes.exists(holder.pid)) return { live: false, reason: 'it is no longer running' };
  const ticks = holder.startTicks ? processes.startTicks(holder.pid) : null;
  if (ticks !== null && ticks !== holder.startTicks) return { live: false, reason: `PID ${holder.pid} now belongs to another process` };
  return { live: true };
}

function describe(holder: LockHolder): string {
  return holder.role === 'cleanup' ? `cc-metric-store -cleanup-checkpoints (PID ${holder.pid})` : `cc-metric-store (PID ${holder.pid})`;
}

function sameHolder(a: LockHolder, b: LockHolder): boolean {
  return a.pid === b.pid && a.host === b.host && a.startTicks === b.startTicks && a.since === b.since;
}

/** Creates the lock file with its content, or returns false when one exists. */
async function createExclusive(path: string, holder: LockHolder, pid: number): Promise<boolean> {
  const text = JSON.stringify(holder) + '\n';
  const aside = `${path}.${pid}.new`;
  await writeFile(aside, text);
  try {
    await link(aside, path);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw e;
    // A file system without hard links: exclusive create, then write (readers retry a short while on a partial file).
    try {
      await writeFile(path, text, { flag: 'wx' });
      return true;
    } catch (e2) {
      if ((e2 as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e2;
    }
  } finally {
    await rm(aside, { force: true });
  }
}

/** The holder named in the file; undefined when there is no file, null when it cannot be parsed. */
async function readHolder(path: string): Promise<LockHolder | null | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
  try {
    const holder = JSON.parse(text) as LockHolder;
    return typeof holder?.pid === 'number' && typeof holder.host === 'string' ? holder : null;
  } catch {
    return null;
  }
}

/**
 * Moves the stale lock aside and deletes it. If, between reading and moving,
 * another starting process had already replaced it with a live lock, that one
 * is put back and false returned.
 */
async function removeStale(path: string, stale: LockHolder | null, pid: number): Promise<boolean> {
  const aside = `${path}.${pid}.stale`;
  try {
    await rename(path, aside);
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
  const moved = await readHolder(aside);
  const same = stale === null ? moved === null : moved != null && sameHolder(moved, stale);
  if (!same) await link(aside, path).catch(() => undefined); // EEXIST: yet another process holds it now
  await rm(aside, { force: true });
  return same;
}

function heldLock(path: string, mine: LockHolder, pid: number, log: LockOptions['log']): DirLock {
  const stillMine = async () => {
    const current = await readHolder(path);
    return current != null && sameHolder(current, mine);
  };
  return {
    path,
    async markStopping() {
      try {
        if (!(await stillMine())) return;
        const aside = `${path}.${pid}.new`;
        await writeFile(aside, JSON.stringify({ ...mine, state: 'stopping' }) + '\n');
        await rename(aside, path);
      } catch (e) {
        log.warn(`checkpoint lock: could not mark ${path} as stopping: ${errorText(e)}`);
      }
    },
    async release() {
      try {
        if (await stillMine()) await rm(path, { force: true });
        else log.warn(`checkpoint lock: ${path} no longer names this process; left as it is`);
      } catch (e) {
        log.warn(`checkpoint lock: could not remove ${path}: ${errorText(e)}`);
      }
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
