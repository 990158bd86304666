import type { DbId } from '../../src/core/ids.js';
import { DmsPushSender } from '../../src/sandbox/dms-push-sender.js';
import type { Ticket } from '../../src/store/types.js';
import { type Harness, type HarnessOptions, startHarness } from './harness.js';

export const PUSH_TOKEN = 'push-token-0123456789abcdef0123456789abcdef';
export const PUSH_SECRET = 'dms-webhook-secret-SECRET-for-tests';
export const PUBLIC_URL = 'https://bot.example.com';

/** Harnesses whose emulator is setting a ticket up: no push for that (DMS would not notify about it either). */
const quiet = new WeakSet<Harness>();

/** The real app with DMS pushes on (token, secret, public URL) and the emulator pushing to it as tickets move. */
export async function startPushHarness(
  opts: HarnessOptions = {},
): Promise<{ h: Harness; sender: DmsPushSender; url: string }> {
  const h = await startHarness({
    ...opts,
    env: {
      DMS_WEBHOOK_TOKEN: PUSH_TOKEN,
      DMS_WEBHOOK_SECRET: PUSH_SECRET,
      DMS_WEBHOOK_PUBLIC_URL: PUBLIC_URL,
      ...opts.env,
    },
  });
  const url = `http://127.0.0.1:${h.port}/dms/events/${PUSH_TOKEN}`;
  const sender = new DmsPushSender({
    url,
    secret: PUSH_SECRET,
    signedUrl: `${PUBLIC_URL}/dms/events/${PUSH_TOKEN}`,
    now: () => h.clock.now(),
  });
  h.dms.onStatusChange((change) => {
    if (!quiet.has(h)) sender.notify(change.order);
  });
  return { h, sender, url };
}

/** Files a data export in the emulator, in `status`, and follows it (root posted); routine checks far away. */
export async function followedExport(h: Harness, status = 'WAITING_EXPORT', channelId = 'C0EXPORTS'): Promise<Ticket> {
  const { orderId } = await h.app.services.dms.createDataExportOrder({
    dbId: '1001' as DbId,
    logic: false,
    sql: 'SELECT 1',
    classify: 'q',
    affectRows: 1,
    ignoreAffectRows: false,
    ignoreAffectRowsReason: '',
    comment: 'push test',
    relatedUserIds: [],
  });
  quiet.add(h);
  h.dms.setStatus(Number(orderId), status);
  quiet.delete(h);
  const now = h.clock.now();
  const ticket = await h.app.services.store.createTicket(
    {
      kind: 'dms_export',
      externalId: orderId,
      channelId,
      rootTs: null,
      requesterSlackId: 'U0ALICE',
      requesterDmsId: '51',
      status,
      details: { database: 'orders_prod', reason: 'q', sql: 'SELECT 1', relatedSlackIds: [] },
      nextPollAt: now + 3_600_000,
      pollIntervalMs: 1000,
    },
    now,
  );
  return h.app.watcher.follow(ticket);
}

/** Files a data export in `status` and follows it without posting a root (its root ts made up): quick for many. */
export async function followedExportQuiet(
  h: Harness,
  dbId = '1001' as DbId,
  status = 'WAITING_EXPORT',
): Promise<Ticket> {
  const { orderId } = await h.app.services.dms.createDataExportOrder({
    dbId,
    logic: false,
    sql: 'SELECT 1',
    classify: 'q',
    affectRows: 1,
    ignoreAffectRows: false,
    ignoreAffectRowsReason: '',
    comment: 'push burst',
    relatedUserIds: [],
  });
  quiet.add(h);
  h.dms.setStatus(Number(orderId), status);
  quiet.delete(h);
  const now = h.clock.now();
  return h.app.services.store.createTicket(
    {
      kind: 'dms_export',
      externalId: orderId,
      channelId: 'C0EXPORTS',
      rootTs: `1700000000.${orderId.padStart(6, '0')}`,
      requesterSlackId: 'U0ALICE',
      requesterDmsId: '51',
      status,
      details: { database: 'orders_prod', reason: 'q', sql: 'SELECT 1', relatedSlackIds: [] },
      nextPollAt: now + 3_600_000,
      pollIntervalMs: 1000,
    },
    now,
  );
}

/** Waits (real time, bounded) until `cond` holds: the webhook's work runs after its answer. */
export async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** chatops_push_events_total{source="dms"} by outcome. */
export async function pushOutcomes(h: Harness): Promise<Record<string, number>> {
  const m = await h.app.services.metrics.pushEvents.get();
  return Object.fromEntries(
    m.values.filter((v) => v.labels['source'] === 'dms').map((v) => [String(v.labels['outcome']), v.value]),
  );
}
