/** The ack bench's runs: the closed-loop levels, the open-loop rates and the capacity search, floor against ours. */
import os from 'node:os';
import { FakeSlackWorker } from '../../test/support/fake-slack-worker.js';
import { type Harness, startHarness } from '../../test/support/harness.js';
import { collect, keptUp, openVariantResult, type Run, type Target, triggerBudget, variantResult } from './analysis.js';
import { Driver } from './driver.js';
import { startFloor } from './floor.js';
import { ackBenchNotes } from './notes.js';
import {
  type AckBenchOptions,
  type AckBenchResult,
  type CapacityProbe,
  type CapacityResult,
  DEFAULT_OPEN_LOOP,
  type LevelResult,
  type OpenLoopOptions,
  type OpenRateResult,
  type OpenVariantResult,
  type Variant,
  type VariantResult,
} from './types.js';

/** What every run of one bench shares: its options, the fake Slack thread, the driver, the apps, a run counter. */
interface Bench {
  options: AckBenchResult['options'];
  slackWorker: FakeSlackWorker;
  driver: Driver;
  targets: Target[];
  runNo: number;
}

const target = (b: Bench, v: Variant): Target => b.targets.find((t) => t.variant === v)!;
const gc = () => (globalThis as { gc?: () => void }).gc?.();

/** Starts ours (LOG_LEVEL warn, and info when asked) with a fake Slack each, and returns them as targets. */
async function startOurs(slackWorker: FakeSlackWorker, info: boolean, harnesses: Harness[]): Promise<Target[]> {
  const levels: [Variant, string][] = info
    ? [
        ['ours', 'warn'],
        ['oursInfo', 'info'],
      ]
    : [['ours', 'warn']];
  const targets: Target[] = [];
  for (const [variant, level] of levels) {
    const slack = await slackWorker.create();
    const h = await startHarness({ slack, env: { LOG_LEVEL: level } });
    harnesses.push(h);
    targets.push({ variant, url: `http://127.0.0.1:${h.port}/slack/events`, responseUrl: slack.responseUrl, slack });
  }
  return targets;
}

/** One concurrency level: every app in interleaved rounds (floor, ours, ours@info, then reversed, …). */
async function closedLevel(b: Bench, c: number): Promise<LevelResult> {
  const { options } = b;
  const collected = new Map<Variant, Run[]>(b.targets.map((t) => [t.variant, []]));
  for (let round = 0; round < options.rounds; round++) {
    // Measured requests this round: an even share, the remainder in the first rounds.
    const n =
      Math.floor(options.requestsPerLevel / options.rounds) +
      (round < options.requestsPerLevel % options.rounds ? 1 : 0);
    const order = round % 2 === 0 ? b.targets : [...b.targets].reverse();
    for (const t of order) {
      b.runNo += 1;
      // One continuous run: the first `warm` requests (at least c, so the opening burst and connection set-up fall
      // there) are not measured; the measured ones then run at steady state.
      const warm = Math.max(options.warmup, c);
      const prefix = `r${b.runNo}-`;
      const r = await b.driver.run({
        url: t.url,
        c,
        responseUrl: t.responseUrl,
        agent: `${t.variant}-${c}-${round}`,
        n: warm + n,
        prefix,
      });
      // Ours keeps working after the ack (policy gate, views.open): let it finish before the next run starts.
      collected.get(t.variant)!.push(await collect(b.slackWorker, t, r, prefix, warm));
      await b.driver.closeConnections();
      gc();
    }
  }
  return levelResult(c, collected);
}

/** A level's results from its runs: each app's latency, ours against the floor, ours' trigger budget. */
function levelResult(c: number, collected: Map<Variant, Run[]>): LevelResult {
  const floorR = variantResult(collected.get('floor')!);
  const ratio = (a: VariantResult) => ({
    p50: a.latency.p50 / floorR.latency.p50,
    p99: a.latency.p99 / floorR.latency.p99,
  });
  const oursR = variantResult(collected.get('ours')!);
  const infoRuns = collected.get('oursInfo');
  const infoR = infoRuns ? variantResult(infoRuns) : undefined;
  return {
    concurrency: c,
    floor: floorR,
    ours: oursR,
    ...(infoR ? { oursInfo: infoR, ratioInfo: ratio(infoR) } : {}),
    ratio: ratio(oursR),
    trigger: triggerBudget(collected.get('ours')!),
    ...(infoRuns ? { triggerInfo: triggerBudget(infoRuns) } : {}),
  };
}

/** One open-loop run of one app at `rate` for `seconds` (after the unmeasured warm-up). */
async function openRun(
  b: Bench,
  ol: OpenLoopOptions,
  t: Target,
  rate: number,
  seconds: number,
): Promise<OpenVariantResult> {
  b.runNo += 1;
  const warm = Math.round(rate * ol.warmupSeconds);
  const prefix = `o${b.runNo}-`;
  const elu = performance.eventLoopUtilization();
  const r = await b.driver.open({
    url: t.url,
    rate,
    n: warm + Math.max(1, Math.round(rate * seconds)),
    poisson: ol.arrivals === 'poisson',
    seed: b.runNo,
    responseUrl: t.responseUrl,
    agent: `open-${t.variant}-${b.runNo}`,
    prefix,
  });
  const run = await collect(b.slackWorker, t, r, prefix, warm);
  // Everything this thread did from the first send until the app's work was done (the app is all that runs here).
  const busyUs = (performance.eventLoopUtilization(elu).active * 1000) / r.status.length;
  await b.driver.closeConnections();
  gc();
  return openVariantResult(rate, [run], t.variant !== 'floor', busyUs);
}

/** Floor and ours (LOG_LEVEL warn) at each fixed arrival rate, alternating which goes first. */
async function openRates(b: Bench, ol: OpenLoopOptions): Promise<OpenRateResult[]> {
  const rates: OpenRateResult[] = [];
  for (const [k, rate] of ol.rates.entries()) {
    // Alternate which app goes first, so drift in the machine's load hits both.
    const order: Variant[] = k % 2 === 0 ? ['floor', 'ours'] : ['ours', 'floor'];
    const res = new Map<Variant, OpenVariantResult>();
    for (const v of order) res.set(v, await openRun(b, ol, target(b, v), rate, ol.seconds));
    const f = res.get('floor')!;
    const o = res.get('ours')!;
    rates.push({
      rate,
      floor: f,
      ours: o,
      ratio: { p50: o.latency.p50 / f.latency.p50, p99: o.latency.p99 / f.latency.p99 },
    });
  }
  return rates;
}

/** The highest offered rate one app keeps up with: rates ×factor from start, then one step between. */
async function capacity(b: Bench, ol: OpenLoopOptions, v: Variant): Promise<CapacityResult> {
  const cap = ol.capacity;
  if (!cap) return { rate: 0, probes: [] };
  const probes: CapacityProbe[] = [];
  const probe = async (rate: number) => {
    const p = keptUp(await openRun(b, ol, target(b, v), Math.round(rate), cap.seconds));
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
}

/** The open loop (rates, then capacity when asked). */
async function openLoop(b: Bench, ol: OpenLoopOptions): Promise<NonNullable<AckBenchResult['openLoop']>> {
  const result: NonNullable<AckBenchResult['openLoop']> = { rates: await openRates(b, ol) };
  if (ol.capacity) result.capacity = { floor: await capacity(b, ol, 'floor'), ours: await capacity(b, ol, 'ours') };
  return result;
}

/** The machine the run is on (cores, memory, Node, load). */
function machine(): AckBenchResult['machine'] {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    totalMemoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: os.platform(),
    release: os.release(),
    loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100),
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
    const targets: Target[] = [
      { variant: 'floor', url: floor.url, responseUrl: floorSlack.responseUrl },
      ...(await startOurs(slackWorker, options.info, harnesses)),
    ];
    const b: Bench = { options, slackWorker, driver, targets, runNo: 0 };
    const levels: LevelResult[] = [];
    for (const c of options.concurrency) levels.push(await closedLevel(b, c));
    const ol = options.openLoop;
    const open = ol ? await openLoop(b, ol) : undefined;
    return {
      startedAt,
      durationMs: Date.now() - started,
      options,
      machine: machine(),
      levels,
      ...(open ? { openLoop: open } : {}),
      notes: ackBenchNotes(options),
    };
  } finally {
    await driver.closeConnections().catch(() => undefined);
    await driver.terminate();
    for (const h of harnesses) await h.close();
    await floor?.close();
    await slackWorker.terminate();
  }
}
