/**
 * Seeded randomness shared by the benches: one generator (mulberry32), so a seed means the same rolls everywhere.
 */

/** Seeded PRNG (mulberry32): uniform in [0, 1); the same seed gives the same rolls. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit seed mixed from several numbers (seed, slot, generation, salt …), for independent seeded streams. */
export function mixSeed(...xs: number[]): number {
  let h = 0x811c9dc5;
  for (const x of xs) {
    h = Math.imul(h ^ (x | 0), 0x01000193);
    h ^= h >>> 13;
    h = Math.imul(h, 0x5bd1e995);
    h ^= h >>> 15;
  }
  return h >>> 0;
}

/** Exponential gaps of mean `meanMs` from `random` (never 0 or infinite: the roll is kept off 0). */
export function exponentialGap(random: () => number, meanMs: number): number {
  return -Math.log(random() + 0.5 / 4294967296) * meanMs;
}
