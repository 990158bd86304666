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
 *
 * The parts: bench/watcher-scale/ (types, workload, measure, theory, product, baselines, run, format, slack-check);
 * shared helpers in bench/lib/.
 */
import { Args, isMain } from './lib/args.js';
import { formatWatcherScale } from './watcher-scale/format.js';
import { runSize, runWatcherScale } from './watcher-scale/run.js';
import { formatSlackCheck, runSlackRateLimitCheck, type SlackRateLimitResult } from './watcher-scale/slack-check.js';
import type { Experiments, ResolvedOptions } from './watcher-scale/types.js';

export { formatWatcherScale } from './watcher-scale/format.js';
export { runWatcherScale } from './watcher-scale/run.js';
export * from './watcher-scale/slack-check.js';
export { finalChangeFloor, theory } from './watcher-scale/theory.js';
export * from './watcher-scale/types.js';

/** Child mode (`--child '{"n":…,"o":…}'`): runs one size and sends its result to the parent. */
async function runChild(spec: string): Promise<void> {
  const { n, o } = JSON.parse(spec) as { n: number; o: ResolvedOptions };
  const r = await runSize(n, o);
  await new Promise<void>((done) => process.send!(r, undefined, {}, () => done()));
}

/** The simulated runs, one report per workload (`--mean-change`), printed as Markdown (and JSON with `--json`). */
async function simulations(args: Args): Promise<void> {
  // Two workloads by default: changes 30 min apart on average (they fall at random points of the polling cycle, as the
  // N/(2Q) bound assumes, at every size), then short-lived tickets (5 min apart: at 50k a ticket's whole life is
  // shorter than one polling cycle, so the bound's assumption fails; see the single-check floor table).
  const workloads = args.numbers('mean-change', [1800, 300]);
  for (const [i, meanChangeSeconds] of workloads.entries()) {
    const report = await runWatcherScale({
      sizes: args.numbers('sizes', [1000, 10000, 50000]),
      quota: args.number('quota', 20),
      simulatedSeconds: args.number('seconds', 3600),
      store: args.value('store') === 'file' ? 'file' : 'memory',
      isolate: !args.has('no-isolate'),
      ...(args.value('warmup') ? { warmupSeconds: args.number('warmup', 0) } : {}),
      ...(args.value('drain') ? { maxDrainSeconds: args.number('drain', 0) } : {}),
      meanChangeSeconds,
      experiments: Object.fromEntries((args.strings('experiment') ?? []).map((k) => [k, true])) as Experiments,
    });
    if (workloads.length > 1)
      console.log(
        `${i ? '\n' : ''}#### Workload ${String.fromCharCode(65 + i)}: a change every ${meanChangeSeconds} s on average\n`,
      );
    console.log(formatWatcherScale(report));
    if (args.has('json')) console.log(JSON.stringify(report, null, 1));
  }
}

/** The 429 check with the production retry policy and with none (`--retry-after` seconds). */
async function slackChecks(args: Args): Promise<void> {
  const retryAfter = args.number('retry-after', 1);
  const checks: SlackRateLimitResult[] = [];
  for (const retries of ['default', 'none'] as const)
    checks.push(await runSlackRateLimitCheck({ retries, retryAfterSeconds: retryAfter }));
  console.log('');
  console.log(formatSlackCheck(checks, retryAfter));
}

async function main(): Promise<void> {
  const args = new Args();
  const child = args.value('child');
  if (child !== undefined) return runChild(child);
  await simulations(args);
  if (!args.has('no-slack-check')) await slackChecks(args);
}

if (isMain(import.meta.url)) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
