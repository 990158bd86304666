/**
 * Fault injection (issue 8): `npm run faults`, and its quick mode inside `npm test` (test/slow/faults-quick.test.ts).
 *
 * 1. Chaos: the app in this process (real timers) against the DMS emulator's chaos mode (30 % throttling, 10 % 5xx,
 *    random latency up to 2 s on every status-side action) and bursts of HTTP 429 from the fake Slack. Every ticket
 *    must reach its final thread reply, with no duplicate reply. Creates are kept out of the chaos here: what a failed
 *    or lost create does is scenario 3's job.
 * 2. Crash: the compiled app (`node dist/src/main.js`, what `npm start` runs) as a child process on a SQLite file,
 *    killed with SIGKILL at seeded points (right after Slack accepted a thread reply or a root message, while a
 *    CreateOrder or a status check is in flight at DMS, or after a random time) and restarted on the same database
 *    each time, while tickets are filed through signed view submissions. No DMS ticket may be left unfollowed; each
 *    crash may repeat at most one reply.
 * 3. Lost create response: DMS creates the ticket but the connection drops before the answer. The bot must find it
 *    by its `chatops-…` marker (ListOrders) and follow it; when ListOrders cannot find it, the person must be told
 *    the outcome is unknown and which marker to search for.
 *
 * Run: `npx tsc -p tsconfig.json && node dist/bench/faults.js [--tickets 200] [--kills 5] [--seed 1] [--quick]
 * [--out file.md] [--json file.json]`. The crash scenario builds `dist/src/main.js` (tsconfig.build.json) first
 * unless `mainJs` is given.
 *
 * The parts: bench/faults/ (types, support, chaos, crash and crash/, lost-create, run, report); shared helpers in
 * bench/lib/.
 */
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { formatFaultsMarkdown } from './faults/report.js';
import { runFaults } from './faults/run.js';
import type { FaultRunOptions } from './faults/types.js';
import { Args, isMain } from './lib/args.js';

export { formatFaultsMarkdown } from './faults/report.js';
export { buildApp, checkInvariants, runFaults } from './faults/run.js';
export * from './faults/types.js';
export { seededRandom } from './lib/random.js';

async function main(): Promise<void> {
  const args = new Args();
  const quick = args.has('quick');
  const r = await runFaults({
    tickets: args.number('tickets', quick ? 20 : 200),
    kills: args.number('kills', quick ? 2 : 6),
    seed: args.number('seed', 1),
    quick,
    mainJs: args.value('main'),
    only: args.strings('only') as FaultRunOptions['only'],
    command: `node ${relative(process.cwd(), process.argv[1] ?? 'dist/bench/faults.js')} ${args.list.join(' ')}`.trim(),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const md = formatFaultsMarkdown(r);
  process.stdout.write(`${md}\n`);
  const out = args.value('out');
  if (out) writeFileSync(out, `${md}\n`);
  const json = args.value('json');
  if (json) writeFileSync(json, JSON.stringify(r, null, 2));
  process.exitCode = r.ok ? 0 : 1;
}

if (isMain(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`faults: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(2);
  });
}
