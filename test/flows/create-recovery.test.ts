import { describe, expect, it } from 'vitest';
import type { DbId } from '../../src/core/ids.js';
import { seedPeople } from '../support/flows.js';
import { startHarness } from '../support/harness.js';

describe('creates cut short (a crash while DMS was creating the ticket)', () => {
  it('follows a ticket DMS did create, tells the requester, and gives up (saying so) on one it never created', async () => {
    const h = await startHarness();
    try {
      seedPeople(h);
      const store = h.app.services.store;
      const t0 = h.clock.now();
      const details = { database: 'orders_prod', reason: 'audit', sql: 'SELECT 1', affectRows: 1, relatedSlackIds: [] };
      // What file() records before sending the create; then the process died.
      await store.beginCreate({
        marker: 'chatops-aaaaaaaaaaaa',
        kind: 'dms_export',
        channelId: 'C0EXPORTS',
        requesterSlackId: 'U0ALICE',
        requesterDmsId: '51',
        details: { ...details, marker: 'chatops-aaaaaaaaaaaa' },
        createdAt: t0,
      });
      await store.beginCreate({
        marker: 'chatops-bbbbbbbbbbbb',
        kind: 'dms_export',
        channelId: 'C0EXPORTS',
        requesterSlackId: 'U0ALICE',
        requesterDmsId: '51',
        details: { ...details, marker: 'chatops-bbbbbbbbbbbb' },
        createdAt: t0,
      });
      // Only the first create reached DMS.
      const { orderId } = await h.app.services.dms.createDataExportOrder({
        dbId: '1001' as DbId,
        logic: false,
        sql: 'SELECT 1',
        classify: 'audit',
        affectRows: 1,
        ignoreAffectRows: false,
        ignoreAffectRowsReason: '',
        comment: 'audit\n— Requested from Slack by Alice Example (Slack U0ALICE, DMS user 51) [chatops-aaaaaaaaaaaa]',
        relatedUserIds: [],
      });

      // Too young: a create may still be in flight.
      expect(await h.app.services.recovery.run()).toBe(0);
      expect(h.dms.calls('ListOrders')).toHaveLength(0);

      h.clock.advance(60_000);
      expect(await h.app.services.recovery.run()).toBe(1);
      const ticket = await store.findTicketByExternalId('dms_export', orderId);
      expect(ticket).toMatchObject({ channelId: 'C0EXPORTS', requesterSlackId: 'U0ALICE' });
      expect(ticket!.details['marker']).toBe('chatops-aaaaaaaaaaaa');
      await h.slack.waitFor(
        'chat.postMessage',
        (c) => c.args['channel'] === 'C0EXPORTS' && String(c.args['text']).includes(`ticket ${orderId}`),
      );
      await h.slack.waitFor(
        'chat.postEphemeral',
        (c) => c.args['user'] === 'U0ALICE' && String(c.args['text']).includes('was filed after all'),
      );
      expect((await store.pendingCreates(h.clock.now())).map((p) => p.marker)).toEqual(['chatops-bbbbbbbbbbbb']);

      // The other one is looked for again until it is clearly never coming.
      h.clock.advance(15 * 60_000);
      expect(await h.app.services.recovery.run()).toBe(1);
      await h.slack.waitFor(
        'chat.postEphemeral',
        (c) => c.args['user'] === 'U0ALICE' && String(c.args['text']).includes('never reached DMS'),
      );
      expect(await store.pendingCreates(h.clock.now())).toEqual([]);
      expect(h.dms.allOrders()).toHaveLength(1);
    } finally {
      await h.close();
    }
  });

  it('a normal filing leaves nothing pending, and a definite refusal settles its record', async () => {
    const h = await startHarness();
    try {
      seedPeople(h);
      const { exportValues, openModal, submit } = await import('../support/flows.js');
      const view = await openModal(h, 'export');
      await submit(h, view, exportValues());
      await h.slack.waitFor('views.update', (c) => JSON.stringify(c.args['view']).includes('is filed'));
      h.dms.failNext('CreateOrder', { kind: 'business', code: 'InvalidDbId', message: 'no such database' });
      const again = await openModal(h, 'export');
      await submit(h, again, exportValues());
      await h.slack.waitFor('views.update', (c) => JSON.stringify(c.args['view']).includes('not filed'));
      expect(await h.app.services.store.pendingCreates(h.clock.now() + 1)).toEqual([]);
    } finally {
      await h.close();
    }
  });
});
