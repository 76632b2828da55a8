// The process's limit on open files (RLIMIT_NOFILE), raised to the hard limit
// where we can. Node, Bun and Deno raise the soft limit themselves at start-up
// on Linux, none of them offers setrlimit; where the soft limit is still below
// the hard one, `prlimit` (util-linux) raises it for our own PID. Read from
// /proc/self/limits; null where there is no such file (not Linux).

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import process from 'node:process';

export interface FileLimit {
  soft: number;
  hard: number;
  /** True when we raised the soft limit (from `before`). */
  raised: boolean;
  before: number;
  /** Why the soft limit stayed below the hard limit, when it did. */
  problem?: string;
}

/** Reads the limit and raises the soft limit to the hard one where it can. */
export function raiseFileLimit(): FileLimit | null {
  const first = readFileLimit();
  if (!first || first.soft >= first.hard) return first && { ...first, raised: false, before: first.soft };
  const target = Math.min(first.hard, readNrOpen());
  if (first.soft >= target) return { ...first, raised: false, before: first.soft };
  let problem: string | undefined;
  try {
    execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=${limitText(target)}:${limitText(first.hard)}`], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 5000 });
  } catch (e) {
    problem = `prlimit failed: ${((e as { stderr?: Buffer }).stderr?.toString().trim() || (e as Error).message).split('\n')[0]}`;
  }
  const now = readFileLimit() ?? first;
  return { ...now, raised: now.soft > first.soft, before: first.soft, ...(now.soft < target ? { problem: problem ?? 'prlimit left it unchanged' } : {}) };
}

const limitText = (n: number) => (n === Infinity ? 'unlimited' : String(n));

/** Soft and hard limit of open files from /proc/self/limits (Infinity for "unlimited"). */
export function readFileLimit(): { soft: number; hard: number } | null {
  let text: string;
  try {
    text = readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return null;
  }
  return parseFileLimit(text);
}

export function parseFileLimit(limitsText: string): { soft: number; hard: number } | null {
  const m = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(limitsText);
  if (!m) return null;
  const value = (v: string) => (v === 'unlimited' ? Infinity : Number(v));
  return { soft: value(m[1]!), hard: value(m[2]!) };
}

/** The kernel's ceiling for RLIMIT_NOFILE. */
function readNrOpen(): number {
  try {
    const n = Number(readFileSync('/proc/sys/fs/nr_open', 'utf8').trim());
    return Number.isFinite(n) && n > 0 ? n : Infinity;
  } catch {
    return Infinity;
  }
}
