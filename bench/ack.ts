/**
 * Issue 8, parts 1 and 2: ack latency and trigger budget of `/dms export` in HTTP mode, measured side by side with a
 * floor in one run (these machines are noisy: compare ratios and distributions, not absolute times).
 *
 * - Floor: a bare Bolt app whose `/dms` listener only acks, behind a node http server calling the HTTPReceiver's
 *   requestListener exactly as ours does.
 * - Ours: the real app as the test harness wires it (HTTP mode, SQLite store, FakeSlack, DMS emulator), LOG_LEVEL warn
 *   (and, as a second variant, info — the production default).
 * - Driver: a worker thread (its own event loop, so the client's work is not charged to the servers) keeping `c` signed
 *   `/dms export` requests in flight over keep-alive connections; per-request latency = send → response end.
 * - Fake Slack: every FakeSlack (ours' and the floor's) runs in a worker thread of its own (FakeSlackWorker), so its CPU
 *   is not charged to the app under test (production Slack is remote).
 * - Trigger budget: for ours, views.open's arrival at the FakeSlack (its `at`, Date.now()) minus the client's send time
 *   (Date.now() just before the request is written), matched by trigger_id.
 * - Closed loop (c requests always in flight, levels `--concurrency`), then open loop (fixed arrival rates `--rates`,
 *   evenly spaced or Poisson) and each app's capacity: the highest offered rate it keeps up with.
 *
 * Run: `npx tsc -p tsconfig.json && node dist/bench/ack.js [--concurrency 50,200,500] [--requests 2000] [--warmup 200]
 * [--no-info] [--rates 100,300,1000] [--seconds 5] [--poisson] [--no-open] [--no-capacity] [--json]`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import { LISTEN_BACKLOG } from '../src/app.js';
import { FakeSlackWorker, type RemoteFakeSlack } from '../test/support/fake-slack-worker.js';
import { BOT_TOKEN, type Harness, SIGNING_SECRET, startHarness } from '../test/support/harness.js';

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
  /** Ours: p99 trigger time at most this, ms (the issue's target). */
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
interface RunSamples {
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

// The driver runs in a worker thread; it is plain JavaScript (eval) so it works the same compiled and under vitest.
const DRIVER_SOURCE = `
const { parentPort } = process.getBuiltinModule('node:worker_threads');
const http = process.getBuiltinModule('node:http');
const { createHmac } = process.getBuiltinModule('node:crypto');

function body(prefix, i, responseUrl) {
  return new URLSearchParams({
    token: 'legacy-verification-token', team_id: 'T1', team_domain: 'acme', channel_id: 'C0EXPORTS', channel_name: 'exports',
    user_id: 'U0ALICE', user_name: 'alice', command: '/dms', text: 'export', api_app_id: 'A1',
    response_url: responseUrl, trigger_id: prefix + i,
  }).toString();
}

function samples(n) {
  return { latencyMs: new Float64Array(n), sentAtMs: new Float64Array(n), startMs: new Float64Array(n), lagMs: new Float64Array(n), status: new Int32Array(n), bodyBytes: new Int32Array(n) };
}

// Sends request i; t0 is its scheduled time (open loop) or now (closed loop). Calls done() once answered.
function send(agent, m, s, i, t0, done) {
  const b = body(m.prefix, i, m.responseUrl);
  const ts = Math.floor(Date.now() / 1000);
  const sig = 'v0=' + createHmac('sha256', m.secret).update('v0:' + ts + ':' + b).digest('hex');
  let settled = false, bytes = 0;
  const settle = (code) => { if (settled) return; settled = true; s.status[i] = code; s.bodyBytes[i] = bytes; s.latencyMs[i] = performance.now() - t0; done(); };
  s.sentAtMs[i] = Date.now();
  s.startMs[i] = t0;
  s.lagMs[i] = performance.now() - t0;
  const req = http.request(m.url, {
    method: 'POST', agent,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(b), 'x-slack-request-timestamp': String(ts), 'x-slack-signature': sig },
  }, (res) => { res.on('data', (d) => { bytes += d.length; }); res.on('end', () => settle(res.statusCode)); res.on('error', () => settle(-1)); });
  req.on('error', () => settle(-1));
  req.end(b);
}

// Closed loop: n requests, c always in flight.
function closed(agent, m) {
  const { n, c } = m;
  const s = samples(n);
  let next = 0, done = 0;
  return new Promise((resolve) => {
    if (n === 0) return resolve(s);
    const finish = () => {
      done += 1;
      if (next < n) fire();
      else if (done === n) resolve(s);
    };
    const fire = () => { const i = next++; send(agent, m, s, i, performance.now(), finish); };
    for (let k = 0; k < Math.min(c, n); k++) fire();
  });
}

// Open loop: n requests at m.rate per second whatever the answers (evenly spaced, or Poisson with a fixed seed).
function open(agent, m) {
  const { n, rate } = m;
  const s = samples(n);
  let seed = m.seed >>> 0;
  const uniform = () => { seed = (seed + 0x6d2b79f5) >>> 0; let t = seed; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296; };
  const at = new Float64Array(n);
  let t = 0;
  for (let i = 0; i < n; i++) { at[i] = t; t += m.poisson ? -Math.log(uniform()) * 1000 / rate : 1000 / rate; }
  return new Promise((resolve) => {
    if (n === 0) return resolve(s);
    const start = performance.now() + 5;
    let next = 0, done = 0;
    const finish = () => { done += 1; if (done === n) resolve(s); };
    const tick = () => {
      const now = performance.now();
      while (next < n && start + at[next] <= now) { send(agent, m, s, next, start + at[next], finish); next++; }
      if (next < n) setTimeout(tick, Math.max(0, start + at[next] - performance.now()));
    };
    setTimeout(tick, 5);
  });
}

const agents = new Map();
parentPort.on('message', async (m) => {
  if (m.type === 'close') {
    for (const a of agents.values()) a.destroy();
    agents.clear();
    parentPort.postMessage({ id: m.id });
    return;
  }
  let agent = agents.get(m.agent);
  if (!agent) {
    agent = new http.Agent({ keepAlive: true, maxSockets: m.c ?? 1000 });
    agents.set(m.agent, agent);
  }
  const r = m.type === 'open' ? await open(agent, m) : await closed(agent, m);
  parentPort.postMessage({ id: m.id, ...r }, Object.values(r).map((a) => a.buffer));
});
`;

/** The load generator in its own thread (exported for profiling scripts). */
export class Driver {
  private readonly worker = new Worker(DRIVER_SOURCE, { eval: true });
  private seq = 0;
  private readonly pending = new Map<number, { resolve: (m: RunSamples) => void; reject: (err: unknown) => void }>();

  constructor() {
    this.worker.on('message', (m: RunSamples & { id: number }) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      p?.resolve(m);
    });
    this.worker.on('error', (err) => {
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    });
  }

  private ask(m: Record<string, unknown>): Promise<RunSamples> {
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...m, id, secret: SIGNING_SECRET });
    });
  }

  /** Sends `n` requests keeping `c` in flight, on the keep-alive pool named `agent`. */
  run(m: {
    url: string;
    n: number;
    c: number;
    prefix: string;
    responseUrl: string;
    agent: string;
  }): Promise<RunSamples> {
    return this.ask({ ...m, type: 'closed' });
  }

  /** Sends `n` requests at `rate` per second (open loop), on the keep-alive pool named `agent` (up to 1000 sockets). */
  open(m: {
    url: string;
    n: number;
    rate: number;
    poisson: boolean;
    seed: number;
    prefix: string;
    responseUrl: string;
    agent: string;
  }): Promise<RunSamples> {
    return this.ask({ ...m, type: 'open' });
  }

  /** Closes every pooled connection. */
  closeConnections(): Promise<void> {
    const id = ++this.seq;
    return new Promise((resolve) => {
      this.pending.set(id, { resolve: () => resolve(), reject: () => resolve() });
      this.worker.postMessage({ type: 'close', id });
    });
  }

  async terminate(): Promise<void> {
    await this.worker.terminate();
  }
}

/** The floor: a bare Bolt app that only acks `/dms`, served like ours. */
async function startFloor(slack: RemoteFakeSlack): Promise<{ url: string; close(): Promise<void> }> {
  const receiver = new HTTPReceiver({
    signingSecret: SIGNING_SECRET,
    endpoints: '/slack/events',
    processBeforeResponse: false,
  });
  const app = new App({
    receiver,
    token: BOT_TOKEN,
    deferInitialization: true,
    logLevel: LogLevel.WARN,
    clientOptions: { slackApiUrl: slack.url },
  });
  app.command('/dms', async ({ ack }) => ack());
  await app.init();
  const server: Server = createServer((req, res) => {
    if ((req.url ?? '/').split('?')[0] === '/slack/events') {
      receiver.requestListener(req, res);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  await new Promise<void>((resolve) =>
    server.listen({ port: 0, host: '127.0.0.1', backlog: LISTEN_BACKLOG }, () => resolve()),
  );
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  return {
    url,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await slack.close();
    },
  };
}

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

interface Target {
  variant: Variant;
  url: string;
  responseUrl: string;
  /** Ours: the fake Slack its views.open calls go to. */
  slack?: RemoteFakeSlack;
}

/** One measured run of one app: samples from index `from` on, and (ours) the views.open arrivals. */
interface Run {
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
async function collect(
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

function triggerBudget(runs: Run[]): TriggerBudget {
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

function variantResult(runs: Run[]): VariantResult {
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

function openVariantResult(offered: number, runs: Run[], ours: boolean, busyUsPerRequest: number): OpenVariantResult {
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
function keptUp(v: OpenVariantResult): CapacityProbe {
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

/** Measures ours against the floor at each concurrency level, interleaving the apps so noise hits all of them. */
export async function runAckBench(opts: AckBenchOptions): Promise<AckBenchResult> {
  const options: AckBenchResult['options'] = { info: true, rounds: 2, openLoop: DEFAULT_OPEN_LOOP, ...opts };
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  const slackWorker = await FakeSlackWorker.start();
  const harnesses: Harness[] = [];
  const driver = new Driver();
  let floor: Awaited<ReturnType<typeof startFloor>> | undefined;
  try {
    const floorSlack = await slackWorker.create();
    floor = await startFloor(floorSlack);
    const oursSlack = await slackWorker.create();
    const ours = await startHarness({ slack: oursSlack, env: { LOG_LEVEL: 'warn' } });
    harnesses.push(ours);
    const targets: Target[] = [
      { variant: 'floor', url: floor.url, responseUrl: floorSlack.responseUrl },
      {
        variant: 'ours',
        url: `http://127.0.0.1:${ours.port}/slack/events`,
        responseUrl: oursSlack.responseUrl,
        slack: oursSlack,
      },
    ];
    if (options.info) {
      const infoSlack = await slackWorker.create();
      const info = await startHarness({ slack: infoSlack, env: { LOG_LEVEL: 'info' } });
      harnesses.push(info);
      targets.push({
        variant: 'oursInfo',
        url: `http://127.0.0.1:${info.port}/slack/events`,
        responseUrl: infoSlack.responseUrl,
        slack: infoSlack,
      });
    }
    const target = (v: Variant) => targets.find((t) => t.variant === v)!;

    let runNo = 0;
    const gc = () => (globalThis as { gc?: () => void }).gc?.();

    // Closed loop.
    const levels: LevelResult[] = [];
    for (const c of options.concurrency) {
      const collected = new Map<Variant, Run[]>(targets.map((t) => [t.variant, []]));
      for (let round = 0; round < options.rounds; round++) {
        // Measured requests this round: an even share, the remainder in the first rounds.
        const n =
          Math.floor(options.requestsPerLevel / options.rounds) +
          (round < options.requestsPerLevel % options.rounds ? 1 : 0);
        const order = round % 2 === 0 ? targets : [...targets].reverse();
        for (const t of order) {
          runNo += 1;
          // One continuous run: the first `warm` requests (at least c, so the opening burst and connection set-up fall
          // there) are not measured; the measured ones then run at steady state.
          const warm = Math.max(options.warmup, c);
          const prefix = `r${runNo}-`;
          const r = await driver.run({
            url: t.url,
            c,
            responseUrl: t.responseUrl,
            agent: `${t.variant}-${c}-${round}`,
            n: warm + n,
            prefix,
          });
          // Ours keeps working after the ack (policy gate, views.open): let it finish before the next run starts.
          collected.get(t.variant)!.push(await collect(slackWorker, t, r, prefix, warm));
          await driver.closeConnections();
          gc();
        }
      }
      const floorR = variantResult(collected.get('floor')!);
      const ratio = (a: VariantResult) => ({
        p50: a.latency.p50 / floorR.latency.p50,
        p99: a.latency.p99 / floorR.latency.p99,
      });
      const oursR = variantResult(collected.get('ours')!);
      const infoRuns = collected.get('oursInfo');
      const infoR = infoRuns ? variantResult(infoRuns) : undefined;
      levels.push({
        concurrency: c,
        floor: floorR,
        ours: oursR,
        ...(infoR ? { oursInfo: infoR, ratioInfo: ratio(infoR) } : {}),
        ratio: ratio(oursR),
        trigger: triggerBudget(collected.get('ours')!),
        ...(infoRuns ? { triggerInfo: triggerBudget(infoRuns) } : {}),
      });
    }

    // Open loop: floor and ours (LOG_LEVEL warn) at fixed arrival rates.
    let openLoop: AckBenchResult['openLoop'];
    const ol = options.openLoop;
    if (ol) {
      const openRun = async (t: Target, rate: number, seconds: number): Promise<OpenVariantResult> => {
        runNo += 1;
        const warm = Math.round(rate * ol.warmupSeconds);
        const prefix = `o${runNo}-`;
        const elu = performance.eventLoopUtilization();
        const r = await driver.open({
          url: t.url,
          rate,
          n: warm + Math.max(1, Math.round(rate * seconds)),
          poisson: ol.arrivals === 'poisson',
          seed: runNo,
          responseUrl: t.responseUrl,
          agent: `open-${t.variant}-${runNo}`,
          prefix,
        });
        const run = await collect(slackWorker, t, r, prefix, warm);
        // Everything this thread did from the first send until the app's work was done (the app is all that runs here).
        const busyUs = (performance.eventLoopUtilization(elu).active * 1000) / r.status.length;
        await driver.closeConnections();
        gc();
        return openVariantResult(rate, [run], t.variant !== 'floor', busyUs);
      };
      const rates: OpenRateResult[] = [];
      for (const [k, rate] of ol.rates.entries()) {
        // Alternate which app goes first, so drift in the machine's load hits both.
        const order: Variant[] = k % 2 === 0 ? ['floor', 'ours'] : ['ours', 'floor'];
        const res = new Map<Variant, OpenVariantResult>();
        for (const v of order) res.set(v, await openRun(target(v), rate, ol.seconds));
        const f = res.get('floor')!;
        const o = res.get('ours')!;
        rates.push({
          rate,
          floor: f,
          ours: o,
          ratio: { p50: o.latency.p50 / f.latency.p50, p99: o.latency.p99 / f.latency.p99 },
        });
      }
      openLoop = { rates };
      const cap = ol.capacity;
      if (cap) {
        const search = async (v: Variant): Promise<CapacityResult> => {
          const probes: CapacityProbe[] = [];
          const probe = async (rate: number) => {
            const p = keptUp(await openRun(target(v), Math.round(rate), cap.seconds));
            probes.push(p);
            return p.keptUp;
          };
          let ok = 0;
          let rate = cap.start;
          while (rate <= cap.max && (await probe(rate))) {
            ok = rate;
            rate = Math.round(rate * cap.factor);
          }
          // One step between the last rate kept up with and the first missed.
          if (rate <= cap.max) {
            const mid = Math.round(ok > 0 ? Math.sqrt(ok * rate) : rate / cap.factor);
            if (mid > ok && mid < rate && (await probe(mid))) ok = mid;
          }
          return { rate: ok, probes };
        };
        openLoop.capacity = { floor: await search('floor'), ours: await search('ours') };
      }
    }

    const cpus = os.cpus();
    return {
      startedAt,
      durationMs: Date.now() - started,
      options,
      machine: {
        cpus: cpus.length,
        cpuModel: cpus[0]?.model ?? 'unknown',
        totalMemoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
        node: process.version,
        platform: os.platform(),
        release: os.release(),
        loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100),
      },
      levels,
      ...(openLoop ? { openLoop } : {}),
      notes: [
        'Driver: a worker thread in the same process (own event loop), keep-alive connections, one freshly signed `/dms export` per request (unique trigger_id); latency = send → response end (performance.now()).',
        `Rounds per level: ${options.rounds}, interleaved (floor, ours${options.info ? ', ours@info' : ''}, then reversed); each round is one continuous run whose first max(${options.warmup}, c) requests are not measured (opening burst, connection set-up), so measured requests see steady state.`,
        "Ours: the test harness app (HTTP mode, SQLite store, DMS emulator, FakeClock), LOG_LEVEL warn; ours@info: the same at LOG_LEVEL info (the production default). Log lines go to the harness's in-memory sink, not stdout.",
        "Fake Slack: every FakeSlack (each app's) runs in one worker thread of its own (FakeSlackWorker), not on the app's event loop, so what it spends answering views.open is not charged to ours (Slack is remote in production). The machine's cores are shared by the app, the driver thread and the fake's thread. The floor makes no Slack call.",
        'Trigger budget: views.open `at` at the FakeSlack (Date.now(), whole ms) − client send time (Date.now() just before the request is written): includes the client→server hop; ±1 ms resolution. After each run the bench waits until every request not answered "busy" reached views.open, or no Slack call came for 1 s.',
        "Closed loop: with c requests always in flight, latency ≈ c / throughput once the server is saturated, so the ratio reflects each app's CPU per request (work after the ack included).",
        'req/s counts answers (acks, our immediate "busy" answers included: they are cheap, so shedding lowers ours\' ack latency at high c); completed/s counts requests whose views.open reached Slack. missing = shed ("busy", MAX_IN_FLIGHT) + forms not opened because the trigger was too old (told through response_url).',
        ...(ol
          ? [
              `Open loop: ${ol.arrivals === 'poisson' ? 'Poisson' : 'evenly spaced'} arrivals at a fixed rate whatever the answers (up to 1000 connections); ${ol.seconds} s measured per app and rate after ${ol.warmupSeconds} s unmeasured; latency from the scheduled send (a late send counts against the app). Floor and ours (LOG_LEVEL warn), alternating which goes first.`,
              ...(ol.capacity
                ? [
                    `Capacity: offered rates from ${ol.capacity.start} req/s ×${ol.capacity.factor} (${ol.capacity.seconds} s each) until a run falls behind, then one rate between. Keeps up: every request answered 200 and none shed, acks (ours: and opened forms) per second ≥ ${KEEPS_UP.throughputShare * 100}% of the rate the sends were scheduled at, ack p99 ≤ ${KEEPS_UP.ackP99Ms} ms, ours: trigger p99 ≤ ${KEEPS_UP.triggerP99Ms} ms.`,
                  ]
                : []),
            ]
          : []),
      ],
    };
  } finally {
    await driver.closeConnections().catch(() => undefined);
    await driver.terminate();
    for (const h of harnesses) await h.close();
    await floor?.close();
    await slackWorker.terminate();
  }
}

const ms = (x: number) => (Number.isFinite(x) ? (x < 10 ? x.toFixed(2) : x.toFixed(1)) : '–');
const ratioText = (x: number) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '–');

/** The result as Markdown: machine, ack latency per level and app, ratios, trigger budget, open loop, capacity. */
export function formatAckBench(result: AckBenchResult): string {
  const m = result.machine;
  const o = result.options;
  const lines: string[] = [];
  lines.push(`### Ack latency and trigger budget (\`/dms export\`, HTTP mode)`);
  lines.push('');
  lines.push(
    `Machine: ${m.cpus} × ${m.cpuModel}, ${m.totalMemoryGiB} GiB, Node ${m.node}, ${m.platform} ${m.release}, load ${m.loadavg.join(' ')}. ` +
      `Run ${result.startedAt}, ${(result.durationMs / 1000).toFixed(1)} s; ${o.requestsPerLevel} measured requests per app and level in ${o.rounds} interleaved rounds, warm-up ${o.warmup}.`,
  );
  lines.push('');
  lines.push('#### 1. Ack latency (send → response end, ms)');
  lines.push('');
  lines.push('| c | app | n | non-200 | p50 | p90 | p99 | max | req/s | p50 ours/floor | p99 ours/floor |');
  lines.push('|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const non200 = (statuses: Record<string, number>) =>
    Object.entries(statuses).reduce((s, [k, n]) => (k === '200' ? s : s + n), 0);
  for (const l of result.levels) {
    const row = (name: string, v: VariantResult, r?: { p50: number; p99: number }) => {
      lines.push(
        `| ${l.concurrency} | ${name} | ${v.latency.n} | ${non200(v.statuses)} | ${ms(v.latency.p50)} | ${ms(v.latency.p90)} | ${ms(v.latency.p99)} | ${ms(v.latency.max)} | ${Math.round(v.requestsPerSecond)} | ${r ? ratioText(r.p50) : ''} | ${r ? `**${ratioText(r.p99)}**` : ''} |`,
      );
    };
    row('floor (bare Bolt)', l.floor);
    row('ours (warn)', l.ours, l.ratio);
    if (l.oursInfo && l.ratioInfo) row('ours (info)', l.oursInfo, l.ratioInfo);
  }
  lines.push('');
  lines.push('Target: p99 ours/floor ≤ 1.2.');
  lines.push('');
  lines.push('#### 2. Trigger budget (client send → views.open at the fake Slack, ms)');
  lines.push('');
  lines.push(
    '| c | app | requests | views.open matched | missing | duplicates | p50 | p90 | p99 | max | completed/s |',
  );
  lines.push('|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const shedNotes: string[] = [];
  for (const l of result.levels) {
    const row = (name: string, t: TriggerBudget) => {
      lines.push(
        `| ${l.concurrency} | ${name} | ${t.requests} | ${t.matched} | ${t.missing} | ${t.duplicates} | ${ms(t.distribution.p50)} | ${ms(t.distribution.p90)} | **${ms(t.distribution.p99)}** | ${ms(t.distribution.max)} | ${Math.round(t.completedPerSecond)} |`,
      );
      if (t.missing > 0)
        shedNotes.push(
          `c=${l.concurrency} ${name}: ${t.shed} shed ("busy"), ${t.missing - t.shed} not opened (trigger too old)`,
        );
    };
    row('ours (warn)', l.trigger);
    if (l.triggerInfo) row('ours (info)', l.triggerInfo);
  }
  lines.push('');
  lines.push('Target: p99 < 100 ms.');
  if (shedNotes.length) {
    lines.push('');
    lines.push(`Missing: ${shedNotes.join('; ')}.`);
  }
  const ol = result.openLoop;
  if (ol) {
    lines.push('');
    lines.push('#### Open loop: fixed arrival rate (scheduled send → response end, ms)');
    lines.push('');
    lines.push(
      '| offered req/s | floor p50 | floor p99 | ours p50 | ours p99 | p99 ours/floor | floor acks/s | ours acks/s | ours shed | ours non-200 | trigger p50 | trigger p99 | forms opened | forms/s | busy µs/req floor | busy µs/req ours |',
    );
    lines.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of ol.rates) {
      const t = r.ours.trigger!;
      lines.push(
        `| ${r.rate} | ${ms(r.floor.latency.p50)} | ${ms(r.floor.latency.p99)} | ${ms(r.ours.latency.p50)} | ${ms(r.ours.latency.p99)} | **${ratioText(r.ratio.p99)}** | ${Math.round(r.floor.ackedPerSecond)} | ${Math.round(r.ours.ackedPerSecond)} | ${r.ours.shed} | ${non200(r.ours.statuses)} | ${ms(t.distribution.p50)} | **${ms(t.distribution.p99)}** | ${t.matched}/${t.requests} | ${Math.round(t.completedPerSecond)} | ${Math.round(r.floor.busyUsPerRequest)} | ${Math.round(r.ours.busyUsPerRequest)} |`,
      );
    }
    const lag = Math.max(...ol.rates.flatMap((r) => [r.floor.driverLagP99, r.ours.driverLagP99]));
    lines.push('');
    lines.push(
      `Driver send lag (actual − scheduled) p99 at most ${ms(lag)} ms over these runs. busy µs/req: the app's event-loop busy time (performance.eventLoopUtilization) per request, from the first send until its work was done.`,
    );
    if (ol.capacity) {
      lines.push('');
      lines.push('#### Capacity (highest offered rate kept up with)');
      lines.push('');
      lines.push('| app | capacity req/s | probes (req/s: ✓ kept up / ✗ why not) |');
      lines.push('|---|---:|---|');
      for (const [name, c] of [
        ['floor (bare Bolt)', ol.capacity.floor],
        ['ours (warn)', ol.capacity.ours],
      ] as const) {
        lines.push(
          `| ${name} | **${c.rate}** | ${c.probes.map((p) => `${p.rate}: ${p.keptUp ? '✓' : `✗ ${p.why}`}`).join('; ')} |`,
        );
      }
    }
  }
  lines.push('');
  lines.push('Notes:');
  for (const n of result.notes) lines.push(`- ${n}`);
  return lines.join('\n');
}

function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const concurrency = (argValue(args, '--concurrency') ?? '50,200,500').split(',').filter(Boolean).map(Number);
  const rates = argValue(args, '--rates');
  const seconds = argValue(args, '--seconds');
  const openLoop: OpenLoopOptions | false = args.includes('--no-open')
    ? false
    : {
        ...DEFAULT_OPEN_LOOP,
        ...(rates ? { rates: rates.split(',').map(Number) } : {}),
        ...(seconds ? { seconds: Number(seconds) } : {}),
        arrivals: args.includes('--poisson') ? 'poisson' : 'even',
        ...(args.includes('--no-capacity') ? { capacity: false as const } : {}),
      };
  const result = await runAckBench({
    concurrency,
    requestsPerLevel: Number(argValue(args, '--requests') ?? 2000),
    warmup: Number(argValue(args, '--warmup') ?? 200),
    info: !args.includes('--no-info'),
    openLoop,
  });
  process.stdout.write(
    args.includes('--json') ? `${JSON.stringify(result, null, 2)}\n` : `${formatAckBench(result)}\n`,
  );
}
