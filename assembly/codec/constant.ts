// ALL-MISSING (codec 1): the header alone, 3 bytes; layout NONE, every slot
// 0x7fc00000. CONSTANT (codec 2): header, layout, u32 LE bit pattern of the
// one value every present slot holds: 7 bytes without missing slots.
import { expand, fillMissing, packedTarget, payloadAt, blockLen, blockPresent } from "./layout";

export const CODEC_ALL_MISSING: i32 = 1;
export const CODEC_CONSTANT: i32 = 2;

/** True when all n values have one bit pattern. */
export function isConstant(src: usize, n: i32): bool {
  const first = load<u32>(src);
  const splat = i32x4.splat(first);
  let i = 0;
  let diff = i32x4.splat(0);
  for (; i + 16 <= n; i += 16) {
    const p = src + (<usize>i << 2);
    diff = v128.or(diff, v128.or(
      v128.or(v128.xor(v128.load(p), splat), v128.xor(v128.load(p, 16), splat)),
      v128.or(v128.xor(v128.load(p, 32), splat), v128.xor(v128.load(p, 48), splat))));
    // A chunk that is not constant usually shows it in its first values.
    if (v128.any_true(diff)) return false;
  }
  for (; i < n; i++) if (load<u32>(src + (<usize>i << 2)) != first) return false;
  return true;
}

export function constantPayloadBytes(): i32 {
  return 4;
}

export function writeConstant(p: usize, src: usize): usize {
  store<u32>(p, load<u32>(src));
  return p + 4;
}

export function decodeAllMissing(out: usize): i32 {
  fillMissing(out, 0, blockLen);
  return blockLen;
}

/** -1 when the block is too short. */
export function decodeConstant(out: usize, end: usize): i32 {
  if (payloadAt + 4 > end) return -1;
  const bits = load<u32>(payloadAt);
  const dst = packedTarget(out);
  const splat = i32x4.splat(bits);
  const n = blockPresent;
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), splat);
  for (; i < n; i++) store<u32>(dst + (<usize>i << 2), bits);
  expand(out);
  return blockLen;
}
