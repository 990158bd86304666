/**
 * Fault scenario 2, crash: the compiled app (`node dist/src/main.js`, what `npm start` runs) as a child process on a
 * SQLite file, killed with SIGKILL at seeded points and restarted on the same database each time, while tickets are
 * filed through signed view submissions. No DMS ticket may be left unfollowed; each crash may repeat at most one reply.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DmsEmulator } from '../../src/sandbox/dms/index.js';
import { FakeSlack } from '../../test/support/fake-slack.js';
import { seededRandom } from '../lib/random.js';
import { analyseCrash } from './crash/analysis.js';
import { fileSubmissions, instrument, killOnce, killPlan, type Submission, waitSettled } from './crash/drive.js';
import { crashEnv, Fleet } from './crash/fleet.js';
import { Condition, seedPeople } from './support.js';
import type { CrashResult } from './types.js';

interface CrashOptions {
  tickets: number;
  kills: number;
  seed: number;
  quick: boolean;
  mainJs: string;
  root: string;
  log: (s: string) => void;
}

/** Runs the crash scenario: filing and kills side by side, then settling, then the analysis. */
export async function runCrash(o: CrashOptions): Promise<CrashResult> {
  const t0 = performance.now();
  const now = () => Math.round(performance.now() - t0);
  const random = seededRandom(o.seed ^ 0x5bd1e995);
  const latencyRandom = seededRandom(o.seed + 1);
  const gapRandom = seededRandom(o.seed + 2);
  const slack = await FakeSlack.start();
  const dms = await DmsEmulator.start();
  seedPeople(slack, dms);
  // Every second status check moves a ticket on (as in sandbox mode): a restarted process often sees the status
  // whose reply the killed one had just posted, so the repeat is visible.
  dms.autoAdvanceEvery = 2;
  const dir = mkdtempSync(join(tmpdir(), 'faults-crash-'));
  const dbFile = join(dir, 'crash.db');
  const env = crashEnv(slack, dms, dir, dbFile);
  const fleet = new Fleet({ mainJs: o.mainJs, root: o.root, env }, new Condition(), now);
  const traffic = instrument(fleet, slack, dms, latencyRandom);
  await fleet.bringUp();

  const subs: Submission[] = [...Array(o.tickets).keys()].map((i) => ({
    i,
    viewId: `VCRASH${String(i).padStart(5, '0')}`,
    acks: [],
    failedPosts: 0,
  }));
  const filing = fileSubmissions(fleet, traffic, subs, o.quick, gapRandom);
  let kills = 0;
  let restarts = 0;
  for (const trigger of killPlan(random, o.quick, o.kills)) {
    const g = await killOnce(fleet, trigger, random, o.quick);
    kills += 1;
    restarts += 1;
    o.log(`crash: kill ${kills} (${g.killed?.trigger}) at ${g.killed?.at} ms`);
  }
  await filing;
  const completed = await waitSettled(fleet, traffic, subs, dbFile, o.quick);
  const last = fleet.live;
  if (last) last.child.kill('SIGTERM');
  const finalExitCode = last ? await last.exited : null;

  const findings = analyseCrash({ dbFile, dms, gens: fleet.gens, traffic, subs });
  await Promise.all([slack.close(), dms.close()]);
  for (const g of fleet.gens) if (g.child.exitCode === null && g.child.signalCode === null) g.child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
  return {
    tickets: o.tickets,
    kills,
    restarts,
    ...findings,
    finalExitCode,
    totalMs: now(),
    completed,
  };
}
