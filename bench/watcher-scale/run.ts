/** The watcher scale bench's runs: defaults, one size (product, baselines, theory), each size in a child if asked. */
import { fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runNaive, runNaiveThrottled } from './baselines.js';
import { runProduct } from './product.js';
import { theory } from './theory.js';
import type { ResolvedOptions, SizeResult, WatcherScaleOptions, WatcherScaleReport } from './types.js';

/** The bench's entry script (bench/watcher-scale.js): a child runs it with `--child`. */
const ENTRY = join(dirname(fileURLToPath(import.meta.url)), '..', 'watcher-scale.js');

/** The options with every default filled in. */
export function resolveOptions(opts: WatcherScaleOptions): ResolvedOptions {
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

/** Changes before this many seconds are not measured: as asked, else 20% of the window and at least one cycle N/Q. */
export function warmupFor(n: number, o: ResolvedOptions): number {
  return o.warmupSeconds >= 0
    ? o.warmupSeconds
    : Math.max(Math.round(o.simulatedSeconds * 0.2), Math.ceil(n / o.quota));
}

/** One size: the product, both baselines, the theory and the open-loop baseline's queue growth. */
export async function runSize(n: number, o: ResolvedOptions): Promise<SizeResult> {
  const warmupSeconds = warmupFor(n, o);
  const product = await runProduct(n, o, warmupSeconds);
  const naive = runNaive(n, o, warmupSeconds);
  const naiveThrottled = runNaiveThrottled(n, o, warmupSeconds);
  const arrivals = n / (o.baselineIntervalMs / 1000);
  const growth = Math.max(0, arrivals - o.quota);
  return {
    n,
    warmupSeconds,
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
  const o = resolveOptions(opts);
  const results: SizeResult[] = [];
  for (const n of o.sizes) results.push(o.isolate ? await runSizeInChild(n, o) : await runSize(n, o));
  return { options: o, results, node: process.version };
}

/** One size in a fresh child process (the compiled entry script with `--child`), for a clean RSS. */
function runSizeInChild(n: number, o: ResolvedOptions): Promise<SizeResult> {
  return new Promise((resolvePromise, reject) => {
    const child = fork(ENTRY, ['--child', JSON.stringify({ n, o })], {
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
