import type { App } from '@slack/bolt';
import { escapeMrkdwn } from '../../blocks/kit/text.js';
import {
  DIGEST_OFF,
  DIGEST_TIMES,
  decodeSettingsMetadata,
  HEARS_WORDS,
  ActionModalIds as Ids,
  THREAD_MODE_WORDS,
} from '../../blocks/tickets/action-modals.js';
import { errorFields } from '../../src/core/errors.js';
import { knownTimeZone } from '../../src/core/time-zone.js';
import type { ViewStateValues } from '../../src/dms/export/form.js';
import type { Services } from '../../src/services.js';
import { ModalSeal } from '../../src/slack/click-origin.js';
import {
  CHANNEL_HEARS,
  type ChannelHears,
  type ChannelSettings,
  THREAD_MODES,
  type ThreadMode,
} from '../../src/store/types.js';
import { plainError, submissionRefusal } from '../kit/command-gate.js';

/** Open tickets whose messages are redrawn after a change (the oldest; later ones show it at their next change). */
const REDRAW_LIMIT = 200;

/** `/dms settings` saved: store the channel's thread mode, what it hears and its digest, and confirm them to the person. */
export function registerSettingsSubmission(app: App, s: Services): void {
  const seal = new ModalSeal(s.config.SLACK_BOT_TOKEN);
  app.view(Ids.settingsModal, async ({ ack, body, view }) => {
    // The channel is the one the form was opened in, for this person: sealed, so a forged one does not verify.
    const meta = decodeSettingsMetadata(view.private_metadata);
    const channelId =
      meta && seal.verify({ kind: Ids.settingsModal, userId: body.user.id, channelId: meta.channelId }, meta.seal)
        ? meta.channelId
        : undefined;
    // Bolt's ViewStateValue is a loose union; the envelope schema (src/slack/envelope.ts) has checked these values already.
    const values = view.state.values as unknown as ViewStateValues;
    const mode = values[Ids.modeBlock]?.[Ids.modeRadio]?.selected_option?.value;
    if (!channelId || !mode || !(THREAD_MODES as readonly string[]).includes(mode)) {
      await ack({
        response_action: 'errors',
        errors: {
          [Ids.modeBlock]: channelId
            ? 'Pick one of the options.'
            : 'This form lost track of its channel. Run /dms settings again.',
        },
      });
      return;
    }
    const hears = values[Ids.hearsBlock]?.[Ids.hearsRadio]?.selected_option?.value;
    const digestAt = values[Ids.digestBlock]?.[Ids.digestSelect]?.selected_option?.value;
    if (hears !== undefined && !(CHANNEL_HEARS as readonly string[]).includes(hears)) {
      await ack({ response_action: 'errors', errors: { [Ids.hearsBlock]: 'Pick one of the options.' } });
      return;
    }
    if (digestAt !== undefined && digestAt !== DIGEST_OFF && !DIGEST_TIMES.includes(digestAt)) {
      await ack({ response_action: 'errors', errors: { [Ids.digestBlock]: 'Pick one of the times, or No digest.' } });
      return;
    }
    const userId = body.user.id;
    // Checked again on saving: the policy may have changed since the form opened, or the form was replayed.
    const refused = await submissionRefusal(s, 'dms.settings', { userId, channelId }, { creates: false });
    if (refused) {
      await ack({ response_action: 'errors', errors: { [Ids.modeBlock]: plainError(refused) } });
      return;
    }
    await ack();
    const now = s.clock.now();
    // A form opened before these fields existed keeps what the channel had.
    const before = await s.store.getChannelSettings(channelId);
    const digest =
      digestAt === undefined
        ? before.digest
        : digestAt === DIGEST_OFF
          ? null
          : { at: digestAt, zone: await zoneOf(s, userId) };
    const saved: ChannelSettings = {
      threadMode: mode as ThreadMode,
      hears: (hears as ChannelHears | undefined) ?? before.hears,
      digest,
    };
    await s.store.setChannelSettings(channelId, saved, userId, now);
    await s.audit.record({
      at: now,
      actorSlackId: userId,
      channelId,
      action: 'settings.thread_mode',
      decision: 'done',
      detail: { mode, hears: saved.hears, digest: saved.digest?.at ?? DIGEST_OFF },
    });
    s.logger.info({ channelId, mode, by: userId }, 'channel thread mode changed');
    await s.messenger
      .tellUser(channelId, userId, {
        text: [
          `:gear: Ticket updates in <#${channelId}>: *${THREAD_MODE_WORDS[mode as ThreadMode].label}*. ${THREAD_MODE_WORDS[mode as ThreadMode].description}`,
          `Which changes: *${HEARS_WORDS[saved.hears].label}*. ${HEARS_WORDS[saved.hears].description}`,
          saved.digest
            ? `Daily digest: working days at *${saved.digest.at}* (${escapeMrkdwn(saved.digest.zone)}).`
            : 'Daily digest: none.',
        ].join('\n'),
      })
      .catch(() => undefined);
    // The open tickets' messages here say where their updates go: redraw them now, not at their next change.
    const open = await s.store.openTicketsIn(channelId, REDRAW_LIMIT).catch(() => []);
    for (const t of open) {
      await s.watcher
        .redraw(t.id)
        .catch((err: unknown) =>
          s.logger.warn(
            { ticketId: t.id, err: errorFields(err) },
            'ticket message not redrawn after a settings change',
          ),
        );
    }
  });
}

/** The zone a digest time is read in: the person's Slack zone when this runtime knows it, else DMS_TIMEZONE. */
async function zoneOf(s: Services, userId: string): Promise<string> {
  const tz = await s.resolver
    .resolve(userId)
    .then((u) => u.tz)
    .catch(() => undefined);
  return knownTimeZone(tz) ?? s.config.DMS_TIMEZONE;
}
