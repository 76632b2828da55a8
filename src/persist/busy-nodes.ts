// The node provider as retention uses it: a failed question is retried a few
// times, then retention frees by age alone. The Go store frees nothing while
// cc-backend cannot be asked, so an unreachable backend or a missing token
// lets memory grow until the cap; ours bounds that to a few retries.

import { errorText } from './log.ts';
import type { PersistLogger } from './log.ts';
import type { NodeProvider, UsedNodes } from './node-provider.ts';

export interface BusyNodesOptions {
  provider: NodeProvider;
  log: PersistLogger;
  /** Failed questions in a row after which a pass frees by retention alone. */
  attempts: number;
  /** Seconds between a failed question and the next attempt. */
  retrySeconds: number;
  /** The clock, in Unix seconds. */
  now: () => number;
}

/** What a retention pass does with the answer: keep `used` (undefined: nothing kept), or try again later. */
export type BusyAnswer = { used: UsedNodes | undefined } | { retryInSeconds: number };

/** What `/api/debug` and `/metrics` show of the node provider. */
export interface BusyNodesStatus {
  /** Failed questions since the last answer (or since the last pass that freed by retention alone). */
  consecutiveFailures: number;
  failures: number;
  /** Passes that freed by retention alone because the provider kept failing. */
  passesWithoutProvider: number;
  lastError: string | null;
  /** Unix seconds of the last answer, or null. */
  lastAnswerAt: number | null;
}

export class BusyNodes {
  private consecutiveFailures = 0;
  private failures = 0;
  private passesWithoutProvider = 0;
  private lastError: string | null = null;
  private lastAnswerAt: number | null = null;

  constructor(private readonly opts: BusyNodesOptions) {}

  async ask(olderThan: number): Promise<BusyAnswer> {
    const { provider, log, attempts, retrySeconds } = this.opts;
    try {
      const used = await provider.usedNodes(olderThan);
      this.consecutiveFailures = 0;
      this.lastError = null;
      this.lastAnswerAt = Math.floor(this.opts.now());
      return { used };
    } catch (err) {
      this.failures++;
      this.consecutiveFailures++;
      this.lastError = errorText(err);
    }
    if (this.consecutiveFailures < attempts) {
      log.error(
        `retention: cannot ask cc-backend for the nodes running jobs (attempt ${this.consecutiveFailures} of ${attempts}, ${retrySeconds} s apart): ${this.lastError}; nothing freed, trying again in ${retrySeconds} s`,
      );
      return { retryInSeconds: retrySeconds };
    }
    log.error(
      `retention: cc-backend could not be asked for the nodes running jobs ${this.consecutiveFailures} times in a row (limit: ${attempts} attempts, ${retrySeconds} s apart): freeing by retention alone, the data of nodes running jobs is not kept: ${this.lastError}`,
    );
    this.consecutiveFailures = 0;
    this.passesWithoutProvider++;
    return { used: undefined };
  }

  status(): BusyNodesStatus {
    return {
      consecutiveFailures: this.consecutiveFailures,
      failures: this.failures,
      passesWithoutProvider: this.passesWithoutProvider,
      lastError: this.lastError,
      lastAnswerAt: this.lastAnswerAt,
    };
  }
}
