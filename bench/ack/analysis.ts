/** The ack bench's arithmetic: latency distributions, trigger budgets, per-variant results and "kept up" verdicts. */
import type { FakeSlackWorker, RemoteFakeSlack } from '../../test/support/fake-slack-worker.js';
import {
  type CapacityProbe,
  type Distribution,
  KEEPS_UP,
  type OpenVariantResult,
  type RunSamples,
  type TriggerBudget,
  type Variant,
  type VariantResult,
} from './types.js';

/** Nearest-rank percentiles of finite samples. */
export function distribution(samples: ArrayLike<number>): Distribution {
  const xs = Float64Array.from(samples)
    .filter((x) => Number.isFinite(x))
    .sort();
  const n = xs.length;
  if (n === 0) return { n: 0, mean: NaN, p50: NaN, p90: NaN, p99: NaN, max: NaN };
  const q = (p: number) => xs[Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1))]!;
  let sum = 0;
  for (const x of xs) sum += x;
  return { n, mean: sum / n, p50: q(0.5), p90: q(0.9), p99: q(0.99), max: xs[n - 1]! };
}

function concat(parts: Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** One app under test: where to send, where its response_url points, and (ours) its fake Slack. */
export interface Target {
  variant: Variant;
  url: string;
  responseUrl: string;
  /** Ours: the fake Slack its views.open calls go to. */
  slack?: RemoteFakeSlack;
}

/** One measured run of one app: samples from index `from` on, and (ours) the views.open arrivals. */
export interface Run {
  r: RunSamples;
  from: number;
  /** views.open arrival (Date.now() at the fake) per request, NaN when none; and how many arrived. */
  at?: Float64Array;
  count?: Uint8Array;
  responses: number;
}

/** Answered "busy" by our MAX_IN_FLIGHT check (a plain ack has no body; the floor never sends one). */
const isShed = (r: RunSamples, i: number) => r.status[i] === 200 && r.bodyBytes[i]! > 0;

/** Waits for ours' work after the acks (every request not shed reaches views.open, or the app goes quiet). */
export async function collect(
  slackWorker: FakeSlackWorker,
  t: Target,
  r: RunSamples,
  prefix: string,
  from: number,
): Promise<Run> {
  if (!t.slack) return { r, from, responses: 0 };
  const n = r.status.length;
  const waitFor = new Uint8Array(n);
  for (let i = 0; i < n; i++) waitFor[i] = r.status[i] === 200 && !isShed(r, i) ? 1 : 0;
  const { at, count, responses } = await slackWorker.viewsOpened(t.slack, prefix, n, {
    waitFor,
    quietMs: 1_000,
    timeoutMs: 30_000,
  });
  return { r, from, at, count, responses };
}

/** Client send → views.open at the fake Slack over the measured requests of some runs of ours. */
export function triggerBudget(runs: Run[]): TriggerBudget {
  const deltas: number[] = [];
  let requests = 0;
  let duplicates = 0;
  let missing = 0;
  let shed = 0;
  let responses = 0;
  let spanMs = 0;
  for (const { r, from, at, count, responses: resp } of runs) {
    responses += resp;
    let first = Infinity;
    let last = -Infinity;
    for (let i = from; i < r.sentAtMs.length; i++) {
      requests += 1;
      first = Math.min(first, r.sentAtMs[i]!);
      const k = count?.[i] ?? 0;
      if (k === 0) {
        missing += 1;
        if (isShed(r, i)) shed += 1;
      } else if (k > 1) duplicates += 1;
      else {
        deltas.push(at![i]! - r.sentAtMs[i]!);
        last = Math.max(last, at![i]!);
      }
    }
    if (last > first) spanMs += last - first;
  }
  return {
    distribution: distribution(deltas),
    requests,
    matched: deltas.length,
    duplicates,
    missing,
    shed,
    responses,
    completedPerSecond: spanMs > 0 ? (deltas.length / spanMs) * 1000 : NaN,
  };
}

/** Ack latency, statuses and acks per second over the measured requests of some runs. */
export function variantResult(runs: Run[]): VariantResult {
  const statuses: Record<string, number> = {};
  let elapsedMs = 0;
  for (const { r, from } of runs) {
    let first = Infinity;
    let last = -Infinity;
    for (let i = from; i < r.status.length; i++) {
      first = Math.min(first, r.startMs[i]!);
      last = Math.max(last, r.startMs[i]! + r.latencyMs[i]!);
      const s = String(r.status[i]);
      statuses[s] = (statuses[s] ?? 0) + 1;
    }
    elapsedMs += last - first;
  }
  const latency = distribution(concat(runs.map(({ r, from }) => r.latencyMs.slice(from))));
  return { latency, statuses, requestsPerSecond: elapsedMs > 0 ? (latency.n / elapsedMs) * 1000 : NaN };
}

/** One open-loop run summed up: latency from the scheduled send, shed, driver lag, CPU per request, trigger (ours). */
export function openVariantResult(
  offered: number,
  runs: Run[],
  ours: boolean,
  busyUsPerRequest: number,
): OpenVariantResult {
  const v = variantResult(runs);
  let shed = 0;
  for (const { r, from } of runs) for (let i = from; i < r.status.length; i++) if (isShed(r, i)) shed += 1;
  const lag = distribution(concat(runs.map(({ r, from }) => r.lagMs.slice(from))));
  let n = 0;
  let spanMs = 0;
  for (const { r, from } of runs) {
    n += r.startMs.length - from - 1;
    spanMs += r.startMs[r.startMs.length - 1]! - r.startMs[from]!;
  }
  return {
    offered,
    scheduledPerSecond: spanMs > 0 ? (n / spanMs) * 1000 : offered,
    latency: v.latency,
    statuses: v.statuses,
    shed,
    ackedPerSecond: v.requestsPerSecond,
    driverLagP99: lag.p99,
    busyUsPerRequest,
    ...(ours ? { trigger: triggerBudget(runs) } : {}),
  };
}

/** Whether a run kept up with its offered rate (KEEPS_UP), and if not, why. */
export function keptUp(v: OpenVariantResult): CapacityProbe {
  const non200 = Object.entries(v.statuses).reduce((s, [k, n]) => (k === '200' ? s : s + n), 0);
  const why: string[] = [];
  if (non200 > 0) why.push(`${non200} not answered 200`);
  if (v.shed > 0) why.push(`${v.shed} shed`);
  if (!(v.ackedPerSecond >= KEEPS_UP.throughputShare * v.scheduledPerSecond))
    why.push(`acks ${Math.round(v.ackedPerSecond)}/s`);
  if (!(v.latency.p99 <= KEEPS_UP.ackP99Ms)) why.push(`ack p99 ${Math.round(v.latency.p99)} ms`);
  const t = v.trigger;
  if (t) {
    if (t.missing > 0) why.push(`${t.missing} forms not opened`);
    if (!(t.completedPerSecond >= KEEPS_UP.throughputShare * v.scheduledPerSecond))
      why.push(`forms ${Math.round(t.completedPerSecond)}/s`);
    if (!(t.distribution.p99 <= KEEPS_UP.triggerP99Ms)) why.push(`trigger p99 ${Math.round(t.distribution.p99)} ms`);
  }
  return {
    rate: v.offered,
    keptUp: why.length === 0,
    ...(why.length ? { why: why.join(', ') } : {}),
    ackP99: v.latency.p99,
    ackedPerSecond: v.ackedPerSecond,
    ...(t ? { triggerP99: t.distribution.p99, completedPerSecond: t.completedPerSecond, shed: v.shed } : {}),
  };
}
