import type { App } from '@slack/bolt';
import { TrackIds as Ids } from '../../blocks/dms/ids.js';
import { keptBlocks } from '../../blocks/kit/kept.js';
import { parseTrackSubmission, type TrackForm } from '../../src/dms/track/form.js';
import type { Services } from '../../src/services.js';
import { submitTicket, type TicketModalSpec } from '../kit/submit-ticket.js';

/** How the tracking form is read and filed (the modal and the Workflow Builder step share it). */
export function trackSpec(s: Services): TicketModalSpec<TrackForm> {
  return {
    noun: 'data tracking',
    command: 'dms.track',
    dbBlockId: Ids.dbBlock,
    databaseIds: (form) => [form.db.id],
    firstBlockId: Ids.dbBlock,
    relatedBlockId: Ids.relatedBlock,
    parse: (values) =>
      parseTrackSubmission(values, {
        nowSeconds: Math.floor(s.clock.now() / 1000),
        maxWindowHours: s.config.TRACK_MAX_WINDOW_HOURS,
        maxLookbackDays: s.config.TRACK_MAX_LOOKBACK_DAYS,
        dmsZone: s.config.DMS_TIMEZONE,
      }),
    create: (svc, args) => svc.tracks.create(args),
    keep: (form) =>
      keptBlocks('Your request, so nothing is lost:', [
        { label: 'Database', value: form.db.label },
        { label: 'Tables', value: form.tables.join(', ') },
        { label: 'Operations', value: form.trackTypes.join('/') },
        { label: `Window (${s.config.DMS_TIMEZONE})`, value: `${form.startDms} → ${form.endDms}` },
        { label: 'Reason', value: form.reason },
      ]),
  };
}

/** `/dms track` modal submission. */
export function registerTrackSubmission(app: App, s: Services): void {
  const spec = trackSpec(s);
  app.view(Ids.modal, (args) => submitTicket(s, spec, args));
}
