/** Options and results of the watcher scale bench (bench/watcher-scale.ts). */

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

/** The options with every default filled in (what each size's run, in this process or a child, is given). */
export type ResolvedOptions = WatcherScaleReport['options'];
