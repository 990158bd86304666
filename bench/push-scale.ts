/**
 * Push workload (issue 16, "Measured"): status change → thread post with DMS pushes on, against polling alone, and a
 * burst of pushes against the real HTTP server.
 *
 * Simulation (push-scale/sim.ts): N open DMS tickets on a fake clock whose status changes at random times (seeded,
 * 4–5 changes per ticket at exponential gaps, then a fresh ticket keeps N constant), through the REAL StatusWatcher,
 * SqliteStore (':memory:'), push dispatcher (ticket lookup, watcher.nudge) and reconcile cadence, under a DMS quota of
 * Q calls/s. Each change makes DMS send a push that arrives after a delivery delay; in `push-drop` some never arrive.
 * The tracker answers each check with the status in force (the API read is the truth) and counts calls; a fake
 * messenger records replies at the simulated time. Three modes on the same workload: `poll` (no pushes: the watcher
 * as before), `push`, `push-drop`.
 *
 * Burst (push-scale/burst.ts): the real app (fake Slack, DMS emulator, real clock and watcher loop) receives N signed
 * pushes within one second at /dms/events/<token>.
 *
 * Run: npx tsc -p tsconfig.json --outDir /tmp/pushbench && ln -sfn "$PWD/node_modules" /tmp/pushbench/node_modules
 *      node /tmp/pushbench/bench/push-scale.js [--sizes 1000,10000,50000] [--quota 20] [--seconds 7200]
 *        [--warmup 1800] [--mean-change 14400] [--drop 0.05] [--reconcile 600] [--modes poll,push,push-drop]
 *        [--burst 1000 | --burst 0] [--no-sim] [--seed 1] [--json]
 */
import { Args, isMain } from './lib/args.js';
import { runPushBurst } from './push-scale/burst.js';
import { formatPushBurst, formatPushScale } from './push-scale/format.js';
import { DEFAULTS, type PushMode, type PushModeResult, type PushScaleOptions } from './push-scale/options.js';
import { runPushMode } from './push-scale/sim.js';

export { runPushBurst } from './push-scale/burst.js';
export { formatPushBurst, formatPushScale } from './push-scale/format.js';
export { DEFAULTS, type PushModeResult, type PushScaleOptions } from './push-scale/options.js';
export { runPushMode } from './push-scale/sim.js';

/** Every size in every mode, in order; `progress` hears of each as it ends. */
export async function runPushScale(
  o: PushScaleOptions,
  progress?: (r: PushModeResult) => void,
): Promise<PushModeResult[]> {
  const out: PushModeResult[] = [];
  for (const n of o.sizes) {
    for (const mode of o.modes) {
      const r = await runPushMode(n, mode, o);
      progress?.(r);
      out.push(r);
    }
  }
  return out;
}

/** The options from the command line. */
function options(a: Args): PushScaleOptions {
  return {
    ...DEFAULTS,
    sizes: a.numbers('sizes', DEFAULTS.sizes),
    quota: a.number('quota', DEFAULTS.quota),
    simulatedSeconds: a.number('seconds', DEFAULTS.simulatedSeconds),
    warmupSeconds: a.number('warmup', DEFAULTS.warmupSeconds),
    meanChangeSeconds: a.number('mean-change', DEFAULTS.meanChangeSeconds),
    dropRate: a.number('drop', DEFAULTS.dropRate),
    reconcileSeconds: a.number('reconcile', DEFAULTS.reconcileSeconds),
    seed: a.number('seed', DEFAULTS.seed),
    modes: (a.strings('modes') as PushMode[] | undefined) ?? DEFAULTS.modes,
  };
}

async function main(): Promise<void> {
  const a = new Args();
  const o = options(a);
  const json = a.has('json');
  const burstSize = a.number('burst', 1_000);
  if (burstSize > 0) {
    const burst = await runPushBurst({ pushes: burstSize, quota: o.quota });
    process.stdout.write(json ? `${JSON.stringify(burst)}\n` : `${formatPushBurst(burst)}\n\n`);
  }
  if (a.has('no-sim')) return;
  const rows = await runPushScale(o, (r) =>
    process.stderr.write(
      `  ${r.n} ${r.mode}: p50 ${r.p50.toFixed(2)} s, p99 ${r.p99.toFixed(2)} s (${r.wallSeconds.toFixed(1)} s)\n`,
    ),
  );
  process.stdout.write(json ? `${JSON.stringify(rows)}\n` : `${formatPushScale(rows, o)}\n`);
}

if (isMain(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`push bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
