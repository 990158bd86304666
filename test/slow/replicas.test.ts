import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { ExportIds } from '../../blocks/dms/ids.js';
import type { DbId } from '../../src/core/ids.js';
import { PostgresStore } from '../../src/store/postgres.js';
import type { Store, Ticket } from '../../src/store/types.js';
import { DmsEmulator } from '../support/dms-emulator.js';
import { FakeSlack, type SlackCall } from '../support/fake-slack.js';
import { exportValues, openModal, submit } from '../support/flows.js';
import {
  APP_TOKEN,
  assertNoSecretsLogged,
  BOT_TOKEN,
  CTS_SK,
  FakeClock,
  type Harness,
  SIGNING_SECRET,
  startHarness,
} from '../support/harness.js';

// Several app instances (replicas) on one PostgreSQL database: each claims due tickets with a lease for its name, a
// replica that dies loses its leases when they expire, and every thread reply is posted before it is recorded, so a
// crash in between repeats at most that one reply. Everything runs on a fake clock and awaited watcher passes.

// The PostgreSQL of test/support/postgres-setup.ts: TEST_DATABASE_URL, or a throwaway local cluster. Without one
// (never in CI, where the setup fails instead) the suite is skipped, its name saying what is missing.
const pgUrl = inject('pgUrl') ?? '';
const pgMissing = pgUrl ? '' : ` (not run: ${inject('pgMissing') ?? 'no PostgreSQL'})`;

const CHANNEL = 'C0EXPORTS';
const REQUESTER = 'U0ALICE';
/** Statuses every export ticket goes through here (the emulator moves each on once the bot has recorded the last). */
const SCRIPT = ['PRE_CHECKING', 'PRE_CHECK_SUCCESS', 'WAITING_EXPORT', 'DOING_EXPORT', 'EXPORT_SUCCESS'];
const FINAL = 'EXPORT_SUCCESS';
const INTERVAL_MS = 1_000;
const LEASE_MS = 5_000;
/** Fake time per round: more than the poll interval, less than a lease. */
const STEP_MS = 2_000;
const ENV = {
  WATCH_LEASE_MS: String(LEASE_MS),
  WATCH_CONCURRENCY: '8',
  WATCH_INTERVAL_MS: String(INTERVAL_MS),
  WATCH_MAX_INTERVAL_MS: '8000',
};

/** Replicas sharing one fake Slack, one DMS emulator, one fake clock and one PostgreSQL schema. */
interface Cluster {
  slack: FakeSlack;
  dms: DmsEmulator;
  clock: FakeClock;
  schema: string;
  /** A connection past the stores (on the test schema) for looking at rows. */
  sql: pg.Client;
  replicas: Record<string, Harness>;
  /** Each replica's PostgreSQL store, unwrapped (closed at the end whatever the replica did). */
  stores: Record<string, PostgresStore>;
}

let cluster: Cluster | undefined;

async function startCluster(
  url: string,
  replicas: { owner: string; env?: Record<string, string>; wrap?: (store: PostgresStore) => Store }[],
): Promise<Cluster> {
  const slack = await FakeSlack.start();
  const dms = await DmsEmulator.start();
  const clock = new FakeClock();
  const schema = `replicas_${randomBytes(6).toString('hex')}`;
  const c: Cluster = {
    slack,
    dms,
    clock,
    schema,
    sql: new pg.Client({ connectionString: url, options: `-c search_path=${schema}` }),
    replicas: {},
    stores: {},
  };
  cluster = c;
  await c.sql.connect();
  dms.setStatusScript('DATA_EXPORT', SCRIPT);
  dms.addDatabase({
    DatabaseId: '1001',
    SearchName: 'orders_prod',
    SchemaName: 'orders',
    DbType: 'mysql',
    EnvType: 'product',
    Logic: false,
  });
  dms.addUser({ UserId: '51', NickName: 'alice', Email: 'alice@example.com' });
  slack.addUser({ id: REQUESTER, name: 'Alice Example', email: 'alice@example.com' });
  // Started together, like replicas rolling out at once: the migrations run exactly once on the shared schema.
  await Promise.all(
    replicas.map(async (r) => {
      const store = await PostgresStore.open(url, { schema });
      c.stores[r.owner] = store;
      c.replicas[r.owner] = await startHarness({
        slack,
        dms,
        clock,
        store: r.wrap ? r.wrap(store) : store,
        owner: r.owner,
        env: { ...ENV, ...r.env },
      });
    }),
  );
  return c;
}

/** Stops every app (the fakes stay up until the end), closes the pools, drops the schema, checks the logs. */
async function stopCluster(c: Cluster): Promise<void> {
  const errors: unknown[] = [];
  for (const h of Object.values(c.replicas)) await h.stop().catch((err: unknown) => errors.push(err));
  for (const s of Object.values(c.stores)) await s.close().catch((err: unknown) => errors.push(err));
  await c.sql.query(`DROP SCHEMA IF EXISTS "${c.schema}" CASCADE`).catch((err: unknown) => errors.push(err));
  await c.sql.end().catch(() => undefined);
  await Promise.all([c.slack.close(), c.dms.close()]);
  for (const h of Object.values(c.replicas)) {
    assertNoSecretsLogged(h.logs, [BOT_TOKEN, SIGNING_SECRET, APP_TOKEN, c.dms.accessKeySecret, CTS_SK]);
    // The download link grants access to the data: it goes to the requester's DM only, never into a log line.
    assertNoSecretsLogged(h.logs, [`${c.dms.endpoint}/download/`]);
  }
  if (errors.length) throw errors[0];
}

afterEach(async () => {
  const c = cluster;
  cluster = undefined;
  if (c) await stopCluster(c);
});

/** Files `n` export tickets the quick way: the order straight in the emulator, the ticket in the store, its root posted. */
async function fileTickets(c: Cluster, via: Harness[], n: number): Promise<Ticket[]> {
  const out: Ticket[] = [];
  for (let start = 0; start < n; start += 25) {
    const batch = Array.from({ length: Math.min(25, n - start) }, (_, i) => start + i);
    out.push(
      ...(await Promise.all(
        batch.map(async (k) => {
          const h = via[k % via.length]!;
          const reason = `Replica test ${k}`;
          const sql = `SELECT id FROM orders WHERE shard = ${k}`;
          const { orderId } = await h.app.services.dms.createDataExportOrder({
            dbId: '1001' as DbId,
            logic: false,
            sql,
            classify: reason,
            affectRows: 10,
            ignoreAffectRows: false,
            ignoreAffectRowsReason: '',
            comment: reason,
            relatedUserIds: [],
          });
          const now = c.clock.now();
          const ticket = await h.app.services.store.createTicket(
            {
              kind: 'dms_export',
              externalId: orderId,
              channelId: CHANNEL,
              rootTs: null,
              requesterSlackId: REQUESTER,
              requesterDmsId: '51',
              status: null,
              details: { database: 'orders_prod', reason, sql, relatedSlackIds: [] },
              nextPollAt: now + INTERVAL_MS,
              pollIntervalMs: INTERVAL_MS,
            },
            now,
          );
          return h.app.watcher.follow(ticket);
        }),
      )),
    );
  }
  return out;
}

interface Row {
  id: number;
  externalId: string;
  rootTs: string | null;
  status: string | null;
  done: boolean;
  leaseOwner: string | null;
  leaseUntil: number | null;
}

async function rows(c: Cluster): Promise<Row[]> {
  const r = await c.sql.query<{
    id: string;
    external_id: string;
    root_ts: string | null;
    status: string | null;
    done: boolean;
    lease_owner: string | null;
    lease_until: string | null;
  }>('SELECT id, external_id, root_ts, status, done, lease_owner, lease_until FROM tickets ORDER BY id');
  return r.rows.map((x) => ({
    id: Number(x.id),
    externalId: x.external_id,
    rootTs: x.root_ts,
    status: x.status,
    done: x.done,
    leaseOwner: x.lease_owner,
    leaseUntil: x.lease_until === null ? null : Number(x.lease_until),
  }));
}

/** DMS moves on: every order whose current status the bot has recorded goes one step further along its script. */
async function progressRecorded(c: Cluster): Promise<void> {
  for (const row of await rows(c)) {
    const order = c.dms.getOrder(Number(row.externalId))!;
    if (row.status !== null && row.status === order.status && order.status !== FINAL) c.dms.advance(order.orderId);
  }
}

/** The status a thread reply announces (`STATUS` in its first section), or its fallback text. */
function statusOf(call: SlackCall): string {
  const blocks = call.args['blocks'] as { type: string; text?: { text?: string } }[] | undefined;
  const first = Array.isArray(blocks) ? blocks.find((b) => b.type === 'section')?.text?.text : undefined;
  return /`([^`]+)`/.exec(first ?? '')?.[1] ?? String(call.args['text']);
}

/** Thread replies in channels (DMs to people, U…/D…/W…, left out), grouped by thread: statuses in posting order. */
function threads(c: Cluster): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const call of c.slack.callsTo('chat.postMessage')) {
    const ts = call.args['thread_ts'];
    if (typeof ts !== 'string' || /^[UDW]/.test(String(call.args['channel']))) continue;
    out.set(ts, [...(out.get(ts) ?? []), statusOf(call)]);
  }
  return out;
}

/** (thread, status) pairs posted more than once, with their counts. */
function duplicates(c: Cluster): string[] {
  const out: string[] = [];
  for (const [ts, statuses] of threads(c)) {
    const counts = new Map<string, number>();
    for (const s of statuses) counts.set(s, (counts.get(s) ?? 0) + 1);
    for (const [s, n] of counts) if (n > 1) out.push(`${ts} ${s} x${n}`);
  }
  return out;
}

/** Ticket ids whose change to `to` a replica logged (`status changed`), by what it logged. */
function statusChanges(h: Harness, to?: string): number[] {
  const out: number[] = [];
  for (const line of h.logs) {
    if (!line.includes('"status changed"')) continue;
    const entry = JSON.parse(line) as { msg?: string; ticketId?: number; to?: string };
    if (entry.msg === 'status changed' && typeof entry.ticketId === 'number' && (to === undefined || entry.to === to))
      out.push(entry.ticketId);
  }
  return out;
}

describe.skipIf(!pgUrl)(`Replicas on one PostgreSQL database${pgMissing}`, () => {
  it('three replicas follow 200 tickets; one is killed holding leases: every ticket ends, no reply is posted twice', {
    timeout: 90_000,
  }, async () => {
    const c = await startCluster(pgUrl, [{ owner: 'replica-a' }, { owner: 'replica-b' }, { owner: 'replica-c' }]);
    const a = c.replicas['replica-a']!;
    const b = c.replicas['replica-b']!;
    const cc = c.replicas['replica-c']!;
    const tickets = await fileTickets(c, [a, b, cc], 200);
    expect(tickets.every((t) => t.rootTs !== null)).toBe(true);

    const KILL_ROUND = 3;
    let live = [a, b, cc];
    let held: Ticket[] = [];
    let heldUntil = 0;
    let round = 0;
    for (; round < 40; round++) {
      await progressRecorded(c);
      c.clock.advance(STEP_MS);
      if (round === KILL_ROUND) {
        // B claims a batch and dies before touching it: its leases stay in the database, nothing is released.
        held = await c.stores['replica-b']!.claimDue(c.clock.now(), 50, 'replica-b', LEASE_MS);
        heldUntil = c.clock.now() + LEASE_MS;
        expect(held).toHaveLength(50);
        live = [a, cc];
      }
      await Promise.all(live.map((h) => h.app.watcher.runDue()));
      if (round >= KILL_ROUND && c.clock.now() <= heldUntil) {
        // While B's leases last, nobody touches its tickets.
        const now = await rows(c);
        for (const t of held) {
          const row = now.find((r) => r.id === t.id)!;
          expect(row.leaseOwner).toBe('replica-b');
          expect(row.status).toBe(t.status);
        }
      }
      if ((await rows(c)).every((r) => r.done)) break;
    }
    expect(round).toBeLessThan(40);

    // The fake Slack's record: one root per ticket, and in each thread exactly one reply per status, in order.
    const final = await rows(c);
    const roots = c.slack
      .callsTo('chat.postMessage')
      .filter((call) => call.args['channel'] === CHANNEL && call.args['thread_ts'] === undefined);
    expect(roots).toHaveLength(200);
    expect(duplicates(c)).toEqual([]);
    const byThread = threads(c);
    expect(byThread.size).toBe(200);
    for (const r of final)
      expect({ ticket: r.id, replies: byThread.get(r.rootTs!) }).toEqual({ ticket: r.id, replies: SCRIPT });

    // Every ticket is done at the final status, its five changes recorded, and no lease is left behind.
    expect(final).toHaveLength(200);
    expect(final.filter((r) => !r.done || r.status !== FINAL)).toEqual([]);
    expect(final.filter((r) => r.leaseOwner !== null)).toEqual([]);
    const updates = await c.sql.query<{ ticket_id: string; n: string; statuses: string; threads: string }>(
      'SELECT ticket_id, COUNT(*) AS n, COUNT(DISTINCT status) AS statuses, COUNT(thread_ts) AS threads FROM ticket_updates GROUP BY ticket_id',
    );
    expect(updates.rows).toHaveLength(200);
    expect(
      updates.rows.filter(
        (u) =>
          Number(u.n) !== SCRIPT.length || Number(u.statuses) !== SCRIPT.length || Number(u.threads) !== SCRIPT.length,
      ),
    ).toEqual([]);

    // The download link went to the requester by DM, once per ticket.
    const dms = c.slack.callsTo('chat.postMessage').filter((call) => call.args['channel'] === REQUESTER);
    expect(dms).toHaveLength(200);
    for (const r of final)
      expect(dms.filter((d) => String(d.args['text']).includes(`DMS ticket ${r.externalId})`))).toHaveLength(1);

    // B's tickets were finished by A or C; B finished nothing after it died; A and C both did real work.
    const finishedBy = {
      a: new Set(statusChanges(a, FINAL)),
      b: new Set(statusChanges(b, FINAL)),
      c: new Set(statusChanges(cc, FINAL)),
    };
    for (const t of held) {
      expect(finishedBy.b.has(t.id)).toBe(false);
      expect(finishedBy.a.has(t.id) !== finishedBy.c.has(t.id)).toBe(true);
    }
    expect(finishedBy.a.size + finishedBy.c.size).toBe(200);
    expect(statusChanges(a).length).toBeGreaterThan(0);
    expect(statusChanges(cc).length).toBeGreaterThan(0);
    expect(statusChanges(b).length).toBeGreaterThan(0);
    // Each change was logged by exactly one replica: 200 tickets × 5 statuses.
    expect(statusChanges(a).length + statusChanges(b).length + statusChanges(cc).length).toBe(200 * SCRIPT.length);
  });

  // A crash between posting a reply and recording it: the next replica to poll the ticket sees the status as new and
  // posts it again. That is the one duplicate the design allows (the reverse order could lose the reply instead).
  // dies: the replica is gone from then on, and another takes over once its leases expire. survives: the write fails but
  // the replica lives; it gives the ticket back and another picks it up.
  it.each([{ mode: 'dies' }, { mode: 'survives' }] as const)(
    'crash between posted and recorded ($mode): at most one duplicate reply, the ticket still completes',
    { timeout: 30_000 },
    async ({ mode }) => {
      const TARGET_STATUS = 'WAITING_EXPORT';
      const crash = { ticketId: -1, happened: false, dead: false };
      // Concurrency 1 for X: the tickets after the crashed one in its batch are not touched, so the only reply that can
      // repeat is the crashed one's.
      const wrap = (store: PostgresStore): Store =>
        new Proxy(store, {
          get(target, prop, receiver) {
            const value: unknown = Reflect.get(target, prop, receiver);
            if (typeof value !== 'function') return value;
            const fn = value as (...args: unknown[]) => Promise<unknown>;
            return (...args: unknown[]) => {
              if (crash.dead && prop !== 'close') return Promise.reject(new Error('replica-x is gone'));
              if (
                prop === 'recordStatus' &&
                !crash.happened &&
                args[0] === crash.ticketId &&
                args[1] === TARGET_STATUS
              ) {
                crash.happened = true;
                if (mode === 'dies') crash.dead = true;
                return Promise.reject(new Error('connection lost before the status was recorded'));
              }
              return fn.apply(target, args);
            };
          },
        });
      const c = await startCluster(pgUrl, [
        { owner: 'replica-x', env: { WATCH_CONCURRENCY: '1' }, wrap },
        { owner: 'replica-y' },
      ]);
      const x = c.replicas['replica-x']!;
      const y = c.replicas['replica-y']!;
      const tickets = await fileTickets(c, [y], 4);
      const target = tickets[1]!;
      crash.ticketId = target.id;

      let crashedAt: number | undefined;
      let postedBeforeCrash = 0;
      let round = 0;
      for (; round < 30; round++) {
        await progressRecorded(c);
        c.clock.advance(STEP_MS);
        // X goes first until the crash (so it is X that crashes); then Y first (so it is Y that picks the ticket up).
        const order = crash.happened ? [y, x] : [x, y];
        for (const h of order) {
          if (h === x && crash.dead) continue;
          const before = crash.happened;
          await h.app.watcher.runDue().catch((err: unknown) => {
            // Only the dead replica's pass may fail (its store is gone).
            if (!(h === x && crash.dead)) throw err;
          });
          if (!before && crash.happened) {
            crashedAt = c.clock.now();
            postedBeforeCrash =
              threads(c)
                .get(target.rootTs!)
                ?.filter((s) => s === TARGET_STATUS).length ?? 0;
          }
        }
        if (crash.happened && mode === 'dies' && crashedAt !== undefined && c.clock.now() <= crashedAt + LEASE_MS) {
          // X's lease on the ticket still holds: nobody posts for it yet.
          const row = (await rows(c)).find((r) => r.id === target.id)!;
          expect(row.leaseOwner).toBe('replica-x');
          expect(
            threads(c)
              .get(target.rootTs!)
              ?.filter((s) => s === TARGET_STATUS),
          ).toHaveLength(1);
        }
        if ((await rows(c)).every((r) => r.done)) break;
      }
      expect(crash.happened).toBe(true);
      expect(round).toBeLessThan(30);

      const final = await rows(c);
      expect(final.filter((r) => !r.done || r.status !== FINAL)).toEqual([]);
      // X's leases ran out (dies) or were given back (survives); Y gave back everything it took.
      expect(final.filter((r) => r.leaseOwner !== null)).toEqual([]);
      // At most one duplicate: the crashed reply (X posted it, then Y, which could not know). Everything else once.
      expect(postedBeforeCrash).toBe(1);
      const dups = duplicates(c);
      expect(dups.length).toBeLessThanOrEqual(1);
      expect(dups.filter((d) => d !== `${target.rootTs} ${TARGET_STATUS} x2`)).toEqual([]);
      const byThread = threads(c);
      for (const r of final) {
        const replies = byThread.get(r.rootTs!) ?? [];
        expect({ ticket: r.id, replies: replies.filter((s, i) => s !== replies[i - 1]) }).toEqual({
          ticket: r.id,
          replies: SCRIPT,
        });
      }
      // The store recorded the status once (the failed write left nothing behind), and Y recorded it.
      const recorded = await c.sql.query<{ status: string }>(
        'SELECT status FROM ticket_updates WHERE ticket_id = $1 ORDER BY id',
        [target.id],
      );
      expect(recorded.rows.map((r) => r.status)).toEqual(SCRIPT);
      expect(statusChanges(y, TARGET_STATUS)).toContain(target.id);
      expect(statusChanges(x, TARGET_STATUS)).not.toContain(target.id);
      expect(statusChanges(y, FINAL)).toContain(target.id);
      // The download link still went out once per ticket.
      const dms = c.slack.callsTo('chat.postMessage').filter((call) => call.args['channel'] === REQUESTER);
      expect(dms).toHaveLength(tickets.length);
    },
  );

  it('two replicas, eight forms submitted at once while DMS is slow, a limit of three: exactly three tickets are filed', {
    timeout: 30_000,
  }, async () => {
    const c = await startCluster(pgUrl, [
      { owner: 'x', env: { RATE_LIMIT_PER_USER_PER_HOUR: '3' } },
      { owner: 'y', env: { RATE_LIMIT_PER_USER_PER_HOUR: '3' } },
    ]);
    const { x, y } = c.replicas as { x: Harness; y: Harness };
    const forms: { h: Harness; view: Record<string, unknown> }[] = [];
    for (let i = 0; i < 8; i++) {
      const h = i % 2 ? y : x;
      forms.push({ h, view: await openModal(h, 'export', CHANNEL, REQUESTER) });
    }
    c.dms.latencyMs = (action) => (action === 'CreateOrder' ? 300 : 0);
    const values = exportValues({
      [ExportIds.relatedBlock]: { [ExportIds.relatedSelect]: { type: 'multi_users_select', selected_users: [] } },
    });
    const answers = await Promise.all(forms.map((f) => submit(f.h, f.view, values, REQUESTER)));
    const refused = answers.filter((a) => a.response_action === 'errors');
    expect(refused).toHaveLength(5);
    for (const a of refused) expect(a.errors?.[ExportIds.dbBlock]).toContain('the limit is 3 per hour');
    const accepted = forms.filter((_, i) => answers[i]!.response_action === 'update');
    await Promise.all(
      accepted.map((f) =>
        c.slack.waitFor(
          'views.update',
          (call) => call.args['view_id'] === f.view['id'] && JSON.stringify(call.args['view']).includes('is filed'),
        ),
      ),
    );
    expect(c.dms.calls('CreateOrder')).toHaveLength(3);
    const slots = await c.sql.query('SELECT key FROM create_slots WHERE slack_id = $1', [REQUESTER]);
    expect(slots.rowCount).toBe(3);
  });
});
