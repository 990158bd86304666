/** The fault runner: builds the compiled app, runs the scenarios, and checks the issue's invariants. */
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { runChaos } from './chaos.js';
import { runCrash } from './crash.js';
import { runLostCreate } from './lost-create.js';
import { machine, repoRoot } from './support.js';
import type { ChaosResult, CrashResult, FaultResults, FaultRunOptions, LostCreateResult } from './types.js';

/** Builds the compiled app (tsconfig.build.json → `<repo>/dist`) and returns its entry point. */
export function buildApp(root = repoRoot(), outDir?: string): string {
  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', ...(outDir ? ['--outDir', outDir] : [])], {
    cwd: root,
    stdio: 'inherit',
  });
  return join(outDir ? resolve(root, outDir) : join(root, 'dist'), 'src/main.js');
}

/** Runs the three scenarios and checks their invariants. */
export async function runFaults(opts: FaultRunOptions): Promise<FaultResults> {
  const started = performance.now();
  const quick = opts.quick === true;
  const log = opts.log ?? (() => undefined);
  const only = new Set(opts.only ?? ['chaos', 'crash', 'lostCreate']);
  const root = repoRoot();
  const result: FaultResults = {
    date: new Date().toISOString(),
    machine: machine(),
    command:
      opts.command ??
      `runFaults(${JSON.stringify({ tickets: opts.tickets, kills: opts.kills, seed: opts.seed, quick })})`,
    options: { tickets: opts.tickets, kills: opts.kills, seed: opts.seed, quick },
    problems: [],
    ok: false,
    totalMs: 0,
  };
  const chaos = () =>
    only.has('chaos')
      ? runChaos({ tickets: opts.tickets, seed: opts.seed, quick, log }).then((r) => (result.chaos = r))
      : Promise.resolve();
  const crash = () => {
    if (!only.has('crash')) return Promise.resolve();
    const mainJs = opts.mainJs ?? buildApp(root);
    return runCrash({ tickets: opts.tickets, kills: opts.kills, seed: opts.seed, quick, mainJs, root, log }).then(
      (r) => (result.crash = r),
    );
  };
  const lost = () =>
    only.has('lostCreate') ? runLostCreate().then((r) => (result.lostCreate = r)) : Promise.resolve();
  if (quick) await Promise.all([chaos(), crash(), lost()]);
  else {
    // One at a time, so each scenario's time is its own.
    await chaos();
    await crash();
    await lost();
  }
  result.problems = checkInvariants(result, opts);
  result.ok = result.problems.length === 0;
  result.totalMs = Math.round(performance.now() - started);
  return result;
}

/** Chaos: every ticket finished once, every submission filed once, every fault injected. */
function chaosProblems(c: ChaosResult): string[] {
  const p: string[] = [];
  if (!c.completed) p.push(`chaos: not every ticket reached its final reply in time (${c.finished}/${c.tickets})`);
  if (c.filed !== c.tickets) p.push(`chaos: ${c.tickets - c.filed} submissions were not confirmed as filed`);
  if (c.unfinished.length)
    p.push(`chaos: ${c.unfinished.length} tickets without their final reply: ${c.unfinished.slice(0, 10).join(', ')}`);
  if (c.dmsOrders !== c.tickets) p.push(`chaos: DMS holds ${c.dmsOrders} tickets for ${c.tickets} submissions`);
  if (c.duplicateReplies) p.push(`chaos: ${c.duplicateReplies} duplicate thread replies`);
  if (c.duplicateRoots) p.push(`chaos: ${c.duplicateRoots} duplicate root messages`);
  if (!c.throttled || !c.serverErrors || !c.slack429)
    p.push(
      `chaos: faults were not all injected (throttled ${c.throttled}, 5xx ${c.serverErrors}, Slack 429 ${c.slack429})`,
    );
  return p;
}

/** Crash: all kills happened, nothing lost, unfinished or filed twice, at most one repeat per crash (plus in flight). */
function crashProblems(k: CrashResult, kills: number): string[] {
  const p: string[] = [];
  if (!k.completed) p.push('crash: the run did not settle in time (tickets still open)');
  if (k.kills < kills) p.push(`crash: only ${k.kills} of ${kills} kills happened`);
  if (k.lost)
    p.push(
      `crash: ${k.lost} DMS tickets are not followed by the bot (lost): ${k.lostOrders.map((l) => `${l.orderId} (request #${l.request}, process ${l.createdByProcess}${l.killedWhileCreating ? ', killed while its CreateOrder was in flight' : ''})`).join('; ')}`,
    );
  if (k.unfinished) p.push(`crash: ${k.unfinished} followed tickets never reached their final reply`);
  if (k.duplicateCreates) p.push(`crash: ${k.duplicateCreates} duplicate DMS tickets`);
  if (k.unexplainedDuplicates) p.push(`crash: ${k.unexplainedDuplicates} duplicate replies not explained by a crash`);
  for (const kill of k.perKill) {
    if (kill.duplicateReplies > 1 + kill.repliesInFlight)
      p.push(
        `crash: kill ${kill.kill} (${kill.trigger}) caused ${kill.duplicateReplies} duplicate replies (at most 1 + ${kill.repliesInFlight} in flight expected)`,
      );
  }
  if (k.finalExitCode !== 0) p.push(`crash: the last process exited with ${k.finalExitCode} on SIGTERM`);
  return p;
}

/** Lost create: one ticket, searched by its marker, followed when found, the person told when not. */
function lostCreateProblems(l: LostCreateResult): string[] {
  const p: string[] = [];
  const f = l.found;
  if (f.createOrderCalls !== 1 || f.dmsOrders !== 1)
    p.push(`lost create: ${f.createOrderCalls} CreateOrder calls, ${f.dmsOrders} DMS tickets (1 each expected)`);
  if (!f.dropped) p.push('lost create: the emulator did not drop the answer');
  if (!f.searchedMarker) p.push('lost create: ListOrders was not asked for the marker');
  if (!f.followed) p.push('lost create: the bot does not follow the ticket DMS created');
  if (!f.finalReply) p.push('lost create: the found ticket did not reach its final reply');
  if (!f.requesterTold) p.push(`lost create: the requester was not told the ticket number (${f.modalText})`);
  const n = l.notFound;
  if (n.createOrderCalls !== 1 || n.dmsOrders !== 1)
    p.push(
      `lost create (not found): ${n.createOrderCalls} CreateOrder calls, ${n.dmsOrders} DMS tickets (1 each expected)`,
    );
  if (!n.searchedMarker) p.push('lost create (not found): ListOrders was not tried');
  if (!n.requesterTold)
    p.push(
      `lost create (not found): the requester was not told the outcome is unknown with the marker (${n.modalText})`,
    );
  return p;
}

/** The issue's invariants, as sentences for each one that does not hold. */
export function checkInvariants(r: FaultResults, opts: Pick<FaultRunOptions, 'kills'>): string[] {
  return [
    ...(r.chaos ? chaosProblems(r.chaos) : []),
    ...(r.crash ? crashProblems(r.crash, opts.kills) : []),
    ...(r.lostCreate ? lostCreateProblems(r.lostCreate) : []),
  ];
}
