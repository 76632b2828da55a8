// The bytes encodeQuery writes for a list of ids (str16 of each), made by
// whoever built the list while it read the ids' characters anyway: the body
// parser of /api/query (query-body-fast.ts). Writing 72 hwthread ids again
// from their strings cost about 160 instructions an id (12,600 a query);
// with the bytes at hand encodeQuery copies them in one go.
//
// Keyed by the list itself, so a list moved to another field (withDeviceLevel
// makes subtype-ids the type-ids) keeps its bytes, and a list nobody
// registered (any other caller of the store) is written from its strings.
// A registered list is frozen: bytes and strings cannot drift apart.

const known = new WeakMap<readonly string[], Uint8Array>();

/** Registers `bytes` (str16 of each of `list`, as ByteWriter.strs16 writes them) as the encoding of `list`, which is frozen. */
export function rememberIdBytes(list: string[], bytes: Uint8Array): readonly string[] {
  Object.freeze(list);
  known.set(list, bytes);
  return list;
}

/** The bytes registered for `list`, or undefined. */
export function idBytesOf(list: readonly unknown[]): Uint8Array | undefined {
  return known.get(list as readonly string[]);
}
