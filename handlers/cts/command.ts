import type { App } from '@slack/bolt';
import { TrackerIds } from '../../blocks/cts/ids.js';
import { buildTrackerListMessage } from '../../blocks/cts/tracker-message.js';
import { buildTrackerModal } from '../../blocks/cts/tracker-modal.js';
import { helpAnswer, type SubcommandHelp } from '../../blocks/kit/help.js';
import { errorFields } from '../../src/core/errors.js';
import { userMessageFor } from '../../src/core/user-message.js';
import type { Services } from '../../src/services.js';
import { ModalSeal } from '../../src/slack/click-origin.js';
import { gate } from '../kit/command-gate.js';
import { openModal } from '../kit/open-modal.js';
import { listSubscriptions, openSubscribe } from './subscriptions.js';

/** Subcommands `/cts` understands, as shown in its help. */
export const CTS_SUBCOMMANDS: SubcommandHelp[] = [
  {
    usage: 'tracker [data|system]',
    description:
      'open a form to create a CTS tracker (data, or the management tracker); its status is followed here in a thread',
  },
  {
    usage: 'list [page]',
    description: 'list the trackers in this project: type, status, and where traces go (a page at a time)',
  },
  {
    usage: 'subscribe',
    description:
      'post the CTS key events of an SMN topic in this channel (optional filters by service, resource, trace)',
  },
  { usage: 'subscriptions', description: 'list the SMN topics mapped to this channel and remove them' },
  { usage: 'help', description: 'show this list' },
];

const NOT_CONFIGURED =
  ':information_source: CTS trackers are not set up on this bot yet. An operator needs to set `HUAWEICLOUD_SDK_AK`, `HUAWEICLOUD_SDK_SK` and `CTS_PROJECT_ID` (see the README). `/dms` works meanwhile.';

/** `/cts <subcommand>`: opens the tracker modal at once (no cloud call before views.open), lists trackers, or helps. */
export function registerCtsCommand(app: App, s: Services): void {
  app.command('/cts', async ({ command, ack, client, respond }) => {
    const receivedAt = Date.now();
    const trackers = s.ctsTrackers;
    const [first = ''] = command.text.trim().split(/\s+/);
    // Key events come through SMN: they need no CTS API credentials.
    if (first.toLowerCase() === 'subscribe' || first.toLowerCase() === 'subscriptions') {
      const log = s.logger.child({ command: '/cts', sub: first.toLowerCase(), user: command.user_id });
      const args = { command, ack, client, respond, log, receivedAt };
      await (first.toLowerCase() === 'subscribe' ? openSubscribe(s, args) : listSubscriptions(s, args));
      return;
    }
    if (!trackers) {
      await ack({ response_type: 'ephemeral', text: NOT_CONFIGURED });
      return;
    }
    const [sub = '', ...rest] = command.text.trim().split(/\s+/);
    const log = s.logger.child({ command: '/cts', sub, user: command.user_id, channel: command.channel_id });
    switch (sub.toLowerCase()) {
      case 'tracker': {
        // Acknowledge at once; check; then open the form with the trigger id. A refusal comes by the response URL.
        await ack();
        const refused = await gate(
          s,
          'cts.tracker',
          { userId: command.user_id, channelId: command.channel_id },
          { creates: true },
        );
        if (refused) {
          await respond({ response_type: 'ephemeral', text: refused }).catch(() => undefined);
          return;
        }
        const wanted = (rest[0] ?? '').toLowerCase();
        const trackerType = wanted === 'system' || wanted === 'management' ? 'system' : 'data';
        // Trigger ids die after 3 s: open the modal first and ack in parallel.
        await openModal(
          { ack: async () => undefined, client, respond, command, log, receivedAt },
          buildTrackerModal({
            channelId: command.channel_id,
            trackerType,
            seal: new ModalSeal(s.config.SLACK_BOT_TOKEN).seal({
              kind: TrackerIds.modal,
              userId: command.user_id,
              channelId: command.channel_id,
            }),
          }),
        );
        return;
      }
      case 'list': {
        const page = rest[0] === undefined ? 1 : /^\d{1,4}$/.test(rest[0]) ? Number(rest[0]) : 0;
        if (page < 1) {
          await ack({ response_type: 'ephemeral', text: '`/cts list` takes a page number, e.g. `/cts list 2`.' });
          return;
        }
        // ListTrackers may be slow (and is retried): answer Slack now, the list follows through response_url.
        await ack();
        const refused = await gate(
          s,
          'cts.list',
          { userId: command.user_id, channelId: command.channel_id },
          { creates: false },
        );
        if (refused) {
          await respond({ response_type: 'ephemeral', text: refused }).catch(() => undefined);
          return;
        }
        try {
          const items = await trackers.list();
          await respond({ response_type: 'ephemeral', ...buildTrackerListMessage(items, page) });
        } catch (err) {
          await respond({
            response_type: 'ephemeral',
            text: `:warning: I couldn't list the CTS trackers. ${userMessageFor(err, log, { step: 'list' })}`,
          }).catch((e: unknown) => log.warn({ err: errorFields(e) }, 'could not answer /cts list'));
        }
        return;
      }
      case '':
      case 'help':
        await ack(helpAnswer('/cts', CTS_SUBCOMMANDS));
        return;
      default:
        log.info({ rest: rest.length }, 'unknown subcommand');
        await ack(helpAnswer('/cts', CTS_SUBCOMMANDS, sub));
    }
  });
}
