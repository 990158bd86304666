import type { App } from '@slack/bolt';
import { buildChangeModal } from '../../blocks/change-modal.js';
import { buildExportModal } from '../../blocks/export-modal.js';
import { helpAnswer, type SubcommandHelp } from '../../blocks/help.js';
import { buildTrackModal } from '../../blocks/track-modal.js';
import type { Services } from '../../src/services.js';
import { openModal } from '../open-modal.js';

/** Subcommands `/dms` understands, as shown in its help. */
export const DMS_SUBCOMMANDS: SubcommandHelp[] = [
  { usage: 'export', description: 'request a data export (SELECT → file), followed here in a thread' },
  { usage: 'track', description: 'track which rows changed in past window (INSERT/UPDATE/DELETE on chosen tables)' },
  { usage: 'change', description: 'request a lock-free data change (UPDATE/DELETE/INSERT/DDL), reviewed before it is filed' },
  { usage: 'help', description: 'show this list' },
];

/** `/dms <subcommand>`: opens modals immediately (no cloud call before views.open) or answers with help. */
export function registerDmsCommand(app: App, s: Services): void {
  app.command('/dms', async ({ command, ack, client, respond }) => {
    const [sub = '', ...rest] = command.text.trim().split(/\s+/);
    const log = s.logger.child({ command: '/dms', sub: sub.slice(0, 20), user: command.user_id, channel: command.channel_id });
    const meta = { channelId: command.channel_id };
    switch (sub.toLowerCase()) {
      case 'export':
        await openModal({ ack, client, respond, command, log }, buildExportModal(meta));
        return;
      case 'change':
        await openModal({ ack, client, respond, command, log }, buildChangeModal(meta));
        return;
      case 'track': {
        const c = s.config;
        const view = await openModal({ ack, client, respond, command, log }, buildTrackModal(meta, { dmsZone: c.DMS_TIMEZONE, maxWindowHours: c.TRACK_MAX_WINDOW_HOURS, maxLookbackDays: c.TRACK_MAX_LOOKBACK_DAYS }));
        if (!view) return;
        // After the modal is open: learn the person's Slack time zone and show it next to the DMS zone.
        const tz = await s.resolver.resolve(command.user_id).then((u) => u.tz, () => undefined);
        if (tz && tz !== c.DMS_TIMEZONE) {
          await client.views
            .update({ view_id: view.id, hash: view.hash, view: buildTrackModal(meta, { dmsZone: c.DMS_TIMEZONE, userZone: tz, maxWindowHours: c.TRACK_MAX_WINDOW_HOURS, maxLookbackDays: c.TRACK_MAX_LOOKBACK_DAYS }) })
            .catch((err: unknown) => log.debug({ err: String(err) }, 'time-zone hint not updated (the person may have typed already)'));
        }
        return;
      }
      case '':
      case 'help':
        await ack(helpAnswer('/dms', DMS_SUBCOMMANDS));
        return;
      default:
        log.info({ rest: rest.length }, 'unknown subcommand');
        await ack(helpAnswer('/dms', DMS_SUBCOMMANDS, sub));
    }
  });
}
