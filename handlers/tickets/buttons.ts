import type { AckFn, App, BlockAction, ButtonAction, ViewResponseAction } from '@slack/bolt';
import { buildNoticeModal } from '../../blocks/dms/export-modal.js';
import {
  buildRejectModal,
  buildRunExportModal,
  decodeTicketMetadata,
  EXPORT_ENCODINGS,
  EXPORT_FILE_TYPES,
  ActionModalIds as Ids,
  REJECT_REASON_MAX,
} from '../../blocks/tickets/action-modals.js';
import { TICKET_ACTION_PREFIX, type TicketActionId } from '../../blocks/tickets/controls.js';
import { errorFields } from '../../src/core/errors.js';
import { parseChannelId } from '../../src/core/ids.js';
import { readProse } from '../../src/core/text-input.js';
import type { ViewStateValues } from '../../src/dms/export/form.js';
import type { Services } from '../../src/services.js';
import { clickOrigin, decodeOrigin, encodeOrigin, ModalSeal } from '../../src/slack/click-origin.js';
import { type ActionOutcome, type ClickOrigin, NO_SUCH_TICKET } from '../../src/tickets/actions.js';

/** Where a click came from: a message in a channel (or DM), or the Home tab. */
type Surface = { kind: 'message'; channelId: string } | { kind: 'home' };

/**
 * Where to answer a click: the channel of the container it came from (the bound message's channel, or the channel an
 * ephemeral list was shown in), else the clicker's Home. Never `body.channel.id` on its own: readClick refuses a
 * click whose channel disagrees with its container.
 */
function surfaceOf(body: BlockAction, origin: ClickOrigin | undefined): Surface {
  if (origin?.kind === 'message') return { kind: 'message', channelId: origin.channelId };
  const container = body.container as Record<string, unknown> | undefined;
  const channel = container?.['type'] === 'message' ? parseChannelId(container['channel_id']) : undefined;
  return channel?.ok ? { kind: 'message', channelId: channel.id } : { kind: 'home' };
}

/** A button's value is the ticket's internal id, spelled as the bot writes it (no sign, no leading zeros); anything else is not ours. */
function ticketIdOf(value: string | undefined): number | undefined {
  return value && /^[1-9][0-9]{0,14}$/.test(value) ? Number(value) : undefined;
}

/** Tells the person who clicked how it went, where they are: ephemeral in the channel, or on their Home tab. */
async function tell(s: Services, userId: string, surface: Surface, outcome: ActionOutcome): Promise<void> {
  try {
    if (surface.kind === 'home') await s.home.publish(userId, outcome.message);
    else await s.messenger.tellUser(surface.channelId, userId, { text: outcome.message });
  } catch (err) {
    s.logger.warn({ userId, err: errorFields(err) }, 'could not tell the person how their click went');
  }
}

/**
 * Who clicked, where, on which ticket. A value that is not a ticket id, or a container that cannot carry a ticket
 * button, gets the same answer as a missing ticket (NO_SUCH_TICKET) and gives undefined.
 */
async function readClick(
  s: Services,
  body: BlockAction,
  action: ButtonAction,
): Promise<{ userId: string; surface: Surface; ticketId: number; origin: ClickOrigin } | undefined> {
  const userId = body.user.id;
  const ticketId = ticketIdOf(action.value);
  const origin = clickOrigin(body.container as Record<string, unknown> | undefined, body.view);
  const surface = surfaceOf(body, origin);
  // A click names one channel: the container's. One whose `channel` says another is not from that container.
  const claimed = body.channel?.id;
  const agrees = claimed === undefined || (surface.kind === 'message' && surface.channelId === claimed);
  if (ticketId && origin && agrees) return { userId, surface, ticketId, origin };
  await tell(s, userId, surface, { result: 'unknown', message: NO_SUCH_TICKET });
  return undefined;
}

/**
 * The modal's ticket and channel, if its private_metadata is sealed for this kind of modal, this person, that
 * channel, ticket and origin (else undefined). The channel of a message origin is the origin's own.
 */
function sealedTicket(
  seal: ModalSeal,
  kind: string,
  raw: string | undefined,
  userId: string,
): { ticketId: number; origin: ClickOrigin; channelId?: string } | undefined {
  const meta = decodeTicketMetadata(raw);
  const origin = decodeOrigin(meta?.origin);
  if (
    !meta ||
    !origin ||
    !seal.verify({ kind, userId, channelId: meta.channelId, ticketId: meta.ticketId, origin: meta.origin }, meta.seal)
  )
    return undefined;
  if (origin.kind === 'message' && meta.channelId !== origin.channelId) return undefined;
  return { ticketId: meta.ticketId, origin, ...(meta.channelId ? { channelId: meta.channelId } : {}) };
}

/** A Reject / Run export form whose metadata is not sealed for this person (forged, or opened before an upgrade): the same for every ticket. */
const NOT_SEALED =
  "This form doesn't lead to a ticket I can act on. Close it and press the button on the ticket's own message again.";

const DIRECT: TicketActionId[] = ['submit', 'approve', 'refresh', 'stop', 'download'];

/** The buttons on ticket messages and the Home tab, and the two small modals some of them open. */
export function registerTicketButtons(app: App, s: Services): void {
  const seal = new ModalSeal(s.config.SLACK_BOT_TOKEN);
  app.action<BlockAction<ButtonAction>>(
    new RegExp(`^${TICKET_ACTION_PREFIX}(${DIRECT.join('|')})$`),
    async ({ ack, body, action }) => {
      // Acknowledge at once; the work (DMS calls, thread replies) follows.
      await ack();
      const click = await readClick(s, body, action);
      if (!click) return;
      const { userId, surface, ticketId, origin } = click;
      const which = action.action_id.slice(TICKET_ACTION_PREFIX.length) as TicketActionId;
      const outcome = await s.ticketActions.perform({
        action: which,
        ticketId,
        actorSlackId: userId,
        origin,
        channelId: surface.kind === 'message' ? surface.channelId : undefined,
      });
      await tell(s, userId, surface, outcome);
    },
  );

  // Reject and Run export ask for more first: open the modal within the trigger's 3 s, then check the person.
  for (const which of ['reject', 'run'] as const) {
    app.action<BlockAction<ButtonAction>>(`${TICKET_ACTION_PREFIX}${which}`, async ({ ack, body, action, client }) => {
      await ack();
      const click = await readClick(s, body, action);
      if (!click) return;
      const { userId, surface, ticketId, origin } = click;
      // Nothing about the ticket (not even its summary in the modal) before the click is known to belong to it.
      const summary = await s.ticketActions.summaryOf({ ticketId, actorSlackId: userId, origin });
      if (summary === undefined) {
        await tell(s, userId, surface, { result: 'unknown', message: NO_SUCH_TICKET });
        return;
      }
      const spelled = encodeOrigin(origin);
      const channelId = surface.kind === 'message' ? surface.channelId : undefined;
      const kind = which === 'reject' ? Ids.rejectModal : Ids.runModal;
      const meta = {
        ticketId,
        ...(channelId ? { channelId } : {}),
        origin: spelled,
        seal: seal.seal({ kind, userId, channelId, ticketId, origin: spelled }),
      };
      const view = which === 'reject' ? buildRejectModal(meta, summary) : buildRunExportModal(meta, summary);
      const opened = await client.views.open({ trigger_id: body.trigger_id, view }).catch((err: unknown) => {
        s.logger.warn({ err: errorFields(err) }, 'could not open the action modal');
        return undefined;
      });
      const refused = await s.ticketActions.precheck({
        action: which,
        ticketId,
        actorSlackId: userId,
        origin,
        channelId: meta.channelId,
      });
      if (!refused && !opened) {
        await tell(s, userId, surface, {
          result: 'failed',
          message: ":warning: Slack didn't let me open the form in time. Press the button again.",
        });
        return;
      }
      if (!refused) return;
      await tell(s, userId, surface, refused);
      const viewId = opened?.view?.id;
      if (viewId)
        await client.views
          .update({
            view_id: viewId,
            view: buildNoticeModal(which === 'reject' ? 'Reject ticket' : 'Run export', refused.message),
          })
          .catch(() => undefined);
    });
  }

  app.view(Ids.rejectModal, async ({ ack, body, view, client }) => {
    const meta = sealedTicket(seal, Ids.rejectModal, view.private_metadata, body.user.id);
    const values: ViewStateValues = view.state.values;
    const typed = values[Ids.reasonBlock]?.[Ids.reasonInput]?.value;
    if (!meta) {
      await ack({ response_action: 'errors', errors: { [Ids.reasonBlock]: NOT_SEALED } });
      return;
    }
    // The one normaliser: invisible characters and Unicode blanks do not count, a broken character is refused.
    const why = 'Say why in a few words: the requester reads this in the thread.';
    const read = readProse(typed, {
      required: why,
      min: [3, why],
      max: [REJECT_REASON_MAX, `Keep the reason under ${REJECT_REASON_MAX} characters (it has {n}).`],
    });
    if (!read.ok) {
      await ack({ response_action: 'errors', errors: { [Ids.reasonBlock]: read.error } });
      return;
    }
    const reason = read.text;
    await submitAction(
      s,
      { ack, client, viewId: view.id, userId: body.user.id, title: 'Reject ticket' },
      {
        action: 'reject',
        ticketId: meta.ticketId,
        actorSlackId: body.user.id,
        origin: meta.origin,
        channelId: meta.channelId,
        reason,
      },
    );
  });

  app.view(Ids.runModal, async ({ ack, body, view, client }) => {
    const meta = sealedTicket(seal, Ids.runModal, view.private_metadata, body.user.id);
    const values: ViewStateValues = view.state.values;
    const fileType = values[Ids.fileTypeBlock]?.[Ids.fileTypeSelect]?.selected_option?.value ?? '';
    const encoding = values[Ids.encodingBlock]?.[Ids.encodingSelect]?.selected_option?.value ?? '';
    const errors: Record<string, string> = {};
    if (!meta) errors[Ids.fileTypeBlock] = NOT_SEALED;
    if (!(EXPORT_FILE_TYPES as readonly string[]).includes(fileType))
      errors[Ids.fileTypeBlock] = `Pick one of ${EXPORT_FILE_TYPES.join(', ')}.`;
    if (!(EXPORT_ENCODINGS as readonly string[]).includes(encoding))
      errors[Ids.encodingBlock] = `Pick one of ${EXPORT_ENCODINGS.join(', ')}.`;
    if (!meta || Object.keys(errors).length) {
      await ack({ response_action: 'errors', errors });
      return;
    }
    await submitAction(
      s,
      { ack, client, viewId: view.id, userId: body.user.id, title: 'Run export' },
      {
        action: 'run',
        ticketId: meta.ticketId,
        actorSlackId: body.user.id,
        origin: meta.origin,
        channelId: meta.channelId,
        fileType,
        encoding,
      },
    );
  });
}

/** A modal's submission: "working" at once, then the outcome in the modal (and ephemerally if refused). */
async function submitAction(
  s: Services,
  ui: {
    ack: AckFn<ViewResponseAction> | AckFn<void>;
    client: App['client'];
    viewId: string;
    userId: string;
    title: string;
  },
  req: Parameters<Services['ticketActions']['perform']>[0],
): Promise<void> {
  // A retried or double submission of the same view acts once.
  const ack = ui.ack as AckFn<ViewResponseAction>;
  if (!(await s.store.claimSubmission(`view:${ui.viewId}`, s.clock.now()))) {
    await ack();
    return;
  }
  await ack({ response_action: 'update', view: buildNoticeModal(ui.title, ':hourglass_flowing_sand: Working on it…') });
  const outcome = await s.ticketActions.perform(req);
  await ui.client.views
    .update({ view_id: ui.viewId, view: buildNoticeModal(ui.title, outcome.message) })
    .catch(() => undefined);
  if (outcome.result !== 'done')
    await tell(s, ui.userId, req.channelId ? { kind: 'message', channelId: req.channelId } : { kind: 'home' }, outcome);
}
