// The JSON text of recently formatted 32-bit floats, by their bits: metric
// values repeat (idle nodes, integers, numbers with two or three decimals,
// values held for a while), and copying a remembered text is several times
// cheaper than finding the shortest digits again (f32-format.ts). A
// direct-mapped table of 512 slots (16 KiB, in cache beside the output): of
// the values of 1,440-point series of bench/data/generator.mjs's shapes it
// finds 59-66 % (busy and idle percentages), 88-99.9 % (small percentages,
// load, memory, clock, integers, rare spikes), 19-38 % (FLOP rates, bandwidth,
// ratios, counters) and almost none of full-precision IPC and network rates,
// where it adds a few instructions to a value that costs 200 or more; 88 % of
// the HTTP benches' cpu_load series (50 values, some sharing a slot).
// The text of a float never changes, so the table is kept from one query to
// the next and needs no invalidation.
//
// Beside it, a second table of as many slots (the victims), by the same index:
// a text pushed out of its slot by a newcomer moves there, so that two values
// of a series that share a slot (the HTTP benches' cpu_load has a few such
// pairs) both stay found. The loops over remembered texts look there when the
// first table misses (a compare and a branch more, on that route only), and
// copy the text from where they found it.
//
// A slot: the float's bits (u32), the text's length (u8), 11 bytes unused,
// the text and the comma that follows it in an answer (up to 16 bytes: the
// copy then writes both at once) at offset 16. Every slot starts as the entry
// of 0xffffffff, a NaN, whose text "null," is right for it wherever it is looked up.

export const VALUE_TEXT_SLOTS: u32 = 512;
const SLOT_SHIFT: u32 = 5;
/** The victims' table follows the first one: the victim of slot VALUE_TEXTS + k is at VALUE_TEXTS + VICTIM_OFFSET + k. */
const VICTIM_OFFSET: usize = <usize>(VALUE_TEXT_SLOTS << SLOT_SHIFT);
export const VALUE_TEXTS: usize = memory.data(<i32>(VICTIM_OFFSET * 2), 16);

export function initValueTexts(): void {
  for (let s: usize = 0; s < <usize>VALUE_TEXT_SLOTS * 2; s++) {
    const slot = VALUE_TEXTS + (s << SLOT_SHIFT);
    store<u32>(slot, 0xffffffff);
    store<u8>(slot, 5, 4);
    store<u32>(slot, 0x6c6c756e, 16); // "null,"
    store<u8>(slot, 44, 20);
  }
}

/** The victims' slot beside `slot` (a slot of the first table). */
// @ts-ignore: decorator
@inline export function victimSlot(slot: usize): usize {
  return slot + VICTIM_OFFSET;
}

/** The slot of a float's bits (Fibonacci hashing: the top 9 bits of bits * 2^32 / phi). */
// @ts-ignore: decorator
@inline export function valueTextSlot(bits: u32): usize {
  return VALUE_TEXTS + (<usize>((bits * 0x9e3779b1) >> 23) << SLOT_SHIFT);
}

/**
 * Remembers the text at [at, end) (just written with its comma, 16 bytes
 * readable at `at`) as the text of `bits`; one longer than 16 bytes is not kept.
 */
// @ts-ignore: decorator
@inline export function keepValueText(slot: usize, bits: u32, at: usize, end: usize): void {
  const len = end - at;
  if (len <= 16) {
    // The slot's text moves to the victims' table (32 bytes, whatever it holds).
    const victim = victimSlot(slot);
    v128.store(victim, v128.load(slot));
    v128.store(victim, v128.load(slot, 16), 16);
    store<u32>(slot, bits);
    store<u8>(slot, <u8>len, 4);
    v128.store(slot, v128.load(at), 16);
  }
}
