/**
 * One size in one mode of the push workload: N open DMS tickets on a fake clock through the REAL StatusWatcher, the
 * REAL SqliteStore (':memory:'), the REAL push dispatcher (ticket lookup, watcher.nudge) and the REAL reconcile
 * cadence, under a quota of Q calls/s. See bench/push-scale.ts.
 */
import { Writable } from 'node:stream';
import { createLogger } from '../../src/core/logger.js';
import { PushCadence } from '../../src/dms/push/cadence.js';
import { DmsPushDispatcher } from '../../src/dms/push/dispatcher.js';
import type { StatusInfo } from '../../src/dms/statuses.js';
import type { MessageBody, Messenger, PostedRoot } from '../../src/slack/messenger.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { commonDetailsSchema } from '../../src/tickets/details.js';
import type { TicketKind } from '../../src/tickets/kind.js';
import { TicketKinds } from '../../src/tickets/kinds.js';
import { StatusWatcher } from '../../src/tickets/watcher.js';
import { exponentialGap, mixSeed, seededRandom } from '../lib/random.js';
import { Arrivals } from './arrivals.js';
import { maxInWindow, type PushMode, type PushModeResult, type PushScaleOptions, quantile } from './options.js';

const T0 = 1_750_000_000_000;
const FINAL = 'DONE';
const statusName = (i: number, last: number): string => (i === last ? FINAL : `S${i}`);
const statusIndex = (s: string, last: number): number => (s === FINAL ? last : Number(s.slice(1)));

/** One ticket's life: the times of its statuses (the first is its creation), which pushes get lost, what is shown. */
interface Life {
  slot: number;
  gen: number;
  times: number[];
  lostPush: boolean[];
  /** Index of the last status its thread shows. */
  shown: number;
}

/** The simulation of one size in one mode. */
class PushSim {
  private readonly store = new SqliteStore(':memory:');
  private readonly clock = { t: T0, now: () => this.clock.t };
  private readonly arrivals = new Arrivals<{ at: number; life: Life; i: number }>();
  private readonly lives: Life[] = [];
  private readonly delays: number[] = [];
  private readonly lostDelays: number[] = [];
  private readonly callTimes: number[] = [];
  private readonly replacements: number[] = [];
  private readonly measureFrom: number;
  private readonly windowEnd: number;
  private readonly pushes: boolean;
  private readonly watcher: StatusWatcher;
  private readonly dispatcher: DmsPushDispatcher;
  private pending = 0;
  private changes = 0;
  private pushChecks = 0;
  private tsSeq = 0;

  constructor(
    private readonly n: number,
    private readonly mode: PushMode,
    private readonly o: PushScaleOptions,
  ) {
    this.measureFrom = T0 + o.warmupSeconds * 1000;
    this.windowEnd = T0 + o.simulatedSeconds * 1000;
    this.pushes = mode !== 'poll';
    const logger = createLogger('silent', new Writable({ write: (_c, _e, cb) => cb() }));
    const cadence = new PushCadence({ reconcileMs: o.reconcileSeconds * 1000, quietMs: 30 * 60_000 });
    this.watcher = new StatusWatcher({
      store: this.store,
      clock: this.clock,
      logger,
      // The simulated messenger implements what the watcher calls; the rest of the interface is never used here.
      messenger: this.messenger() as unknown as Messenger,
      kinds: new TicketKinds({ dms_export: this.tracker() }),
      settings: {
        intervalMs: o.intervalMs,
        maxIntervalMs: o.maxIntervalMs,
        maxAgeMs: 30 * 24 * 3_600_000,
        concurrency: o.concurrency,
        pollsPerSecond: o.quota,
        owner: 'bench',
      },
      ...(this.pushes ? { routineFloorMs: (t, now) => cadence.floorMs(t.kind, now) } : {}),
    });
    this.dispatcher = new DmsPushDispatcher({
      store: this.store,
      nudge: (id) => {
        this.pushChecks++;
        return this.watcher.nudge(id);
      },
      cadence,
      clock: this.clock,
      logger,
      count: () => undefined,
      observeLag: () => undefined,
    });
  }

  /** A ticket's life (4–5 changes, exponential gaps), shifted `shift` ms into the past; queues its pushes. */
  private life(slot: number, gen: number, createdAt: number, shift = 0): Life {
    const r = seededRandom(mixSeed(this.o.seed, slot, gen, 1));
    const k = 4 + Math.floor(r() * 2);
    const times = [createdAt - shift];
    for (let i = 0; i < k; i++) times.push(times[i]! + Math.max(1, Math.round(exponentialGap(r, this.meanMs))));
    const lostPush = times.map(() => this.mode === 'push-drop' && r() < this.o.dropRate);
    const life: Life = { slot, gen, times, lostPush, shown: -1 };
    const [lo, hi] = this.o.pushDelayMs;
    for (let i = 1; i < times.length; i++) {
      const t = times[i]!;
      if (t <= T0) continue;
      if (t >= this.measureFrom && t <= this.windowEnd) {
        this.changes++;
        this.pending++;
      }
      if (this.pushes && !lostPush[i]) this.arrivals.push({ at: t + lo + r() * (hi - lo), life, i });
    }
    return life;
  }

  /** How long the first life of `slot` lasts (the same rolls as life()). */
  private span(slot: number): number {
    const r = seededRandom(mixSeed(this.o.seed, slot, 0, 1));
    const k = 4 + Math.floor(r() * 2);
    let span = 0;
    for (let i = 0; i < k; i++) span += Math.max(1, Math.round(exponentialGap(r, this.meanMs)));
    return span;
  }

  private get meanMs(): number {
    return this.o.meanChangeSeconds * 1000;
  }

  private indexAt(life: Life, t: number): number {
    let i = -1;
    while (i + 1 < life.times.length && life.times[i + 1]! <= t) i++;
    return i;
  }

  private lifeOf(externalId: string): Life {
    const [slot, gen] = externalId.split('.').map(Number) as [number, number];
    const life = this.lives[slot]!;
    if (life.gen !== gen) throw new Error(`ticket ${externalId} is not its slot's current life`);
    return life;
  }

  /** The cloud as the watcher sees it: each check answers the status in force now, and is counted. */
  private tracker(): TicketKind {
    return {
      kindLabel: 'Data export',
      details: commonDetailsSchema,
      poll: async (ticket) => {
        this.callTimes.push(this.clock.t);
        const life = this.lifeOf(ticket.externalId);
        return { status: statusName(this.indexAt(life, this.clock.t), life.times.length - 1) };
      },
      statusInfo: (status: string | null): StatusInfo => ({
        emoji: ':gear:',
        label: status ?? 'Submitted',
        final: status === FINAL,
      }),
      renderRoot: (ticket) => ({ text: `ticket ${ticket.externalId}` }),
      renderReply: (_ticket, status) => ({ text: status }),
      renderGiveUp: () => null,
    };
  }

  /** Slack as the watcher sees it: a reply records, for every change it shows, the change → post delay. */
  private messenger() {
    return {
      postRoot: async (channelId: string): Promise<PostedRoot> => ({ channelId, ts: `root.${++this.tsSeq}` }),
      reply: async (_channelId: string, threadTs: string, body: MessageBody): Promise<string | undefined> => {
        const life = this.lifeOf(threadTs.slice('r.'.length));
        const last = life.times.length - 1;
        const k = statusIndex(body.text, last);
        for (let i = Math.max(1, life.shown + 1); i <= k; i++) {
          const t = life.times[i]!;
          if (t < this.measureFrom || t > this.windowEnd) continue;
          this.pending--;
          this.delays.push(this.clock.t - t);
          if (life.lostPush[i]) this.lostDelays.push(this.clock.t - t);
        }
        life.shown = Math.max(life.shown, k);
        if (k === last) this.replacements.push(life.slot);
        return `t.${++this.tsSeq}`;
      },
      update: async (): Promise<void> => undefined,
      ephemeral: async (): Promise<void> => undefined,
      dm: async (): Promise<void> => undefined,
      tellUser: async (): Promise<void> => undefined,
    };
  }

  private create(life: Life, status: string | null, nextPollAt: number, pollIntervalMs: number, now: number) {
    return this.store.createTicket(
      {
        kind: 'dms_export',
        externalId: `${life.slot}.${life.gen}`,
        channelId: `C${String(life.slot % 500).padStart(8, '0')}`,
        rootTs: `r.${life.slot}.${life.gen}`,
        requesterSlackId: 'U00000001',
        requesterDmsId: '1',
        status,
        details: { database: 'orders_prod', reason: 'bench', sql: 'SELECT 1', relatedSlackIds: [] },
        nextPollAt,
        pollIntervalMs,
      },
      now,
    );
  }

  /** Steady state at T0: each ticket at a random point of its life, already checked, due within one polling cycle. */
  async populate(): Promise<void> {
    const spreadMs = Math.max(this.o.maxIntervalMs, (this.n / this.o.quota) * 1000);
    for (let slot = 0; slot < this.n; slot++) {
      const full = this.span(slot);
      const shift = Math.floor(seededRandom(mixSeed(this.o.seed, slot, 0, 2))() * full);
      const life = this.life(slot, 0, T0, shift);
      life.shown = this.indexAt(life, T0);
      this.lives[slot] = life;
      const due = T0 + this.o.maxIntervalMs - Math.floor(seededRandom(mixSeed(this.o.seed, slot, 0, 3))() * spreadMs);
      await this.create(life, statusName(life.shown, life.times.length - 1), due, this.o.maxIntervalMs, T0);
    }
  }

  /** The watcher's loop on the fake clock: pushes arrive, a pass runs, finished tickets are replaced, time moves. */
  async run(): Promise<void> {
    const drainEnd = this.windowEnd + ((2 * this.n) / this.o.quota) * 1000 + 3_600_000;
    for (;;) {
      while (this.arrivals.peek() <= this.clock.t) {
        const a = this.arrivals.pop()!;
        const taskId = `${a.life.slot}.${a.life.gen}`;
        this.dispatcher.dispatch({ taskId, event: '', eventTime: String(a.at), receivedAt: this.clock.t });
      }
      await new Promise<void>((r) => setImmediate(r));
      await this.watcher.runDue();
      const now = this.clock.t;
      for (const slot of this.replacements.splice(0)) {
        const life = this.life(slot, this.lives[slot]!.gen + 1, now);
        this.lives[slot] = life;
        // As the create path does: status unknown, root posted, first check one interval later.
        await this.create(life, null, now + this.o.intervalMs, this.o.intervalMs, now);
      }
      if (now >= this.windowEnd && (this.pending === 0 || now >= drainEnd)) break;
      const next = await this.store.nextDueAt();
      const allowed = this.watcher.nextAllowedAt(now);
      const raw =
        this.watcher.nudges.size > 0 ? allowed - now : next === undefined ? 5_000 : Math.max(next, allowed) - now;
      this.clock.t = Math.max(now + 1, Math.min(now + Math.min(Math.max(raw, 20), 5_000), this.arrivals.peek()));
    }
    await this.watcher.stop(0);
    await this.store.close();
  }

  /** What was measured. */
  result(wallSeconds: number): PushModeResult {
    const minutes = (this.o.simulatedSeconds - this.o.warmupSeconds) / 60;
    const inWindow = this.callTimes.filter((t) => t >= this.measureFrom && t <= this.windowEnd).length;
    const sorted = this.delays.sort((a, b) => a - b);
    // Push checks are counted over the whole run; scaled to the window by the share of calls in it.
    const pushPerMin = this.pushes ? (this.pushChecks * (inWindow / Math.max(1, this.callTimes.length))) / minutes : 0;
    const routinePerMin = inWindow / minutes - pushPerMin;
    return {
      mode: this.mode,
      n: this.n,
      changes: this.changes,
      shown: this.delays.length,
      p50: quantile(sorted, 0.5) / 1000,
      p99: quantile(sorted, 0.99) / 1000,
      max: (sorted.at(-1) ?? 0) / 1000,
      lost: this.lostDelays.length,
      lostMax: Math.max(0, ...this.lostDelays) / 1000,
      changesPerMin: this.changes / minutes,
      callsPerMin: inWindow / minutes,
      pushCallsPerMin: pushPerMin,
      routinePerMin,
      cycleSeconds: this.n / (Math.max(1e-9, routinePerMin) / 60),
      maxCallsInAnySecond: maxInWindow(this.callTimes),
      wallSeconds,
    };
  }
}

/** Runs one size in one mode. */
export async function runPushMode(n: number, mode: PushMode, o: PushScaleOptions): Promise<PushModeResult> {
  const wall0 = performance.now();
  const sim = new PushSim(n, mode, o);
  await sim.populate();
  await sim.run();
  return sim.result((performance.now() - wall0) / 1000);
}
