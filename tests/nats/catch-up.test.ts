// The catch-up progress lines of a JetStream consumer, with the clock passed in.

import { describe, expect, it } from 'vitest';
import { CatchUpProgress } from '../../src/nats/catch-up.ts';
import { recordingLogger } from './helpers/fake-ingest.ts';

describe('catch-up progress', () => {
  it('says how far behind, how fast and how long to go, then that it caught up', () => {
    const log = recordingLogger();
    const p = new CatchUpProgress('stream "HPC" consumer "a"', log, 100);
    p.started(60_000, 0);
    expect(p.catchingUp).toBe(true);
    expect(log.text()).toBe('info: NATS JetStream: stream "HPC" consumer "a": 60,000 messages waiting in the stream; catching up');

    // 10 s: 20,000 messages (720 lines each) stored while publishers added 1,000: 41,000 left, gaining 1,900 a second.
    p.delivered(41_000, 10_000);
    p.acked(20_000, 20_000 * 720, 50, 10_000);
    p.tick(10_000);
    expect(log.lines.at(-1)!.message).toBe(
      'NATS JetStream: stream "HPC" consumer "a": catching up, 41,000 messages behind, 2,000 messages/s (1,440,000 lines/s), caught up in about 22 s',
    );
    // Not gaining.
    p.delivered(41_000, 20_000);
    p.tick(20_000);
    expect(log.lines.at(-1)!.message).toContain('41,000 messages behind, 0 messages/s (0 lines/s), not gaining: the publishers send as fast as the store ingests');

    // Nothing waits and nothing is in hand: caught up.
    p.delivered(0, 30_000);
    p.acked(41_000, 41_000 * 720, 10, 30_000);
    expect(p.catchingUp).toBe(true);
    p.acked(10, 7200, 0, 30_000);
    expect(p.catchingUp).toBe(false);
    expect(log.lines.at(-1)!.message).toBe(
      'NATS JetStream: stream "HPC" consumer "a": caught up, 61,010 messages (43,927,200 lines) in 30.0 s, 2,034 messages/s (1,464,240 lines/s)',
    );
    p.tick(40_000);
    expect(log.lines).toHaveLength(4);
  });

  it('counts a live consumer as behind only past its max-ack-pending', () => {
    const log = recordingLogger();
    const p = new CatchUpProgress('c', log, 100);
    p.started(0, 0);
    p.delivered(99, 1);
    expect(p.catchingUp).toBe(false);
    p.delivered(100, 2);
    expect(p.catchingUp).toBe(true);
    expect(log.lines).toEqual([{ level: 'warn', message: 'NATS JetStream: c: 100 messages waiting in the stream, the store is behind; catching up' }]);
  });
});
