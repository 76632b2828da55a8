// (ours) Devices under a node: a line with `stype`/`stype-id` but no type
// (or `type=node`) is stored one level below the host, where a type level
// would be (assembly/lineproto.ts deviceUnderNode). A query names such a
// device with `subtype`/`subtype-ids` and no `type`; the reference ignores
// the subtype then and reads the host. Read as the type of the query, the
// selectors are built exactly as for a type: one per id, or one group with
// `aggreg`.
import type { QuerySpec } from './types.ts';

/** The query as the engine answers it: a subtype without a type stands for the type. */
export function withDeviceLevel(q: QuerySpec): QuerySpec {
  if (q.type != null || q.subtype == null) return q;
  return { ...q, type: q.subtype, 'type-ids': q['subtype-ids'] ?? null, subtype: null, 'subtype-ids': null };
}
