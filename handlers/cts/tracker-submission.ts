import type { App } from '@slack/bolt';
import type { KnownBlock } from '@slack/types';
import { TrackerIds as Ids } from '../../blocks/cts/ids.js';
import {
  buildTrackerNotCreatedMessage,
  summaryFromRequest,
  trackerTypeLabel,
} from '../../blocks/cts/tracker-message.js';
import { buildTrackerResultModal, readTrackerForm, trackerErrorsByBlock } from '../../blocks/cts/tracker-modal.js';
import { escapeMrkdwn, truncate } from '../../blocks/kit/text.js';
import { errorFields } from '../../src/core/errors.js';
import { userMessageFor } from '../../src/core/user-message.js';
import type { CreateTrackerRequest } from '../../src/cts/schemas.js';
import { validateTrackerInput } from '../../src/cts/tracker-form.js';
import type { Services } from '../../src/services.js';
import { submitTicket, type TicketModalSpec } from '../kit/submit-ticket.js';

const section = (mrkdwn: string): KnownBlock => ({
  type: 'section',
  text: { type: 'mrkdwn', text: truncate(mrkdwn, 3000) },
});

/** A validated `/cts tracker` form: the CreateTracker body, exactly as it will be sent. */
interface TrackerForm {
  body: CreateTrackerRequest;
  /** Nobody else is named on a tracker. */
  relatedSlackIds?: undefined;
}

/** The CTS tracker on the shared submission flow: no databases, nobody to match to DMS, CTS's own words. */
const spec: TicketModalSpec<TrackerForm> = {
  noun: 'CTS tracker',
  command: 'cts.tracker',
  dbBlockId: Ids.typeBlock,
  firstBlockId: Ids.typeBlock,
  people: 'none',
  unavailable: (s) => (s.ctsTrackers ? undefined : 'CTS is no longer configured on this bot; ask an operator.'),
  rerun: '/cts tracker',
  parse: (values, meta, view) => {
    const shown = meta.variant;
    if (shown !== 'system' && shown !== 'data')
      return {
        ok: false,
        errors: { [Ids.typeBlock]: 'This form lost track of its channel. Close it and run /cts tracker again.' },
      };
    const form = readTrackerForm(values);
    if (form.trackerType !== undefined && form.trackerType !== shown) {
      // The radio moved but the redraw has not landed: the fields on screen belong to the other type.
      return {
        ok: false,
        errors: {
          [Ids.typeBlock]:
            'The form is still switching to the fields of this tracker type. Wait a moment, check the fields, and submit again.',
        },
      };
    }
    const result = validateTrackerInput(form);
    if (!result.ok) {
      const inView = new Set(view.blocks.map((b) => b.block_id).filter((id): id is string => typeof id === 'string'));
      return { ok: false, errors: trackerErrorsByBlock(result.errors, inView) };
    }
    return { ok: true, form: { body: result.body } };
  },
  creatingView: ({ body }) =>
    buildTrackerResultModal('Creating tracker…', [
      section(`:hourglass_flowing_sand: Creating the CTS tracker *${escapeMrkdwn(body.tracker_name)}*…`),
    ]),
  create: async (s, { form, channelId, requester }) => {
    const trackers = s.ctsTrackers;
    if (!trackers) throw new Error('CTS is not configured'); // checked by `unavailable` before the ack
    const created = await trackers.create({ body: form.body, channelId, requesterSlackId: requester.slackId });
    const t = created.tracker;
    const where =
      created.ticket.channelId === channelId ? `<#${channelId}>` : 'your DMs with me (I could not post in the channel)';
    const lines = [
      `:white_check_mark: Tracker created: *${escapeMrkdwn(t.tracker_name)}* (${trackerTypeLabel(escapeMrkdwn(t.tracker_type))}), id \`${escapeMrkdwn(t.id)}\`.`,
      created.alreadyFollowed
        ? 'It was already being followed in its existing thread.'
        : `I'll post its status in ${where} as CTS reports it.`,
    ];
    if (created.confirmation) lines.push(escapeMrkdwn(created.confirmation));
    return {
      ticket: created.ticket,
      doneView: buildTrackerResultModal('Tracker created', [section(lines.join('\n'))]),
    };
  },
  // The reason, and what they asked for so nothing is lost, in the modal and in a message (plain text if refused).
  tellFailure: async (s, { err, form, client, viewId, channelId, userId, log }) => {
    const message = buildTrackerNotCreatedMessage(
      userMessageFor(err, log, { step: 'create' }),
      summaryFromRequest(form.body),
    );
    await client.views
      .update({ view_id: viewId, view: buildTrackerResultModal('Tracker not created', message.blocks) })
      .catch(() => undefined);
    await s.messenger
      .tellUser(channelId, userId, message)
      .catch(() => s.messenger.tellUser(channelId, userId, { text: truncate(message.text, 3000) }))
      .catch((e: unknown) => log.warn({ err: errorFields(e) }, 'could not tell the requester'));
  },
};

/** `/cts tracker` modal submission, on the shared flow (handlers/kit/submit-ticket.ts). */
export function registerTrackerSubmission(app: App, s: Services): void {
  app.view(Ids.modal, (args) => submitTicket(s, spec, args));
}
