// Who a process is, well enough to tell after a crash whether the PID in a
// lock file still belongs to the store that wrote it: the PID alone is not
// enough, since PIDs are reused (in a container the store is PID 1 after
// every restart). On Linux the process start time (/proc/<pid>/stat) and the
// boot id tell a reused PID and a previous boot apart; elsewhere only
// "is there a process with this PID" is known.

import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import process from 'node:process';

export interface ProcessIdentity {
  pid: number;
  host: string;
  /** /proc/sys/kernel/random/boot_id: changes at every boot; null without /proc. */
  bootId: string | null;
  /** Start time in clock ticks after boot (field 22 of /proc/<pid>/stat); null without /proc. */
  startTicks: string | null;
}

/** What this machine can tell about another process. */
export interface ProcessTable {
  /** False once no process has this PID; true when one has (also one of another user). */
  exists(pid: number): boolean;
  /** Its start time as in ProcessIdentity, or null when it cannot be read. */
  startTicks(pid: number): string | null;
}

export function selfIdentity(): ProcessIdentity {
  return {
    pid: process.pid,
    host: hostname(),
    bootId: readOrNull('/proc/sys/kernel/random/boot_id')?.trim() || null,
    startTicks: procStartTicks('self'),
  };
}

export const systemProcesses: ProcessTable = {
  exists(pid) {
    try {
      process.kill(pid, 0);
      return true;
    } catch (e) {
      // EPERM: the process exists but belongs to another user.
      return (e as NodeJS.ErrnoException).code !== 'ESRCH';
    }
  },
  startTicks: (pid) => procStartTicks(String(pid)),
};

function procStartTicks(pid: string): string | null {
  const stat = readOrNull(`/proc/${pid}/stat`);
  if (!stat) return null;
  // The command name (field 2) is in parentheses and may hold spaces: count from after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[19] ?? null;
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}
