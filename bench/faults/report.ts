/** The fault run as Markdown (the BENCHMARKS.md section). */
import type { ChaosResult, CrashResult, FaultResults, LostCreateResult } from './types.js';

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Title and the run's date, machine, command, options and verdict. */
function header(r: FaultResults): string[] {
  const m = r.machine;
  const out: string[] = [];
  out.push(`## Fault injection — ${r.date.slice(0, 10)}${r.options.quick ? ' (quick mode)' : ''}`);
  out.push('');
  out.push(`- Date: ${r.date}`);
  out.push(`- Machine: ${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB memory, ${m.os}, Node ${m.node}`);
  out.push(`- Command: \`${r.command}\``);
  out.push(
    `- Tickets per scenario: ${r.options.tickets}; kills: ${r.options.kills}; seed: ${r.options.seed}; total time ${s(r.totalMs)}`,
  );
  out.push(
    `- Verdict: ${r.ok ? 'every invariant held' : `**${r.problems.length} invariant(s) broken** (see Problems)`}`,
  );
  out.push('');
  return out;
}

/** Scenario 1: DMS chaos and Slack 429 bursts. */
function chaosSection(c: ChaosResult, quick: boolean): string[] {
  const out: string[] = [];
  out.push(`### 1. DMS chaos and Slack 429 bursts (app in-process, real timers)`);
  out.push('');
  out.push(
    `DMS: each status-side request (detail, base info, download URL, ListUsers, …) throttled with p = 0.3, else 5xx with p = 0.1, plus 0–${c.maxLatencyMs} ms latency (seeded); CreateOrder is left alone here (scenario 3 covers creates). Slack: bursts of three HTTP 429 (Retry-After: 1) on chat.postMessage. WATCH_INTERVAL_MS=200, WATCH_MAX_INTERVAL_MS=1000, WATCH_CONCURRENCY=64; tickets advance one status per status check (${quick ? '3 statuses each in quick mode' : '8 statuses each'}).`,
  );
  out.push('');
  out.push('| Figure | Value |');
  out.push('| --- | --- |');
  out.push(`| Tickets submitted / confirmed filed / in DMS | ${c.tickets} / ${c.filed} / ${c.dmsOrders} |`);
  out.push(`| Tickets with their final reply (and done in the store) | ${c.finished} |`);
  out.push(
    `| Thread replies / duplicate replies / duplicate roots | ${c.threadReplies} / ${c.duplicateReplies} / ${c.duplicateRoots} |`,
  );
  out.push(`| DMS requests / throttled / 5xx | ${c.dmsRequests} / ${c.throttled} / ${c.serverErrors} |`);
  out.push(
    `| Status checks still failing after the client's retries (watcher backed off) | ${c.pollsFailedAfterRetries} |`,
  );
  out.push(`| Slack 429 bursts / 429 answers | ${c.slackBursts} / ${c.slack429} |`);
  out.push(`| Resubmissions after an inline error | ${c.resubmits} |`);
  out.push(`| Time to file all / until the last final reply | ${s(c.fileMs)} / ${s(c.totalMs)} |`);
  out.push('');
  return out;
}

/** Scenario 2: kill -9 and restart, the summary table. */
function crashSection(k: CrashResult): string[] {
  const out: string[] = [];
  out.push(`### 2. kill -9 and restart (compiled \`dist/src/main.js\`, SQLite)`);
  out.push('');
  out.push(
    `Tickets filed through signed view submissions (3–4 people at once); the app is SIGKILLed at seeded crash points and restarted on the same database (WATCH_LEASE_MS=2000, so a dead process's leases expire quickly). DMS latency 0–40 ms.`,
  );
  out.push('');
  out.push('| Figure | Value |');
  out.push('| --- | --- |');
  out.push(`| Kills / restarts | ${k.kills} / ${k.restarts} |`);
  out.push(`| Submissions / confirmed filed / told "not filed" | ${k.tickets} / ${k.confirmed} / ${k.toldNotFiled} |`);
  out.push(`| Tickets in the store / in DMS | ${k.ticketsFiled} / ${k.dmsOrders} |`);
  out.push(`| **Lost** (in DMS, not followed) / followed but unfinished | **${k.lost}** / ${k.unfinished} |`);
  out.push(
    `| Submissions cut by a kill (no answer to the person) | ${k.unanswered}: ${k.unansweredButFollowed} filed and followed, ${k.unansweredNeverFiled} never filed, ${k.unansweredOrphaned} filed in DMS but not followed |`,
  );
  out.push(`| Resubmissions answered with an empty ack (claimed by the killed process) | ${k.emptyAcks} |`);
  out.push(`| Submissions sent again because the app was down | ${k.failedPosts} |`);
  out.push(`| Duplicate DMS tickets | ${k.duplicateCreates} |`);
  out.push(
    `| Thread replies / duplicates / max per crash / not explained by a crash | ${k.threadReplies} / ${k.duplicateReplies} / ${k.maxDuplicatesPerCrash} / ${k.unexplainedDuplicates} |`,
  );
  out.push(`| Duplicate root messages / duplicate download-link DMs | ${k.duplicateRoots} / ${k.duplicateLinkDms} |`);
  out.push(`| Exit code of the last process on SIGTERM | ${k.finalExitCode} |`);
  out.push(`| Total time | ${s(k.totalMs)} |`);
  out.push('');
  return out;
}

/** Scenario 2: one row per kill, and what the crash points mean. */
function killsTable(k: CrashResult): string[] {
  const out: string[] = [];
  out.push(
    '| Kill | Crash point | At | Uptime | Duplicate replies | Duplicate roots | Duplicate link DMs | Submissions cut | DMS tickets orphaned |',
  );
  out.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const x of k.perKill) {
    const reply = x.lastReply
      ? ` (${x.lastReply.status} ${x.lastReply.postedAgain ? 'posted again' : 'not repeated: status had moved on'})`
      : '';
    out.push(
      `| ${x.kill} | ${x.trigger} | ${s(x.atMs)} | ${s(x.uptimeMs)} | ${x.duplicateReplies}${reply} | ${x.duplicateRoots} | ${x.duplicateLinkDms} | ${x.submissionsCut} | ${x.ordersOrphaned} |`,
    );
  }
  out.push('');
  out.push(
    "Crash points: `reply` = right after Slack accepted a thread reply (before the app recorded it); `final` = the same for a ticket's final reply; `root` = right after Slack accepted a root message; `create` = while a CreateOrder is at DMS; `poll` = while a status check is at DMS; `time` = a random moment; `-fallback` = the event did not come within 5 s.",
  );
  out.push('');
  return out;
}

/** Scenario 3: the lost create response, both cases. */
function lostCreateSection(l: LostCreateResult): string[] {
  const out: string[] = [];
  out.push('### 3. Lost create response (DMS creates the ticket, then drops the connection)');
  out.push('');
  out.push(
    '| Case | CreateOrder calls | DMS tickets | ListOrders calls (marker searched) | Bot follows it | Final reply | Requester told |',
  );
  out.push('| --- | --- | --- | --- | --- | --- | --- |');
  for (const x of [l.found, l.notFound]) {
    out.push(
      `| ${x.name} | ${x.createOrderCalls} | ${x.dmsOrders} | ${x.listOrdersCalls} (${x.searchedMarker ? 'yes' : 'no'}) | ${x.followed ? 'yes' : 'no'} | ${x.finalReply ? 'yes' : x.followed ? 'no' : '—'} | ${x.requesterTold ? 'yes' : 'no'}: “${x.modalText.replace(/\|/g, '\\|').replace(/\n/g, ' ').slice(0, 300)}” |`,
    );
  }
  out.push('');
  if (l.notFound.saysNotFiled && l.notFound.dmsOrders > 0) {
    out.push(
      'Note: in the second case DMS did create the ticket, yet the message opens with “was not filed” before saying the outcome is unknown.',
    );
    out.push('');
  }
  return out;
}

/** BENCHMARKS.md section for one run. */
export function formatFaultsMarkdown(r: FaultResults): string {
  const out = [
    ...header(r),
    ...(r.chaos ? chaosSection(r.chaos, r.options.quick) : []),
    ...(r.crash ? [...crashSection(r.crash), ...killsTable(r.crash)] : []),
    ...(r.lostCreate ? lostCreateSection(r.lostCreate) : []),
  ];
  if (r.problems.length) {
    out.push('### Problems');
    out.push('');
    for (const p of r.problems) out.push(`- ${p}`);
    out.push('');
  }
  return out.join('\n');
}
