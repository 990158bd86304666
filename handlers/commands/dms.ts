import type { App, RespondArguments } from '@slack/bolt';
import { buildExportModal } from '../../blocks/export-modal.js';
import { buildHelpMessage, type SubcommandHelp } from '../../blocks/help.js';
import type { Services } from '../../src/services.js';
import { userMessageFor } from '../../src/user-errors.js';

/** Subcommands `/dms` understands, as shown in its help. */
export const DMS_SUBCOMMANDS: SubcommandHelp[] = [
  { usage: 'export', description: 'open a form to request a data export ticket (SELECT → file), followed here in a thread' },
  { usage: 'help', description: 'show this list' },
];

/** `/dms <subcommand>`: opens modals immediately (no cloud call before views.open) or answers with help. */
export function registerDmsCommand(app: App, s: Services): void {
  app.command('/dms', async ({ command, ack, client, respond }) => {
    const [sub = '', ...rest] = command.text.trim().split(/\s+/);
    const log = s.logger.child({ command: '/dms', sub, user: command.user_id, channel: command.channel_id });
    switch (sub.toLowerCase()) {
      case 'export': {
        // Trigger ids die after 3 s: open the modal first and ack in parallel; slow parts load as the person types.
        const [, opened] = await Promise.allSettled([ack(), client.views.open({ trigger_id: command.trigger_id, view: buildExportModal({ channelId: command.channel_id }) })]);
        if (opened.status === 'rejected') {
          log.warn({ err: String(opened.reason) }, 'views.open failed');
          await respond({ response_type: 'ephemeral', text: `:warning: I couldn't open the form. ${userMessageFor(opened.reason, log)}` }).catch(() => undefined);
        }
        return;
      }
      case '':
      case 'help':
        await ack(help());
        return;
      default:
        log.info({ rest: rest.length }, 'unknown subcommand');
        await ack(help(sub));
    }
  });
}

function help(unknown?: string): RespondArguments {
  return { response_type: 'ephemeral', ...buildHelpMessage('/dms', DMS_SUBCOMMANDS, unknown) };
}
