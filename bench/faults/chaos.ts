/**
 * Fault scenario 1, chaos: the app in this process (real timers) against the DMS emulator's chaos mode and bursts of
 * HTTP 429 from the fake Slack. Every ticket must reach its final thread reply, with no duplicate reply.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { createApp } from '../../src/app.js';
import { readConfig, sqlitePath } from '../../src/config.js';
import { createLogger } from '../../src/core/logger.js';
import { DmsEmulator } from '../../src/sandbox/dms/index.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { FakeSlack } from '../../test/support/fake-slack.js';
import { BOT_TOKEN, emulatorDmsClient, SIGNING_SECRET } from '../../test/support/harness.js';
import { seededRandom } from '../lib/random.js';
import {
  ackKind,
  CHANNEL,
  Condition,
  exportSubmission,
  FINAL_STATUS,
  groupReplies,
  modalText,
  observe,
  pool,
  postInteraction,
  replyStatus,
  seedPeople,
} from './support.js';
import type { ChaosResult } from './types.js';

interface ChaosOptions {
  tickets: number;
  seed: number;
  quick: boolean;
  log: (s: string) => void;
}

/** Counts log lines by message (the warnings the run reports: failed polls, failed passes). */
function countingSink(counts: Map<string, number>): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        try {
          const msg = String((JSON.parse(line) as { msg?: unknown }).msg);
          counts.set(msg, (counts.get(msg) ?? 0) + 1);
        } catch {
          // not a log line
        }
      }
      cb();
    },
  });
}

/** The real app on a SQLite file in `dir`, fast watcher settings, and the WebClient retrying 429s as in production. */
function chaosApp(o: ChaosOptions, slack: FakeSlack, dms: DmsEmulator, dir: string, warnings: Map<string, number>) {
  const config = readConfig({
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.url,
    PORT: '0',
    DMS_ENDPOINT: dms.endpoint,
    DATABASE_URL: `sqlite:${join(dir, 'chaos.db')}`,
    WATCH_INTERVAL_MS: '200',
    WATCH_MAX_INTERVAL_MS: '1000',
    WATCH_MAX_CALLS_PER_SECOND: '10000',
    WATCH_CONCURRENCY: '64',
    RATE_LIMIT_PER_USER_PER_HOUR: '10000',
    LOG_LEVEL: 'warn',
  });
  const logger = createLogger(config.LOG_LEVEL, countingSink(warnings));
  const store = new SqliteStore(sqlitePath(config.DATABASE_URL));
  // The product's retry policy (4 retries from 500 ms); quick mode shortens the back-off only.
  const client = emulatorDmsClient(config, dms, logger, o.quick ? { retryMinTimeoutMs: 50 } : {});
  // The harness turns Slack retries off; here the WebClient must retry 429s as in production (short back-off).
  const app = createApp({
    config,
    logger,
    store,
    dms: client,
    slackClientOptions: { retryConfig: { retries: 5, factor: 1, minTimeout: 10, maxTimeout: 50 } },
  });
  return { app, store };
}

/** What the fake Slack saw: modal outcomes, thread replies, final threads, roots per order, 429s. */
interface Seen {
  outcomes: Map<string, string>;
  replies: { threadTs: string; status: string }[];
  finalThreads: Set<string>;
  rootsByOrder: Map<string, number>;
  slack429: number;
}

/** Records what the app posts (and pokes `changed` when a modal or thread moves on). */
function watchSlack(slack: FakeSlack, changed: Condition): Seen {
  const seen: Seen = {
    outcomes: new Map(),
    replies: [],
    finalThreads: new Set(),
    rootsByOrder: new Map(),
    slack429: 0,
  };
  observe(slack, 'views.update', (c) => {
    seen.outcomes.set(String(c.args['view_id']), modalText(c));
    changed.poke();
  });
  observe(slack, 'chat.postMessage', (c) => {
    if (c.response === undefined) {
      seen.slack429 += 1;
      return;
    }
    const threadTs = c.args['thread_ts'] as string | undefined;
    if (threadTs) {
      const status = replyStatus(c) ?? '?';
      seen.replies.push({ threadTs, status });
      if (status === FINAL_STATUS) seen.finalThreads.add(threadTs);
      changed.poke();
    } else if (c.args['channel'] === CHANNEL) {
      const order = /ticket (\d+)/.exec(String(c.args['text']))?.[1];
      if (order) seen.rootsByOrder.set(order, (seen.rootsByOrder.get(order) ?? 0) + 1);
    }
  });
  return seen;
}

/** Slack: a few bursts of three 429s (Retry-After: 1) on whatever is posting at the time, spaced out. */
function startBursts(slack: FakeSlack, quick: boolean) {
  // Each 429 pauses the WebClient's whole queue for a second, so bursts are spaced out.
  const planned = quick ? 2 : 8;
  let bursts = 0;
  const burst = () => {
    if (bursts >= planned) return;
    bursts += 1;
    for (let k = 0; k < 3; k++) slack.failNext('chat.postMessage', 'ratelimited', { retryAfter: 1 });
  };
  burst();
  const timer = setInterval(burst, quick ? 2_000 : 8_000);
  return { stop: () => clearInterval(timer), count: () => bursts };
}

/** Eight people at a time submit the export modal, again after an inline error, and wait for its outcome. */
async function fileAll(o: ChaosOptions, port: number, changed: Condition, seen: Seen, overallMs: number) {
  let resubmits = 0;
  let filed = 0;
  await pool([...Array(o.tickets).keys()], 8, async (i) => {
    const viewId = `VCHAOS${String(i).padStart(5, '0')}`;
    for (let attempt = 0; attempt < 30; attempt++) {
      const res = await postInteraction(port, exportSubmission(viewId, i), 15_000).catch(() => undefined);
      const kind = res ? await ackKind(res) : 'other';
      if (kind === 'creating' || kind === 'empty') break;
      // Inline errors (the user check took longer than its 2 s budget under chaos): the person submits again.
      resubmits += 1;
      await sleep(100);
    }
    if (await changed.wait(() => seen.outcomes.has(viewId), overallMs)) {
      if (seen.outcomes.get(viewId)!.includes('is filed')) filed += 1;
    }
    if ((i + 1) % 50 === 0) o.log(`chaos: ${i + 1}/${o.tickets} submitted`);
  });
  return { filed, resubmits };
}

/** DMS orders not done in the store with their final reply (the store marks done right after it: a few tries). */
async function unfinishedOrders(store: SqliteStore, orderIds: number[], finalThreads: Set<string>): Promise<string[]> {
  const unfinished: string[] = [];
  for (let round = 0; round < 50; round++) {
    unfinished.length = 0;
    for (const orderId of orderIds) {
      const t = await store.findTicketByExternalId('dms_export', String(orderId));
      if (!t?.done || t.status !== FINAL_STATUS || !t.rootTs || !finalThreads.has(t.rootTs))
        unfinished.push(String(orderId));
    }
    if (unfinished.length === 0) break;
    await sleep(100);
  }
  return unfinished;
}

/** Runs the chaos scenario and counts what happened. */
export async function runChaos(o: ChaosOptions): Promise<ChaosResult> {
  const started = performance.now();
  const maxLatencyMs = o.quick ? 200 : 2_000;
  const slack = await FakeSlack.start();
  const dms = await DmsEmulator.start();
  seedPeople(slack, dms);
  dms.autoAdvanceEvery = 1;
  // Quick mode: three statuses instead of eight (a watcher pass waits for its slowest ticket, so each status step
  // costs the worst retry chain of the batch).
  if (o.quick) dms.setStatusScript('DATA_EXPORT', ['PRE_CHECKING', 'DOING_EXPORT', FINAL_STATUS]);
  const dir = mkdtempSync(join(tmpdir(), 'faults-chaos-'));
  const warnings = new Map<string, number>();
  const { app, store } = chaosApp(o, slack, dms, dir, warnings);
  const port = await app.start();
  const changed = new Condition();
  const seen = watchSlack(slack, changed);
  // Chaos on everything but the create (a lost or failed create is scenario 3).
  const random = seededRandom(o.seed);
  dms.chaos = { throttle: 0.3, serverError: 0.1, maxLatencyMs, actions: (a) => a !== 'CreateOrder', random };
  const bursts = startBursts(slack, o.quick);
  const overall = o.quick ? 90_000 : 900_000;
  const { filed, resubmits } = await fileAll(o, port, changed, seen, overall);
  const fileMs = performance.now() - started;
  o.log(`chaos: ${filed} filed in ${Math.round(fileMs)} ms; waiting for final replies`);
  const completed = await changed.wait(() => seen.finalThreads.size >= filed, overall - fileMs);
  bursts.stop();
  const orders = dms.allOrders();
  const unfinished = await unfinishedOrders(
    store,
    orders.map((order) => order.orderId),
    seen.finalThreads,
  );
  dms.chaos = null;
  await app.stop();
  await Promise.all([slack.close(), dms.close()]);
  rmSync(dir, { recursive: true, force: true });
  let duplicateReplies = 0;
  for (const group of groupReplies(seen.replies).values()) duplicateReplies += group.length - 1;
  let duplicateRoots = 0;
  for (const n of seen.rootsByOrder.values()) duplicateRoots += n - 1;
  return {
    tickets: o.tickets,
    filed,
    dmsOrders: orders.length,
    finished: orders.length - unfinished.length,
    unfinished,
    threadReplies: seen.replies.length,
    duplicateReplies,
    duplicateRoots,
    resubmits,
    dmsRequests: dms.requests.length,
    throttled: dms.requests.filter((r) => r.fault?.kind === 'throttle').length,
    serverErrors: dms.requests.filter((r) => r.fault?.kind === 'server').length,
    maxLatencyMs,
    slackBursts: bursts.count(),
    slack429: seen.slack429,
    pollsFailedAfterRetries: warnings.get('status poll failed; will retry') ?? 0,
    passesFailed: warnings.get('ticket update failed; will retry') ?? 0,
    fileMs: Math.round(fileMs),
    totalMs: Math.round(performance.now() - started),
    completed,
  };
}
