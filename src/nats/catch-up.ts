// Progress of a JetStream consumer that is behind its stream: after a restart
// (what was published while the store was down) or when the publishers are
// faster than the store. While behind, a line every interval says how many
// messages wait, the rate they are ingested at and when the store will have
// caught up; a last line says when it has. Time is passed in, so the arithmetic
// is tested without waiting.

import type { NatsLogger } from './types.ts';

interface Behind {
  since: number;
  messages: number;
  lines: number;
  /** At the previous progress line: what is measured between two lines. */
  mark: { at: number; pending: number; messages: number; lines: number };
}

export class CatchUpProgress {
  private pending = 0;
  private behind: Behind | null = null;

  constructor(
    /** E.g. `stream "HPC" consumer "store-a"`. */
    private readonly label: string,
    private readonly log: NatsLogger,
    /** Messages waiting in the stream from which on the consumer counts as behind (its max-ack-pending: more than it may hold). */
    private readonly behindAt: number,
  ) {}

  get catchingUp(): boolean {
    return this.behind !== null;
  }

  /** Messages in the stream not yet delivered, as last heard. */
  get waiting(): number {
    return this.pending;
  }

  /** The consumer's backlog when consuming starts (its num_pending and num_ack_pending). */
  started(backlog: number, now: number): void {
    this.pending = backlog;
    if (backlog === 0) {
      this.behind = null;
      return;
    }
    this.log.info(`NATS JetStream: ${this.label}: ${count(backlog)} messages waiting in the stream; catching up`);
    this.enter(now);
  }

  /** A message was delivered with `pending` more waiting behind it. */
  delivered(pending: number, now: number): void {
    this.pending = pending;
    if (this.behind || pending < this.behindAt) return;
    this.log.warn(`NATS JetStream: ${this.label}: ${count(pending)} messages waiting in the stream, the store is behind; catching up`);
    this.enter(now);
  }

  /** `messages` were stored and acknowledged; `inHand` are delivered and not yet acknowledged. */
  acked(messages: number, lines: number, inHand: number, now: number): void {
    const b = this.behind;
    if (!b) return;
    b.messages += messages;
    b.lines += lines;
    if (this.pending > 0 || inHand > 0) return;
    const seconds = Math.max((now - b.since) / 1000, 0.001);
    this.log.info(
      `NATS JetStream: ${this.label}: caught up, ${count(b.messages)} messages (${count(b.lines)} lines) in ${seconds.toFixed(1)} s, ` +
        `${count(b.messages / seconds)} messages/s (${count(b.lines / seconds)} lines/s)`,
    );
    this.behind = null;
  }

  /** Called every progress interval: a line while behind. */
  tick(now: number): void {
    const b = this.behind;
    if (!b) return;
    const seconds = (now - b.mark.at) / 1000;
    if (seconds <= 0) return;
    const messageRate = (b.messages - b.mark.messages) / seconds;
    const lineRate = (b.lines - b.mark.lines) / seconds;
    // What the backlog shrank by per second: ingest rate less what the publishers add meanwhile.
    const gain = (b.mark.pending - this.pending) / seconds;
    const eta = gain > 0 ? `caught up in about ${duration(this.pending / gain)}` : 'not gaining: the publishers send as fast as the store ingests';
    this.log.info(
      `NATS JetStream: ${this.label}: catching up, ${count(this.pending)} messages behind, ` +
        `${count(messageRate)} messages/s (${count(lineRate)} lines/s), ${eta}`,
    );
    b.mark = { at: now, pending: this.pending, messages: b.messages, lines: b.lines };
  }

  private enter(now: number): void {
    this.behind = { since: now, messages: 0, lines: 0, mark: { at: now, pending: this.pending, messages: 0, lines: 0 } };
  }
}

function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function duration(seconds: number): string {
  if (seconds < 90) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}
