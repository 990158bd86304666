import { describe, expect, it } from 'vitest';
import { CtsTrackerService } from '../../../src/cts/tracker-service.js';
import { ChangeService } from '../../../src/dms/change/service.js';
import { ExportService } from '../../../src/dms/export/service.js';
import { OrderService } from '../../../src/dms/order/service.js';
import type { DmsTicketDeps } from '../../../src/dms/ticket-service.js';
import { TrackService } from '../../../src/dms/track/service.js';
import type { Ticket } from '../../../src/store/types.js';
import { TicketKinds } from '../../../src/tickets/kinds.js';

// The registry only looks services up and parses details: no service is called, so their deps are never read.
const deps = {} as DmsTicketDeps;
const dms = {
  dms_export: new ExportService(deps),
  dms_track: new TrackService({ ...deps, dmsZone: 'Asia/Shanghai' }),
  dms_change: new ChangeService(deps),
  dms_order: new OrderService(deps),
};

function ticket(kind: Ticket['kind'], details: Record<string, unknown>): Ticket {
  return {
    id: 1,
    kind,
    externalId: '9',
    channelId: 'C1',
    rootTs: null,
    requesterSlackId: 'U1',
    requesterDmsId: null,
    status: null,
    details,
    createdAt: 0,
    updatedAt: 0,
    nextPollAt: 0,
    pollIntervalMs: 1,
    done: false,
  };
}

describe('TicketKinds', () => {
  it('maps every DMS kind to its service, and CTS only when configured', () => {
    const kinds = new TicketKinds(dms);
    expect(kinds.of('dms_export')).toBe(dms.dms_export);
    expect(kinds.of('dms_track')).toBe(dms.dms_track);
    expect(kinds.of('dms_change')).toBe(dms.dms_change);
    expect(kinds.of('dms_order')).toBe(dms.dms_order);
    expect(kinds.dms('dms_order')).toBe(dms.dms_order);
    expect(kinds.of('cts_tracker')).toBeUndefined();

    const cts = new CtsTrackerService({} as ConstructorParameters<typeof CtsTrackerService>[0]);
    const withCts = new TicketKinds({ ...dms, cts_tracker: cts });
    expect(withCts.of('cts_tracker')).toBe(cts);
    // Only DMS kinds have a DMS service (filing, /dms status, recovery).
    expect(withCts.dms('cts_tracker')).toBeUndefined();
    expect(withCts.dms('dms_change')).toBe(dms.dms_change);
  });

  it('reads a stored ticket through its kind: typed, refused when malformed, unknown when not configured', () => {
    const kinds = new TicketKinds(dms);
    const good = kinds.read(ticket('dms_order', { pluginType: 'PERMISSION', comment: 'c' }));
    expect(good.ok && good.kind).toBe(dms.dms_order);
    expect(good.ok && good.ticket.details).toEqual({ pluginType: 'PERMISSION', comment: 'c' });

    const bad = kinds.read(ticket('dms_order', { comment: 3 }));
    expect(bad).toMatchObject({ ok: false, reason: 'bad_details' });
    if (!bad.ok && bad.reason === 'bad_details') expect(bad.error.paths).toEqual(['pluginType', 'comment']);

    expect(kinds.read(ticket('cts_tracker', {}))).toEqual({ ok: false, reason: 'unknown_kind' });
  });
});
