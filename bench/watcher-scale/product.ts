/**
 * The watcher scale bench's product run: the REAL StatusWatcher over the REAL SqliteStore on a fake clock, with a
 * simulated tracker (answers polls from the workload, counts calls) and a messenger recording posts at simulated time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/core/logger.js';
import type { StatusInfo } from '../../src/dms/statuses.js';
import type { MessageBody, Messenger, PostedRoot } from '../../src/slack/messenger.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { commonDetailsSchema } from '../../src/tickets/details.js';
import type { TicketKind } from '../../src/tickets/kind.js';
import { TicketKinds } from '../../src/tickets/kinds.js';
import { StatusWatcher } from '../../src/tickets/watcher.js';
import { CallLog, Reflector } from './measure.js';
import type { ProductResult, ResolvedOptions } from './types.js';
import { FINAL, indexAt, type Life, statusIndex, statusName, T0, Workload } from './workload.js';

interface SlotState {
  life: Life;
  /** Index of the last status its thread shows. */
  shown: number;
}

class SimClock {
  t = T0;
  now(): number {
    return this.t;
  }
}

const DETAILS = {
  database: 'orders_prod',
  envType: 'product',
  reason: 'Quarterly audit of orders placed since January',
  sql: "SELECT id, customer_id, status, total, created_at FROM orders WHERE created_at > '2026-01-01' AND status IN ('paid', 'shipped') ORDER BY id",
  relatedSlackIds: ['U0BOB'],
};

/** One product run's state: the simulated world, the store, and what Slack was asked. */
interface Sim {
  n: number;
  o: ResolvedOptions;
  clock: SimClock;
  store: SqliteStore;
  wl: Workload;
  refl: Reflector;
  dmsCalls: CallLog;
  slots: SlotState[];
  /** Slots whose final status was just posted: a fresh ticket takes each one's place after the pass. */
  replacements: number[];
  slack: { replies: number; updates: number; other: number };
  tsSeq: number;
}

const last = (l: Life) => l.times.length - 1;

/** The slot a ticket's external id (`slot.gen`) names; throws when it is not the slot's current life. */
function slotOf(sim: Sim, externalId: string): SlotState {
  const dot = externalId.indexOf('.');
  const s = sim.slots[Number(externalId.slice(0, dot))]!;
  if (s.life.gen !== Number(externalId.slice(dot + 1)))
    throw new Error(`ticket ${externalId} is not the slot's current life`);
  return s;
}

/** The simulated cloud: each poll answers the status the workload says is in force now, and is counted. */
function simTracker(sim: Sim): TicketKind {
  return {
    kindLabel: 'Data export',
    details: commonDetailsSchema,
    async poll(ticket) {
      const s = slotOf(sim, ticket.externalId);
      const now = sim.clock.now();
      sim.dmsCalls.add(now);
      sim.refl.checks++;
      const i = indexAt(s.life, now);
      return { status: statusName(i, last(s.life)) };
    },
    statusInfo(status: string | null): StatusInfo {
      return { emoji: ':gear:', label: status ?? 'Submitted', final: status === FINAL };
    },
    renderRoot(ticket) {
      return { text: `Data export ticket ${ticket.externalId}: ${ticket.status ?? 'submitted'}` };
    },
    renderReply(_ticket, status) {
      return { text: status };
    },
    renderGiveUp() {
      return null;
    },
  };
}

/** The simulated Slack: a thread reply is where a status reaches its thread (recorded at simulated time). */
function simMessenger(sim: Sim): Messenger {
  const messenger = {
    async postRoot(channelId: string): Promise<PostedRoot> {
      sim.slack.other++;
      return { channelId, ts: `root.${++sim.tsSeq}` };
    },
    async reply(_channelId: string, threadTs: string, body: MessageBody): Promise<string | undefined> {
      sim.slack.replies++;
      const s = slotOf(sim, threadTs.slice('r.'.length));
      const k = statusIndex(body.text, last(s.life));
      s.shown = sim.refl.post(s.life, s.shown, k, sim.clock.now());
      if (k === last(s.life)) sim.replacements.push(s.life.slot);
      return `t.${++sim.tsSeq}`;
    },
    async update(): Promise<void> {
      sim.slack.updates++;
    },
    async ephemeral(): Promise<void> {
      sim.slack.other++;
    },
    async dm(): Promise<void> {
      sim.slack.other++;
    },
    async tellUser(): Promise<void> {
      sim.slack.other++;
    },
  };
  // The watcher calls only the methods above; the rest of Messenger (Slack lookups, modals) is not needed here.
  return messenger as unknown as Messenger;
}

/** Files the ticket of `life` in the store as the create path does (root already posted). */
async function createTicket(
  sim: Sim,
  life: Life,
  status: string | null,
  nextPollAt: number,
  pollIntervalMs: number,
  now: number,
): Promise<void> {
  const id = `${life.slot}.${life.gen}`;
  await sim.store.createTicket(
    {
      kind: 'dms_export',
      externalId: id,
      channelId: `C${String(life.slot % 500).padStart(8, '0')}`,
      rootTs: `r.${id}`,
      requesterSlackId: `U${String(life.slot % 2000).padStart(8, '0')}`,
      requesterDmsId: String(life.slot % 2000),
      status,
      details: DETAILS,
      nextPollAt,
      pollIntervalMs,
    },
    now,
  );
}

/** The initial lives: under way, already polled, coming due at random over one polling cycle. */
async function populate(sim: Sim): Promise<void> {
  const { n, o, wl } = sim;
  // Steady state: with no backlog tickets are due within the next max interval; when N/Q is longer, most are overdue
  // (each waits about one cycle N/Q between checks).
  const spreadMs = Math.max(o.maxIntervalMs, (n / o.quota) * 1000);
  for (let slot = 0; slot < n; slot++) {
    const life = wl.initial(slot);
    const known = indexAt(life, T0);
    sim.slots[slot] = { life, shown: known };
    sim.refl.begin(life, known);
    await createTicket(
      sim,
      life,
      statusName(known, last(life)),
      T0 + o.maxIntervalMs - Math.floor(wl.phase(slot, 1) * spreadMs),
      o.maxIntervalMs,
      life.times[0]!,
    );
  }
}

/** A fresh ticket in the place of each one that just ended (status unknown, first check one interval later). */
async function replaceFinished(sim: Sim, now: number): Promise<number> {
  let created = 0;
  for (const slot of sim.replacements.splice(0)) {
    const life = sim.wl.life(slot, sim.slots[slot]!.life.gen + 1, now);
    sim.slots[slot] = { life, shown: -1 };
    sim.refl.begin(life, -1);
    created++;
    await createTicket(sim, life, null, now + sim.o.intervalMs, sim.o.intervalMs, now);
  }
  return created;
}

/** The watcher's own loop (StatusWatcher.tick) on the fake clock, until the window ends and its changes are posted. */
async function runLoop(sim: Sim, watcher: StatusWatcher, windowEnd: number) {
  const { o, clock } = sim;
  const drainEnd = windowEnd + o.maxDrainSeconds * 1000;
  const loop = { passes: 0, created: 0, lagArea: 0, lagMax: 0 };
  for (;;) {
    await watcher.runDue();
    loop.passes++;
    const now = clock.now();
    loop.created += await replaceFinished(sim, now);
    if (now >= windowEnd && (sim.refl.pending === 0 || now >= drainEnd)) break;
    const next = await sim.store.nextDueAt();
    let wait: number;
    if (o.driver === 'step') {
      wait = o.stepMs;
    } else {
      const raw = next === undefined ? 5_000 : Math.max(next, watcher.nextAllowedAt(now)) - now;
      wait = Math.min(Math.max(raw, 20), 5_000);
    }
    const lag = next !== undefined && next < now ? now - next : 0;
    loop.lagArea += lag * wait;
    loop.lagMax = Math.max(loop.lagMax, lag);
    clock.t = now + wait;
  }
  return loop;
}

/** The real watcher over the simulation's store, tracker and messenger, with the run's settings. */
function makeWatcher(sim: Sim): StatusWatcher {
  const { o } = sim;
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  return new StatusWatcher({
    store: sim.store,
    clock: sim.clock,
    logger: createLogger(o.logLevel, sink),
    messenger: simMessenger(sim),
    kinds: new TicketKinds({ dms_export: simTracker(sim) }),
    settings: {
      intervalMs: o.intervalMs,
      maxIntervalMs: o.maxIntervalMs,
      maxAgeMs: 72 * 3_600_000,
      concurrency: o.concurrency,
      pollsPerSecond: o.quota,
      owner: 'bench',
    },
  });
}

const rss = () => process.memoryUsage().rss / 2 ** 20;
const cpuSeconds = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;

/** Runs the product on N tickets for the window (after populating the store) and measures it. */
export async function runProduct(n: number, o: ResolvedOptions, warmupSeconds: number): Promise<ProductResult> {
  const rssStartMb = rss();
  const dir = o.store === 'file' ? mkdtempSync(join(tmpdir(), 'watcher-scale-')) : undefined;
  const windowEnd = T0 + o.simulatedSeconds * 1000;
  const sim: Sim = {
    n,
    o,
    clock: new SimClock(),
    store: new SqliteStore(dir ? join(dir, 'bench.db') : ':memory:'),
    wl: new Workload(o.seed, o.meanChangeSeconds * 1000, o.minChanges, o.maxChanges),
    refl: new Reflector(T0 + warmupSeconds * 1000, windowEnd),
    dmsCalls: new CallLog(),
    slots: new Array<SlotState>(n),
    replacements: [],
    slack: { replies: 0, updates: 0, other: 0 },
    tsSeq: 0,
  };
  const watcher = makeWatcher(sim);
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  await populate(sim);
  const populateCpuS = cpuSeconds(process.cpuUsage(cpu0));
  const populateWallS = (performance.now() - wall0) / 1000;
  const rssPopulatedMb = rss();
  const cpu1 = process.cpuUsage();
  const wall1 = performance.now();
  const loop = await runLoop(sim, watcher, windowEnd);
  const runCpuS = cpuSeconds(process.cpuUsage(cpu1));
  const runWallS = (performance.now() - wall1) / 1000;
  const simulatedSecondsRun = (sim.clock.now() - T0) / 1000;
  const rssAfterMb = rss();
  const heapUsedAfterMb = process.memoryUsage().heapUsed / 2 ** 20;
  await sim.store.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  const { refl, slack } = sim;
  const slackTotal = slack.replies + slack.updates + slack.other;
  return {
    ...refl.result(sim.dmsCalls.rate(o.simulatedSeconds * 1000, o.quota)),
    slack: {
      ...slack,
      perPostedChange: refl.posts ? slackTotal / refl.posts : 0,
      perChange: refl.shownChanges ? slackTotal / refl.shownChanges : 0,
    },
    invariants: { duplicates: refl.duplicates, outOfOrder: refl.outOfOrder, stale: refl.stale },
    queueLag: { mean: loop.lagArea / (sim.clock.now() - T0) / 1000, max: loop.lagMax / 1000 },
    replacements: loop.created,
    simulatedSecondsRun,
    passes: loop.passes,
    resources: {
      rssStartMb,
      rssPopulatedMb,
      rssAfterMb,
      heapUsedAfterMb,
      populateWallS,
      populateCpuS,
      runWallS,
      runCpuS,
      cpuShareOfOneCore: runCpuS / simulatedSecondsRun,
    },
  };
}
