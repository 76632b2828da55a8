// How many bytes of blocks encoded ahead (SeriesTable.blocks) loading takes
// for a file of `bytesLen` bytes: its directory (a word an entry, at most one
// entry a page of values) and three quarters of the values' size. Blocks are
// smaller than their values, and most compress to well under that; a file
// whose blocks do not all fit gets the ones that do (the rest are encoded
// while loading). The store keeps this much room whether blocks come or not
// (store.ts loadTable), so the figure must not depend on anything else.
export function loadBlocksRoom(bytesLen: number): number {
  const room = Math.floor(bytesLen * 0.75) + Math.floor(bytesLen / 64) + 64;
  return Math.ceil(room / 8) * 8;
}
