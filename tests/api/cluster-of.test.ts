// The direct handler's reading of ?cluster=: the first `cluster` parameter,
// as Hono's c.req.query('cluster') reads a query string with nothing encoded.
import { describe, expect, it } from 'vitest';
import { clusterOf } from '../../src/api/direct-handler.ts';

/** The reading before (split on '&'), as the reference. */
function bySplit(query: string): string {
  for (const pair of query.split('&')) {
    if (pair === 'cluster') return '';
    if (pair.startsWith('cluster=')) return pair.slice('cluster='.length);
  }
  return '';
}

describe('clusterOf', () => {
  it('reads the first cluster parameter, as splitting on & does', () => {
    const cases = [
      '', 'cluster', 'cluster=', 'cluster=fritz', 'a=1&cluster=bench', 'clusterx=1&cluster=y', 'clusters=1', '&&cluster=z&cluster=w',
      'x&cluster', 'cluster&cluster=q', 'a=b&', '&', 'cluster=a=b&c', 'xcluster=1', 'cluster=&x', 'clu', 'a&clusterz', 'version=v2&cluster=alex&x=1',
    ];
    for (const q of cases) expect(clusterOf(q), q).toBe(bySplit(q));
    expect(clusterOf('a=1&cluster=bench&cluster=other')).toBe('bench');
  });
});
