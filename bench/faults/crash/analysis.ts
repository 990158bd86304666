/** The crash scenario's analysis: what was lost, unfinished, repeated or cut, and which kill caused it. */
import Database from 'better-sqlite3';
import type { DmsEmulator } from '../../../src/sandbox/dms/index.js';
import { CHANNEL, FINAL_STATUS, groupReplies, replyStatus, requestOf } from '../support.js';
import type { CrashKill, CrashResult } from '../types.js';
import type { Submission, Traffic } from './drive.js';
import type { Gen } from './fleet.js';

interface TicketRow {
  id: number;
  external_id: string;
  root_ts: string | null;
  status: string | null;
  done: number;
}

interface Reply {
  gen: number;
  threadTs: string;
  status: string;
}

type Order = ReturnType<DmsEmulator['allOrders']>[number];

/** Everything the analysis reads. */
export interface CrashFacts {
  dbFile: string;
  dms: DmsEmulator;
  gens: Gen[];
  traffic: Traffic;
  subs: Submission[];
}

/** The parts of the result the analysis finds. */
export type CrashFindings = Omit<
  CrashResult,
  'tickets' | 'kills' | 'restarts' | 'finalExitCode' | 'totalMs' | 'completed'
>;

/** Which process sent the CreateOrder that made each DMS order. */
function createdByGen(dms: DmsEmulator, requestGen: number[]): Map<number, number> {
  const createdBy = new Map<number, number>();
  dms.requests.forEach((r, idx) => {
    if (r.action !== 'CreateOrder') return;
    const id = (r.response as { CreateOrderResult?: { OrderIds?: number[] } } | undefined)?.CreateOrderResult
      ?.OrderIds?.[0];
    if (id !== undefined) createdBy.set(id, requestGen[idx] ?? -1);
  });
  return createdBy;
}

/** DMS orders nobody follows (lost), followed ones without their final reply, and DMS orders filed twice. */
function ordersOutcome(f: CrashFacts, orders: Order[], byOrder: Map<string, TicketRow>, replies: Reply[]) {
  const finalThreads = new Set(replies.filter((r) => r.status === FINAL_STATUS).map((r) => r.threadTs));
  const createdBy = createdByGen(f.dms, f.traffic.requestGen);
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
        killedWhileCreating: f.gens[gen]?.killed?.trigger.startsWith('create') === true,
      });
    } else if (!row.done || row.status !== FINAL_STATUS || !row.root_ts || !finalThreads.has(row.root_ts)) {
      unfinished += 1;
    }
  }
  let duplicateCreates = 0;
  for (const n of ordersPerRequest.values()) duplicateCreates += n - 1;
  return { lostOrders, unfinished, duplicateCreates };
}

/** Repeated replies: each charged to the process that posted the copy before it (one not killed never should). */
function replyRepeats(replies: Reply[], gens: Gen[]) {
  const byGen = new Map<number, number>();
  const ticketsByGen = new Map<number, Map<string, number>>();
  let total = 0;
  let unexplained = 0;
  for (const group of groupReplies(replies).values()) {
    for (let k = 1; k < group.length; k++) {
      total += 1;
      const by = group[k - 1]!.gen;
      if (!gens[by]?.killed) unexplained += 1;
      byGen.set(by, (byGen.get(by) ?? 0) + 1);
      const perTicket = ticketsByGen.get(by) ?? new Map<string, number>();
      perTicket.set(group[0]!.threadTs, (perTicket.get(group[0]!.threadTs) ?? 0) + 1);
      ticketsByGen.set(by, perTicket);
    }
  }
  return { total, unexplained, byGen, ticketsByGen };
}

/** Posts repeated per key (`keyOf` → undefined skips a post), each repeat charged to the process before it. */
function postRepeats(posts: Traffic['posts'], keyOf: (p: Traffic['posts'][number]) => string | undefined) {
  const gensByKey = new Map<string, number[]>();
  for (const p of posts) {
    if (p.call.response === undefined) continue;
    const key = keyOf(p);
    if (key) gensByKey.set(key, [...(gensByKey.get(key) ?? []), p.gen]);
  }
  const byGen = new Map<number, number>();
  let total = 0;
  for (const list of gensByKey.values()) {
    for (let k = 1; k < list.length; k++) {
      total += 1;
      byGen.set(list[k - 1]!, (byGen.get(list[k - 1]!) ?? 0) + 1);
    }
  }
  return { total, byGen };
}

/** Submissions by outcome: confirmed, told "not filed", unanswered (and what became of those), empty acks. */
function submissionsOutcome(f: CrashFacts, orders: Order[], byOrder: Map<string, TicketRow>) {
  const ordersByRequest = new Map<number, number[]>();
  for (const order of orders) {
    const r = requestOf(order.comment);
    if (r !== undefined) ordersByRequest.set(r, [...(ordersByRequest.get(r) ?? []), order.orderId]);
  }
  const t = { confirmed: 0, toldNotFiled: 0, unanswered: 0, unansweredButFollowed: 0, unansweredNeverFiled: 0 };
  const more = { unansweredOrphaned: 0, emptyAcks: 0, cutByGen: new Map<number, number>() };
  for (const s of f.subs) {
    more.emptyAcks += s.acks.filter((a) => a.kind === 'empty').length;
    const outcome = f.traffic.outcomes.get(s.viewId);
    if (outcome?.text.includes('is filed')) t.confirmed += 1;
    else if (outcome) t.toldNotFiled += 1;
    else {
      t.unanswered += 1;
      const cutBy = s.acks.find((a) => a.kind === 'creating')?.gen;
      if (cutBy !== undefined) more.cutByGen.set(cutBy, (more.cutByGen.get(cutBy) ?? 0) + 1);
      const mine = ordersByRequest.get(s.i) ?? [];
      if (mine.length === 0) t.unansweredNeverFiled += 1;
      else if (mine.every((id) => byOrder.has(String(id)))) t.unansweredButFollowed += 1;
      else more.unansweredOrphaned += 1;
    }
  }
  return { ...t, ...more };
}

/** For a `reply`/`final` kill: the reply Slack had just accepted, whether it was posted again, and its thread. */
function lastReplyOf(g: Gen, replies: Reply[]): Pick<CrashKill, 'lastReply'> {
  const cut = g.killed?.reply;
  if (!cut) return {};
  const thread = replies.filter((r) => r.threadTs === cut.threadTs);
  return {
    lastReply: {
      status: cut.status,
      postedAgain: thread.filter((r) => r.status === cut.status).length > 1,
      thread: thread.map((r) => r.status),
    },
  };
}

/** Reads the store and the fakes after the run and says what each kill cost. */
export function analyseCrash(f: CrashFacts): CrashFindings {
  const db = new Database(f.dbFile, { readonly: true, fileMustExist: true });
  const rows = db.prepare('SELECT id, external_id, root_ts, status, done FROM tickets').all() as TicketRow[];
  db.close();
  const byOrder = new Map(rows.map((r) => [r.external_id, r]));
  const replies: Reply[] = f.traffic.posts
    .filter((p) => p.call.response !== undefined && p.call.args['thread_ts'])
    .map((p) => ({ gen: p.gen, threadTs: String(p.call.args['thread_ts']), status: replyStatus(p.call) ?? '?' }));
  const orders = f.dms.allOrders();
  const { lostOrders, unfinished, duplicateCreates } = ordersOutcome(f, orders, byOrder, replies);
  const dup = replyRepeats(replies, f.gens);
  const roots = postRepeats(f.traffic.posts, (p) =>
    p.call.args['thread_ts'] || p.call.args['channel'] !== CHANNEL
      ? undefined
      : /ticket (\d+)/.exec(String(p.call.args['text']))?.[1],
  );
  // Download-link DMs: one per ticket; a crash between sending it and recording it sends it again.
  const linkDms = postRepeats(f.traffic.posts, (p) =>
    p.call.args['channel'] !== 'U0ALICE'
      ? undefined
      : /DMS ticket (\d+)\) is ready/.exec(String(p.call.args['text']))?.[1],
  );
  const { cutByGen, ...subs } = submissionsOutcome(f, orders, byOrder);
  const perKill: CrashKill[] = f.gens
    .filter((g) => g.killed)
    .map((g, k) => ({
      kill: k + 1,
      trigger: g.killed!.trigger,
      atMs: g.killed!.at,
      uptimeMs: g.killed!.at - g.startedAt,
      duplicateReplies: dup.byGen.get(g.index) ?? 0,
      repliesInFlight: g.repliesAfterKill,
      ticketsWithSeveralDuplicates: [...(dup.ticketsByGen.get(g.index)?.values() ?? [])].filter((n) => n > 1).length,
      duplicateRoots: roots.byGen.get(g.index) ?? 0,
      duplicateLinkDms: linkDms.byGen.get(g.index) ?? 0,
      submissionsCut: cutByGen.get(g.index) ?? 0,
      ordersOrphaned: lostOrders.filter((l) => l.createdByProcess === g.index).length,
      ...lastReplyOf(g, replies),
    }));
  return {
    ticketsFiled: rows.length,
    dmsOrders: orders.length,
    lost: lostOrders.length,
    lostOrders,
    unfinished,
    ...subs,
    failedPosts: f.subs.reduce((n, s) => n + s.failedPosts, 0),
    duplicateCreates,
    threadReplies: replies.length,
    duplicateReplies: dup.total,
    unexplainedDuplicates: dup.unexplained,
    maxDuplicatesPerCrash: Math.max(0, ...perKill.map((k) => k.duplicateReplies)),
    duplicateRoots: roots.total,
    duplicateLinkDms: linkDms.total,
    perKill,
  };
}
