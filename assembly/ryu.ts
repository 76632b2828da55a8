// Shortest decimal digits of a 32-bit float that read back to the same float
// (Ryu, Ulf Adams, PLDI 2018, the 32-bit variant). Results land in
// `ryuDigits` / `ryuExponent`: value = ryuDigits * 10^ryuExponent.
import { POW5_INV_SPLIT, POW5_SPLIT } from "./ryu-tables";

const POW5_INV_BITCOUNT: i32 = 59;
const POW5_BITCOUNT: i32 = 61;

export let ryuDigits: u32 = 0;
export let ryuExponent: i32 = 0;

// @ts-ignore: decorator
@inline function pow5bits(e: i32): i32 {
  return <i32>((<u32>e * 1217359) >> 19) + 1;
}
// @ts-ignore: decorator
@inline function log10Pow2(e: i32): i32 {
  return <i32>((<u32>e * 78913) >> 18);
}
// @ts-ignore: decorator
@inline function log10Pow5(e: i32): i32 {
  return <i32>((<u32>e * 732923) >> 20);
}

function pow5Factor(value: u32): u32 {
  let count: u32 = 0;
  let v = value;
  while (true) {
    const q = v / 5;
    const r = v - 5 * q;
    if (r != 0) break;
    v = q;
    count++;
  }
  return count;
}

// @ts-ignore: decorator
@inline function multipleOfPowerOf5(value: u32, p: u32): bool {
  return pow5Factor(value) >= p;
}
// @ts-ignore: decorator
@inline function multipleOfPowerOf2(value: u32, p: u32): bool {
  return (value & ((<u32>1 << p) - 1)) == 0;
}

// @ts-ignore: decorator
@inline function mulShift32(m: u32, factor: u64, shift: i32): u32 {
  const lo = <u64>(<u32>factor);
  const hi = factor >> 32;
  const bits0 = <u64>m * lo;
  const bits1 = <u64>m * hi;
  const sum = (bits0 >> 32) + bits1;
  return <u32>(sum >> <u64>(shift - 32));
}
// @ts-ignore: decorator
@inline function mulPow5InvDivPow2(m: u32, q: i32, j: i32): u32 {
  return mulShift32(m, load<u64>(POW5_INV_SPLIT + (<usize>q << 3)), j);
}
// @ts-ignore: decorator
@inline function mulPow5DivPow2(m: u32, i: i32, j: i32): u32 {
  return mulShift32(m, load<u64>(POW5_SPLIT + (<usize>i << 3)), j);
}

/** Finite, non-zero input only. */
export function ryu32(bits: u32): void {
  const mantissa = bits & 0x7fffff;
  const exponent = <i32>((bits >> 23) & 0xff);
  let e2: i32;
  let m2: u32;
  if (exponent == 0) {
    e2 = 1 - 127 - 23 - 2;
    m2 = mantissa;
  } else {
    e2 = exponent - 127 - 23 - 2;
    m2 = (<u32>1 << 23) | mantissa;
  }
  const even = (m2 & 1) == 0;
  const acceptBounds = even;

  const mv = 4 * m2;
  const mp = 4 * m2 + 2;
  const mmShift: u32 = mantissa != 0 || exponent <= 1 ? 1 : 0;
  const mm = 4 * m2 - 1 - mmShift;

  let vr: u32, vp: u32, vm: u32;
  let e10: i32;
  let vmIsTrailingZeros = false;
  let vrIsTrailingZeros = false;
  let lastRemovedDigit: u32 = 0;
  if (e2 >= 0) {
    const q = log10Pow2(e2);
    e10 = q;
    const k = POW5_INV_BITCOUNT + pow5bits(q) - 1;
    const i = -e2 + q + k;
    vr = mulPow5InvDivPow2(mv, q, i);
    vp = mulPow5InvDivPow2(mp, q, i);
    vm = mulPow5InvDivPow2(mm, q, i);
    if (q != 0 && (vp - 1) / 10 <= vm / 10) {
      const l = POW5_INV_BITCOUNT + pow5bits(q - 1) - 1;
      lastRemovedDigit = mulPow5InvDivPow2(mv, q - 1, -e2 + q - 1 + l) % 10;
    }
    if (q <= 9) {
      if (mv % 5 == 0) vrIsTrailingZeros = multipleOfPowerOf5(mv, <u32>q);
      else if (acceptBounds) vmIsTrailingZeros = multipleOfPowerOf5(mm, <u32>q);
      else vp -= multipleOfPowerOf5(mp, <u32>q) ? 1 : 0;
    }
  } else {
    const q = log10Pow5(-e2);
    e10 = q + e2;
    const i = -e2 - q;
    const k = pow5bits(i) - POW5_BITCOUNT;
    let j = q - k;
    vr = mulPow5DivPow2(mv, i, j);
    vp = mulPow5DivPow2(mp, i, j);
    vm = mulPow5DivPow2(mm, i, j);
    if (q != 0 && (vp - 1) / 10 <= vm / 10) {
      j = q - 1 - (pow5bits(i + 1) - POW5_BITCOUNT);
      lastRemovedDigit = mulPow5DivPow2(mv, i + 1, j) % 10;
    }
    if (q <= 1) {
      vrIsTrailingZeros = true;
      if (acceptBounds) vmIsTrailingZeros = mmShift == 1;
      else vp--;
    } else if (q < 31) {
      vrIsTrailingZeros = multipleOfPowerOf2(mv, <u32>(q - 1));
    }
  }

  let removed: i32 = 0;
  let output: u32;
  if (vmIsTrailingZeros || vrIsTrailingZeros) {
    while (vp / 10 > vm / 10) {
      vmIsTrailingZeros = vmIsTrailingZeros && vm % 10 == 0;
      vrIsTrailingZeros = vrIsTrailingZeros && lastRemovedDigit == 0;
      lastRemovedDigit = vr % 10;
      vr /= 10;
      vp /= 10;
      vm /= 10;
      removed++;
    }
    if (vmIsTrailingZeros) {
      while (vm % 10 == 0) {
        vrIsTrailingZeros = vrIsTrailingZeros && lastRemovedDigit == 0;
        lastRemovedDigit = vr % 10;
        vr /= 10;
        vp /= 10;
        vm /= 10;
        removed++;
      }
    }
    if (vrIsTrailingZeros && lastRemovedDigit == 5 && vr % 2 == 0) lastRemovedDigit = 4;
    output = vr + ((vr == vm && (!acceptBounds || !vmIsTrailingZeros)) || lastRemovedDigit >= 5 ? 1 : 0);
  } else {
    while (vp / 10 > vm / 10) {
      lastRemovedDigit = vr % 10;
      vr /= 10;
      vp /= 10;
      vm /= 10;
      removed++;
    }
    output = vr + (vr == vm || lastRemovedDigit >= 5 ? 1 : 0);
  }
  ryuDigits = output;
  ryuExponent = e10 + removed;
}
