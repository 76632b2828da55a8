// Which shard owns a host: FNV-1a over the UTF-8 bytes of cluster, 0xff, host.
// assembly/bytes.ts (hostHash) computes the same for lines parsed in WASM.

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function fnv1a(bytes: Uint8Array, seed: number): number {
  let h = seed;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], FNV_PRIME) >>> 0;
  return h;
}

export function hostHash(cluster: Uint8Array, host: Uint8Array): number {
  let h = fnv1a(cluster, FNV_OFFSET);
  h = Math.imul(h ^ 0xff, FNV_PRIME) >>> 0;
  return fnv1a(host, h);
}
