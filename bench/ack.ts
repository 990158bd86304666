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
 *
 * The parts: bench/ack/ (types, driver, floor, analysis, run, notes, format); shared helpers in bench/lib/.
 */

import { formatAckBench } from './ack/format.js';
import { runAckBench } from './ack/run.js';
import { DEFAULT_OPEN_LOOP, type OpenLoopOptions } from './ack/types.js';
import { Args, isMain } from './lib/args.js';

export { distribution } from './ack/analysis.js';
export { Driver } from './ack/driver.js';
export { formatAckBench } from './ack/format.js';
export { runAckBench } from './ack/run.js';
export * from './ack/types.js';

/** The open loop the command line asks for (`--no-open`, `--rates`, `--seconds`, `--poisson`, `--no-capacity`). */
function openLoopFrom(args: Args): OpenLoopOptions | false {
  if (args.has('no-open')) return false;
  const rates = args.value('rates');
  const seconds = args.value('seconds');
  return {
    ...DEFAULT_OPEN_LOOP,
    ...(rates ? { rates: rates.split(',').map(Number) } : {}),
    ...(seconds ? { seconds: Number(seconds) } : {}),
    arrivals: args.has('poisson') ? 'poisson' : 'even',
    ...(args.has('no-capacity') ? { capacity: false as const } : {}),
  };
}

if (isMain(import.meta.url)) {
  const args = new Args();
  const result = await runAckBench({
    concurrency: args.numbers('concurrency', [50, 200, 500]),
    requestsPerLevel: args.number('requests', 2000),
    warmup: args.number('warmup', 200),
    info: !args.has('no-info'),
    openLoop: openLoopFrom(args),
  });
  process.stdout.write(args.has('json') ? `${JSON.stringify(result, null, 2)}\n` : `${formatAckBench(result)}\n`);
}
