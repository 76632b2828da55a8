// The persistence layer as the service sees it: restore at start-up, the
// durable write path (store.ingest + WAL append before the answer), and the
// background work (checkpoints, retention, memory cap, cleanup) on cancellable,
// unref'd timers. Work that touches the checkpoint files runs one job at a time.

import type { IngestBody, IngestResult, MetricStore, WalAppend } from '../engine/types.ts';
import { Checkpointer } from './checkpointer.ts';
import type { CheckpointSummary } from './checkpointer.ts';
import { cleanupCheckpoints } from './cleanup.ts';
import type { CleanupSummary } from './cleanup.ts';
import { DiskState } from './disk-state.ts';
import { assertWritableDirectory } from './writable.ts';
import type { PersistLogger } from './log.ts';
import { consoleLogger, errorText } from './log.ts';
import { BusyNodes } from './busy-nodes.ts';
import type { BusyNodesStatus } from './busy-nodes.ts';
import { backendNodeProvider } from './node-provider.ts';
import type { NodeProvider } from './node-provider.ts';
import { restore } from './restore.ts';
import type { RestoreSummary } from './restore.ts';
import { enforceMemoryCap, freeOldData } from './retention.ts';
import type { MemoryCapResult, RetentionResult } from './retention.ts';
import type { PersistSettings } from './settings.ts';
import { DEFAULT_MAX_OPEN_WAL_FILES, WalAppender } from './wal-appender.ts';
import type { WalStats } from './wal-appender.ts';

export interface PersistenceOptions {
  /** Must be created with `wal: true` unless `wal` below is false. */
  store: MetricStore;
  /** The `metric-store` section of config.json, validated (see persistSettings). */
  settings: PersistSettings;
  /** `main.backend-url`: hosts that cc-backend reports busy keep their data past retention. */
  backendUrl?: string;
  /** (ours) The JWT sent to `backendUrl` (main.backend-token, its file or CC_BACKEND_TOKEN). */
  backendToken?: string;
  /** Overrides `backendUrl` (tests, other sources of busy hosts). */
  nodeProvider?: NodeProvider;
  /** Failed questions to the node provider in a row before a pass frees by retention alone. Default 3. */
  nodeProviderAttempts?: number;
  /** Seconds between a failed question and the next (at most retention / 2). Default 600. */
  nodeProviderRetrySeconds?: number;
  log?: PersistLogger;
  /** The clock, in Unix seconds. */
  now?: () => number;
  /** Log every accepted sample before answering. Default true; false only for measurements. */
  wal?: boolean;
  /** fdatasync each WAL batch before answering: survives power loss, costs a disk flush per batch. Default false. */
  fsync?: boolean;
  /** WAL file handles kept open at most. Default 1024. */
  maxOpenWalFiles?: number;
}

/** What `/api/debug` shows of persistence. Times are ISO strings, durations seconds. */
export interface PersistenceStatus {
  format: 'json' | 'wal';
  directory: string;
  restore: (RestoreSummary & { at: string }) | null;
  lastCheckpoint: (CheckpointSummary & { at: string }) | null;
  /** Snapshots of single hosts written early because their WAL passed max-wal-size. */
  earlySnapshots: number;
  lastCleanup: (Omit<CleanupSummary, 'archives'> & { at: string }) | null;
  lastRetention: (RetentionResult & { at: string }) | null;
  /** Null without a node provider (no `backend-url`). */
  nodeProvider: BusyNodesStatus | null;
  /** Null when the WAL is off (measurements only). */
  wal: WalStats | null;
}

/**
 * Several bodies through the write path at once (NATS messages that queued
 * up): each is stored when it is added, and `commit` appends the WAL records
 * of all of them, one write per host.
 */
export interface IngestBatch {
  /** Stores the samples of one body; throws when the store cannot take it. */
  ingest(body: IngestBody, cluster: string, now?: number): IngestResult;
  /**
   * Appends the WAL records of every body ingested so far; resolves once they
   * are in the files, rejects when the WAL cannot be written (the samples stay
   * in memory). Call it in the same event-loop turn as the ingests: a
   * checkpoint in between would snapshot samples whose records come after its
   * mark, and a replay could then put an older value over a newer one.
   */
  commit(): Promise<void>;
  /** As commit, but null when the records are in the files on return (the request can be answered in the same turn). */
  commitNow(): Promise<void> | null;
}

export interface Persistence {
  readonly settings: PersistSettings;
  /** Loads the checkpoint files and replays the WALs. Call once, before serving. */
  restore(): Promise<RestoreSummary>;
  /**
   * The write path for HTTP and NATS: stores the samples and appends their WAL
   * records; resolves only once they are in the files. Rejects (the service
   * answers 5xx) when the WAL cannot be written; the samples stay in memory
   * and go into the next checkpoint.
   */
  ingest(body: IngestBody, cluster: string, now?: number): Promise<IngestResult>;
  /** The write path for several bodies in a row, their WAL records appended together (NATS). */
  openBatch(): IngestBatch;
  /** Writes a checkpoint now (also what the timer and `stop` do). */
  checkpoint(): Promise<CheckpointSummary>;
  /** One cleanup pass (what the timer and `-cleanup-checkpoints` do). */
  cleanupOnce(): Promise<CleanupSummary>;
  /** One retention pass. */
  retentionOnce(): Promise<RetentionResult>;
  /** One memory-cap check. */
  memoryCheckOnce(): MemoryCapResult;
  /** Counters for the debug output. */
  status(): PersistenceStatus;
  /** Starts the timers. */
  start(): void;
  /** Stops the timers, waits for running work, writes the final checkpoint, closes the WAL. */
  stop(): Promise<void>;
}

/** A commit with nothing left to wait for. */
const DONE = Promise.resolve();
const MEMORY_CHECK_NORMAL = 5 * 60;
const MEMORY_CHECK_FAST = 30;

export function openPersistence(opts: PersistenceOptions): Persistence {
  return new PersistenceImpl(opts);
}

/** `-cleanup-checkpoints`: one cleanup pass by the configuration alone, no store needed. */
export async function cleanupOnce(settings: PersistSettings, opts: { log?: PersistLogger; now?: () => number } = {}): Promise<CleanupSummary> {
  const now = opts.now ?? (() => Date.now() / 1000);
  return runCleanup(settings, Math.floor(now()), opts.log ?? consoleLogger);
}

async function runCleanup(settings: PersistSettings, now: number, log: PersistLogger): Promise<CleanupSummary> {
  const olderThan = now - settings.retention;
  log.info(`cleanup (${settings.cleanupMode}): checkpoint files older than ${new Date(olderThan * 1000).toISOString()}`);
  const summary = await cleanupCheckpoints({
    root: settings.checkpointDir,
    mode: settings.cleanupMode,
    archiveDir: settings.archiveDir,
    olderThan,
    log,
    sync: true,
  });
  log.info(
    `cleanup done: ${summary.files} files ${settings.cleanupMode === 'archive' ? `archived (${summary.rows} samples)` : 'deleted'} in ${summary.seconds.toFixed(1)} s` +
      (summary.failed ? `, ${summary.failed} failures` : ''),
  );
  return summary;
}

class PersistenceImpl implements Persistence {
  readonly settings: PersistSettings;
  private readonly store: MetricStore;
  private readonly log: PersistLogger;
  private readonly now: () => number;
  private readonly disk = new DiskState();
  private readonly wal: WalAppender | undefined;
  private readonly checkpointer: Checkpointer;
  private readonly busyNodes: BusyNodes | undefined;
  private retentionRetry: ReturnType<typeof setTimeout> | undefined;
  private lastCheckpoint: number;
  private jobs: Promise<unknown> = Promise.resolve();
  private timers: Array<{ cancel(): void }> = [];
  private memoryTimer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private lastRestore: PersistenceStatus['restore'] = null;
  private lastCheckpointRun: PersistenceStatus['lastCheckpoint'] = null;
  private earlySnapshots = 0;
  private lastCleanup: PersistenceStatus['lastCleanup'] = null;
  private lastRetention: PersistenceStatus['lastRetention'] = null;

  constructor(opts: PersistenceOptions) {
    this.settings = opts.settings;
    this.store = opts.store;
    this.log = opts.log ?? consoleLogger;
    this.now = opts.now ?? (() => Date.now() / 1000);
    const provider = opts.nodeProvider ?? (opts.backendUrl ? backendNodeProvider(opts.backendUrl, { token: opts.backendToken }) : undefined);
    if (provider) {
      this.busyNodes = new BusyNodes({
        provider,
        log: this.log,
        attempts: opts.nodeProviderAttempts ?? 3,
        retrySeconds: Math.min(opts.nodeProviderRetrySeconds ?? 600, Math.max(1, Math.floor(this.settings.retention / 2))),
        now: this.now,
      });
    }
    if (opts.wal !== false) {
      this.wal = new WalAppender({
        root: this.settings.checkpointDir,
        log: this.log,
        fsync: opts.fsync ?? false,
        maxOpenFiles: opts.maxOpenWalFiles ?? DEFAULT_MAX_OPEN_WAL_FILES,
        maxBytes: this.settings.maxWalBytes,
        onOversize: (cluster, host, bytes) => {
          this.log.info(`WAL of ${cluster}/${host} holds ${bytes} bytes (max-wal-size ${this.settings.maxWalBytes}): writing its snapshot now`);
          this.earlySnapshots++;
          void this.runJob(() => this.checkpointHosts([[cluster, host]])).catch((err) => this.log.error(`early snapshot of ${cluster}/${host}: ${errorText(err)}`));
        },
      });
    }
    this.checkpointer = new Checkpointer({
      store: this.store,
      root: this.settings.checkpointDir,
      ext: this.settings.format === 'wal' ? 'bin' : 'json',
      disk: this.disk,
      log: this.log,
      wal: this.wal,
      workers: this.settings.workers,
      sync: true,
    });
    this.lastCheckpoint = Math.floor(this.now());
  }

  async restore(): Promise<RestoreSummary> {
    await assertWritableDirectory(this.settings.checkpointDir, 'metric-store.checkpoints.directory');
    if (this.settings.cleanupMode === 'archive') await assertWritableDirectory(this.settings.archiveDir, 'metric-store.cleanup.directory');
    const now = Math.floor(this.now());
    const summary = await this.runJob(() =>
      restore({
        store: this.store,
        root: this.settings.checkpointDir,
        restorePoint: now - this.settings.retention,
        log: this.log,
        disk: this.disk,
        wal: this.wal,
        sync: true,
      }),
    );
    this.lastCheckpoint = Math.floor(this.now());
    this.lastRestore = { ...summary, at: this.isoNow() };
    return summary;
  }

  async ingest(body: IngestBody, cluster: string, now?: number): Promise<IngestResult> {
    const batch = this.openBatch();
    const result = batch.ingest(body, cluster, now);
    await batch.commit();
    return result;
  }

  openBatch(): IngestBatch {
    const { store, wal } = this;
    if (!wal) {
      return {
        ingest: (body, cluster, now) => {
          if (this.stopped) throw new Error('the store is shutting down');
          return store.ingest(body, cluster, now ?? Math.floor(this.now()));
        },
        commit: () => Promise.resolve(),
        commitNow: () => null,
      };
    }
    // The store holds the records of the batch's bodies and groups them per host until the commit.
    let accepted = 0;
    const commitNow = (): Promise<void> | null => {
      const records = store.takeHeldWal();
      if (accepted > 0 && records.length === 0) {
        return Promise.reject(new Error('the store returned no WAL records for accepted samples: create it with { wal: true }'));
      }
      accepted = 0;
      return wal.appendNow(records);
    };
    return {
      ingest: (body, cluster, now) => {
        if (this.stopped) throw new Error('the store is shutting down');
        const result = store.ingestHeld(body, cluster, now ?? Math.floor(this.now()));
        accepted += result.accepted;
        return result;
      },
      commit: () => commitNow() ?? DONE,
      commitNow,
    };
  }

  checkpoint(): Promise<CheckpointSummary> {
    return this.runJob(async () => {
      const summary = await this.checkpointHosts();
      this.lastCheckpoint = Math.floor(this.now());
      this.lastCheckpointRun = { ...summary, at: this.isoNow() };
      return summary;
    });
  }

  private async checkpointHosts(hosts?: Array<[string, string]>): Promise<CheckpointSummary> {
    const from = this.lastCheckpoint;
    const to = Math.max(from, Math.floor(this.now()));
    if (!hosts) this.log.info(`checkpoint: start (period from ${new Date(from * 1000).toISOString()})`);
    const s = await this.checkpointer.run(from, to, hosts);
    const mb = s.bytes / 1e6;
    this.log.info(
      `checkpoint done: ${s.files} files for ${s.hosts} hosts, ${mb.toFixed(1)} MB in ${s.seconds.toFixed(2)} s (${(mb / Math.max(s.seconds, 1e-6)).toFixed(0)} MB/s)` +
        (s.fullSnapshots ? `, ${s.fullSnapshots} full snapshots` : '') +
        (s.failed ? `, ${s.failed} hosts failed` : ''),
    );
    return s;
  }

  cleanupOnce(): Promise<CleanupSummary> {
    return this.runJob(async () => {
      const summary = await runCleanup(this.settings, Math.floor(this.now()), this.log);
      const { archives: _, ...counts } = summary;
      this.lastCleanup = { ...counts, at: this.isoNow() };
      return summary;
    });
  }

  async retentionOnce(): Promise<RetentionResult> {
    clearTimeout(this.retentionRetry);
    const olderThan = Math.floor(this.now()) - this.settings.retention;
    this.log.info(`retention: freeing data older than ${new Date(olderThan * 1000).toISOString()}`);
    const busy = this.busyNodes ? await this.busyNodes.ask(olderThan) : { used: undefined };
    if ('retryInSeconds' in busy) {
      this.retryRetention(busy.retryInSeconds);
      return { freed: 0, kept: 0 };
    }
    const r = freeOldData(this.store, olderThan, busy.used);
    this.log.info(`retention done: ${r.freed} chunks freed` + (r.kept ? `, ${r.kept} busy hosts kept` : ''));
    this.lastRetention = { ...r, at: this.isoNow() };
    return r;
  }

  memoryCheckOnce(): MemoryCapResult {
    return enforceMemoryCap(this.store, this.settings.memoryCapBytes, Math.floor(this.now()), this.settings.retention, this.log);
  }

  status(): PersistenceStatus {
    return {
      format: this.settings.format,
      directory: this.settings.checkpointDir,
      restore: this.lastRestore,
      lastCheckpoint: this.lastCheckpointRun,
      earlySnapshots: this.earlySnapshots,
      lastCleanup: this.lastCleanup,
      lastRetention: this.lastRetention,
      nodeProvider: this.busyNodes?.status() ?? null,
      wal: this.wal?.stats() ?? null,
    };
  }

  private isoNow(): string {
    return new Date(this.now() * 1000).toISOString();
  }

  start(): void {
    if (this.stopped || this.timers.length > 0) return;
    const every = (seconds: number, what: string, fn: () => Promise<unknown>) => {
      this.timers.push(
        repeat(seconds * 1000, () => {
          fn().catch((err) => this.log.error(`${what}: ${errorText(err)}`));
        }),
      );
    };
    every(this.settings.checkpointInterval, 'checkpoint', () => this.checkpoint());
    every(this.settings.retention / 2, 'retention', () => this.retentionOnce());
    every(this.settings.retention, 'cleanup', () => this.cleanupOnce());
    if (this.settings.memoryCapBytes > 0) this.scheduleMemoryCheck(MEMORY_CHECK_NORMAL);
  }

  /** Another retention pass soon, while the timers run (a regular pass cancels it). */
  private retryRetention(seconds: number): void {
    if (this.stopped || this.timers.length === 0) return;
    this.retentionRetry = setTimeout(() => {
      this.retentionOnce().catch((err) => this.log.error(`retention: ${errorText(err)}`));
    }, seconds * 1000);
    this.retentionRetry.unref();
  }

  private scheduleMemoryCheck(seconds: number): void {
    this.memoryTimer = setTimeout(() => {
      let next = MEMORY_CHECK_NORMAL;
      try {
        const r = this.memoryCheckOnce();
        // Look more often while close to the cap, as the Go store does.
        if (r.after > 0.8 * this.settings.memoryCapBytes) next = MEMORY_CHECK_FAST;
      } catch (err) {
        this.log.error(`memory check: ${errorText(err)}`);
      }
      if (!this.stopped) this.scheduleMemoryCheck(next);
    }, seconds * 1000);
    this.memoryTimer.unref();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) t.cancel();
    this.timers = [];
    if (this.memoryTimer) clearTimeout(this.memoryTimer);
    clearTimeout(this.retentionRetry);
    let summary: CheckpointSummary;
    try {
      summary = await this.checkpoint();
    } finally {
      await this.wal?.close();
    }
    if (summary.failed > 0) throw new Error(unsavedText(summary, this.settings.checkpointDir));
  }

  /** Runs `fn` after every job queued before it; jobs touch the checkpoint files one at a time. */
  private runJob<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.jobs.then(fn, fn);
    this.jobs = p.catch(() => {});
    return p;
  }
}

/** What a shutdown whose final checkpoint failed for some hosts leaves unsaved. */
function unsavedText(s: CheckpointSummary, dir: string): string {
  const more = s.failed > s.failedHosts.length ? `, ... (${s.failed - s.failedHosts.length} more)` : '';
  return (
    `final checkpoint incomplete: ${s.failed} of ${s.hosts} hosts with ${s.unsavedValues} samples not saved below ${dir} ` +
    `(${s.failedHosts.join(', ')}${more}): ${s.firstError ?? 'unknown error'}`
  );
}

// setTimeout holds at most 2^31-1 ms (~24.8 days); longer periods (a long
// retention) are waited out in steps instead of firing at once.
const MAX_TIMER_MS = 2 ** 31 - 1;

function repeat(periodMs: number, fn: () => void): { cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let due = Date.now() + periodMs;
  const arm = () => {
    timer = setTimeout(tick, Math.min(Math.max(due - Date.now(), 0), MAX_TIMER_MS));
    timer.unref();
  };
  const tick = () => {
    if (Date.now() >= due) {
      due = Date.now() + periodMs;
      fn();
    }
    arm();
  };
  arm();
  return { cancel: () => clearTimeout(timer) };
}
