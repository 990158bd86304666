import type { AckFn, App, RespondArguments, RespondFn, SlashCommand } from '@slack/bolt';
import type { Logger } from 'pino';
import { buildChangeModal } from '../../blocks/dms/change-modal.js';
import { buildExportModal } from '../../blocks/dms/export-modal.js';
import { ChangeIds, ExportIds, TrackIds } from '../../blocks/dms/ids.js';
import { buildTrackModal } from '../../blocks/dms/track-modal.js';
import { helpAnswer, type SubcommandHelp } from '../../blocks/kit/help.js';
import { escapeMrkdwn } from '../../blocks/kit/text.js';
import { ActionModalIds, buildSettingsModal } from '../../blocks/tickets/action-modals.js';
import { buildTicketList, LIST_PAGE_SIZE, ticketListPages } from '../../blocks/tickets/home.js';
import type { PolicyCommand } from '../../src/access/policy.js';
import { BotError, errorFields } from '../../src/core/errors.js';
import { type OrderId, parseOrderId } from '../../src/core/ids.js';
import { personZone } from '../../src/core/time-zone.js';
import { timeBox, userMessageFor } from '../../src/core/user-message.js';
import type { Services } from '../../src/services.js';
import { ModalSeal } from '../../src/slack/click-origin.js';
import { gate } from '../kit/command-gate.js';
import { openModal } from '../kit/open-modal.js';

/** Subcommands `/dms` understands, as shown in its help. */
export const DMS_SUBCOMMANDS: SubcommandHelp[] = [
  { usage: 'export', description: 'request a data export (SELECT → file), followed here in a thread' },
  { usage: 'track', description: 'track which rows changed in past window (INSERT/UPDATE/DELETE on chosen tables)' },
  {
    usage: 'change',
    description: 'request a lock-free data change (UPDATE/DELETE/INSERT/DDL), reviewed before it is filed',
  },
  {
    usage: 'status &lt;ticket id&gt;',
    description: 'follow an existing DMS ticket (any kind) here, like one filed from Slack',
  },
  { usage: 'list [page]', description: 'your open tickets, 20 to a page (only you see the answer)' },
  { usage: 'settings', description: 'how this channel hears about status changes (threads, final states, root only)' },
  { usage: 'help', description: 'show this list' },
];

/** `/dms <subcommand>`: opens modals immediately (no cloud call before views.open) or answers with help. */
export function registerDmsCommand(app: App, s: Services): void {
  const seal = new ModalSeal(s.config.SLACK_BOT_TOKEN);
  app.command('/dms', async ({ command, ack, client, respond }) => {
    const receivedAt = Date.now();
    const [sub = '', ...rest] = command.text.trim().split(/\s+/);
    const log = s.logger.child({
      command: '/dms',
      sub: sub.slice(0, 20),
      user: command.user_id,
      channel: command.channel_id,
    });
    // Each form is sealed to its kind, this person and this channel: a forged submission cannot file elsewhere.
    const metaFor = (kind: string) => ({
      channelId: command.channel_id,
      seal: seal.seal({ kind, userId: command.user_id, channelId: command.channel_id }),
    });
    const who = { userId: command.user_id, channelId: command.channel_id };
    // Forms: acknowledge at once (Slack's 3 s), check the policy and the rate limit, then open the form with the
    // trigger id (also 3 s). A refusal arrives through the response URL, only for the person.
    const acked = async () => undefined;
    const refused = async (policyCommand: PolicyCommand, creates: boolean): Promise<boolean> => {
      await ack();
      const message = await gate(s, policyCommand, who, { creates });
      if (message)
        await respond({ response_type: 'ephemeral', text: message }).catch((err: unknown) =>
          log.warn({ err: errorFields(err) }, 'could not send the refusal'),
        );
      return message !== undefined;
    };
    switch (sub.toLowerCase()) {
      case 'export':
        if (await refused('dms.export', true)) return;
        await openModal(
          { ack: acked, client, respond, command, log, receivedAt },
          buildExportModal(metaFor(ExportIds.modal)),
        );
        return;
      case 'change':
        if (await refused('dms.change', true)) return;
        await openModal(
          { ack: acked, client, respond, command, log, receivedAt },
          buildChangeModal(metaFor(ChangeIds.modal)),
        );
        return;
      case 'track': {
        if (await refused('dms.track', true)) return;
        const c = s.config;
        const meta = metaFor(TrackIds.modal);
        const view = await openModal(
          { ack: acked, client, respond, command, log, receivedAt },
          buildTrackModal(meta, {
            dmsZone: c.DMS_TIMEZONE,
            maxWindowHours: c.TRACK_MAX_WINDOW_HOURS,
            maxLookbackDays: c.TRACK_MAX_LOOKBACK_DAYS,
          }),
        );
        if (!view) return;
        // After the modal is open: learn the person's Slack time zone and show it next to the DMS zone.
        // An unknown zone is said so (times shown in UTC), never passed to Intl: personZone is the gate.
        const zone = personZone(
          await s.resolver.resolve(command.user_id).then(
            (u) => u.tz,
            () => undefined,
          ),
        );
        if (zone && (zone.unknownName !== undefined || zone.zone !== c.DMS_TIMEZONE)) {
          await client.views
            .update({
              view_id: view.id,
              hash: view.hash,
              view: buildTrackModal(meta, {
                dmsZone: c.DMS_TIMEZONE,
                userZone: zone,
                maxWindowHours: c.TRACK_MAX_WINDOW_HOURS,
                maxLookbackDays: c.TRACK_MAX_LOOKBACK_DAYS,
              }),
            })
            .catch((err: unknown) =>
              log.debug({ err: errorFields(err) }, 'time-zone hint not updated (the person may have typed already)'),
            );
        }
        return;
      }
      case 'status':
        await followTicket(s, { ack, respond, command, log }, rest.join(' '));
        return;
      case 'list': {
        const asked = rest[0] === undefined ? 1 : /^\d{1,4}$/.test(rest[0]) ? Number(rest[0]) : 0;
        if (asked < 1 || rest.length > 1) {
          await ack({ response_type: 'ephemeral', text: '`/dms list` takes a page number, e.g. `/dms list 2`.' });
          return;
        }
        try {
          const at = (page: number) =>
            s.store.ticketsOf(command.user_id, {
              openLimit: LIST_PAGE_SIZE,
              openOffset: (page - 1) * LIST_PAGE_SIZE,
              doneLimit: 0,
            });
          let page = asked;
          let { open, openTotal } = await at(page);
          // Past the last page: the last page, and a word on how many there are.
          if (page > ticketListPages(openTotal)) {
            page = ticketListPages(openTotal);
            ({ open, openTotal } = await at(page));
          }
          await ack({
            response_type: 'ephemeral',
            ...buildTicketList(
              open.map((t) => s.watcher.card(t)),
              openTotal,
              page,
              asked,
            ),
          });
        } catch (err) {
          await ack({
            response_type: 'ephemeral',
            text: `:warning: I couldn't list your tickets. ${userMessageFor(err, log, { step: 'list' })}`,
          });
        }
        return;
      }
      case 'settings': {
        // The channel's setting is everyone's: the policy may keep it to some people (`dms.settings`).
        if (await refused('dms.settings', false)) return;
        const settings = await s.store.getChannelSettings(command.channel_id);
        await openModal(
          { ack: acked, client, respond, command, log, receivedAt },
          buildSettingsModal(
            command.channel_id,
            settings,
            seal.seal({ kind: ActionModalIds.settingsModal, userId: command.user_id, channelId: command.channel_id }),
          ),
        );
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

/**
 * `/dms status <id>`: acks at once (DMS may take longer than Slack's 3 s), then follows the ticket in this channel
 * and says how it went, only to the person who asked.
 */
async function followTicket(
  s: Services,
  a: { ack: AckFn<string | RespondArguments>; respond: RespondFn; command: SlashCommand; log: Logger },
  text: string,
): Promise<void> {
  const parsed = parseOrderId(text);
  if (!parsed.ok) {
    const why = text.trim() ? `${escapeMrkdwn(parsed.reason)} ` : '';
    await a.ack({
      response_type: 'ephemeral',
      text: `${why}Give the DMS ticket id (digits 0–9), e.g. \`/dms status 123456\`. You find it in the DMS console or in a ticket message header.`,
    });
    return;
  }
  const orderId = parsed.id;
  await a.ack({ response_type: 'ephemeral', text: `:mag: Looking up DMS ticket ${orderId}…` });
  const say = (message: string) =>
    a
      .respond({ response_type: 'ephemeral', replace_original: true, text: message })
      .catch((err: unknown) => a.log.warn({ err: errorFields(err) }, 'could not answer /dms status'));
  const refusal = await gate(
    s,
    'dms.status',
    { userId: a.command.user_id, channelId: a.command.channel_id },
    { creates: false },
  );
  if (refusal) {
    await say(refusal);
    return;
  }
  try {
    const caller = await timeBox(
      s.resolver.resolve(a.command.user_id),
      10_000,
      'resolve_timeout',
      'Checking who you are in DMS took too long. Try again in a moment.',
    );
    if (!caller.dmsUserId) {
      await audit(s, a.command, orderId, 'denied', 'dms_account');
      await say(
        `:no_entry_sign: To follow DMS tickets here you need a DMS account matched to your Slack user. ${escapeMrkdwn(caller.problem ?? '')}`,
      );
      return;
    }
    const { ticket, already, kindLabel } = await s.follows.follow({ orderId, channelId: a.command.channel_id, caller });
    await audit(
      s,
      a.command,
      orderId,
      already ? 'failed' : 'done',
      already ? 'already_followed' : 'requester',
      ticket.id,
    );
    if (already) {
      const where =
        ticket.channelId === a.command.channel_id
          ? 'in this channel'
          : /^D/.test(ticket.channelId)
            ? "in a DM (the bot couldn't post in its channel)"
            : `in <#${ticket.channelId}>`;
      await say(
        `:information_source: ${kindLabel} ticket ${orderId} is already followed ${where}, for <@${ticket.requesterSlackId}>. Its message there has the buttons.`,
      );
      return;
    }
    const where =
      ticket.channelId === a.command.channel_id ? 'here' : 'in your DMs with me (I could not post in this channel)';
    await say(
      `:eyes: Following ${/^[A-Z][a-z]/.test(kindLabel) ? kindLabel.toLowerCase() : kindLabel} ticket ${orderId} ${where}${ticket.done ? '. It has already ended, so there will be no more updates.' : '; status changes will follow in its thread.'}`,
    );
  } catch (err) {
    // Not visible (unknown, or not involved) and refused by policy are answers, not failures; the first is worded the same in every case.
    if (err instanceof BotError && (err.code === 'not_visible' || err.code.startsWith('policy:'))) {
      await audit(s, a.command, orderId, 'denied', err.code);
      await say(err.userMessage);
      return;
    }
    await audit(s, a.command, orderId, 'failed', null);
    await say(`:x: I couldn't follow DMS ticket ${orderId}. ${userMessageFor(err, a.log, { step: 'follow' })}`);
  }
}

function audit(
  s: Services,
  c: SlashCommand,
  orderId: OrderId,
  decision: 'done' | 'denied' | 'failed',
  rule: string | null,
  ticketId?: number,
): Promise<void> {
  return s.audit.record({
    actorSlackId: c.user_id,
    channelId: c.channel_id,
    action: 'dms.status',
    decision,
    rule,
    externalId: orderId,
    ticketId: ticketId ?? null,
  });
}
