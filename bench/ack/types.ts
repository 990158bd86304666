/** Options and results of the ack bench (bench/ack.ts): what a run is asked to do and what it reports. */

export interface AckBenchOptions {
  /** Requests kept in flight, one level after the other. */
  concurrency: number[];
  /** Measured requests per app and level (split over the interleaved rounds). */
  requestsPerLevel: number;
  /** Unmeasured requests at the start of each round's run (at least `c`: the opening burst and connection set-up). */
  warmup: number;
  /** Also measure our app at LOG_LEVEL info (production default). Default true. */
  info?: boolean;
  /** Interleaved rounds per level (floor, ours, ours@info, then reversed, …). Default 2. */
  rounds?: number;
  /** Open loop after the closed-loop levels (fixed arrival rates); false to skip. Default: see DEFAULT_OPEN_LOOP. */
  openLoop?: OpenLoopOptions | false;
}

export interface OpenLoopOptions {
  /** Offered rates, requests per second, one after the other (floor and ours at each). */
  rates: number[];
  /** Measured seconds per app and rate. */
  seconds: number;
  /** Unmeasured seconds at the start of each run (connections, JIT). */
  warmupSeconds: number;
  /** Evenly spaced arrivals, or Poisson (exponential gaps, fixed seed). */
  arrivals: 'even' | 'poisson';
  /** Capacity search (rates ×`factor` from `start` until an app falls behind, then one step between); false to skip. */
  capacity: false | { start: number; factor: number; seconds: number; max: number };
}

/** The open loop `npm run bench` runs: 100, 300, 1,000 req/s for 5 s each, then the capacity search. */
export const DEFAULT_OPEN_LOOP: OpenLoopOptions = {
  rates: [100, 300, 1000],
  seconds: 5,
  warmupSeconds: 1,
  arrivals: 'even',
  capacity: { start: 200, factor: 1.3, seconds: 3, max: 20_000 },
};

/** Keeping up at an offered rate (capacity): what every run must satisfy. */
export const KEEPS_UP = {
  /** Acks (and, for ours, views.open calls) per second at least this share of the rate the sends were scheduled at. */
  throughputShare: 0.95,
  /** p99 ack latency (from the scheduled send) at most this, ms. */
  ackP99Ms: 100,
  /** Ours: p99 trigger time at most this, ms (the target). */
  triggerP99Ms: 100,
};

/** A latency distribution in milliseconds. */
export interface Distribution {
  n: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export type Variant = 'floor' | 'ours' | 'oursInfo';

export interface VariantResult {
  /** Send → response end, ms. */
  latency: Distribution;
  /** Requests answered, by HTTP status (-1: connection error). */
  statuses: Record<string, number>;
  /** Measured requests / time from the first measured send to the last measured answer (acks, not work after them). */
  requestsPerSecond: number;
}

export interface TriggerBudget {
  /** Client send → views.open received by the FakeSlack, ms (Date.now() resolution). */
  distribution: Distribution;
  /** Measured requests of ours. */
  requests: number;
  /** Measured requests whose trigger_id reached views.open exactly once. */
  matched: number;
  /** trigger_ids seen in more than one views.open. */
  duplicates: number;
  /** Measured requests without a views.open. */
  missing: number;
  /** Of the missing: answered "busy" at once (MAX_IN_FLIGHT). */
  shed: number;
  /** response_url messages during the runs (refusals, "too slow to open the form"). */
  responses: number;
  /** Measured requests / time from the first measured send to the last of their views.open calls (all the work). */
  completedPerSecond: number;
}

export interface LevelResult {
  concurrency: number;
  floor: VariantResult;
  ours: VariantResult;
  oursInfo?: VariantResult;
  /** ours / floor. */
  ratio: { p50: number; p99: number };
  ratioInfo?: { p50: number; p99: number };
  trigger: TriggerBudget;
  triggerInfo?: TriggerBudget;
}

export interface OpenVariantResult {
  /** Offered rate, requests per second. */
  offered: number;
  /** The rate the measured sends were scheduled at: (n − 1) / (last − first scheduled send) (Poisson: not exactly `offered`). */
  scheduledPerSecond: number;
  /** Scheduled send → response end, ms (a late send counts against the app: no coordinated omission). */
  latency: Distribution;
  statuses: Record<string, number>;
  /** Measured requests answered "busy" (MAX_IN_FLIGHT). */
  shed: number;
  /** Acks per second over the measured part. */
  ackedPerSecond: number;
  /** How late the driver sent (actual − scheduled), p99 ms: the client's own lag, included in the latency. */
  driverLagP99: number;
  /** The app's event loop (this process's main thread) busy time per request sent, µs: its CPU cost per request. */
  busyUsPerRequest: number;
  /** Ours only. */
  trigger?: TriggerBudget;
}

export interface OpenRateResult {
  rate: number;
  floor: OpenVariantResult;
  ours: OpenVariantResult;
  /** ours / floor. */
  ratio: { p50: number; p99: number };
}

export interface CapacityProbe {
  rate: number;
  keptUp: boolean;
  /** Why not, in words. */
  why?: string;
  ackP99: number;
  ackedPerSecond: number;
  triggerP99?: number;
  completedPerSecond?: number;
  shed?: number;
}

export interface CapacityResult {
  /** Highest probed rate kept up with (0 when none). */
  rate: number;
  probes: CapacityProbe[];
}

export interface AckBenchResult {
  startedAt: string;
  durationMs: number;
  options: Required<Omit<AckBenchOptions, 'openLoop'>> & { openLoop: OpenLoopOptions | false };
  machine: {
    cpus: number;
    cpuModel: string;
    totalMemoryGiB: number;
    node: string;
    platform: string;
    release: string;
    loadavg: number[];
  };
  levels: LevelResult[];
  openLoop?: { rates: OpenRateResult[]; capacity?: { floor: CapacityResult; ours: CapacityResult } };
  notes: string[];
}

/** What the driver measured for one run, per request i (trigger_id `prefix + i`). */
export interface RunSamples {
  /** Send → response end (performance.now()); open loop: from the scheduled send. */
  latencyMs: Float64Array;
  /** Date.now() just before the request was written (for the trigger budget). */
  sentAtMs: Float64Array;
  /** The driver's performance.now() at send (open loop: the scheduled time). */
  startMs: Float64Array;
  /** Open loop: actual − scheduled send, ms. */
  lagMs: Float64Array;
  /** HTTP status, -1 for a connection error. */
  status: Int32Array;
  /** Response body length: our "busy" answer has a body, a plain ack none. */
  bodyBytes: Int32Array;
}
