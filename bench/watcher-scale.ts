/**
 * Watcher scale benchmark (issue 8, parts 3 and 4).
 *
 * Part 3: a discrete-event simulation on a fake clock of N tracked tickets whose cloud status changes at random times,
 * followed by the REAL StatusWatcher over the REAL SqliteStore (':memory:' by default, `store: 'file'` for a SQLite
 * file in a temp dir as in production: same results, about 2-3x the wall time from WAL writes), under a cloud query quota of Q calls/s. The simulated tracker answers polls from an in-memory schedule
 * (and counts calls); a fake messenger records replies and root updates at the simulated time. The driver reproduces
 * the watcher's own loop (`StatusWatcher.tick`: run a pass, then sleep until max(nextDueAt, nextAllowedAt), clamped
 * to 20 ms..5 s) but moves the fake clock instead of sleeping, so 50k tickets run in seconds of wall time.
 *
 * The population is kept at N: when the watcher has posted a ticket's final status, a fresh ticket takes its place
 * (created like the real create path: status null, root already posted, first check after intervalMs). The initial
 * tickets start at a random point of their life, already polled, and due as in steady state (within the next max
 * interval, or when N/Q is longer, overdue by up to one cycle N/Q), so the run is close to steady state from the start;
 * changes are measured after a warm-up and the run continues (a drain)
 * until every measured change has reached its thread.
 *
 * Two baselines run on the same seeded workload: one timer per ticket at a fixed interval with no quota, and the same
 * timers with their checks throttled to Q (each timer re-armed when its check is done, so the queue stays bounded).
 *
 * Part 4: Slack calls per status change (from the simulation), and a small real-app check against the fake Slack
 * answering 429 with Retry-After (runSlackRateLimitCheck).
 *
 * Run: npx tsc -p tsconfig.json --outDir /tmp/benchbuild2 && ln -sfn "$PWD/node_modules" /tmp/benchbuild2/node_modules
 *      node /tmp/benchbuild2/bench/watcher-scale.js [--sizes 1000,10000,50000] [--quota 20] [--seconds 3600]
 *        [--store memory|file] [--mean-change 1800,300] [--no-isolate]
 *        [--no-slack-check] [--retry-after 1] [--json]
 * Each size runs in its own child process (clean RSS); the 429 check runs the production retry policy and none.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createApp } from '../src/app.js';
import { readConfig, sqlitePath } from '../src/config.js';
import type { DbId } from '../src/core/ids.js';
import { createLogger } from '../src/core/logger.js';
import { exportStatusInfo, type StatusInfo } from '../src/dms/statuses.js';
import type { MessageBody, Messenger, PostedRoot } from '../src/slack/messenger.js';
import { SqliteStore } from '../src/store/sqlite.js';
import { StatusWatcher, type TicketTracker } from '../src/tickets/watcher.js';
import { DmsEmulator } from '../test/support/dms-emulator.js';
import { FakeSlack, type SlackCall } from '../test/support/fake-slack.js';
import { BOT_TOKEN, emulatorDmsClient, FakeClock, SIGNING_SECRET } from '../test/support/harness.js';

// ---------------------------------------------------------------------------------------------------------------
// Options and results
// ---------------------------------------------------------------------------------------------------------------

export interface WatcherScaleOptions {
  /** Tracked tickets (kept constant: a finished ticket is replaced by a new one). */
  sizes: number[];
  /** Cloud query cap Q, calls per second (the watcher's pollsPerSecond). */
  quota: number;
  /** Length of the simulated window (changes are measured in [warmup, window end]). */
  simulatedSeconds: number;
  /** Changes before this are not measured (default: 20% of the window, at least one polling cycle N/Q). */
  warmupSeconds?: number;
  /** After the window, keep running until every measured change reached its thread, at most this long (default 2·maxN/Q + 600 s). */
  maxDrainSeconds?: number;
  /** Watcher settings (defaults: the product defaults 5 s, 60 s, 4). */
  intervalMs?: number;
  maxIntervalMs?: number;
  concurrency?: number;
  /** Mean time between two status changes of a ticket (exponential), default 300 s. */
  meanChangeSeconds?: number;
  /** Changes after the first status, until the final one (uniform in [min, max]); default 4..5. */
  minChanges?: number;
  maxChanges?: number;
  seed?: number;
  /** 'memory' (default): ':memory:'; 'file': a SQLite file (WAL) in a temp dir, as in production. */
  store?: 'file' | 'memory';
  /** 'tick' (default): the watcher's own sleep rule; 'step': a pass every stepMs. */
  driver?: 'tick' | 'step';
  stepMs?: number;
  /** The naive baseline's fixed interval (default 5 s). */
  baselineIntervalMs?: number;
  /** Run each size in a fresh child process (clean RSS per size); needs the compiled JS (not under vitest). */
  isolate?: boolean;
  /** Watcher log level (default 'info' into a discarding sink, as production logs each change). */
  logLevel?: string;
  /**
   * What-if runs of proposed scheduler changes, applied from outside the product (bench only, off by default):
   * none at present.
   */
  experiments?: Experiments;
}

/** What-if switches for scheduler experiments (none at present: the sliding-window quota, claiming only what the
 * quota allows and the fair-share floor, first tried here, are now the product's behaviour). */
export type Experiments = Record<string, boolean>;

/** Delay statistics in seconds. */
export interface DelayStats {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  max: number;
}

export interface CallRate {
  total: number;
  /** Calls in the window divided by its minutes. */
  perMinute: number;
  perSecondMean: number;
  /** Most calls in one aligned simulated second (floor(t/1000)). */
  maxInAlignedSecond: number;
  /** Most calls in any 1-second sliding window [t, t+1000). */
  maxInAnyWindow: number;
  /** Aligned seconds with more calls than the quota. */
  secondsOverQuota: number;
}

export interface ModelResult {
  /**
   * Delay from a status change (after the ticket's first status) to the first thread post showing it or a later
   * status: every change counts, also one overtaken by the next change before the watcher looked.
   */
  reflect: DelayStats;
  /** Delay from a change to the post of that very status (changes that got their own reply). */
  posted: DelayStats;
  /** Delay from filing a ticket to the thread showing its first status (not a random-time change; shown apart). */
  firstStatus: DelayStats;
  /** Delay of each ticket's final change (the one that ends it), and the mean life (filing to final change, s) of those tickets. */
  finalChange: DelayStats;
  finalLifeMean: number;
  /** Measured changes that never got their own reply because a later status was already there at the next check. */
  superseded: number;
  /** Measured changes not in a thread when the run stopped (should be 0). */
  unreflected: number;
  calls: CallRate;
  /** Checks that found no change, as a share of all checks. */
  idleCheckShare: number;
}

export interface ProductResult extends ModelResult {
  slack: {
    replies: number;
    updates: number;
    other: number;
    /** (replies + updates + other) / posted changes. */
    perPostedChange: number;
    /** (replies + updates + other) / all changes reflected (superseded ones included). */
    perChange: number;
  };
  invariants: {
    /** A status posted twice in one thread. */
    duplicates: number;
    /** A reply older than one already in the thread. */
    outOfOrder: number;
    /** A reply whose status was not the cloud's status at post time. */
    stale: number;
  };
  /** Time-weighted mean and max of now - oldest due time (how far behind the queue runs), seconds. */
  queueLag: { mean: number; max: number };
  /** Tickets created during the run (replacements). */
  replacements: number;
  simulatedSecondsRun: number;
  passes: number;
  resources: {
    rssStartMb: number;
    rssPopulatedMb: number;
    rssAfterMb: number;
    heapUsedAfterMb: number;
    populateWallS: number;
    populateCpuS: number;
    runWallS: number;
    runCpuS: number;
    /** CPU the run would take per second of real time (runCpu / simulated seconds). */
    cpuShareOfOneCore: number;
  };
}

export interface TheoryResult {
  /** N/(2Q): mean delay of round-robin polling at the quota, seconds. */
  roundRobinBound: number;
  /** Mean delay the back-off schedule alone implies when the quota is not the limit, seconds. */
  backoffImplied: number;
  /** Cloud calls/s the back-off schedule would make with no quota. */
  backoffDemandPerSecond: number;
  saturated: boolean;
  /** roundRobinBound when saturated, else backoffImplied. */
  expected: number;
}

export interface SizeResult {
  n: number;
  /** Changes before this were not measured. */
  warmupSeconds: number;
  theory: TheoryResult;
  product: ProductResult;
  naive: ModelResult & { intervalMs: number; wallS: number };
  naiveThrottled: ModelResult & { wallS: number };
  /** One timer per ticket that fires regardless (setInterval), checks queued behind a Q/s limiter. */
  naiveOpenLoop: { arrivalsPerSecond: number; queueGrowthPerSecond: number; queuedAtWindowEnd: number };
}

export interface WatcherScaleReport {
  options: Required<Omit<WatcherScaleOptions, 'sizes'>> & { sizes: number[] };
  results: SizeResult[];
  node: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Workload: seeded, identical for the product and the baselines
// ---------------------------------------------------------------------------------------------------------------

/** Simulated time zero (an epoch ms, so ticket ages look real). */
const T0 = 1_750_000_000_000;
const FINAL = 'DONE';

function mulberry32(a: number): () => number {
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mix(...xs: number[]): number {
  let h = 0x811c9dc5;
  for (const x of xs) {
    h = Math.imul(h ^ (x | 0), 0x01000193);
    h ^= h >>> 13;
    h = Math.imul(h, 0x5bd1e995);
    h ^= h >>> 15;
  }
  return h >>> 0;
}

/** One ticket's life: status i (0 = the first status, last = final) appears at times[i] (absolute ms). */
interface Life {
  slot: number;
  gen: number;
  times: number[];
}

const statusName = (i: number, last: number): string => (i === last ? FINAL : `S${i}`);
const statusIndex = (s: string, last: number): number => (s === FINAL ? last : Number(s.slice(1)));

/** Index of the status in force at `t` (-1: the ticket does not exist yet). */
function indexAt(life: Life, t: number): number {
  let i = -1;
  while (i + 1 < life.times.length && life.times[i + 1]! <= t) i++;
  return i;
}

class Workload {
  constructor(
    private readonly seed: number,
    private readonly meanChangeMs: number,
    private readonly minChanges: number,
    private readonly maxChanges: number,
  ) {}

  /** Generation `gen` of `slot`, created at `createdAt`: its first status then, each change an exponential gap later. */
  life(slot: number, gen: number, createdAt: number): Life {
    const rnd = mulberry32(mix(this.seed, slot, gen, 1));
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
    const u = mulberry32(mix(this.seed, slot, 0, 2))();
    const shift = T0 - Math.floor(u * span);
    return { ...life, times: life.times.map((t) => t + shift) };
  }

  /** A per-slot uniform in [0,1) for phases (timer offsets, initial due times). */
  phase(slot: number, salt: number): number {
    return mulberry32(mix(this.seed, slot, salt, 3))();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Measurement helpers
// ---------------------------------------------------------------------------------------------------------------

class Samples {
  private a = new Float64Array(1024);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Float64Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  stats(scale = 1 / 1000): DelayStats {
    if (this.n === 0) return { count: 0, mean: 0, p50: 0, p95: 0, max: 0 };
    const s = this.a.slice(0, this.n).sort();
    let sum = 0;
    for (let i = 0; i < s.length; i++) sum += s[i]!;
    const q = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]! * scale;
    return { count: this.n, mean: (sum / this.n) * scale, p50: q(0.5), p95: q(0.95), max: s[s.length - 1]! * scale };
  }
  /** The raw values (call times). */
  values(): Float64Array {
    return this.a.subarray(0, this.n);
  }
}

/** Calls over time: per aligned second, and the times themselves for sliding windows. */
class CallLog {
  readonly times = new Samples();
  private perSecond: number[] = [];
  add(t: number, n = 1): void {
    for (let i = 0; i < n; i++) this.times.push(t);
    const s = Math.floor((t - T0) / 1000);
    while (this.perSecond.length <= s) this.perSecond.push(0);
    this.perSecond[s] = (this.perSecond[s] ?? 0) + n;
  }
  /** Aggregate counts for a model that only needs per-second counts (the unthrottled baseline). */
  addSecond(s: number, n: number): void {
    while (this.perSecond.length <= s) this.perSecond.push(0);
    this.perSecond[s] = (this.perSecond[s] ?? 0) + n;
  }
  rate(windowMs: number, quota: number, withTimes = true): CallRate {
    const secs = Math.floor(windowMs / 1000);
    let total = 0;
    let maxAligned = 0;
    let over = 0;
    for (let s = 0; s < this.perSecond.length; s++) {
      const c = this.perSecond[s]!;
      if (s < secs) total += c;
      maxAligned = Math.max(maxAligned, c);
      if (c > quota) over++;
    }
    let maxWindow = 0;
    if (withTimes) {
      const t = this.times.values();
      for (let i = 0, j = 0; i < t.length; i++) {
        while (j < t.length && t[j]! < t[i]! + 1000) j++;
        maxWindow = Math.max(maxWindow, j - i);
      }
    } else {
      maxWindow = Number.NaN;
    }
    return {
      total,
      perMinute: total / (windowMs / 60_000),
      perSecondMean: total / (windowMs / 1000),
      maxInAlignedSecond: maxAligned,
      maxInAnyWindow: maxWindow,
      secondsOverQuota: over,
    };
  }
}

/** Per-model bookkeeping of which changes reached the thread, and when. */
class Reflector {
  /** Changes after the first status (i >= 1). */
  readonly reflect = new Samples();
  readonly posted = new Samples();
  /** The first status of a new ticket (there at filing; the thread learns it at the first check). */
  readonly first = new Samples();
  readonly finalDelay = new Samples();
  private lifeSum = 0;
  superseded = 0;
  pending = 0;
  checks = 0;
  /** Posts (own replies) and changes shown, over the whole run (measured or not). */
  posts = 0;
  shownChanges = 0;
  duplicates = 0;
  outOfOrder = 0;
  stale = 0;
  constructor(
    private readonly from: number,
    private readonly to: number,
  ) {}

  private measured(t: number): boolean {
    return t >= this.from && t <= this.to;
  }

  /** A life starts being followed with status `known` already in its thread (-1: none). */
  begin(life: Life, known: number): void {
    for (let i = known + 1; i < life.times.length; i++) if (this.measured(life.times[i]!)) this.pending++;
  }

  /** The thread of `life` (showing `shown`) gets status index `k` at time `p`; returns the new shown index. */
  post(life: Life, shown: number, k: number, p: number): number {
    if (k === shown) {
      this.duplicates++;
      return shown;
    }
    if (k < shown) {
      this.outOfOrder++;
      return shown;
    }
    if (indexAt(life, p) !== k) this.stale++;
    this.posts++;
    this.shownChanges += k - shown;
    for (let i = shown + 1; i <= k; i++) {
      const t = life.times[i]!;
      if (!this.measured(t)) continue;
      this.pending--;
      if (i === 0) {
        this.first.push(p - t);
        continue;
      }
      this.reflect.push(p - t);
      if (i === life.times.length - 1) {
        this.finalDelay.push(p - t);
        this.lifeSum += t - life.times[0]!;
      }
      if (i === k) this.posted.push(p - t);
      else this.superseded++;
    }
    return k;
  }

  result(calls: CallRate): ModelResult {
    return {
      reflect: this.reflect.stats(),
      posted: this.posted.stats(),
      firstStatus: this.first.stats(),
      finalChange: this.finalDelay.stats(),
      finalLifeMean: this.finalDelay.n ? this.lifeSum / this.finalDelay.n / 1000 : 0,
      superseded: this.superseded,
      unreflected: this.pending,
      calls,
      idleCheckShare: this.checks ? (this.checks - this.posts) / this.checks : 0,
    };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Theory
// ---------------------------------------------------------------------------------------------------------------

/** Poll offsets after a change was seen: interval, then doubling up to the cap (5, 15, 35, 75, 135, 195, ... s). */
function backoffOffsets(intervalMs: number, maxIntervalMs: number, horizonMs: number): number[] {
  const out: number[] = [];
  let t = 0;
  let step = intervalMs;
  while (t < horizonMs) {
    t += step;
    out.push(t);
    step = Math.min(step * 2, maxIntervalMs);
  }
  return out;
}

export function theory(
  n: number,
  o: {
    quota: number;
    intervalMs: number;
    maxIntervalMs: number;
    meanChangeSeconds: number;
    minChanges: number;
    maxChanges: number;
  },
): TheoryResult {
  const m = o.meanChangeSeconds * 1000;
  const offs = backoffOffsets(o.intervalMs, o.maxIntervalMs, 30 * m);
  // Next change ~ Exp(m) after the last check that saw a change (memoryless); it is seen at the first offset >= tau.
  let eDelay = 0;
  let ePolls = 0;
  let prev = 0;
  offs.forEach((b, k) => {
    const a = prev;
    // P(a < tau <= b) and E[(b - tau); a < tau <= b] for tau ~ Exp(1/m).
    const pa = Math.exp(-a / m);
    const pb = Math.exp(-b / m);
    eDelay += (b - a) * pa - m * (pa - pb);
    ePolls += (k + 1) * (pa - pb);
    prev = b;
  });
  const k = (o.minChanges + o.maxChanges) / 2;
  // (The first status is seen at the first check, intervalMs after filing: measured apart, not in this mean.)
  const backoffImplied = eDelay / 1000;
  const lifeMs = o.intervalMs + k * (m + eDelay);
  const backoffDemandPerSecond = (n * (1 + k * ePolls)) / (lifeMs / 1000);
  const roundRobinBound = n / (2 * o.quota);
  const saturated = backoffDemandPerSecond >= o.quota;
  return {
    roundRobinBound,
    backoffImplied,
    backoffDemandPerSecond,
    saturated,
    expected: saturated ? Math.max(roundRobinBound, backoffImplied) : backoffImplied,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The product: real StatusWatcher + real SqliteStore, simulated tracker and messenger
// ---------------------------------------------------------------------------------------------------------------

interface SlotState {
  life: Life;
  /** Index of the last status its thread shows. */
  shown: number;
}

class SimClock {
  t = T0;
  now(): number {
    return this.t;
  }
}

const DETAILS = {
  database: 'orders_prod',
  envType: 'product',
  reason: 'Quarterly audit of orders placed since January',
  sql: "SELECT id, customer_id, status, total, created_at FROM orders WHERE created_at > '2026-01-01' AND status IN ('paid', 'shipped') ORDER BY id",
  relatedSlackIds: ['U0BOB'],
};

async function runProduct(n: number, o: ResolvedOptions): Promise<ProductResult> {
  const rss = () => process.memoryUsage().rss / 2 ** 20;
  const rssStartMb = rss();
  const dir = o.store === 'file' ? mkdtempSync(join(tmpdir(), 'watcher-scale-')) : undefined;
  const store = new SqliteStore(dir ? join(dir, 'bench.db') : ':memory:');
  const clock = new SimClock();
  const wl = new Workload(o.seed, o.meanChangeSeconds * 1000, o.minChanges, o.maxChanges);
  const windowEnd = T0 + o.simulatedSeconds * 1000;
  const refl = new Reflector(T0 + warmupFor(n, o) * 1000, windowEnd);
  const dmsCalls = new CallLog();
  const slots: SlotState[] = new Array<SlotState>(n);
  const replacements: number[] = [];
  let replies = 0;
  let updates = 0;
  let other = 0;
  let tsSeq = 0;
  let created = 0;

  const slotOf = (externalId: string): SlotState => {
    const dot = externalId.indexOf('.');
    const s = slots[Number(externalId.slice(0, dot))]!;
    if (s.life.gen !== Number(externalId.slice(dot + 1)))
      throw new Error(`ticket ${externalId} is not the slot's current life`);
    return s;
  };
  const last = (l: Life) => l.times.length - 1;

  const tracker: TicketTracker = {
    kindLabel: 'Data export',
    async poll(ticket) {
      const s = slotOf(ticket.externalId);
      const now = clock.now();
      dmsCalls.add(now);
      refl.checks++;
      const i = indexAt(s.life, now);
      return { status: statusName(i, last(s.life)) };
    },
    statusInfo(status: string | null): StatusInfo {
      return { emoji: ':gear:', label: status ?? 'Submitted', final: status === FINAL };
    },
    renderRoot(ticket) {
      return { text: `Data export ticket ${ticket.externalId}: ${ticket.status ?? 'submitted'}` };
    },
    renderReply(_ticket, status) {
      return { text: status };
    },
    renderGiveUp() {
      return null;
    },
  };

  const messenger = {
    async postRoot(channelId: string): Promise<PostedRoot> {
      other++;
      return { channelId, ts: `root.${++tsSeq}` };
    },
    async reply(_channelId: string, threadTs: string, body: MessageBody): Promise<string | undefined> {
      replies++;
      const s = slotOf(threadTs.slice('r.'.length));
      const k = statusIndex(body.text, last(s.life));
      s.shown = refl.post(s.life, s.shown, k, clock.now());
      if (k === last(s.life)) replacements.push(s.life.slot);
      return `t.${++tsSeq}`;
    },
    async update(): Promise<void> {
      updates++;
    },
    async ephemeral(): Promise<void> {
      other++;
    },
    async dm(): Promise<void> {
      other++;
    },
    async tellUser(): Promise<void> {
      other++;
    },
  };

  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  const seen = store;
  const watcher = new StatusWatcher({
    store: seen,
    clock,
    logger: createLogger(o.logLevel, sink),
    messenger: messenger as unknown as Messenger,
    trackers: { dms_export: tracker },
    settings: {
      intervalMs: o.intervalMs,
      maxIntervalMs: o.maxIntervalMs,
      maxAgeMs: 72 * 3_600_000,
      concurrency: o.concurrency,
      pollsPerSecond: o.quota,
      owner: 'bench',
    },
  });

  const create = async (
    life: Life,
    status: string | null,
    nextPollAt: number,
    pollIntervalMs: number,
    now: number,
  ): Promise<void> => {
    const id = `${life.slot}.${life.gen}`;
    await store.createTicket(
      {
        kind: 'dms_export',
        externalId: id,
        channelId: `C${String(life.slot % 500).padStart(8, '0')}`,
        rootTs: `r.${id}`,
        requesterSlackId: `U${String(life.slot % 2000).padStart(8, '0')}`,
        requesterDmsId: String(life.slot % 2000),
        status,
        details: DETAILS,
        nextPollAt,
        pollIntervalMs,
      },
      now,
    );
  };

  // Populate: the initial lives are under way, already polled; they come due at random over one polling cycle.
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  // Steady state: with no backlog tickets are due within the next max interval; when N/Q is longer, most are overdue
  // (each waits about one cycle N/Q between checks).
  const spreadMs = Math.max(o.maxIntervalMs, (n / o.quota) * 1000);
  for (let slot = 0; slot < n; slot++) {
    const life = wl.initial(slot);
    const known = indexAt(life, T0);
    slots[slot] = { life, shown: known };
    refl.begin(life, known);
    await create(
      life,
      statusName(known, last(life)),
      T0 + o.maxIntervalMs - Math.floor(wl.phase(slot, 1) * spreadMs),
      o.maxIntervalMs,
      life.times[0]!,
    );
  }
  const populateCpu = process.cpuUsage(cpu0);
  const populateWallS = (performance.now() - wall0) / 1000;
  const rssPopulatedMb = rss();

  // Run: the watcher's own loop (StatusWatcher.tick), on the fake clock.
  const cpu1 = process.cpuUsage();
  const wall1 = performance.now();
  const drainEnd = windowEnd + o.maxDrainSeconds * 1000;
  let passes = 0;
  let lagArea = 0;
  let lagMax = 0;
  for (;;) {
    await watcher.runDue();
    passes++;
    const now = clock.now();
    for (const slot of replacements.splice(0)) {
      const life = wl.life(slot, slots[slot]!.life.gen + 1, now);
      slots[slot] = { life, shown: -1 };
      refl.begin(life, -1);
      created++;
      // As the create path does: status unknown, root posted, first check one interval later.
      await create(life, null, now + o.intervalMs, o.intervalMs, now);
    }
    if (now >= windowEnd && (refl.pending === 0 || now >= drainEnd)) break;
    const next = await store.nextDueAt();
    let wait: number;
    if (o.driver === 'step') {
      wait = o.stepMs;
    } else {
      const raw = next === undefined ? 5_000 : Math.max(next, watcher.nextAllowedAt(now)) - now;
      wait = Math.min(Math.max(raw, 20), 5_000);
    }
    const lag = next !== undefined && next < now ? now - next : 0;
    lagArea += lag * wait;
    lagMax = Math.max(lagMax, lag);
    clock.t = now + wait;
  }
  const runCpu = process.cpuUsage(cpu1);
  const runWallS = (performance.now() - wall1) / 1000;
  const simulatedSecondsRun = (clock.now() - T0) / 1000;
  const rssAfterMb = rss();
  const heapUsedAfterMb = process.memoryUsage().heapUsed / 2 ** 20;
  await store.close();
  if (dir) rmSync(dir, { recursive: true, force: true });

  const base = refl.result(dmsCalls.rate(o.simulatedSeconds * 1000, o.quota));
  const slackTotal = replies + updates + other;
  const runCpuS = (runCpu.user + runCpu.system) / 1e6;
  return {
    ...base,
    slack: {
      replies,
      updates,
      other,
      perPostedChange: refl.posts ? slackTotal / refl.posts : 0,
      perChange: refl.shownChanges ? slackTotal / refl.shownChanges : 0,
    },
    invariants: { duplicates: refl.duplicates, outOfOrder: refl.outOfOrder, stale: refl.stale },
    queueLag: { mean: lagArea / (clock.now() - T0) / 1000, max: lagMax / 1000 },
    replacements: created,
    simulatedSecondsRun,
    passes,
    resources: {
      rssStartMb,
      rssPopulatedMb,
      rssAfterMb,
      heapUsedAfterMb,
      populateWallS,
      populateCpuS: (populateCpu.user + populateCpu.system) / 1e6,
      runWallS,
      runCpuS,
      cpuShareOfOneCore: runCpuS / simulatedSecondsRun,
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Baselines
// ---------------------------------------------------------------------------------------------------------------

/** One timer per ticket, fixed interval, no quota: each ticket is checked every I from its creation (or its phase). */
function runNaive(n: number, o: ResolvedOptions): SizeResult['naive'] {
  const wall0 = performance.now();
  const I = o.baselineIntervalMs;
  const wl = new Workload(o.seed, o.meanChangeSeconds * 1000, o.minChanges, o.maxChanges);
  const windowEnd = T0 + o.simulatedSeconds * 1000;
  const refl = new Reflector(T0 + warmupFor(n, o) * 1000, windowEnd);
  const calls = new CallLog();
  // Every change is seen within I, so two intervals past the window reflect all measured changes.
  const stopAt = windowEnd + 2 * I;
  for (let slot = 0; slot < n; slot++) {
    let life = wl.initial(slot);
    let shown = indexAt(life, T0);
    // The initial timer fires at T0 + phase, then every I.
    let first = T0 + Math.floor(wl.phase(slot, 2) * I);
    refl.begin(life, shown);
    for (;;) {
      const last = life.times.length - 1;
      let finalSeenAt = Number.NaN;
      // Walk the checks from `first`, jumping to the first check after the next change (those between find nothing).
      for (let t = first; t <= stopAt; ) {
        const i = indexAt(life, t);
        if (i > shown) shown = refl.post(life, shown, i, t);
        if (shown === last) {
          finalSeenAt = t;
          break;
        }
        t += Math.ceil((life.times[shown + 1]! - t) / I) * I || I;
      }
      const end = Number.isNaN(finalSeenAt) ? first + Math.floor((stopAt - first) / I) * I : finalSeenAt;
      if (end >= first) {
        refl.checks += Math.floor((end - first) / I) + 1;
        for (let c = first; c <= end; c += I) calls.addSecond(Math.floor((c - T0) / 1000), 1);
      }
      if (Number.isNaN(finalSeenAt)) break;
      life = wl.life(slot, life.gen + 1, finalSeenAt);
      shown = -1;
      refl.begin(life, shown);
      first = finalSeenAt + I;
    }
  }
  return {
    ...refl.result(calls.rate(o.simulatedSeconds * 1000, o.quota, false)),
    intervalMs: I,
    wallS: (performance.now() - wall0) / 1000,
  };
}

/** The same timers, each re-armed I after its check, checks throttled to Q by a limiter (FIFO, burst 1). */
function runNaiveThrottled(n: number, o: ResolvedOptions): SizeResult['naiveThrottled'] {
  const wall0 = performance.now();
  const I = o.baselineIntervalMs;
  const wl = new Workload(o.seed, o.meanChangeSeconds * 1000, o.minChanges, o.maxChanges);
  const windowEnd = T0 + o.simulatedSeconds * 1000;
  const refl = new Reflector(T0 + warmupFor(n, o) * 1000, windowEnd);
  const calls = new CallLog();
  const stopAt = windowEnd + o.maxDrainSeconds * 1000;
  const lives: Life[] = new Array<Life>(n);
  const shown = new Int32Array(n);
  // A ring buffer of (slot, readyAt); every slot is in it exactly once, readyAt non-decreasing.
  const qSlot = new Int32Array(n);
  const qReady = new Float64Array(n);
  const order = Array.from({ length: n }, (_, slot) => ({ slot, at: T0 + Math.floor(wl.phase(slot, 2) * I) })).sort(
    (a, b) => a.at - b.at,
  );
  order.forEach((e, i) => {
    qSlot[i] = e.slot;
    qReady[i] = e.at;
    const life = wl.initial(e.slot);
    lives[e.slot] = life;
    shown[e.slot] = indexAt(life, T0);
    refl.begin(life, shown[e.slot]!);
  });
  let head = 0;
  let tail = 0; // next write position (== head when full)
  let size = n;
  const spacing = 1000 / o.quota;
  let lastServe = -Infinity;
  while (size > 0) {
    const slot = qSlot[head]!;
    const t = Math.max(qReady[head]!, lastServe + spacing);
    if (t > stopAt || (t > windowEnd && refl.pending === 0)) break;
    head = (head + 1) % n;
    size--;
    lastServe = t;
    calls.add(t);
    refl.checks++;
    let life = lives[slot]!;
    const i = indexAt(life, t);
    if (i > shown[slot]!) shown[slot] = refl.post(life, shown[slot]!, i, t);
    if (shown[slot] === life.times.length - 1) {
      life = wl.life(slot, life.gen + 1, t);
      lives[slot] = life;
      shown[slot] = -1;
      refl.begin(life, -1);
    }
    qSlot[tail] = slot;
    qReady[tail] = t + I;
    tail = (tail + 1) % n;
    size++;
  }
  return { ...refl.result(calls.rate(o.simulatedSeconds * 1000, o.quota)), wallS: (performance.now() - wall0) / 1000 };
}

// ---------------------------------------------------------------------------------------------------------------
// Driver
// ---------------------------------------------------------------------------------------------------------------

type ResolvedOptions = WatcherScaleReport['options'];

function resolve(opts: WatcherScaleOptions): ResolvedOptions {
  const maxN = Math.max(...opts.sizes);
  return {
    sizes: opts.sizes,
    quota: opts.quota,
    simulatedSeconds: opts.simulatedSeconds,
    warmupSeconds: opts.warmupSeconds ?? -1,
    maxDrainSeconds: opts.maxDrainSeconds ?? Math.ceil((2 * maxN) / opts.quota + 600),
    intervalMs: opts.intervalMs ?? 5_000,
    maxIntervalMs: opts.maxIntervalMs ?? 60_000,
    concurrency: opts.concurrency ?? 4,
    meanChangeSeconds: opts.meanChangeSeconds ?? 300,
    minChanges: opts.minChanges ?? 4,
    maxChanges: opts.maxChanges ?? 5,
    seed: opts.seed ?? 8_003,
    store: opts.store ?? 'memory',
    driver: opts.driver ?? 'tick',
    stepMs: opts.stepMs ?? 50,
    baselineIntervalMs: opts.baselineIntervalMs ?? 5_000,
    isolate: opts.isolate ?? false,
    logLevel: opts.logLevel ?? 'info',
    experiments: opts.experiments ?? {},
  };
}

function warmupFor(n: number, o: ResolvedOptions): number {
  return o.warmupSeconds >= 0
    ? o.warmupSeconds
    : Math.max(Math.round(o.simulatedSeconds * 0.2), Math.ceil(n / o.quota));
}

async function runSize(n: number, o: ResolvedOptions): Promise<SizeResult> {
  const product = await runProduct(n, o);
  const naive = runNaive(n, o);
  const naiveThrottled = runNaiveThrottled(n, o);
  const arrivals = n / (o.baselineIntervalMs / 1000);
  const growth = Math.max(0, arrivals - o.quota);
  return {
    n,
    warmupSeconds: warmupFor(n, o),
    theory: theory(n, o),
    product,
    naive,
    naiveThrottled,
    naiveOpenLoop: {
      arrivalsPerSecond: arrivals,
      queueGrowthPerSecond: growth,
      queuedAtWindowEnd: growth * o.simulatedSeconds,
    },
  };
}

/** Runs the benchmark for each size (in a child process each when `isolate`). */
export async function runWatcherScale(opts: WatcherScaleOptions): Promise<WatcherScaleReport> {
  const o = resolve(opts);
  const results: SizeResult[] = [];
  for (const n of o.sizes) results.push(o.isolate ? await runSizeInChild(n, o) : await runSize(n, o));
  return { options: o, results, node: process.version };
}

function runSizeInChild(n: number, o: ResolvedOptions): Promise<SizeResult> {
  return new Promise((resolvePromise, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ['--child', JSON.stringify({ n, o })], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: SizeResult | undefined;
    child.on('message', (m) => {
      result = m as SizeResult;
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      result ? resolvePromise(result) : reject(new Error(`size ${n}: child exited with ${code}`)),
    );
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Markdown
// ---------------------------------------------------------------------------------------------------------------

const f = (x: number, d = 1): string => (Number.isFinite(x) ? x.toFixed(d) : '–');
const int = (x: number): string => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–');

/** Least mean delay of final changes any scheduler can reach: N/Q (mean time followed, at one check per ticket) − mean life, seconds. */
export function finalChangeFloor(n: number, quota: number, lifeMeanS: number): number {
  return n / quota - lifeMeanS;
}

export function formatWatcherScale(r: WatcherScaleReport): string {
  const o = r.options;
  const lines: string[] = [];
  lines.push(
    `Settings: Q = ${o.quota} calls/s, intervalMs ${o.intervalMs}, maxIntervalMs ${o.maxIntervalMs}, concurrency ${o.concurrency}; ` +
      `window ${o.simulatedSeconds} s (changes measured after a warm-up of ${r.results.map((x) => `${x.warmupSeconds} s`).join(' / ')}, then drained); changes every ${o.meanChangeSeconds} s on average ` +
      `(exponential), ${o.minChanges}–${o.maxChanges} changes after the first status; seed ${o.seed}; store ${o.store === 'file' ? 'SQLite temp file (WAL)' : "SQLite ':memory:'"}; ` +
      `driver ${o.driver === 'tick' ? 'the watcher’s tick rule' : `a pass every ${o.stepMs} ms`}; ${r.node}.`,
  );
  const on = Object.entries(o.experiments)
    .filter(([, v]) => v)
    .map(([k]) => k);
  if (on.length) lines.push('', `**What-if run (bench-side patches, not the product as shipped): ${on.join(', ')}.**`);
  lines.push('');
  lines.push('Delay from a status change to the thread post that shows it (or a later status), seconds:');
  lines.push('');
  lines.push(
    '| N | bound N/(2Q) | back-off implied | back-off demand (calls/s) | expected | mean | p50 | p95 | max | mean/bound | mean/expected | changes | superseded | own-reply mean | first status after filing: mean / p95 | queue lag mean / max |',
  );
  lines.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const s of r.results) {
    const p = s.product;
    lines.push(
      `| ${int(s.n)} | ${f(s.theory.roundRobinBound)} | ${f(s.theory.backoffImplied)} | ${f(s.theory.backoffDemandPerSecond)}${s.theory.saturated ? ' (≥ Q)' : ''} | ${f(s.theory.expected)} | ` +
        `${f(p.reflect.mean)} | ${f(p.reflect.p50)} | ${f(p.reflect.p95)} | ${f(p.reflect.max)} | ${f(p.reflect.mean / s.theory.roundRobinBound, 2)} | ${f(p.reflect.mean / s.theory.expected, 2)} | ` +
        `${int(p.reflect.count)} | ${int(p.superseded)} (${f((100 * p.superseded) / Math.max(1, p.reflect.count))}%) | ${f(p.posted.mean)} | ${f(p.firstStatus.mean)} / ${f(p.firstStatus.p95)} | ${f(p.queueLag.mean)} / ${f(p.queueLag.max)} |`,
    );
  }
  lines.push('');
  lines.push('Cloud (DMS) calls, Slack calls and resources:');
  lines.push('');
  lines.push(
    '| N | DMS calls/min | mean/s | max in an aligned second | max in any 1-s window | seconds over Q | idle checks | Slack calls per posted change | per change (incl. superseded) | unreflected / dup / out of order / stale | RSS start → populated → after (MB) | heap after (MB) | populate wall / CPU (s) | run wall / CPU (s) | simulated s | CPU share of a core |',
  );
  lines.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---:|---:|---:|---:|---:|');
  for (const s of r.results) {
    const p = s.product;
    const res = p.resources;
    lines.push(
      `| ${int(s.n)} | ${int(p.calls.perMinute)} | ${f(p.calls.perSecondMean, 2)} | ${p.calls.maxInAlignedSecond} | ${p.calls.maxInAnyWindow} | ${p.calls.secondsOverQuota} | ${f(100 * p.idleCheckShare)}% | ` +
        `${f(p.slack.perPostedChange, 2)} | ${f(p.slack.perChange, 2)} | ${p.unreflected} / ${p.invariants.duplicates} / ${p.invariants.outOfOrder} / ${p.invariants.stale} | ` +
        `${int(res.rssStartMb)} → ${int(res.rssPopulatedMb)} → ${int(res.rssAfterMb)} | ${int(res.heapUsedAfterMb)} | ${f(res.populateWallS)} / ${f(res.populateCpuS)} | ${f(res.runWallS)} / ${f(res.runCpuS)} | ${int(p.simulatedSecondsRun)} | ${f(100 * res.cpuShareOfOneCore, 2)}% |`,
    );
  }
  lines.push('');
  lines.push(`Baselines on the same workload (one timer per ticket, fixed ${o.baselineIntervalMs / 1000} s interval):`);
  lines.push('');
  lines.push(
    '| N | no quota: mean / p95 delay (s) | no quota: calls/s mean / max in a second | × quota | throttled to Q, re-armed after each check: mean / p95 (s) | its calls/s | its mean/bound | setInterval throttled to Q: queue growth (checks/s) | queued at window end |',
  );
  lines.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const s of r.results) {
    const a = s.naive;
    const b = s.naiveThrottled;
    lines.push(
      `| ${int(s.n)} | ${f(a.reflect.mean)} / ${f(a.reflect.p95)} | ${f(a.calls.perSecondMean)} / ${a.calls.maxInAlignedSecond} | ${f(a.calls.perSecondMean / o.quota)} | ` +
        `${f(b.reflect.mean)} / ${f(b.reflect.p95)} | ${f(b.calls.perSecondMean, 2)} | ${f(b.reflect.mean / s.theory.roundRobinBound, 2)} | ${int(s.naiveOpenLoop.queueGrowthPerSecond)} | ${int(s.naiveOpenLoop.queuedAtWindowEnd)} |`,
    );
  }
  lines.push('');
  lines.push(
    'Final changes against the single-check floor: every ticket needs at least one check, so with N tickets followed and Q checks/s a ticket is ' +
      'followed N/Q on average at least (Little’s law), and its final change waits at least N/Q − its life (filing to final change) on average, ' +
      'whatever the scheduler. Where that floor exceeds N/(2Q), changes no longer fall at random points of the polling cycle and N/(2Q) is not reachable:',
  );
  lines.push('');
  lines.push(
    '| N | N/Q | mean life | floor N/Q − life | bound N/(2Q) | ours: final-change mean | ours/floor | round-robin baseline: final-change mean | its /floor |',
  );
  lines.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const s of r.results) {
    const cycle = s.n / o.quota;
    const floor = finalChangeFloor(s.n, o.quota, s.product.finalLifeMean);
    const b = s.naiveThrottled;
    const ratio = (x: number) => (floor > 0 ? f(x / floor, 2) : '–');
    lines.push(
      `| ${int(s.n)} | ${f(cycle)} | ${f(s.product.finalLifeMean)} | ${floor > 0 ? f(floor) : '≤ 0'} | ${f(s.theory.roundRobinBound)} | ` +
        `${f(s.product.finalChange.mean)} | ${ratio(s.product.finalChange.mean)} | ${f(b.finalChange.mean)} | ${ratio(b.finalChange.mean)} |`,
    );
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------------------------
// Part 4: the real app against a fake Slack that answers 429 with Retry-After
// ---------------------------------------------------------------------------------------------------------------

export interface SlackRateLimitOptions {
  /** Tickets followed at once. */
  tickets?: number;
  /** Retry-After the fake Slack sends, seconds. */
  retryAfterSeconds?: number;
  /** WebClient retry policy: 'default' (production: 10 retries in about 30 min), 'fast' (10 quick retries), 'none' (the test harness). */
  retries?: 'default' | 'fast' | 'none';
  /** 429s per burst for chat.postMessage, chat.update and views.publish. */
  burst?: { postMessage: number; update: number; publish: number };
  /** Watcher rounds that start with a burst. */
  burstRounds?: number[];
}

export interface SlackRateLimitResult {
  retries: string;
  tickets: number;
  statusesPerTicket: number;
  changes: number;
  rateLimited: number;
  /** Per thread: statuses recorded, in order, equal the script, each posted once. */
  threadsComplete: number;
  threadsInOrder: number;
  duplicateReplies: number;
  /** Roots whose last successful update shows the final status. */
  rootsFinal: number;
  /** Successful Slack calls by method, and attempts (incl. 429s). */
  calls: Record<string, { ok: number; attempts: number }>;
  /** Successful reply + root update calls per status change. */
  threadCallsPerChange: number;
  /** All successful Slack calls the watcher caused per status change (incl. Home tab, result DM and ephemeral). */
  allCallsPerChange: number;
  rounds: number;
  wallS: number;
  problems: string[];
}

/** Follows export tickets through their whole script with 429 bursts from Slack; checks nothing is lost or reordered. */
export async function runSlackRateLimitCheck(opts: SlackRateLimitOptions = {}): Promise<SlackRateLimitResult> {
  const wall0 = performance.now();
  const tickets = opts.tickets ?? 4;
  const retryAfter = opts.retryAfterSeconds ?? 1;
  const retries = opts.retries ?? 'default';
  const burst = opts.burst ?? { postMessage: 3, update: 3, publish: 1 };
  const burstRounds = new Set(opts.burstRounds ?? [1, 3, 7]);
  const slack = await FakeSlack.start();
  const dms = await DmsEmulator.start();
  const clock = new FakeClock();
  const dir = mkdtempSync(join(tmpdir(), 'watcher-429-'));
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _e, cb) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      cb();
    },
  });
  const config = readConfig({
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.url,
    PORT: '0',
    DMS_ENDPOINT: dms.endpoint,
    DATABASE_URL: `sqlite:${join(dir, 'app.db')}`,
    WATCH_INTERVAL_MS: '1000',
    WATCH_MAX_INTERVAL_MS: '8000',
    WATCH_MAX_CALLS_PER_SECOND: '10000',
    LOG_LEVEL: 'info',
  });
  const logger = createLogger(config.LOG_LEVEL, sink);
  const store = new SqliteStore(sqlitePath(config.DATABASE_URL));
  const dmsClient = emulatorDmsClient(config, dms, logger);
  const retryConfig =
    retries === 'none'
      ? { retries: 0 }
      : retries === 'fast'
        ? { retries: 10, minTimeout: 0, maxTimeout: 1 }
        : undefined;
  const app = createApp({
    config,
    logger,
    store,
    dms: dmsClient,
    clock,
    slackClientOptions: retryConfig ? { retryConfig } : {},
  });
  const problems: string[] = [];
  let rounds = 0;
  try {
    await app.start({ watch: false });
    slack.addUser({ id: 'U0ALICE', name: 'Alice Example', email: 'alice@example.com' });
    slack.addUser({ id: 'U0BOB', name: 'Bob Builder', email: 'bob@example.com' });
    dms.addUser({ UserId: '51', NickName: 'alice', Email: 'alice@example.com' });
    dms.addUser({ UserId: '52', NickName: 'bob', Email: 'bob@example.com' });
    dms.addDatabase({
      DatabaseId: '1001',
      SearchName: 'orders_prod',
      SchemaName: 'orders',
      DbType: 'mysql',
      EnvType: 'product',
      Logic: false,
    });
    // Bob uses the Home tab: his tickets' changes also refresh it (one views.publish, collapsed while in flight).
    await store.markHomeViewer('U0BOB', clock.now());
    const ids: { ticketId: number; orderId: number }[] = [];
    for (let i = 0; i < tickets; i++) {
      const { orderId } = await app.services.dms.createDataExportOrder({
        dbId: '1001' as DbId,
        logic: false,
        sql: 'SELECT 1',
        classify: 'q',
        affectRows: 1,
        ignoreAffectRows: false,
        ignoreAffectRowsReason: '',
        comment: `t${i}`,
        relatedUserIds: [],
      });
      const requester = i % 2 === 0 ? 'U0ALICE' : 'U0BOB';
      const t = await store.createTicket(
        {
          kind: 'dms_export',
          externalId: orderId,
          channelId: `C0EXPORT${i}`,
          rootTs: null,
          requesterSlackId: requester,
          requesterDmsId: requester === 'U0ALICE' ? '51' : '52',
          status: null,
          details: { database: 'orders_prod', reason: 'q', sql: 'SELECT 1', relatedSlackIds: [] },
          nextPollAt: clock.now(),
          pollIntervalMs: 1000,
        },
        clock.now(),
      );
      ids.push({ ticketId: t.id, orderId: Number(orderId) });
    }
    const script = dms.getOrder(ids[0]!.orderId)!.script;
    const isOk = (c: SlackCall) => c.response?.['ok'] === true;
    const callsBefore = slack.calls.length;
    for (rounds = 0; rounds < 4 * script.length; rounds++) {
      if (burstRounds.has(rounds)) {
        for (let i = 0; i < burst.postMessage; i++) slack.failNext('chat.postMessage', 'ratelimited', { retryAfter });
        for (let i = 0; i < burst.update; i++) slack.failNext('chat.update', 'ratelimited', { retryAfter });
        for (let i = 0; i < burst.publish; i++) slack.failNext('views.publish', 'ratelimited', { retryAfter });
      }
      clock.advance(10_000); // past every ticket's next check (max interval 8 s)
      await app.watcher.runDue();
      await app.services.home.settle();
      // A ticket moves on in DMS only once its thread shows where it is, so every status must be posted.
      let open = 0;
      for (const { ticketId, orderId } of ids) {
        const t = (await store.getTicket(ticketId))!;
        const order = dms.getOrder(orderId)!;
        if (t.status === order.status && !t.done) dms.advance(orderId);
        if (!t.done) open++;
      }
      if (open === 0) break;
    }
    const mine = slack.calls.slice(callsBefore);
    const calls: SlackRateLimitResult['calls'] = {};
    for (const c of mine) {
      const e = calls[c.method] ?? { ok: 0, attempts: 0 };
      calls[c.method] = e;
      e.attempts++;
      if (isOk(c)) e.ok++;
    }
    let threadsComplete = 0;
    let threadsInOrder = 0;
    let duplicateReplies = 0;
    let rootsFinal = 0;
    for (const { ticketId } of ids) {
      const t = (await store.getTicket(ticketId))!;
      if (!t.rootTs) {
        problems.push(`ticket ${ticketId}: no root message`);
        continue;
      }
      const replies = mine.filter(
        (c) => c.method === 'chat.postMessage' && c.args['thread_ts'] === t.rootTs && isOk(c),
      );
      const updates = await store.listUpdates(ticketId);
      const statuses = updates.map((u) => u.status);
      const replyTs = replies.map((c) => String(c.response?.['ts']));
      if (JSON.stringify(statuses) === JSON.stringify(script) && replies.length === script.length) threadsComplete++;
      else
        problems.push(
          `ticket ${ticketId}: recorded ${statuses.join(',')} with ${replies.length} replies (script ${script.length})`,
        );
      // The recorded statuses point at the thread replies in the same order (ts increase), one reply each.
      const tsInOrder = updates.every(
        (u, i) =>
          u.threadTs !== null && u.threadTs === replyTs[i] && (i === 0 || u.threadTs > updates[i - 1]!.threadTs!),
      );
      // Each reply reads as the status it records (its label in the reply), in the script's order.
      const textsInOrder =
        replies.length === script.length &&
        replies.every((c, i) => String(c.args['text']).includes(exportStatusInfo(script[i]!).label));
      if (tsInOrder && textsInOrder) threadsInOrder++;
      else problems.push(`ticket ${ticketId}: thread order differs from the recorded statuses`);
      duplicateReplies += Math.max(0, replies.length - new Set(statuses).size);
      const lastUpdate = mine.filter((c) => c.method === 'chat.update' && c.args['ts'] === t.rootTs && isOk(c)).at(-1);
      const lastReply = replies.at(-1);
      const finalShown =
        lastUpdate !== undefined &&
        JSON.stringify(lastUpdate.args['blocks']).includes(exportStatusInfo(script[script.length - 1]!).label) &&
        (!lastReply || mine.indexOf(lastUpdate) > mine.indexOf(lastReply));
      if (finalShown) rootsFinal++;
      else
        problems.push(
          `ticket ${ticketId}: root message does not show the final status (last update: ${lastUpdate ? 'stale' : 'none'})`,
        );
    }
    const changes = tickets * script.length;
    const ok = (m: string) => calls[m]?.ok ?? 0;
    const threadReplies = mine.filter(
      (c) => c.method === 'chat.postMessage' && c.args['thread_ts'] !== undefined && isOk(c),
    ).length;
    const roots = mine.filter(
      (c) =>
        c.method === 'chat.postMessage' &&
        c.args['thread_ts'] === undefined &&
        isOk(c) &&
        /^C/.test(String(c.args['channel'])),
    ).length;
    const watcherCalls = Object.entries(calls).reduce((a, [m, e]) => a + (m === 'auth.test' ? 0 : e.ok), 0) - roots;
    return {
      retries,
      tickets,
      statusesPerTicket: script.length,
      changes,
      rateLimited: mine.filter((c) => c.response === undefined).length,
      threadsComplete,
      threadsInOrder,
      duplicateReplies,
      rootsFinal,
      calls,
      threadCallsPerChange: (threadReplies + ok('chat.update')) / changes,
      allCallsPerChange: watcherCalls / changes,
      rounds: rounds + 1,
      wallS: (performance.now() - wall0) / 1000,
      problems,
    };
  } finally {
    await app.stop();
    await Promise.all([slack.close(), dms.close()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatSlackCheck(results: SlackRateLimitResult[], retryAfterSeconds: number): string {
  const lines: string[] = [];
  lines.push(
    `Real app (createApp) with the fake Slack answering bursts of HTTP 429 with Retry-After: ${retryAfterSeconds}; export tickets followed through their ${results[0]?.statusesPerTicket ?? '?'}-status script:`,
  );
  lines.push('');
  lines.push(
    '| WebClient retries | tickets | changes | 429s served | threads complete (each status once) | threads in order | roots showing the final status | reply+update per change | all watcher Slack calls per change | calls ok / attempts | rounds | wall (s) |',
  );
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|');
  for (const r of results) {
    const calls = Object.entries(r.calls)
      .filter(([m]) => m !== 'auth.test')
      .map(([m, e]) => `${m} ${e.ok}/${e.attempts}`)
      .join(', ');
    lines.push(
      `| ${r.retries} | ${r.tickets} | ${r.changes} | ${r.rateLimited} | ${r.threadsComplete}/${r.tickets} | ${r.threadsInOrder}/${r.tickets} | ${r.rootsFinal}/${r.tickets} | ${f(r.threadCallsPerChange, 2)} | ${f(r.allCallsPerChange, 2)} | ${calls} | ${r.rounds} | ${f(r.wallS)} |`,
    );
  }
  const problems = results.flatMap((r) => r.problems.map((p) => `- (${r.retries}) ${p}`));
  if (problems.length) lines.push('', 'Problems:', ...problems);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------------------------

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const child = arg('child');
  if (child !== undefined) {
    const { n, o } = JSON.parse(child) as { n: number; o: ResolvedOptions };
    const r = await runSize(n, o);
    await new Promise<void>((done) => process.send!(r, undefined, {}, () => done()));
    return;
  }
  const sizes = (arg('sizes') ?? '1000,10000,50000').split(',').map(Number);
  const quota = Number(arg('quota') ?? 20);
  const seconds = Number(arg('seconds') ?? 3600);
  // Two workloads by default: changes 30 min apart on average (they fall at random points of the polling cycle, as the
  // N/(2Q) bound assumes, at every size), then short-lived tickets (5 min apart: at 50k a ticket's whole life is
  // shorter than one polling cycle, so the bound's assumption fails; see the single-check floor table).
  const workloads = (arg('mean-change') ?? '1800,300').split(',').map(Number);
  for (const [i, meanChangeSeconds] of workloads.entries()) {
    const report = await runWatcherScale({
      sizes,
      quota,
      simulatedSeconds: seconds,
      store: arg('store') === 'file' ? 'file' : 'memory',
      isolate: !process.argv.includes('--no-isolate'),
      ...(arg('warmup') ? { warmupSeconds: Number(arg('warmup')) } : {}),
      ...(arg('drain') ? { maxDrainSeconds: Number(arg('drain')) } : {}),
      meanChangeSeconds,
      experiments: Object.fromEntries(
        (arg('experiment') ?? '')
          .split(',')
          .filter(Boolean)
          .map((k) => [k, true]),
      ) as Experiments,
    });
    if (workloads.length > 1)
      console.log(
        `${i ? '\n' : ''}#### Workload ${String.fromCharCode(65 + i)}: a change every ${meanChangeSeconds} s on average\n`,
      );
    console.log(formatWatcherScale(report));
    if (process.argv.includes('--json')) console.log(JSON.stringify(report, null, 1));
  }
  if (!process.argv.includes('--no-slack-check')) {
    const retryAfter = Number(arg('retry-after') ?? 1);
    const checks: SlackRateLimitResult[] = [];
    for (const retries of ['default', 'none'] as const)
      checks.push(await runSlackRateLimitCheck({ retries, retryAfterSeconds: retryAfter }));
    console.log('');
    console.log(formatSlackCheck(checks, retryAfter));
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
