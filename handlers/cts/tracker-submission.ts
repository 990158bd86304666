import type { App } from '@slack/bolt';
import type { KnownBlock } from '@slack/types';
import { TrackerIds as Ids } from '../../blocks/cts/ids.js';
import {
  buildTrackerNotCreatedMessage,
  summaryFromRequest,
  trackerTypeLabel,
} from '../../blocks/cts/tracker-message.js';
import {
  buildTrackerResultModal,
  decodeTrackerMetadata,
  readTrackerForm,
  trackerErrorsByBlock,
} from '../../blocks/cts/tracker-modal.js';
import { escapeMrkdwn, truncate } from '../../blocks/kit/text.js';
import { errorFields } from '../../src/core/errors.js';
import { userMessageFor } from '../../src/core/user-message.js';
import { validateTrackerInput } from '../../src/cts/tracker-form.js';
import type { Services } from '../../src/services.js';
import { ModalSeal } from '../../src/slack/click-origin.js';
import { plainError, settleCreateSlot, submissionRefusal, takeCreateSlot } from '../kit/command-gate.js';
import { auditCreate } from '../kit/submit-ticket.js';

const section = (mrkdwn: string): KnownBlock => ({
  type: 'section',
  text: { type: 'mrkdwn', text: truncate(mrkdwn, 3000) },
});

/** `/cts tracker` modal submission: validate inline, claim the view once, then create the tracker after the ack. */
export function registerTrackerSubmission(app: App, s: Services): void {
  const seal = new ModalSeal(s.config.SLACK_BOT_TOKEN);
  app.view(Ids.modal, async ({ ack, body, view, client }) => {
    const userId = body.user.id;
    const log = s.logger.child({ view: Ids.modal, user: userId, viewId: view.id });
    const trackers = s.ctsTrackers;
    // The channel is the one the form was opened in, for this person: sealed, so a forged one does not verify.
    const read = decodeTrackerMetadata(view.private_metadata);
    const meta =
      read && seal.verify({ kind: Ids.modal, userId, channelId: read.channelId }, read.seal) ? read : undefined;
    if (!trackers || !meta) {
      const why = trackers
        ? 'This form lost track of its channel. Close it and run /cts tracker again.'
        : 'CTS is no longer configured on this bot; ask an operator.';
      await ack({ response_action: 'errors', errors: { [Ids.typeBlock]: why } });
      return;
    }
    const form = readTrackerForm(view.state.values);
    if (form.trackerType !== undefined && form.trackerType !== meta.trackerType) {
      // The radio moved but the redraw has not landed: the fields on screen belong to the other type.
      await ack({
        response_action: 'errors',
        errors: {
          [Ids.typeBlock]:
            'The form is still switching to the fields of this tracker type. Wait a moment, check the fields, and submit again.',
        },
      });
      return;
    }
    const result = validateTrackerInput(form);
    if (!result.ok) {
      const inView = new Set(view.blocks.map((b) => b.block_id).filter((id): id is string => typeof id === 'string'));
      await ack({ response_action: 'errors', errors: trackerErrorsByBlock(result.errors, inView) });
      return;
    }
    const asked = result.body;
    const refused = await submissionRefusal(s, 'cts.tracker', { userId, channelId: meta.channelId });
    if (refused) {
      await ack({ response_action: 'errors', errors: { [Ids.typeBlock]: refused.replace(/[*`]|:[a-z_]+: /g, '') } });
      return;
    }

    // The rate limit for real: a creation slot taken atomically, given back only if CTS certainly created nothing.
    const slot = await takeCreateSlot(s, { userId, channelId: meta.channelId });
    if ('refused' in slot) {
      await ack({ response_action: 'errors', errors: { [Ids.typeBlock]: plainError(slot.refused) } });
      return;
    }

    // A Slack retry or a double click of the same view must not create twice.
    if (!(await s.store.claimSubmission(`view:${view.id}`, s.clock.now()))) {
      log.info('duplicate submission ignored');
      await s.store.releaseCreateSlot(slot.key).catch(() => undefined);
      await ack();
      return;
    }
    await ack({
      response_action: 'update',
      view: buildTrackerResultModal('Creating tracker…', [
        section(`:hourglass_flowing_sand: Creating the CTS tracker *${escapeMrkdwn(asked.tracker_name)}*…`),
      ]),
    });

    try {
      const created = await trackers.create({ body: asked, channelId: meta.channelId, requesterSlackId: userId });
      await s.store.completeSubmission(`view:${view.id}`, created.ticket.id);
      await auditCreate(s, {
        userId,
        channelId: meta.channelId,
        command: 'cts.tracker',
        decision: 'done',
        ticket: created.ticket,
      });
      const t = created.tracker;
      const where =
        created.ticket.channelId === meta.channelId
          ? `<#${meta.channelId}>`
          : 'your DMs with me (I could not post in the channel)';
      const lines = [
        `:white_check_mark: Tracker created: *${escapeMrkdwn(t.tracker_name)}* (${trackerTypeLabel(escapeMrkdwn(t.tracker_type))}), id \`${escapeMrkdwn(t.id)}\`.`,
        created.alreadyFollowed
          ? 'It was already being followed in its existing thread.'
          : `I'll post its status in ${where} as CTS reports it.`,
      ];
      if (created.confirmation) lines.push(escapeMrkdwn(created.confirmation));
      await client.views
        .update({ view_id: view.id, view: buildTrackerResultModal('Tracker created', [section(lines.join('\n'))]) })
        .catch(() => undefined);
    } catch (err) {
      await settleCreateSlot(s, slot.key, err);
      await auditCreate(s, {
        userId,
        channelId: meta.channelId,
        command: 'cts.tracker',
        decision: 'failed',
        error: err,
      });
      const message = buildTrackerNotCreatedMessage(
        userMessageFor(err, log, { step: 'create' }),
        summaryFromRequest(asked),
      );
      await client.views
        .update({ view_id: view.id, view: buildTrackerResultModal('Tracker not created', message.blocks) })
        .catch(() => undefined);
      // If Slack refuses the rich message, the words still reach the person as plain text.
      await s.messenger
        .tellUser(meta.channelId, userId, message)
        .catch(() => s.messenger.tellUser(meta.channelId, userId, { text: truncate(message.text, 3000) }))
        .catch((e: unknown) => log.warn({ err: errorFields(e) }, 'could not tell the requester'));
    }
  });
}
