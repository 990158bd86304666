/**
 * Part 4 of the watcher scale bench: the real app (createApp) against a fake Slack that answers bursts of HTTP 429
 * with Retry-After, following export tickets through their whole script; nothing may be lost, repeated or reordered.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createApp } from '../../src/app.js';
import { readConfig, sqlitePath } from '../../src/config.js';
import type { DbId } from '../../src/core/ids.js';
import { createLogger } from '../../src/core/logger.js';
import { exportStatusInfo } from '../../src/dms/statuses.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { DmsEmulator } from '../../test/support/dms-emulator.js';
import { FakeSlack, type SlackCall } from '../../test/support/fake-slack.js';
import { BOT_TOKEN, emulatorDmsClient, FakeClock, SIGNING_SECRET } from '../../test/support/harness.js';
import { f } from './format.js';

export interface SlackRateLimitOptions {
  /** Tickets followed at once. */
  tickets?: number;
  /** Retry-After the fake Slack sends, seconds. */
  retryAfterSeconds?: number;
  /** WebClient retry policy: 'default' (production: 10 retries in about 30 min), 'fast' (10 quick retries), 'none' (the test harness). */
  retries?: 'default' | 'fast' | 'none';
  /** 429s per burst for chat.postMessage, chat.update and views.publish. */
  burst?: { postMessage: number; update: number; publish: number };
  /** Watcher rounds that start with a burst. */
  burstRounds?: number[];
}

export interface SlackRateLimitResult {
  retries: string;
  tickets: number;
  statusesPerTicket: number;
  changes: number;
  rateLimited: number;
  /** Per thread: statuses recorded, in order, equal the script, each posted once. */
  threadsComplete: number;
  threadsInOrder: number;
  duplicateReplies: number;
  /** Roots whose last successful update shows the final status. */
  rootsFinal: number;
  /** Successful Slack calls by method, and attempts (incl. 429s). */
  calls: Record<string, { ok: number; attempts: number }>;
  /** Successful reply + root update calls per status change. */
  threadCallsPerChange: number;
  /** All successful Slack calls the watcher caused per status change (incl. Home tab, result DM and ephemeral). */
  allCallsPerChange: number;
  rounds: number;
  wallS: number;
  problems: string[];
}

/** The app under test and its fakes, for one check. */
interface Check {
  slack: FakeSlack;
  dms: DmsEmulator;
  clock: FakeClock;
  dir: string;
  store: SqliteStore;
  app: ReturnType<typeof createApp>;
}

/** A followed ticket: the store's id and the DMS order it follows. */
interface Followed {
  ticketId: number;
  orderId: number;
}

const isOk = (c: SlackCall) => c.response?.['ok'] === true;

/** The real app on a SQLite file, with the fake Slack and DMS, and the WebClient retry policy asked for. */
async function startCheck(retries: SlackRateLimitResult['retries']): Promise<Check> {
  const slack = await FakeSlack.start();
  const dms = await DmsEmulator.start();
  const clock = new FakeClock();
  const dir = mkdtempSync(join(tmpdir(), 'watcher-429-'));
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  const config = readConfig({
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.url,
    PORT: '0',
    DMS_ENDPOINT: dms.endpoint,
    DATABASE_URL: `sqlite:${join(dir, 'app.db')}`,
    WATCH_INTERVAL_MS: '1000',
    WATCH_MAX_INTERVAL_MS: '8000',
    WATCH_MAX_CALLS_PER_SECOND: '10000',
    LOG_LEVEL: 'info',
  });
  const logger = createLogger(config.LOG_LEVEL, sink);
  const store = new SqliteStore(sqlitePath(config.DATABASE_URL));
  const dmsClient = emulatorDmsClient(config, dms, logger);
  const retryConfig =
    retries === 'none'
      ? { retries: 0 }
      : retries === 'fast'
        ? { retries: 10, minTimeout: 0, maxTimeout: 1 }
        : undefined;
  const app = createApp({
    config,
    logger,
    store,
    dms: dmsClient,
    clock,
    slackClientOptions: retryConfig ? { retryConfig } : {},
  });
  return { slack, dms, clock, dir, store, app };
}

/** Alice and Bob in Slack and DMS, one production database; Bob uses the Home tab. */
async function seedPeople(k: Check): Promise<void> {
  k.slack.addUser({ id: 'U0ALICE', name: 'Alice Example', email: 'alice@example.com' });
  k.slack.addUser({ id: 'U0BOB', name: 'Bob Builder', email: 'bob@example.com' });
  k.dms.addUser({ UserId: '51', NickName: 'alice', Email: 'alice@example.com' });
  k.dms.addUser({ UserId: '52', NickName: 'bob', Email: 'bob@example.com' });
  k.dms.addDatabase({
    DatabaseId: '1001',
    SearchName: 'orders_prod',
    SchemaName: 'orders',
    DbType: 'mysql',
    EnvType: 'product',
    Logic: false,
  });
  // Bob uses the Home tab: his tickets' changes also refresh it (one views.publish, collapsed while in flight).
  await k.store.markHomeViewer('U0BOB', k.clock.now());
}

/** Files `tickets` export orders in DMS and follows each one (requesters alternate between Alice and Bob). */
async function fileTickets(k: Check, tickets: number): Promise<Followed[]> {
  const ids: Followed[] = [];
  for (let i = 0; i < tickets; i++) {
    const { orderId } = await k.app.services.dms.createDataExportOrder({
      dbId: '1001' as DbId,
      logic: false,
      sql: 'SELECT 1',
      classify: 'q',
      affectRows: 1,
      ignoreAffectRows: false,
      ignoreAffectRowsReason: '',
      comment: `t${i}`,
      relatedUserIds: [],
    });
    const requester = i % 2 === 0 ? 'U0ALICE' : 'U0BOB';
    const t = await k.store.createTicket(
      {
        kind: 'dms_export',
        externalId: orderId,
        channelId: `C0EXPORT${i}`,
        rootTs: null,
        requesterSlackId: requester,
        requesterDmsId: requester === 'U0ALICE' ? '51' : '52',
        status: null,
        details: { database: 'orders_prod', reason: 'q', sql: 'SELECT 1', relatedSlackIds: [] },
        nextPollAt: k.clock.now(),
        pollIntervalMs: 1000,
      },
      k.clock.now(),
    );
    ids.push({ ticketId: t.id, orderId: Number(orderId) });
  }
  return ids;
}

/** Watcher rounds (429 bursts on the chosen ones) until every ticket is done; returns the last round's index. */
async function driveRounds(k: Check, ids: Followed[], script: string[], opts: SlackRateLimitOptions): Promise<number> {
  const retryAfter = opts.retryAfterSeconds ?? 1;
  const burst = opts.burst ?? { postMessage: 3, update: 3, publish: 1 };
  const burstRounds = new Set(opts.burstRounds ?? [1, 3, 7]);
  let rounds = 0;
  for (rounds = 0; rounds < 4 * script.length; rounds++) {
    if (burstRounds.has(rounds)) {
      for (let i = 0; i < burst.postMessage; i++) k.slack.failNext('chat.postMessage', 'ratelimited', { retryAfter });
      for (let i = 0; i < burst.update; i++) k.slack.failNext('chat.update', 'ratelimited', { retryAfter });
      for (let i = 0; i < burst.publish; i++) k.slack.failNext('views.publish', 'ratelimited', { retryAfter });
    }
    k.clock.advance(10_000); // past every ticket's next check (max interval 8 s)
    await k.app.watcher.runDue();
    await k.app.services.home.settle();
    // A ticket moves on in DMS only once its thread shows where it is, so every status must be posted.
    let open = 0;
    for (const { ticketId, orderId } of ids) {
      const t = (await k.store.getTicket(ticketId))!;
      const order = k.dms.getOrder(orderId)!;
      if (t.status === order.status && !t.done) k.dms.advance(orderId);
      if (!t.done) open++;
    }
    if (open === 0) break;
  }
  return rounds;
}

/** Successful calls and attempts (429s included) per Slack method. */
function tallyCalls(mine: SlackCall[]): SlackRateLimitResult['calls'] {
  const calls: SlackRateLimitResult['calls'] = {};
  for (const c of mine) {
    const e = calls[c.method] ?? { ok: 0, attempts: 0 };
    calls[c.method] = e;
    e.attempts++;
    if (isOk(c)) e.ok++;
  }
  return calls;
}

/** What one ticket's thread and root show against the script. */
interface ThreadVerdict {
  complete: boolean;
  inOrder: boolean;
  duplicates: number;
  rootFinal: boolean;
}

/** Checks one ticket: every status recorded and replied once, in order, and its root showing the final status. */
async function checkThread(
  k: Check,
  ticketId: number,
  mine: SlackCall[],
  script: string[],
  problems: string[],
): Promise<ThreadVerdict | undefined> {
  const t = (await k.store.getTicket(ticketId))!;
  if (!t.rootTs) {
    problems.push(`ticket ${ticketId}: no root message`);
    return undefined;
  }
  const replies = mine.filter((c) => c.method === 'chat.postMessage' && c.args['thread_ts'] === t.rootTs && isOk(c));
  const updates = await k.store.listUpdates(ticketId);
  const statuses = updates.map((u) => u.status);
  const replyTs = replies.map((c) => String(c.response?.['ts']));
  const complete = JSON.stringify(statuses) === JSON.stringify(script) && replies.length === script.length;
  if (!complete)
    problems.push(
      `ticket ${ticketId}: recorded ${statuses.join(',')} with ${replies.length} replies (script ${script.length})`,
    );
  // The recorded statuses point at the thread replies in the same order (ts increase), one reply each.
  const tsInOrder = updates.every(
    (u, i) => u.threadTs !== null && u.threadTs === replyTs[i] && (i === 0 || u.threadTs > updates[i - 1]!.threadTs!),
  );
  // Each reply reads as the status it records (its label in the reply), in the script's order.
  const textsInOrder =
    replies.length === script.length &&
    replies.every((c, i) => String(c.args['text']).includes(exportStatusInfo(script[i]!).label));
  const inOrder = tsInOrder && textsInOrder;
  if (!inOrder) problems.push(`ticket ${ticketId}: thread order differs from the recorded statuses`);
  const lastUpdate = mine.filter((c) => c.method === 'chat.update' && c.args['ts'] === t.rootTs && isOk(c)).at(-1);
  const lastReply = replies.at(-1);
  const rootFinal =
    lastUpdate !== undefined &&
    JSON.stringify(lastUpdate.args['blocks']).includes(exportStatusInfo(script[script.length - 1]!).label) &&
    (!lastReply || mine.indexOf(lastUpdate) > mine.indexOf(lastReply));
  if (!rootFinal)
    problems.push(
      `ticket ${ticketId}: root message does not show the final status (last update: ${lastUpdate ? 'stale' : 'none'})`,
    );
  return { complete, inOrder, duplicates: Math.max(0, replies.length - new Set(statuses).size), rootFinal };
}

/** Slack calls the watcher caused (everything but auth.test and the root messages). */
function watcherCalls(mine: SlackCall[], calls: SlackRateLimitResult['calls']): number {
  const roots = mine.filter(
    (c) =>
      c.method === 'chat.postMessage' &&
      c.args['thread_ts'] === undefined &&
      isOk(c) &&
      /^C/.test(String(c.args['channel'])),
  ).length;
  return Object.entries(calls).reduce((a, [m, e]) => a + (m === 'auth.test' ? 0 : e.ok), 0) - roots;
}

/** Follows export tickets through their whole script with 429 bursts from Slack; checks nothing is lost or reordered. */
export async function runSlackRateLimitCheck(opts: SlackRateLimitOptions = {}): Promise<SlackRateLimitResult> {
  const wall0 = performance.now();
  const tickets = opts.tickets ?? 4;
  const retries = opts.retries ?? 'default';
  const k = await startCheck(retries);
  const problems: string[] = [];
  try {
    await k.app.start({ watch: false });
    await seedPeople(k);
    const ids = await fileTickets(k, tickets);
    const script = k.dms.getOrder(ids[0]!.orderId)!.script;
    const callsBefore = k.slack.calls.length;
    const rounds = await driveRounds(k, ids, script, opts);
    const mine = k.slack.calls.slice(callsBefore);
    const calls = tallyCalls(mine);
    const verdicts: ThreadVerdict[] = [];
    for (const { ticketId } of ids) {
      const v = await checkThread(k, ticketId, mine, script, problems);
      if (v) verdicts.push(v);
    }
    const changes = tickets * script.length;
    const threadReplies = mine.filter(
      (c) => c.method === 'chat.postMessage' && c.args['thread_ts'] !== undefined && isOk(c),
    ).length;
    return {
      retries,
      tickets,
      statusesPerTicket: script.length,
      changes,
      rateLimited: mine.filter((c) => c.response === undefined).length,
      threadsComplete: verdicts.filter((v) => v.complete).length,
      threadsInOrder: verdicts.filter((v) => v.inOrder).length,
      duplicateReplies: verdicts.reduce((n, v) => n + v.duplicates, 0),
      rootsFinal: verdicts.filter((v) => v.rootFinal).length,
      calls,
      threadCallsPerChange: (threadReplies + (calls['chat.update']?.ok ?? 0)) / changes,
      allCallsPerChange: watcherCalls(mine, calls) / changes,
      rounds: rounds + 1,
      wallS: (performance.now() - wall0) / 1000,
      problems,
    };
  } finally {
    await k.app.stop();
    await Promise.all([k.slack.close(), k.dms.close()]);
    rmSync(k.dir, { recursive: true, force: true });
  }
}

/** The 429 checks as a Markdown table, with any problems listed under it. */
export function formatSlackCheck(results: SlackRateLimitResult[], retryAfterSeconds: number): string {
  const lines: string[] = [];
  lines.push(
    `Real app (createApp) with the fake Slack answering bursts of HTTP 429 with Retry-After: ${retryAfterSeconds}; export tickets followed through their ${results[0]?.statusesPerTicket ?? '?'}-status script:`,
  );
  lines.push('');
  lines.push(
    '| WebClient retries | tickets | changes | 429s served | threads complete (each status once) | threads in order | roots showing the final status | reply+update per change | all watcher Slack calls per change | calls ok / attempts | rounds | wall (s) |',
  );
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|');
  for (const r of results) {
    const calls = Object.entries(r.calls)
      .filter(([m]) => m !== 'auth.test')
      .map(([m, e]) => `${m} ${e.ok}/${e.attempts}`)
      .join(', ');
    lines.push(
      `| ${r.retries} | ${r.tickets} | ${r.changes} | ${r.rateLimited} | ${r.threadsComplete}/${r.tickets} | ${r.threadsInOrder}/${r.tickets} | ${r.rootsFinal}/${r.tickets} | ${f(r.threadCallsPerChange, 2)} | ${f(r.allCallsPerChange, 2)} | ${calls} | ${r.rounds} | ${f(r.wallS)} |`,
    );
  }
  const problems = results.flatMap((r) => r.problems.map((p) => `- (${r.retries}) ${p}`));
  if (problems.length) lines.push('', 'Problems:', ...problems);
  return lines.join('\n');
}
