/** The crash scenario's driving: what the fakes see, people filing through restarts, the kill plan, settling. */
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import type { DmsEmulator } from '../../../src/sandbox/dms/index.js';
import type { FakeSlack, SlackCall } from '../../../test/support/fake-slack.js';
import {
  type AckKind,
  ackKind,
  CHANNEL,
  exportSubmission,
  FINAL_STATUS,
  modalText,
  observe,
  pool,
  postInteraction,
  replyStatus,
} from '../support.js';
import type { Fleet, Gen, Trigger } from './fleet.js';

/** One person's submission: every ack it got (by process), failed posts, and the modal's outcome. */
export interface Submission {
  i: number;
  viewId: string;
  acks: { gen: number; kind: AckKind }[];
  failedPosts: number;
  outcome?: { gen: number; text: string };
}

/** What the fakes saw, each charged to the process live at the time. */
export interface Traffic {
  /** Process alive when each DMS request arrived (same order as dms.requests). */
  requestGen: number[];
  posts: { gen: number; call: SlackCall }[];
  outcomes: Map<string, { gen: number; text: string }>;
}

/** Hooks the fakes: DMS latency (and the `create`/`poll` crash points), Slack posts (`reply`/`final`/`root`). */
export function instrument(fleet: Fleet, slack: FakeSlack, dms: DmsEmulator, latencyRandom: () => number): Traffic {
  const traffic: Traffic = { requestGen: [], posts: [], outcomes: new Map() };
  dms.latencyMs = (action) => {
    traffic.requestGen.push(fleet.current);
    if (action === 'CreateOrder') fleet.event('create');
    else if (action === 'GetDataExportOrderDetail') fleet.event('poll');
    return Math.floor(latencyRandom() * 40);
  };
  observe(slack, 'chat.postMessage', (c) => {
    traffic.posts.push({ gen: fleet.current, call: c });
    if (c.args['thread_ts']) {
      const g = fleet.gens[fleet.current];
      if (g?.killed) g.repliesAfterKill += 1;
      fleet.lastReply = { threadTs: String(c.args['thread_ts']), status: replyStatus(c) ?? '?' };
      fleet.event('reply');
      if (fleet.lastReply.status === FINAL_STATUS) fleet.event('final');
    } else if (c.args['channel'] === CHANNEL) fleet.event('root');
  });
  observe(slack, 'views.update', (c) => {
    traffic.outcomes.set(String(c.args['view_id']), { gen: fleet.current, text: modalText(c) });
    fleet.changed.poke();
  });
  return traffic;
}

/** Submits until acked on a live process; waits for the answer, or for the process that owes it to die. */
async function submit(fleet: Fleet, traffic: Traffic, s: Submission): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const g = await fleet.waitLive();
    let kind: AckKind;
    try {
      kind = await ackKind(await postInteraction(g.port!, exportSubmission(s.viewId, s.i), 10_000));
    } catch {
      s.failedPosts += 1;
      await fleet.changed.wait(() => fleet.live !== g, 60_000);
      continue;
    }
    s.acks.push({ gen: g.index, kind });
    if (kind === 'errors' || kind === 'other') {
      await sleep(100);
      continue;
    }
    // An empty ack: a killed process had claimed this view; no answer will come.
    if (kind !== 'empty') {
      await fleet.changed.wait(() => traffic.outcomes.has(s.viewId) || g.killed !== undefined, 60_000);
    }
    return;
  }
}

/**
 * People filing at once (3–4); a POST the app never answered is sent again on the next process (the modal is still
 * open: the person presses Submit again, same view id). Filing spreads over the run, so kills land while tickets are
 * both being filed and followed.
 */
export function fileSubmissions(
  fleet: Fleet,
  traffic: Traffic,
  subs: Submission[],
  quick: boolean,
  gapRandom: () => number,
): Promise<void> {
  return pool(subs, quick ? 3 : 4, async (s) => {
    await submit(fleet, traffic, s);
    await sleep(Math.floor(gapRandom() * (quick ? 400 : 800)));
  });
}

/** Each kind of crash point once (seeded order; quick: create then final), then random ones, `kills` in all. */
export function killPlan(random: () => number, quick: boolean, kills: number): Trigger[] {
  const kinds: Trigger[] = quick ? ['create', 'final'] : ['create', 'reply', 'final', 'root', 'poll', 'time'];
  for (let k = kinds.length - 1; k > 0 && !quick; k--) {
    const j = Math.floor(random() * (k + 1));
    [kinds[k], kinds[j]] = [kinds[j]!, kinds[k]!];
  }
  while (kinds.length < kills)
    kinds.push((['reply', 'final', 'create', 'poll', 'root', 'time'] as const)[Math.floor(random() * 6)]!);
  return kinds.slice(0, Math.max(kills, 0));
}

/** One kill: a random moment into the live process's life, its crash point (or a fallback), a restart; the killed. */
export async function killOnce(fleet: Fleet, trigger: Trigger, random: () => number, quick: boolean): Promise<Gen> {
  const g = await fleet.waitLive();
  await sleep(Math.floor((quick ? 100 : 300) + random() * (quick ? 300 : 1_500)));
  const few = trigger === 'create' || trigger === 'root' || trigger === 'final';
  const n = 1 + Math.floor(random() * (few ? (quick ? 3 : 8) : quick ? 10 : 40));
  const timeMs = Math.floor(200 + random() * 2_000);
  const restartDelay = Math.floor(50 + random() * 300);
  await new Promise<void>((done) => {
    const fire = (t: string) => {
      clearTimeout(fallback);
      fleet.kill(g, t);
      done();
    };
    // The event may not come (filing over: no more creates or roots): kill anyway after a while. The while is long
    // enough for a loaded 2-core machine (a restart there takes seconds), so the run still hits its crash points.
    const fallback = setTimeout(
      () => fire(trigger === 'time' ? 'time' : `${trigger}-fallback`),
      trigger === 'time' ? timeMs : 20_000,
    );
    if (trigger !== 'time') fleet.arm(trigger, n, g, fire);
  });
  await g.exited;
  await sleep(restartDelay);
  await fleet.bringUp();
  return g;
}

/** Waits until every submission has its answer (or lost its process) and the store has nothing open; false on timeout. */
export async function waitSettled(
  fleet: Fleet,
  traffic: Traffic,
  subs: Submission[],
  dbFile: string,
  quick: boolean,
): Promise<boolean> {
  let ro: Database.Database | undefined;
  const open = (): number => {
    ro ??= new Database(dbFile, { readonly: true, fileMustExist: true });
    // Open tickets, and creates not yet settled (recovery is still looking for them).
    const tickets = (ro.prepare('SELECT COUNT(*) AS n FROM tickets WHERE done = 0').get() as { n: number }).n;
    const creating = (ro.prepare('SELECT COUNT(*) AS n FROM pending_creates').get() as { n: number }).n;
    return tickets + creating;
  };
  const deadline = Date.now() + (quick ? 60_000 : 600_000);
  let completed = false;
  while (Date.now() < deadline) {
    const pending = subs.some(
      (s) =>
        !traffic.outcomes.has(s.viewId) &&
        s.acks.at(-1)?.gen === fleet.live?.index &&
        s.acks.at(-1)?.kind === 'creating',
    );
    if (!pending && open() === 0) {
      completed = true;
      break;
    }
    await sleep(200);
  }
  ro?.close();
  return completed;
}
