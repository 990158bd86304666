import type { AllMiddlewareArgs, SlackViewAction, SlackViewMiddlewareArgs, ViewOutput } from '@slack/bolt';
import type { KnownBlock, ModalView } from '@slack/types';
import type { Logger } from 'pino';
import { buildNoticeModal } from '../../blocks/dms/export-modal.js';
import { blocksAsText, messagesOf } from '../../blocks/kit/kept.js';
import { decodeMetadata, type ModalMetadata } from '../../blocks/kit/metadata.js';
import { truncate } from '../../blocks/kit/text.js';
import type { PolicyCommand } from '../../src/access/policy.js';
import { BotError, CloudApiError, errorFields, sendOutcome } from '../../src/core/errors.js';
import type { DbId } from '../../src/core/ids.js';
import { timeBox, userMessageFor } from '../../src/core/user-message.js';
import type { ViewStateValues } from '../../src/dms/export/form.js';
import type { Services } from '../../src/services.js';
import { ModalSeal } from '../../src/slack/click-origin.js';
import type { ResolvedUser } from '../../src/slack/user-resolver.js';
import type { Ticket } from '../../src/store/types.js';
import { plainError, settleCreateSlot, submissionRefusal, takeCreateSlot } from './command-gate.js';

const RESOLVE_BUDGET_MS = 2_000;

/** What parsing a ticket modal can answer: a form, inline errors, or a view to show instead (a review step). */
export type ParseOutcome<F> =
  | { ok: true; form: F }
  | { ok: false; errors: Record<string, string> }
  | { ok: 'show'; view: ModalView };

/** What filing produced: the ticket, and the "done" modal when the spec words it itself. */
export interface Filed {
  ticket: Ticket;
  /** Default: "DMS ticket <id> is filed", naming where its status goes. */
  doneView?: ModalView;
}

/** What a failed create is told with, for a spec that words it itself (see {@link TicketModalSpec.tellFailure}). */
export interface FailureArgs<F> {
  err: unknown;
  form: F;
  client: ViewArgs['client'];
  viewId: string;
  channelId: string;
  userId: string;
  log: Logger;
}

/** How one kind of ticket modal is read and filed. */
export interface TicketModalSpec<F extends { relatedSlackIds?: readonly string[] }> {
  /** "data export", "data tracking", ... (for messages). */
  noun: string;
  /** The policy command this form files. */
  command: PolicyCommand;
  /** Where a policy or rate-limit refusal is shown: the database picker (DMS), the type (CTS). */
  dbBlockId: string;
  /** DMS database ids the form touches (none: the policy is checked without databases). */
  databaseIds?(form: F): DbId[];
  /** Block that shows "form lost its channel" (and "service not configured") errors. */
  firstBlockId: string;
  /** Block of the related-people picker; forms without one (`people: 'none'`) omit it. */
  relatedBlockId?: string;
  /** 'dms' (default): the requester and related people are matched to DMS users first. 'none': nobody is (CTS). */
  people?: 'dms' | 'none';
  /** Words when the service this form files with is not configured (checked first); undefined when it is. */
  unavailable?(s: Services): string | undefined;
  /** What to run again when the form's channel does not verify (default "the command"). */
  rerun?: string;
  /** Pure and quick: it runs before the ack. */
  parse(values: ViewStateValues, meta: ModalMetadata, view: ViewOutput): ParseOutcome<F>;
  /** A check that needs the cloud (the SQL review's engine lookup), after the policy allowed it; a small budget. */
  review?(s: Services, values: ViewStateValues, meta: ModalMetadata): Promise<ParseOutcome<F>>;
  /** The modal shown while the ticket is filed (default: "Filing your <noun> ticket with DMS…"). */
  creatingView?(form: F): ModalView;
  create(
    s: Services,
    args: {
      form: F;
      channelId: string;
      /** Matched to DMS (`people: 'dms'`), else only the Slack id (`name` is the id too). */
      requester: ResolvedUser;
      related: ResolvedUser[];
      slotKey?: string;
      /** The message a shortcut filed it from (its permalink, as Slack gave it). */
      sourcePermalink?: string;
    },
  ): Promise<Ticket | Filed>;
  /** Blocks that give back what the person typed, so a failure loses nothing (the default failure path shows them). */
  keep?(form: F): KnownBlock[];
  /** Tells the person a create failed, in the spec's own words (default: by outcome, with {@link keep}, via tellOutcome). */
  tellFailure?(s: Services, a: FailureArgs<F>): Promise<void>;
}

type ViewArgs = SlackViewMiddlewareArgs<SlackViewAction> & AllMiddlewareArgs;

/**
 * The submission flow every ticket modal shares: validate (inline errors), match people to DMS users within the
 * ack budget, claim the view id so a retry never files twice, ack with a "creating" view, then file the ticket and
 * tell the person how it went, where they are.
 */
export async function submitTicket<F extends { relatedSlackIds?: readonly string[] }>(
  s: Services,
  spec: TicketModalSpec<F>,
  { ack, body, view, client }: ViewArgs,
): Promise<void> {
  if (body.type !== 'view_submission') return;
  const userId = body.user.id;
  const log = s.logger.child({ view: view.callback_id, user: userId, viewId: view.id });
  const unavailable = spec.unavailable?.(s);
  if (unavailable) {
    await ack({ response_action: 'errors', errors: { [spec.firstBlockId]: unavailable } });
    return;
  }
  // The channel is the one the form was opened in, for this person and this form: a forged one does not verify.
  const meta = decodeMetadata(view.private_metadata);
  if (
    !meta ||
    !new ModalSeal(s.config.SLACK_BOT_TOKEN).verify(
      { kind: view.callback_id, userId, channelId: meta.channelId, origin: meta.origin },
      meta.seal,
    )
  ) {
    await ack({
      response_action: 'errors',
      errors: {
        [spec.firstBlockId]: `This form lost track of its channel. Close it and run ${spec.rerun ?? 'the command'} again.`,
      },
    });
    return;
  }
  // Bolt's ViewStateValue is a loose union; the envelope schema (src/slack/envelope.ts) has checked these values already.
  const values = view.state.values as unknown as ViewStateValues;
  const parsed = spec.parse(values, meta, view);
  if (parsed.ok === false) {
    await ack({ response_action: 'errors', errors: parsed.errors });
    return;
  }
  if (parsed.ok === 'show') {
    await ack({ response_action: 'update', view: parsed.view });
    return;
  }
  let form = parsed.form;

  // The policy and the rate limit hold even if the picker was bypassed (a crafted submission, a typed id).
  const refused = await submissionRefusal(s, spec.command, {
    userId,
    channelId: meta.channelId,
    ...(spec.databaseIds ? { databases: spec.databaseIds(form) } : {}),
  });
  if (refused) {
    await ack({ response_action: 'errors', errors: { [spec.dbBlockId]: plainError(refused) } });
    return;
  }
  if (spec.review) {
    const reviewed = await spec.review(s, values, meta);
    if (reviewed.ok !== true) {
      await ack(
        reviewed.ok === false
          ? { response_action: 'errors', errors: reviewed.errors }
          : { response_action: 'update', view: reviewed.view },
      );
      return;
    }
    form = reviewed.form;
  }

  let requester: ResolvedUser = { slackId: userId, name: userId };
  let related: ResolvedUser[] = [];
  if (spec.people !== 'none') {
    const relatedBlock = spec.relatedBlockId ?? spec.firstBlockId;
    let people: ResolvedUser[];
    try {
      people = await timeBox(
        s.resolver.resolveAll([userId, ...(form.relatedSlackIds ?? [])]),
        RESOLVE_BUDGET_MS,
        'resolve_timeout',
        'Checking the related users took too long (Slack or DMS is slow). Submit again in a moment.',
      );
    } catch (err) {
      await ack({ response_action: 'errors', errors: { [relatedBlock]: plainError(userMessageFor(err, log)) } });
      return;
    }
    [requester, ...related] = people as [ResolvedUser, ...ResolvedUser[]];
    const unresolved = related.filter((u) => !u.dmsUserId);
    if (unresolved.length) {
      await ack({
        response_action: 'errors',
        errors: { [relatedBlock]: plainError(unresolved.map((u) => u.problem).join(' ')) },
      });
      return;
    }
  }

  // The rate limit, for real this time: a slot taken atomically, so concurrent submissions cannot pass it together.
  const slot = await takeCreateSlot(s, { userId, channelId: meta.channelId });
  if ('refused' in slot) {
    await ack({ response_action: 'errors', errors: { [spec.dbBlockId]: plainError(slot.refused) } });
    return;
  }

  // A Slack retry or a double click of the same view must not file a second ticket.
  const key = `view:${view.id}`;
  if (!(await s.store.claimSubmission(key, s.clock.now()))) {
    log.info('duplicate submission ignored');
    await s.store.releaseCreateSlot(slot.key).catch(() => undefined);
    await ack();
    return;
  }
  await ack({
    response_action: 'update',
    view:
      spec.creatingView?.(form) ??
      buildNoticeModal('Creating ticket…', `:hourglass_flowing_sand: Filing your ${spec.noun} ticket with DMS…`),
  });

  try {
    // A form filed from a message (a shortcut) links the ticket's root to it: the link is Slack's, asked for now.
    const sourcePermalink = meta.origin ? await s.messenger.permalink(meta.channelId, meta.origin) : undefined;
    const made = await spec.create(s, {
      form,
      channelId: meta.channelId,
      requester,
      related,
      slotKey: slot.key,
      sourcePermalink,
    });
    const { ticket, doneView } = 'ticket' in made ? made : { ticket: made, doneView: undefined };
    await s.store.completeSubmission(key, ticket.id);
    await auditCreate(s, {
      userId,
      dmsUserId: requester.dmsUserId,
      channelId: meta.channelId,
      command: spec.command,
      decision: 'done',
      ticket,
    });
    const where =
      ticket.channelId === meta.channelId
        ? `<#${meta.channelId}>`
        : 'your DMs with me (I could not post in the channel)';
    await client.views
      .update({
        view_id: view.id,
        view:
          doneView ??
          buildNoticeModal(
            'Ticket created',
            `:white_check_mark: DMS ticket *${ticket.externalId}* is filed. I'll post its status in ${where} as it moves.`,
          ),
      })
      .catch(() => undefined);
  } catch (err) {
    await settleCreateSlot(s, slot.key, err);
    await auditCreate(s, {
      userId,
      dmsUserId: requester.dmsUserId,
      channelId: meta.channelId,
      command: spec.command,
      decision: 'failed',
      error: err,
    });
    if (spec.tellFailure) {
      await spec.tellFailure(s, { err, form, client, viewId: view.id, channelId: meta.channelId, userId, log });
      return;
    }
    // DMS may have created it after all: say so, and that the bot keeps looking (recovery tells them what it finds).
    const outcome = sendOutcome(err);
    const why = userMessageFor(err, log, { step: 'create' });
    const [title, text] =
      outcome === 'unknown'
        ? [
            'Status unknown',
            `:grey_question: I don't know yet whether your ${spec.noun} ticket was filed. ${why} I'll keep looking and tell you here.`,
          ]
        : outcome === 'not_sent'
          ? ['Ticket not created', `:x: Your ${spec.noun} request was not sent, so no ticket was filed. ${why}`]
          : ['Ticket not created', `:x: Your ${spec.noun} ticket was not filed. ${why}`];
    await tellOutcome(s, {
      client,
      viewId: view.id,
      channelId: meta.channelId,
      userId,
      title,
      text,
      kept: spec.keep?.(form) ?? [],
      log,
    });
  }
}

/**
 * Tells the person how a create ended, with their request given back, where they are: the modal and an ephemeral
 * (or DM). Everything is cut to Block Kit's limits (long requests go out as several sections and messages); if Slack
 * refuses the rich message anyway, the same words go out as plain text, and failing that a short line.
 */
export async function tellOutcome(
  s: Services,
  a: {
    client: ViewArgs['client'];
    viewId: string;
    channelId: string;
    userId: string;
    title: string;
    text: string;
    kept: KnownBlock[];
    log: Logger;
  },
): Promise<void> {
  const head: KnownBlock = { type: 'section', text: { type: 'mrkdwn', text: truncate(a.text, 3000) } };
  const short = truncate(a.text, 2900);
  await a.client.views
    .update({ view_id: a.viewId, view: buildNoticeModal(a.title, a.text, a.kept) })
    .catch(() =>
      a.client.views.update({
        view_id: a.viewId,
        view: buildNoticeModal(a.title, `${short}\n_Your request is in the message I sent you._`),
      }),
    )
    .catch((e: unknown) => a.log.warn({ err: errorFields(e) }, 'could not update the modal'));
  try {
    const messages = messagesOf(head, a.kept);
    for (const [i, blocks] of messages.entries()) {
      const text = i === 0 ? a.text : `Your request, continued (${i + 1} of ${messages.length})`;
      await s.messenger.tellUser(a.channelId, a.userId, { text: truncate(text, 3000), blocks });
    }
    return;
  } catch (err) {
    a.log.warn({ err: errorFields(err) }, 'rich message refused; sending plain text');
  }
  const kept = blocksAsText(a.kept);
  for (const text of [`${a.text}\n${truncate(kept, 30_000)}`, short]) {
    try {
      await s.messenger.tellUser(a.channelId, a.userId, { text });
      return;
    } catch (err) {
      a.log.warn({ err: errorFields(err) }, 'plain message refused');
    }
  }
  a.log.error('could not tell the requester at all');
}

/** The audit line for a create: who, where, which ticket (and DMS's request id), or why it failed. */
export function auditCreate(
  s: Services,
  a: {
    userId: string;
    dmsUserId?: string;
    channelId: string;
    command: string;
    decision: 'done' | 'failed';
    ticket?: Ticket;
    error?: unknown;
  },
): Promise<void> {
  if (a.decision === 'done' && a.ticket) s.metrics.ticketsCreated.inc({ kind: a.ticket.kind });
  const code =
    a.error instanceof CloudApiError
      ? a.error.details.errorCode
      : a.error instanceof BotError
        ? a.error.code
        : a.error
          ? 'error'
          : undefined;
  const requestId =
    a.error instanceof CloudApiError
      ? a.error.details.requestId
      : (a.ticket?.details['createRequestId'] as string | undefined);
  return s.audit.record({
    actorSlackId: a.userId,
    actorDmsId: a.dmsUserId ?? null,
    channelId: a.channelId,
    action: `${a.command}.create`,
    decision: a.decision,
    rule: null,
    ticketId: a.ticket?.id ?? null,
    externalId: a.ticket?.externalId ?? null,
    cloudRequestId: requestId ?? null,
    detail: code ? { error: code } : {},
  });
}
