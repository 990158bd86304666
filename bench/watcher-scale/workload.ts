/** The watcher scale bench's workload: seeded ticket lives, identical for the product and the baselines. */
import { mixSeed, seededRandom } from '../lib/random.js';

/** Simulated time zero (an epoch ms, so ticket ages look real). */
export const T0 = 1_750_000_000_000;
/** The final status's name. */
export const FINAL = 'DONE';

/** One ticket's life: status i (0 = the first status, last = final) appears at times[i] (absolute ms). */
export interface Life {
  slot: number;
  gen: number;
  times: number[];
}

/** Status i's name: `S0`, `S1`, … and FINAL for the last. */
export const statusName = (i: number, last: number): string => (i === last ? FINAL : `S${i}`);
/** The index of a status name (the inverse of statusName). */
export const statusIndex = (s: string, last: number): number => (s === FINAL ? last : Number(s.slice(1)));

/** Index of the status in force at `t` (-1: the ticket does not exist yet). */
export function indexAt(life: Life, t: number): number {
  let i = -1;
  while (i + 1 < life.times.length && life.times[i + 1]! <= t) i++;
  return i;
}

/** Ticket lives from one seed: every slot and generation gets its own stream. */
export class Workload {
  constructor(
    private readonly seed: number,
    private readonly meanChangeMs: number,
    private readonly minChanges: number,
    private readonly maxChanges: number,
  ) {}

  /** Generation `gen` of `slot`, created at `createdAt`: its first status then, each change an exponential gap later. */
  life(slot: number, gen: number, createdAt: number): Life {
    const rnd = seededRandom(mixSeed(this.seed, slot, gen, 1));
    const k = this.minChanges + Math.floor(rnd() * (this.maxChanges - this.minChanges + 1));
    const times = [createdAt];
    for (let i = 0; i < k; i++)
      times.push(times[i]! + Math.max(1, Math.round(-Math.log(1 - rnd()) * this.meanChangeMs)));
    return { slot, gen, times };
  }

  /** The first generation, already under way at T0: a uniformly random point of its life (its final still ahead). */
  initial(slot: number): Life {
    const life = this.life(slot, 0, 0);
    const span = life.times[life.times.length - 1]!;
    const u = seededRandom(mixSeed(this.seed, slot, 0, 2))();
    const shift = T0 - Math.floor(u * span);
    return { ...life, times: life.times.map((t) => t + shift) };
  }

  /** A per-slot uniform in [0,1) for phases (timer offsets, initial due times). */
  phase(slot: number, salt: number): number {
    return seededRandom(mixSeed(this.seed, slot, salt, 3))();
  }
}
