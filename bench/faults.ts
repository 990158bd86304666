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
 */
import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, platform, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { ExportIds } from '../blocks/dms/ids.js';
import { createApp } from '../src/app.js';
import { readConfig, sqlitePath } from '../src/config.js';
import { createLogger } from '../src/core/logger.js';
import { DmsEmulator } from '../src/sandbox/dms-emulator.js';
import { SqliteStore } from '../src/store/sqlite.js';
import { FakeSlack, type SlackCall } from '../test/support/fake-slack.js';
import {
  BOT_TOKEN,
  emulatorDmsClient,
  type Harness,
  SIGNING_SECRET,
  sealedFormMetadata,
  slackSignature,
  startHarness,
  viewSubmission,
} from '../test/support/harness.js';

// ---------------------------------------------------------------------------------------------------------------------
// Options and results

export interface FaultRunOptions {
  /** Tickets per scenario (chaos and crash). */
  tickets: number;
  /** SIGKILLs in the crash scenario (at least this many, while work remains). */
  kills: number;
  /** Seeds every random choice (chaos rolls, latencies, kill points). */
  seed: number;
  /** Quick mode (inside `npm test`): chaos latency up to 200 ms instead of 2 s, short DMS back-off, scenarios run side by side. */
  quick?: boolean;
  /** The compiled entry point to spawn; default: build with tsconfig.build.json and use `<repo>/dist/src/main.js`. */
  mainJs?: string;
  /** The command line to print in the report. */
  command?: string;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
  /** Which scenarios to run (default all). */
  only?: ('chaos' | 'crash' | 'lostCreate')[];
}

export interface MachineInfo {
  cores: number;
  cpu: string;
  memoryGiB: number;
  node: string;
  os: string;
}

export interface ChaosResult {
  tickets: number;
  /** Submissions the modal confirmed ("is filed"). */
  filed: number;
  /** Tickets DMS holds (more than `filed` would be a duplicate create). */
  dmsOrders: number;
  /** Tickets whose thread got the final reply (EXPORT_SUCCESS) and that the store marks done. */
  finished: number;
  /** DMS order ids that never got their final reply or were not done in the store. */
  unfinished: string[];
  threadReplies: number;
  /** Thread replies beyond the first for the same (thread, status). */
  duplicateReplies: number;
  /** Root messages beyond the first for the same DMS ticket. */
  duplicateRoots: number;
  /** Submissions sent again after an inline error (e.g. the user check timed out under chaos). */
  resubmits: number;
  dmsRequests: number;
  /** Requests answered with Throttling.User (from the emulator's records). */
  throttled: number;
  /** Requests answered with a 5xx. */
  serverErrors: number;
  maxLatencyMs: number;
  slackBursts: number;
  /** chat.postMessage calls answered with HTTP 429. */
  slack429: number;
  /** Status checks that still failed after the client's retries (the watcher backs off and tries again). */
  pollsFailedAfterRetries: number;
  /** Ticket passes that failed on Slack or the store (retried by the watcher). */
  passesFailed: number;
  fileMs: number;
  totalMs: number;
  completed: boolean;
}

export interface CrashKill {
  kill: number;
  /** What triggered it: `reply` (Slack just accepted a thread reply), `final` (… the final one), `root`, `create` (CreateOrder reached DMS), `poll`, `time`; `…-fallback` when the event did not come in time. */
  trigger: string;
  /** ms since the scenario started. */
  atMs: number;
  uptimeMs: number;
  /** Replies this process had posted that were posted again after the restart. */
  duplicateReplies: number;
  /**
   * Thread replies of this process that Slack took after the kill: sent before the process died, read by Slack after
   * (other checks run concurrently). Their answers never reached the bot, so each may be posted once more.
   */
  repliesInFlight: number;
  /** Tickets with more than one repeated reply from this crash (should be 0). */
  ticketsWithSeveralDuplicates: number;
  duplicateRoots: number;
  /** Download-link DMs this process had sent that were sent again after the restart. */
  duplicateLinkDms: number;
  /** Submissions this process had acknowledged ("Creating ticket…") without a final answer. */
  submissionsCut: number;
  /** DMS tickets created by a CreateOrder this process sent that nobody follows. */
  ordersOrphaned: number;
  /** For a `reply`/`final` crash point: the reply Slack had just accepted, and whether the restarted app posted it again. */
  lastReply?: { status: string; postedAgain: boolean; thread: string[] };
}

export interface CrashResult {
  tickets: number;
  kills: number;
  restarts: number;
  /** Tickets in the bot's store. */
  ticketsFiled: number;
  dmsOrders: number;
  /** DMS tickets with no ticket in the store (filed in DMS, never followed) — must be 0. */
  lost: number;
  lostOrders: { orderId: number; request: number; createdByProcess: number; killedWhileCreating: boolean }[];
  /** Tickets in the store that never reached their final reply — must be 0. */
  unfinished: number;
  /** Submissions the modal confirmed. */
  confirmed: number;
  /** Submissions told "not filed". */
  toldNotFiled: number;
  /** Submissions in flight at a kill: the person saw "Creating ticket…" (or the modal just closed) and no answer. */
  unanswered: number;
  /** … of which the ticket was filed and is followed (its root message is in the channel). */
  unansweredButFollowed: number;
  /** … of which nothing reached DMS (never filed; the person can simply file again). */
  unansweredNeverFiled: number;
  /** … of which DMS has the ticket but the bot does not follow it (counted in `lost` too). */
  unansweredOrphaned: number;
  /** Resubmissions of the same view answered with an empty ack (the killed process had claimed it). */
  emptyAcks: number;
  /** POSTs that failed because the app was down or died (retried on the next process, as Slack's client does). */
  failedPosts: number;
  duplicateCreates: number;
  threadReplies: number;
  duplicateReplies: number;
  /** Duplicate replies that no crash explains (posted twice by a process that was not killed) — must be 0. */
  unexplainedDuplicates: number;
  maxDuplicatesPerCrash: number;
  duplicateRoots: number;
  /** Download-link DMs sent more than once for the same ticket. */
  duplicateLinkDms: number;
  perKill: CrashKill[];
  /** Exit code of the last process on SIGTERM (0 expected). */
  finalExitCode: number | null;
  totalMs: number;
  completed: boolean;
}

export interface LostCreateCase {
  name: string;
  createOrderCalls: number;
  dropped: boolean;
  dmsOrders: number;
  listOrdersCalls: number;
  /** ListOrders searched for the marker the create put in the comment. */
  searchedMarker: boolean;
  /** The bot's ticket follows the order DMS created. */
  followed: boolean;
  /** The followed ticket reached its final reply (variant "found"). */
  finalReply: boolean;
  /** What the modal said at the end (first section). */
  modalText: string;
  /** The requester was told (modal update, and for failures an ephemeral/DM) what happened and what to look for. */
  requesterTold: boolean;
  /** The message's headline says "was not filed" although DMS did create the ticket. */
  saysNotFiled?: boolean;
}

export interface LostCreateResult {
  found: LostCreateCase;
  notFound: LostCreateCase;
}

export interface FaultResults {
  date: string;
  machine: MachineInfo;
  command: string;
  options: { tickets: number; kills: number; seed: number; quick: boolean };
  chaos?: ChaosResult;
  crash?: CrashResult;
  lostCreate?: LostCreateResult;
  /** Broken invariants, in words (empty when all held). */
  problems: string[];
  ok: boolean;
  totalMs: number;
}

// ---------------------------------------------------------------------------------------------------------------------
// Shared helpers

const CHANNEL = 'C0FAULTS';
const FINAL_STATUS = 'EXPORT_SUCCESS';

/** Seeded PRNG (mulberry32): the same seed gives the same rolls. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function machine(): MachineInfo {
  const list = cpus();
  return {
    cores: list.length,
    cpu: list[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${platform()} ${release()}`,
  };
}

/** The repository root: the nearest folder above this file with a package.json (else the working directory). */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

/** Alice (DMS 51) files, Bob (DMS 52) is related; one production database. */
function seedPeople(slack: FakeSlack, dms: DmsEmulator): void {
  slack.addUser({ id: 'U0ALICE', name: 'Alice Example', email: 'alice@example.com', tz: 'America/New_York' });
  slack.addUser({ id: 'U0BOB', name: 'Bob Builder', email: 'bob@example.com' });
  dms.addUser({ UserId: '51', NickName: 'alice', Email: 'alice@example.com' });
  dms.addUser({ UserId: '52', NickName: 'bob', Email: 'bob@example.com' });
  dms.addDatabase({
    DatabaseId: '1001',
    SearchName: 'orders_prod',
    SchemaName: 'orders',
    DbType: 'mysql',
    EnvType: 'product',
    Logic: false,
  });
}

/** State values of a filled-in export modal (as test/support/flows.ts exportValues), with a reason that names the request. */
function exportValues(reason: string): Record<string, Record<string, unknown>> {
  const Ids = ExportIds;
  return {
    [Ids.dbBlock]: {
      [Ids.dbSelect]: {
        type: 'external_select',
        selected_option: { value: 'db:1001:P', text: { type: 'plain_text', text: 'orders_prod · product · mysql' } },
      },
    },
    [Ids.logicBlock]: { [Ids.logicCheckbox]: { type: 'checkboxes', selected_options: [] } },
    [Ids.sqlBlock]: {
      [Ids.sqlInput]: {
        type: 'plain_text_input',
        value: "SELECT id, status FROM orders WHERE created_at > '2026-01-01'",
      },
    },
    [Ids.reasonBlock]: { [Ids.reasonInput]: { type: 'plain_text_input', value: reason } },
    [Ids.rowsBlock]: { [Ids.rowsInput]: { type: 'number_input', value: '1200' } },
    [Ids.skipCheckBlock]: { [Ids.skipCheckCheckbox]: { type: 'checkboxes', selected_options: [] } },
    [Ids.skipReasonBlock]: { [Ids.skipReasonInput]: { type: 'plain_text_input', value: null } },
    [Ids.commentBlock]: { [Ids.commentInput]: { type: 'plain_text_input', value: null } },
    [Ids.relatedBlock]: { [Ids.relatedSelect]: { type: 'multi_users_select', selected_users: ['U0BOB'] } },
  };
}

const reasonFor = (i: number) => `Fault run request #${i}`;
const requestOf = (comment: string): number | undefined => {
  const m = /Fault run request #(\d+)/.exec(comment);
  return m ? Number(m[1]) : undefined;
};

/** The view_submission Slack sends when the export modal is submitted (only what submit-ticket.ts reads). */
function exportSubmission(viewId: string, i: number): Record<string, unknown> {
  return viewSubmission(
    { id: viewId, callback_id: ExportIds.modal, private_metadata: sealedFormMetadata(ExportIds.modal, CHANNEL) },
    exportValues(reasonFor(i)),
    'U0ALICE',
  );
}

/** POSTs an interaction payload to the app, signed as Slack signs it. */
async function postInteraction(port: number, payload: Record<string, unknown>, timeoutMs: number): Promise<Response> {
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const ts = Math.floor(Date.now() / 1000);
  return fetch(`http://127.0.0.1:${port}/slack/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(ts),
      'x-slack-signature': slackSignature(SIGNING_SECRET, ts, body),
    },
    body,
    signal: AbortSignal.timeout(timeoutMs),
  });
}

type AckKind = 'creating' | 'errors' | 'empty' | 'other';

async function ackKind(res: Response): Promise<AckKind> {
  const text = await res.text();
  if (res.status !== 200) return 'other';
  if (!text) return 'empty';
  const a = JSON.parse(text) as { response_action?: string; view?: unknown };
  if (a.response_action === 'errors') return 'errors';
  if (a.response_action === 'update' && JSON.stringify(a.view).includes('Creating ticket')) return 'creating';
  return 'other';
}

/** Runs `cb` on every call of `method` the fake receives (past and future), through its event-driven waiters. */
function observe(slack: FakeSlack, method: string, cb: (c: SlackCall) => void): void {
  void slack.waitFor(method, (c) => {
    cb(c);
    return false;
  });
}

/** The status a thread reply announces (buildStatusReply puts it in backticks in the first section). */
function replyStatus(call: SlackCall): string | undefined {
  const blocks = call.args['blocks'] as { text?: { text?: string } }[] | undefined;
  const text = blocks?.[0]?.text?.text ?? '';
  return /`([^`]+)`/.exec(text)?.[1];
}

/** First section of a modal the bot pushed with views.update. */
function modalText(call: SlackCall | undefined): string {
  const view = call?.args['view'] as { blocks?: { text?: { text?: string } }[] } | undefined;
  return view?.blocks?.[0]?.text?.text ?? '';
}

/** A promise-based condition: `wait` resolves once `check()` holds (re-checked on `poke()`), false on timeout. */
class Condition {
  private waiters: { check: () => boolean; resolve: (ok: boolean) => void }[] = [];
  poke(): void {
    this.waiters = this.waiters.filter((w) => {
      if (!w.check()) return true;
      w.resolve(true);
      return false;
    });
  }
  wait(check: () => boolean, timeoutMs: number): Promise<boolean> {
    if (check()) return Promise.resolve(true);
    return new Promise((resolveWait) => {
      const entry = {
        check,
        resolve: (ok: boolean) => {
          clearTimeout(timer);
          resolveWait(ok);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== entry);
        resolveWait(false);
      }, timeoutMs);
      this.waiters.push(entry);
    });
  }
}

async function pool<T>(items: T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: Math.min(size, queue.length) }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
    }),
  );
}

/** Duplicate counting over thread replies: (thread_ts, status) → the calls, in arrival order. */
function groupReplies<T extends { threadTs: string; status: string }>(replies: T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const r of replies) {
    const key = `${r.threadTs}|${r.status}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return groups;
}

// ---------------------------------------------------------------------------------------------------------------------
// 1. Chaos

async function runChaos(o: {
  tickets: number;
  seed: number;
  quick: boolean;
  log: (s: string) => void;
}): Promise<ChaosResult> {
  const started = performance.now();
  const random = seededRandom(o.seed);
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
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        try {
          const msg = String((JSON.parse(line) as { msg?: unknown }).msg);
          warnings.set(msg, (warnings.get(msg) ?? 0) + 1);
        } catch {
          // not a log line
        }
      }
      cb();
    },
  });
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
  const logger = createLogger(config.LOG_LEVEL, sink);
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
  const port = await app.start();

  const changed = new Condition();
  const outcomes = new Map<string, string>();
  const replies: { threadTs: string; status: string }[] = [];
  const finalThreads = new Set<string>();
  const rootsByOrder = new Map<string, number>();
  let slack429 = 0;
  observe(slack, 'views.update', (c) => {
    outcomes.set(String(c.args['view_id']), modalText(c));
    changed.poke();
  });
  observe(slack, 'chat.postMessage', (c) => {
    if (c.response === undefined) {
      slack429 += 1;
      return;
    }
    const threadTs = c.args['thread_ts'] as string | undefined;
    if (threadTs) {
      const status = replyStatus(c) ?? '?';
      replies.push({ threadTs, status });
      if (status === FINAL_STATUS) finalThreads.add(threadTs);
      changed.poke();
    } else if (c.args['channel'] === CHANNEL) {
      const order = /ticket (\d+)/.exec(String(c.args['text']))?.[1];
      if (order) rootsByOrder.set(order, (rootsByOrder.get(order) ?? 0) + 1);
    }
  });

  // Chaos on everything but the create (a lost or failed create is scenario 3).
  dms.chaos = { throttle: 0.3, serverError: 0.1, maxLatencyMs, actions: (a) => a !== 'CreateOrder', random };
  // Slack: a few bursts of three 429s (Retry-After: 1) during the run, on whatever is posting at the time. Each 429
  // pauses the WebClient's whole queue for a second, so bursts are spaced out.
  const plannedBursts = o.quick ? 2 : 8;
  let bursts = 0;
  const burst = () => {
    if (bursts >= plannedBursts) return;
    bursts += 1;
    for (let k = 0; k < 3; k++) slack.failNext('chat.postMessage', 'ratelimited', { retryAfter: 1 });
  };
  burst();
  const burster = setInterval(burst, o.quick ? 2_000 : 8_000);

  const overall = o.quick ? 90_000 : 900_000;
  let resubmits = 0;
  let filed = 0;
  let filingDone = false;
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
    if (await changed.wait(() => outcomes.has(viewId), overall)) {
      if (outcomes.get(viewId)!.includes('is filed')) filed += 1;
    }
    if ((i + 1) % 50 === 0) o.log(`chaos: ${i + 1}/${o.tickets} submitted`);
  });
  filingDone = true;
  const fileMs = performance.now() - started;
  o.log(`chaos: ${filed} filed in ${Math.round(fileMs)} ms; waiting for final replies`);
  const completed = await changed.wait(() => filingDone && finalThreads.size >= filed, overall - fileMs);
  clearInterval(burster);

  // The store marks a ticket done right after its final reply: give it a moment, then compare.
  const orders = dms.allOrders();
  const unfinished: string[] = [];
  for (let round = 0; round < 50; round++) {
    unfinished.length = 0;
    for (const order of orders) {
      const t = await store.findTicketByExternalId('dms_export', String(order.orderId));
      if (!t?.done || t.status !== FINAL_STATUS || !t.rootTs || !finalThreads.has(t.rootTs))
        unfinished.push(String(order.orderId));
    }
    if (unfinished.length === 0) break;
    await sleep(100);
  }
  dms.chaos = null;
  await app.stop();
  await Promise.all([slack.close(), dms.close()]);
  rmSync(dir, { recursive: true, force: true });

  let duplicateReplies = 0;
  for (const group of groupReplies(replies).values()) duplicateReplies += group.length - 1;
  let duplicateRoots = 0;
  for (const n of rootsByOrder.values()) duplicateRoots += n - 1;
  return {
    tickets: o.tickets,
    filed,
    dmsOrders: orders.length,
    finished: orders.length - unfinished.length,
    unfinished,
    threadReplies: replies.length,
    duplicateReplies,
    duplicateRoots,
    resubmits,
    dmsRequests: dms.requests.length,
    throttled: dms.requests.filter((r) => r.fault?.kind === 'throttle').length,
    serverErrors: dms.requests.filter((r) => r.fault?.kind === 'server').length,
    maxLatencyMs,
    slackBursts: bursts,
    slack429,
    pollsFailedAfterRetries: warnings.get('status poll failed; will retry') ?? 0,
    passesFailed: warnings.get('ticket update failed; will retry') ?? 0,
    fileMs: Math.round(fileMs),
    totalMs: Math.round(performance.now() - started),
    completed,
  };
}

// ---------------------------------------------------------------------------------------------------------------------
// 2. Crash

interface Gen {
  index: number;
  child: ChildProcessWithoutNullStreams;
  startedAt: number;
  ready: Promise<number>;
  exited: Promise<number | null>;
  port?: number;
  killed?: { trigger: string; at: number; reply?: { threadTs: string; status: string } };
  /** Thread replies Slack took from this process after it was killed (sent before it died). */
  repliesAfterKill: number;
  stderr: string[];
}

interface Submission {
  i: number;
  viewId: string;
  acks: { gen: number; kind: AckKind }[];
  failedPosts: number;
  outcome?: { gen: number; text: string };
}

type Trigger = 'reply' | 'final' | 'root' | 'create' | 'poll' | 'time';

async function runCrash(o: {
  tickets: number;
  kills: number;
  seed: number;
  quick: boolean;
  mainJs: string;
  root: string;
  log: (s: string) => void;
}): Promise<CrashResult> {
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
  const changed = new Condition();

  const gens: Gen[] = [];
  let current = -1;
  let live: Gen | undefined;
  /** Process alive when each DMS request arrived (same order as dms.requests). */
  const requestGen: number[] = [];
  // Kill trigger: fires synchronously on the n-th matching event of the process it is armed for.
  let armed: { trigger: Exclude<Trigger, 'time'>; remaining: number; gen: Gen; fire: (t: string) => void } | undefined;
  const event = (kind: Trigger) => {
    if (!armed || armed.trigger !== kind || armed.gen !== live) return;
    armed.remaining -= 1;
    if (armed.remaining <= 0) armed.fire(kind);
  };
  dms.latencyMs = (action) => {
    requestGen.push(current);
    if (action === 'CreateOrder') event('create');
    else if (action === 'GetDataExportOrderDetail') event('poll');
    return Math.floor(latencyRandom() * 40);
  };
  const posts: { gen: number; call: SlackCall }[] = [];
  let lastReply: { threadTs: string; status: string } | undefined;
  observe(slack, 'chat.postMessage', (c) => {
    posts.push({ gen: current, call: c });
    if (c.args['thread_ts']) {
      const g = gens[current];
      if (g?.killed) g.repliesAfterKill += 1;
      lastReply = { threadTs: String(c.args['thread_ts']), status: replyStatus(c) ?? '?' };
      event('reply');
      if (lastReply.status === FINAL_STATUS) event('final');
    } else if (c.args['channel'] === CHANNEL) event('root');
  });
  const outcomes = new Map<string, { gen: number; text: string }>();
  observe(slack, 'views.update', (c) => {
    outcomes.set(String(c.args['view_id']), { gen: current, text: modalText(c) });
    changed.poke();
  });

  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    HOME: dir,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.url,
    PORT: '0',
    DMS_ENDPOINT: dms.endpoint,
    ALIBABA_CLOUD_ACCESS_KEY_ID: dms.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: dms.accessKeySecret,
    DATABASE_URL: `sqlite:${dbFile}`,
    WATCH_INTERVAL_MS: '200',
    WATCH_MAX_INTERVAL_MS: '1000',
    WATCH_MAX_CALLS_PER_SECOND: '10000',
    // A restarted process has a new lease owner: the dead one's leases must run out before it takes them.
    WATCH_LEASE_MS: '2000',
    // Creates cut short by a kill are looked for once DMS_TIMEOUT_MS × 2 + 10 s have passed.
    DMS_TIMEOUT_MS: '2000',
    RATE_LIMIT_PER_USER_PER_HOUR: '10000',
    LOG_LEVEL: 'info',
  };
  const spawnGen = (): Gen => {
    const child = spawn(process.execPath, [o.mainJs], { cwd: o.root, env });
    const stderr: string[] = [];
    child.stderr.on('data', (d: Buffer) => stderr.push(d.toString()));
    let onExit!: (code: number | null) => void;
    const exited = new Promise<number | null>((r) => (onExit = r));
    child.on('exit', (code) => onExit(code));
    const ready = new Promise<number>((resolveReady, reject) => {
      createInterface({ input: child.stdout }).on('line', (line) => {
        if (!line.includes('bot started')) return;
        try {
          const entry = JSON.parse(line) as { msg?: string; port?: number };
          if (entry.msg === 'bot started' && entry.port) resolveReady(entry.port);
        } catch {
          // not JSON
        }
      });
      void exited.then((code) =>
        reject(new Error(`app exited with ${code} before it started: ${stderr.join('').slice(0, 500)}`)),
      );
    });
    const g: Gen = { index: gens.length, child, startedAt: now(), ready, exited, repliesAfterKill: 0, stderr };
    void ready.then(
      (p) => (g.port = p),
      () => undefined,
    );
    gens.push(g);
    current = g.index;
    return g;
  };
  const bringUp = async (): Promise<Gen> => {
    const g = spawnGen();
    await g.ready;
    live = g;
    changed.poke();
    return g;
  };
  const kill = (g: Gen, trigger: string) => {
    if (g.killed) return;
    g.killed = {
      trigger,
      at: now(),
      ...((trigger === 'reply' || trigger === 'final') && lastReply ? { reply: lastReply } : {}),
    };
    if (live === g) live = undefined;
    armed = undefined;
    g.child.kill('SIGKILL');
    changed.poke();
  };
  const waitLive = async (): Promise<Gen> => {
    for (;;) {
      if (live) return live;
      await changed.wait(() => live !== undefined, 60_000);
    }
  };

  await bringUp();

  // Submissions: K people filing at once; a POST the app never answered is sent again on the next process (the
  // modal is still open: the person presses Submit again, same view id).
  const subs: Submission[] = [...Array(o.tickets).keys()].map((i) => ({
    i,
    viewId: `VCRASH${String(i).padStart(5, '0')}`,
    acks: [],
    failedPosts: 0,
  }));
  let filingDone = false;
  const filing = pool(subs, o.quick ? 3 : 4, async (s) => {
    for (let attempt = 0; attempt < 100; attempt++) {
      const g = await waitLive();
      let kind: AckKind;
      try {
        kind = await ackKind(await postInteraction(g.port!, exportSubmission(s.viewId, s.i), 10_000));
      } catch {
        s.failedPosts += 1;
        await changed.wait(() => live !== g, 60_000);
        continue;
      }
      s.acks.push({ gen: g.index, kind });
      if (kind === 'errors' || kind === 'other') {
        await sleep(100);
        continue;
      }
      // An empty ack: a killed process had claimed this view; no answer will come.
      if (kind !== 'empty') {
        // Wait for the answer, or for the process that owes it to die.
        await changed.wait(() => outcomes.has(s.viewId) || g.killed !== undefined, 60_000);
      }
      break;
    }
    // People do not all file at the same instant: filing spreads over the run, so kills land while tickets are
    // both being filed and followed.
    await sleep(Math.floor(gapRandom() * (o.quick ? 400 : 800)));
  }).then(() => {
    filingDone = true;
    changed.poke();
  });

  // Kill plan: each kind of crash point once (seeded order), then random ones.
  const kinds: Trigger[] = o.quick ? ['create', 'final'] : ['create', 'reply', 'final', 'root', 'poll', 'time'];
  for (let k = kinds.length - 1; k > 0 && !o.quick; k--) {
    const j = Math.floor(random() * (k + 1));
    [kinds[k], kinds[j]] = [kinds[j]!, kinds[k]!];
  }
  while (kinds.length < o.kills)
    kinds.push((['reply', 'final', 'create', 'poll', 'root', 'time'] as const)[Math.floor(random() * 6)]!);
  const plan = kinds.slice(0, Math.max(o.kills, 0));
  let kills = 0;
  let restarts = 0;
  for (const trigger of plan) {
    const g = await waitLive();
    // A random moment into this process's life before the crash point is armed.
    await sleep(Math.floor((o.quick ? 100 : 300) + random() * (o.quick ? 300 : 1_500)));
    const n =
      1 +
      Math.floor(
        random() *
          (trigger === 'create' || trigger === 'root' || trigger === 'final' ? (o.quick ? 3 : 8) : o.quick ? 10 : 40),
      );
    const timeMs = Math.floor(200 + random() * 2_000);
    const restartDelay = Math.floor(50 + random() * 300);
    await new Promise<void>((done) => {
      const fire = (t: string) => {
        clearTimeout(fallback);
        kill(g, t);
        done();
      };
      // The event may not come (filing over: no more creates or roots): kill anyway after a while. The while is long
      // enough for a loaded 2-core machine (a restart there takes seconds), so the run still hits its crash points.
      const fallback = setTimeout(
        () => fire(trigger === 'time' ? 'time' : `${trigger}-fallback`),
        trigger === 'time' ? timeMs : 20_000,
      );
      if (trigger !== 'time') armed = { trigger, remaining: n, gen: g, fire };
    });
    kills += 1;
    o.log(`crash: kill ${kills} (${g.killed?.trigger}) at ${g.killed?.at} ms`);
    await g.exited;
    await sleep(restartDelay);
    await bringUp();
    restarts += 1;
  }

  // Done when every submission has its answer (or lost its process) and the store has nothing open.
  await filing;
  let ro: Database.Database | undefined;
  const open = (): number => {
    ro ??= new Database(dbFile, { readonly: true, fileMustExist: true });
    // Open tickets, and creates not yet settled (recovery is still looking for them).
    const tickets = (ro.prepare('SELECT COUNT(*) AS n FROM tickets WHERE done = 0').get() as { n: number }).n;
    const creating = (ro.prepare('SELECT COUNT(*) AS n FROM pending_creates').get() as { n: number }).n;
    return tickets + creating;
  };
  const deadline = Date.now() + (o.quick ? 60_000 : 600_000);
  let completed = false;
  while (Date.now() < deadline) {
    const pending = subs.some(
      (s) => !outcomes.has(s.viewId) && s.acks.at(-1)?.gen === live?.index && s.acks.at(-1)?.kind === 'creating',
    );
    if (filingDone && !pending && open() === 0) {
      completed = true;
      break;
    }
    await sleep(200);
  }
  ro?.close();
  const last = live;
  if (last) {
    last.child.kill('SIGTERM');
  }
  const finalExitCode = last ? await last.exited : null;

  // ---- analysis
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  const rows = db.prepare('SELECT id, external_id, root_ts, status, done FROM tickets').all() as {
    id: number;
    external_id: string;
    root_ts: string | null;
    status: string | null;
    done: number;
  }[];
  db.close();
  const byOrder = new Map(rows.map((r) => [r.external_id, r]));
  const replies = posts
    .filter((p) => p.call.response !== undefined && p.call.args['thread_ts'])
    .map((p) => ({ gen: p.gen, threadTs: String(p.call.args['thread_ts']), status: replyStatus(p.call) ?? '?' }));
  const finalThreads = new Set(replies.filter((r) => r.status === FINAL_STATUS).map((r) => r.threadTs));
  const orders = dms.allOrders();
  const createdBy = new Map<number, number>();
  dms.requests.forEach((r, idx) => {
    if (r.action !== 'CreateOrder') return;
    const id = (r.response as { CreateOrderResult?: { OrderIds?: number[] } } | undefined)?.CreateOrderResult
      ?.OrderIds?.[0];
    if (id !== undefined) createdBy.set(id, requestGen[idx] ?? -1);
  });
  const lostOrders: CrashResult['lostOrders'] = [];
  let unfinished = 0;
  const ordersPerRequest = new Map<number, number>();
  for (const order of orders) {
    const request = requestOf(order.comment) ?? -1;
    ordersPerRequest.set(request, (ordersPerRequest.get(request) ?? 0) + 1);
    const row = byOrder.get(String(order.orderId));
    const gen = createdBy.get(order.orderId) ?? -1;
    if (!row) {
      lostOrders.push({
        orderId: order.orderId,
        request,
        createdByProcess: gen,
        killedWhileCreating: gens[gen]?.killed?.trigger.startsWith('create') === true,
      });
    } else if (!row.done || row.status !== FINAL_STATUS || !row.root_ts || !finalThreads.has(row.root_ts)) {
      unfinished += 1;
    }
  }
  let duplicateCreates = 0;
  for (const n of ordersPerRequest.values()) duplicateCreates += n - 1;

  // Duplicates: a repeat is charged to the process that posted the copy before it; a process that was not killed
  // should never repeat itself.
  const dupByGen = new Map<number, number>();
  const dupTicketsByGen = new Map<number, Map<string, number>>();
  let duplicateReplies = 0;
  let unexplainedDuplicates = 0;
  for (const group of groupReplies(replies).values()) {
    for (let k = 1; k < group.length; k++) {
      duplicateReplies += 1;
      const by = group[k - 1]!.gen;
      if (!gens[by]?.killed) unexplainedDuplicates += 1;
      dupByGen.set(by, (dupByGen.get(by) ?? 0) + 1);
      const perTicket = dupTicketsByGen.get(by) ?? new Map<string, number>();
      perTicket.set(group[0]!.threadTs, (perTicket.get(group[0]!.threadTs) ?? 0) + 1);
      dupTicketsByGen.set(by, perTicket);
    }
  }
  const rootsByOrder = new Map<string, number[]>();
  for (const p of posts) {
    if (p.call.response === undefined || p.call.args['thread_ts'] || p.call.args['channel'] !== CHANNEL) continue;
    const order = /ticket (\d+)/.exec(String(p.call.args['text']))?.[1];
    if (order) rootsByOrder.set(order, [...(rootsByOrder.get(order) ?? []), p.gen]);
  }
  // Download-link DMs: one per ticket; a crash between sending it and recording it sends it again.
  const linkDms = new Map<string, number[]>();
  for (const p of posts) {
    if (p.call.response === undefined || p.call.args['channel'] !== 'U0ALICE') continue;
    const order = /DMS ticket (\d+)\) is ready/.exec(String(p.call.args['text']))?.[1];
    if (order) linkDms.set(order, [...(linkDms.get(order) ?? []), p.gen]);
  }
  let duplicateLinkDms = 0;
  const dupDmsByGen = new Map<number, number>();
  for (const list of linkDms.values()) {
    for (let k = 1; k < list.length; k++) {
      duplicateLinkDms += 1;
      dupDmsByGen.set(list[k - 1]!, (dupDmsByGen.get(list[k - 1]!) ?? 0) + 1);
    }
  }
  const dupRootsByGen = new Map<number, number>();
  let duplicateRoots = 0;
  for (const list of rootsByOrder.values()) {
    for (let k = 1; k < list.length; k++) {
      duplicateRoots += 1;
      dupRootsByGen.set(list[k - 1]!, (dupRootsByGen.get(list[k - 1]!) ?? 0) + 1);
    }
  }

  // Submissions.
  const ordersByRequest = new Map<number, number[]>();
  for (const order of orders) {
    const r = requestOf(order.comment);
    if (r !== undefined) ordersByRequest.set(r, [...(ordersByRequest.get(r) ?? []), order.orderId]);
  }
  let confirmed = 0;
  let toldNotFiled = 0;
  let unanswered = 0;
  let unansweredButFollowed = 0;
  let unansweredNeverFiled = 0;
  let unansweredOrphaned = 0;
  let emptyAcks = 0;
  const cutByGen = new Map<number, number>();
  for (const s of subs) {
    emptyAcks += s.acks.filter((a) => a.kind === 'empty').length;
    const outcome = outcomes.get(s.viewId);
    if (outcome?.text.includes('is filed')) confirmed += 1;
    else if (outcome) toldNotFiled += 1;
    else {
      unanswered += 1;
      const cutBy = s.acks.find((a) => a.kind === 'creating')?.gen;
      if (cutBy !== undefined) cutByGen.set(cutBy, (cutByGen.get(cutBy) ?? 0) + 1);
      const mine = ordersByRequest.get(s.i) ?? [];
      if (mine.length === 0) unansweredNeverFiled += 1;
      else if (mine.every((id) => byOrder.has(String(id)))) unansweredButFollowed += 1;
      else unansweredOrphaned += 1;
    }
  }

  const perKill: CrashKill[] = gens
    .filter((g) => g.killed)
    .map((g, k) => ({
      kill: k + 1,
      trigger: g.killed!.trigger,
      atMs: g.killed!.at,
      uptimeMs: g.killed!.at - g.startedAt,
      duplicateReplies: dupByGen.get(g.index) ?? 0,
      repliesInFlight: g.repliesAfterKill,
      ticketsWithSeveralDuplicates: [...(dupTicketsByGen.get(g.index)?.values() ?? [])].filter((n) => n > 1).length,
      duplicateRoots: dupRootsByGen.get(g.index) ?? 0,
      duplicateLinkDms: dupDmsByGen.get(g.index) ?? 0,
      submissionsCut: cutByGen.get(g.index) ?? 0,
      ordersOrphaned: lostOrders.filter((l) => l.createdByProcess === g.index).length,
      ...(g.killed!.reply
        ? {
            lastReply: {
              status: g.killed!.reply.status,
              postedAgain:
                replies.filter((r) => r.threadTs === g.killed!.reply!.threadTs && r.status === g.killed!.reply!.status)
                  .length > 1,
              thread: replies.filter((r) => r.threadTs === g.killed!.reply!.threadTs).map((r) => r.status),
            },
          }
        : {}),
    }));

  await Promise.all([slack.close(), dms.close()]);
  for (const g of gens) if (g.child.exitCode === null && g.child.signalCode === null) g.child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
  return {
    tickets: o.tickets,
    kills,
    restarts,
    ticketsFiled: rows.length,
    dmsOrders: orders.length,
    lost: lostOrders.length,
    lostOrders,
    unfinished,
    confirmed,
    toldNotFiled,
    unanswered,
    unansweredButFollowed,
    unansweredNeverFiled,
    unansweredOrphaned,
    emptyAcks,
    failedPosts: subs.reduce((n, s) => n + s.failedPosts, 0),
    duplicateCreates,
    threadReplies: replies.length,
    duplicateReplies,
    unexplainedDuplicates,
    maxDuplicatesPerCrash: Math.max(0, ...perKill.map((k) => k.duplicateReplies)),
    duplicateRoots,
    duplicateLinkDms,
    perKill,
    finalExitCode,
    totalMs: now(),
    completed,
  };
}

// ---------------------------------------------------------------------------------------------------------------------
// 3. Lost create response

async function runLostCreate(): Promise<LostCreateResult> {
  const env = { RATE_LIMIT_PER_USER_PER_HOUR: '10000', LOG_LEVEL: 'info' };
  const submitOnce = async (h: Harness, viewId: string): Promise<SlackCall | undefined> => {
    const res = await h.interaction(exportSubmission(viewId, 0));
    await res.text();
    const answer = h.slack.waitFor(
      'views.update',
      (c) => c.args['view_id'] === viewId && /is filed|not filed|whether your/.test(JSON.stringify(c.args['view'])),
    );
    return Promise.race([answer, sleep(15_000).then(() => undefined)]);
  };
  const markerOf = (h: Harness) =>
    /\[(chatops-[0-9a-f]{12})\]/.exec(h.dms.calls('CreateOrder')[0]?.query['Comment'] ?? '')?.[1];

  // Found: DMS made the ticket, the answer was lost, ListOrders finds the marker.
  const h1 = await startHarness({ env });
  let found: LostCreateCase;
  try {
    seedPeople(h1.slack, h1.dms);
    h1.dms.autoAdvanceEvery = 1;
    h1.dms.dropResponseNext('CreateOrder');
    const answer = await submitOnce(h1, 'VLOSTFOUND');
    const order = h1.dms.allOrders()[0];
    const marker = markerOf(h1);
    const ticket = order
      ? await h1.app.services.store.findTicketByExternalId('dms_export', String(order.orderId))
      : undefined;
    // It goes on following the ticket it found, to the end.
    for (let k = 0; k < 40 && ticket; k++) {
      const t = await h1.app.services.store.getTicket(ticket.id);
      if (t?.done) break;
      h1.clock.advance(10_000);
      await h1.app.watcher.runDue();
    }
    const after = ticket ? await h1.app.services.store.getTicket(ticket.id) : undefined;
    const finalReply =
      !!after?.rootTs &&
      h1.slack
        .callsTo('chat.postMessage')
        .some((c) => c.args['thread_ts'] === after.rootTs && replyStatus(c) === FINAL_STATUS);
    const text = modalText(answer);
    found = {
      name: 'create answer lost, ticket found by its marker',
      createOrderCalls: h1.dms.calls('CreateOrder').length,
      dropped: h1.dms.calls('CreateOrder')[0]?.dropped === true,
      dmsOrders: h1.dms.allOrders().length,
      listOrdersCalls: h1.dms.calls('ListOrders').length,
      searchedMarker: !!marker && h1.dms.calls('ListOrders').some((c) => c.query['SearchContent'] === marker),
      followed: !!ticket && ticket.externalId === String(order?.orderId),
      finalReply,
      modalText: text,
      requesterTold: !!order && text.includes('is filed') && text.includes(String(order.orderId)),
    };
  } finally {
    await h1.close();
  }

  // Not found: ListOrders keeps failing (503 on every attempt), so the bot cannot know.
  const h2 = await startHarness({ env });
  let notFound: LostCreateCase;
  try {
    seedPeople(h2.slack, h2.dms);
    h2.dms.dropResponseNext('CreateOrder');
    // The harness client makes 3 attempts (retries: 2) at a read.
    h2.dms.failNext('ListOrders', { kind: 'server', status: 503 }, 3);
    const answer = await submitOnce(h2, 'VLOSTUNKNOWN');
    const marker = markerOf(h2);
    const order = h2.dms.allOrders()[0];
    const ticket = order
      ? await h2.app.services.store.findTicketByExternalId('dms_export', String(order.orderId))
      : undefined;
    const text = modalText(answer);
    // The ephemeral (or DM) follows the modal update.
    const told = await Promise.race([
      h2.slack
        .waitFor(
          'chat.postEphemeral',
          (c) => c.args['user'] === 'U0ALICE' && String(c.args['text']).includes(marker ?? '\u0000'),
        )
        .then(() => true),
      sleep(5_000).then(() => false),
    ]);
    notFound = {
      name: 'create answer lost, ListOrders unavailable',
      createOrderCalls: h2.dms.calls('CreateOrder').length,
      dropped: h2.dms.calls('CreateOrder')[0]?.dropped === true,
      dmsOrders: h2.dms.allOrders().length,
      listOrdersCalls: h2.dms.calls('ListOrders').length,
      searchedMarker: !!marker && h2.dms.calls('ListOrders').some((c) => c.query['SearchContent'] === marker),
      followed: !!ticket,
      finalReply: false,
      modalText: text,
      requesterTold: !!marker && text.includes(marker) && /may or may not exist/.test(text) && told,
      saysNotFiled: /was not filed/.test(text),
    };
  } finally {
    await h2.close();
  }
  return { found, notFound };
}

// ---------------------------------------------------------------------------------------------------------------------
// Runner

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

/** The issue's invariants, as sentences for each one that does not hold. */
export function checkInvariants(r: FaultResults, opts: Pick<FaultRunOptions, 'kills'>): string[] {
  const p: string[] = [];
  const c = r.chaos;
  if (c) {
    if (!c.completed) p.push(`chaos: not every ticket reached its final reply in time (${c.finished}/${c.tickets})`);
    if (c.filed !== c.tickets) p.push(`chaos: ${c.tickets - c.filed} submissions were not confirmed as filed`);
    if (c.unfinished.length)
      p.push(
        `chaos: ${c.unfinished.length} tickets without their final reply: ${c.unfinished.slice(0, 10).join(', ')}`,
      );
    if (c.dmsOrders !== c.tickets) p.push(`chaos: DMS holds ${c.dmsOrders} tickets for ${c.tickets} submissions`);
    if (c.duplicateReplies) p.push(`chaos: ${c.duplicateReplies} duplicate thread replies`);
    if (c.duplicateRoots) p.push(`chaos: ${c.duplicateRoots} duplicate root messages`);
    if (!c.throttled || !c.serverErrors || !c.slack429)
      p.push(
        `chaos: faults were not all injected (throttled ${c.throttled}, 5xx ${c.serverErrors}, Slack 429 ${c.slack429})`,
      );
  }
  const k = r.crash;
  if (k) {
    if (!k.completed) p.push('crash: the run did not settle in time (tickets still open)');
    if (k.kills < opts.kills) p.push(`crash: only ${k.kills} of ${opts.kills} kills happened`);
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
  }
  const l = r.lostCreate;
  if (l) {
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
  }
  return p;
}

// ---------------------------------------------------------------------------------------------------------------------
// Report

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** BENCHMARKS.md section for one run. */
export function formatFaultsMarkdown(r: FaultResults): string {
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
  const c = r.chaos;
  if (c) {
    out.push(`### 1. DMS chaos and Slack 429 bursts (app in-process, real timers)`);
    out.push('');
    out.push(
      `DMS: each status-side request (detail, base info, download URL, ListUsers, …) throttled with p = 0.3, else 5xx with p = 0.1, plus 0–${c.maxLatencyMs} ms latency (seeded); CreateOrder is left alone here (scenario 3 covers creates). Slack: bursts of three HTTP 429 (Retry-After: 1) on chat.postMessage. WATCH_INTERVAL_MS=200, WATCH_MAX_INTERVAL_MS=1000, WATCH_CONCURRENCY=64; tickets advance one status per status check (${r.options.quick ? '3 statuses each in quick mode' : '8 statuses each'}).`,
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
  }
  const k = r.crash;
  if (k) {
    out.push(`### 2. kill -9 and restart (compiled \`dist/src/main.js\`, SQLite)`);
    out.push('');
    out.push(
      `Tickets filed through signed view submissions (3–4 people at once); the app is SIGKILLed at seeded crash points and restarted on the same database (WATCH_LEASE_MS=2000, so a dead process's leases expire quickly). DMS latency 0–40 ms.`,
    );
    out.push('');
    out.push('| Figure | Value |');
    out.push('| --- | --- |');
    out.push(`| Kills / restarts | ${k.kills} / ${k.restarts} |`);
    out.push(
      `| Submissions / confirmed filed / told "not filed" | ${k.tickets} / ${k.confirmed} / ${k.toldNotFiled} |`,
    );
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
  }
  const l = r.lostCreate;
  if (l) {
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
  }
  if (r.problems.length) {
    out.push('### Problems');
    out.push('');
    for (const p of r.problems) out.push(`- ${p}`);
    out.push('');
  }
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------------------------------
// Program

function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const tickets = Number(argValue(args, '--tickets') ?? (quick ? 20 : 200));
  const kills = Number(argValue(args, '--kills') ?? (quick ? 2 : 6));
  const seed = Number(argValue(args, '--seed') ?? 1);
  const mainJs = argValue(args, '--main');
  const only = argValue(args, '--only')?.split(',') as FaultRunOptions['only'];
  const r = await runFaults({
    tickets,
    kills,
    seed,
    quick,
    mainJs,
    only,
    command: `node ${relative(process.cwd(), process.argv[1] ?? 'dist/bench/faults.js')} ${args.join(' ')}`.trim(),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const md = formatFaultsMarkdown(r);
  process.stdout.write(`${md}\n`);
  const out = argValue(args, '--out');
  if (out) writeFileSync(out, `${md}\n`);
  const json = argValue(args, '--json');
  if (json) writeFileSync(json, JSON.stringify(r, null, 2));
  process.exitCode = r.ok ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`faults: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(2);
  });
}
