import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DmsEmulator } from '../support/dms-emulator.js';
import { FakeSlack } from '../support/fake-slack.js';
import { exportValues, fileExport, openModal, seedPeople, submit } from '../support/flows.js';
import { type Harness, startHarness } from '../support/harness.js';
import { SwitchableProxy } from '../support/switchable-proxy.js';

describe('graceful shutdown', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ env: { SHUTDOWN_TIMEOUT_MS: '5000' } });
    seedPeople(h);
  });
  afterEach(async () => {
    await h.close();
  });

  it('finishes a ticket being filed (after the ack) before closing the store, and takes no new requests', async () => {
    const view = await openModal(h, 'export');
    // DMS is slow to answer the create: the person has their ack, the filing is still in flight when we stop.
    h.dms.latencyMs = (action) => (action === 'CreateOrder' ? 400 : 0);
    const ack = await submit(h, view, exportValues());
    expect(ack.response_action).toBe('update');
    await h.stop();
    // The filing finished: DMS has the ticket, the root message and the "is filed" modal went out, and it is stored.
    expect(h.dms.calls('CreateOrder')).toHaveLength(1);
    expect(
      h.slack.callsTo('chat.postMessage').filter((c) => /Data export ticket/.test(String(c.args['text']))),
    ).toHaveLength(1);
    expect(h.slack.callsTo('views.update').some((c) => JSON.stringify(c.args['view']).includes('is filed'))).toBe(true);
    const order = String(h.dms.allOrders()[0]!.orderId);
    expect(h.logs.some((l) => l.includes('"msg":"stopped"'))).toBe(true);
    // And nothing more is accepted.
    await expect(h.command('export')).rejects.toThrow();
    // The ticket was stored before the store closed: a new instance on the same file finds it.
    const again = await startHarness({ slack: h.slack, dms: h.dms, dbPath: h.dbPath });
    try {
      expect(await again.app.services.store.findTicketByExternalId('dms_export', order)).toBeDefined();
    } finally {
      await again.stop();
    }
  });

  it('gives back every lease it holds, so another replica takes the tickets at once', async () => {
    const store = h.app.services.store;
    const now = h.clock.now();
    for (let i = 0; i < 3; i++) {
      await store.createTicket(
        {
          kind: 'dms_export',
          externalId: `9${i}`,
          channelId: 'C0EXPORTS',
          rootTs: null,
          requesterSlackId: 'U0ALICE',
          requesterDmsId: '51',
          status: null,
          details: {},
          nextPollAt: now,
          pollIntervalMs: 1000,
        },
        now,
      );
    }
    const owner = h.app.watcher.owner;
    expect(await store.claimDue(now, 10, owner, 60_000)).toHaveLength(3);
    expect(await store.claimDue(now, 10, 'replica-other', 60_000)).toHaveLength(0);
    await h.app.watcher.stop(1_000);
    expect(await store.claimDue(now, 10, 'replica-other', 60_000)).toHaveLength(3);
  });
});

describe('a crash between recording a final status and finishing the ticket', () => {
  it('finishes the ticket at the next check instead of polling it until the maximum age', async () => {
    const h = await startHarness();
    try {
      seedPeople(h);
      const view = await openModal(h, 'export');
      await submit(h, view, exportValues());
      await h.slack.waitFor('views.update', (c) => JSON.stringify(c.args['view']).includes('is filed'));
      const store = h.app.services.store;
      const [ticket] = await store.dueTickets(h.clock.now() + 60_000, 10);
      // The status was recorded as final, and the process died before marking the ticket done.
      h.dms.setStatus(Number(ticket!.externalId), 'EXPORT_SUCCESS');
      await store.recordStatus(ticket!.id, 'EXPORT_SUCCESS', null, h.clock.now());
      h.clock.advance(10_000);
      await h.app.watcher.runDue();
      expect((await store.getTicket(ticket!.id))!.done).toBe(true);
      expect(h.logs.some((l) => l.includes('finished a ticket left open at its final status'))).toBe(true);
      h.clock.advance(60_000);
      const polls = h.dms.calls('GetDataExportOrderDetail').length;
      await h.app.watcher.runDue();
      expect(h.dms.calls('GetDataExportOrderDetail')).toHaveLength(polls);
    } finally {
      await h.close();
    }
  });
});

describe('a stop with Slack and DMS unreachable', () => {
  it('ends within its timeout while a followed ticket waits on both, and gives every lease back', async () => {
    const slack = await FakeSlack.start();
    const dms = await DmsEmulator.start();
    const slackProxy = await SwitchableProxy.start(slack.url);
    const dmsProxy = await SwitchableProxy.start(dms.endpoint);
    const h = await startHarness({
      slack,
      dms,
      env: {
        SLACK_API_URL: slackProxy.url(slack.url),
        DMS_ENDPOINT: dmsProxy.url(dms.endpoint),
        WATCH_INTERVAL_MS: '100',
        WATCH_MAX_INTERVAL_MS: '200',
      },
    });
    try {
      seedPeople(h);
      const { orderId } = await fileExport(h);
      // Slack black-holed; the status moves, so the check must update Slack; DMS black-holed for the next checks.
      slackProxy.set('hang');
      dms.advance(orderId);
      h.clock.advance(60_000);
      const polls = dms.calls('GetDataExportOrderDetail').length;
      const pass = h.app.watcher.runDue();
      // The check reached DMS, then blocked on Slack (the update): now DMS goes away too.
      await new Promise<void>((r) => {
        const t = setInterval(
          () =>
            dms.calls('GetDataExportOrderDetail').length > polls && slackProxy.swallowed > 0 && (clearInterval(t), r()),
          10,
        );
      });
      dmsProxy.set('hang');
      expect(h.app.watcher.inFlight).toBe(1);
      const started = Date.now();
      await h.app.stop({ timeoutMs: 1_500 });
      const took = Date.now() - started;
      expect(took).toBeLessThanOrEqual(1_500);
      // The Slack call still hanging when the stop gave up on it was aborted, not left to retry for half an hour.
      expect(h.logs.some((l) => l.includes('ticket update failed') && l.includes('aborted'))).toBe(true);
      const leases = new Database(h.dbPath, { readonly: true })
        .prepare('SELECT id FROM tickets WHERE lease_owner IS NOT NULL')
        .all();
      expect(leases).toEqual([]);
      void pass.catch(() => undefined);
    } finally {
      await Promise.all([slackProxy.close(), dmsProxy.close()]);
      await Promise.all([slack.close(), dms.close()]);
    }
  }, 20_000);
});
