import type { App, BlockButtonAction, RespondFn, SlashCommand } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { SubscriptionIds as Ids } from '../../blocks/cts/ids.js';
import {
  buildSubscribeModal,
  buildSubscriptionList,
  decodeSubscribeMetadata,
  readSubscribeForm,
} from '../../blocks/cts/subscriptions.js';
import { cloudText, mrkdwnMessage } from '../../blocks/kit/text.js';
import { errorFields } from '../../src/core/errors.js';
import { userMessageFor } from '../../src/core/user-message.js';
import type { SubscribeField } from '../../src/cts/events/subscriptions.js';
import { validateSubscribeForm } from '../../src/cts/events/subscriptions.js';
import type { Services } from '../../src/services.js';
import { ModalSeal } from '../../src/slack/click-origin.js';
import { gate, plainError, submissionRefusal } from '../kit/command-gate.js';
import { openModal } from '../kit/open-modal.js';

const FIELD_BLOCK: Record<SubscribeField, string> = {
  topicUrn: Ids.topicBlock,
  serviceTypes: Ids.serviceBlock,
  resourceTypes: Ids.resourceBlock,
  traceNames: Ids.traceBlock,
};

type CommandArgs = {
  command: SlashCommand;
  ack: () => Promise<void>;
  client: WebClient;
  respond: RespondFn;
  log: Logger;
  receivedAt: number;
};

/** `/cts subscribe`: the policy, then the modal (opened with the trigger id; a refusal comes by the response URL). */
export async function openSubscribe(s: Services, a: CommandArgs): Promise<void> {
  await a.ack();
  const who = { userId: a.command.user_id, channelId: a.command.channel_id };
  const refused = await gate(s, 'cts.subscribe', who, { creates: false });
  if (refused) {
    await a.respond({ response_type: 'ephemeral', text: refused }).catch(() => undefined);
    return;
  }
  const seal = new ModalSeal(s.config.SLACK_BOT_TOKEN).seal({ kind: Ids.modal, ...who });
  await openModal(
    {
      ack: async () => undefined,
      client: a.client,
      respond: a.respond,
      command: a.command,
      log: a.log,
      receivedAt: a.receivedAt,
    },
    buildSubscribeModal({ channelId: who.channelId, seal }),
  );
}

/** `/cts subscriptions`: this channel's topics, each with a Remove button (only the person sees the list). */
export async function listSubscriptions(s: Services, a: CommandArgs): Promise<void> {
  await a.ack();
  const who = { userId: a.command.user_id, channelId: a.command.channel_id };
  const refused = await gate(s, 'cts.subscriptions', who, { creates: false });
  if (refused) {
    await a.respond({ response_type: 'ephemeral', text: refused }).catch(() => undefined);
    return;
  }
  try {
    const subs = await s.ctsSubscriptions.list(who.channelId);
    await a.respond({ response_type: 'ephemeral', ...buildSubscriptionList(who.channelId, subs) });
  } catch (err) {
    await a
      .respond({
        response_type: 'ephemeral',
        text: `:warning: I couldn't list the subscriptions. ${userMessageFor(err, a.log, { step: 'list' })}`,
      })
      .catch(() => undefined);
  }
}

/** The `/cts subscribe` submission and the Remove button of `/cts subscriptions`. */
export function registerSubscriptionHandlers(app: App, s: Services): void {
  const seal = new ModalSeal(s.config.SLACK_BOT_TOKEN);
  app.view(Ids.modal, async ({ ack, body, view }) => {
    const userId = body.user.id;
    const log = s.logger.child({ view: Ids.modal, user: userId, viewId: view.id });
    const read = decodeSubscribeMetadata(view.private_metadata);
    const meta =
      read && seal.verify({ kind: Ids.modal, userId, channelId: read.channelId }, read.seal) ? read : undefined;
    if (!meta) {
      await ack({
        response_action: 'errors',
        errors: { [Ids.topicBlock]: 'This form lost track of its channel. Close it and run /cts subscribe again.' },
      });
      return;
    }
    const valid = validateSubscribeForm(readSubscribeForm(view.state.values), s.ctsSubscriptions.regions);
    if (!valid.ok) {
      const errors: Record<string, string> = {};
      for (const [field, message] of Object.entries(valid.errors))
        errors[FIELD_BLOCK[field as SubscribeField]] = message;
      await ack({ response_action: 'errors', errors });
      return;
    }
    const who = { userId, channelId: meta.channelId };
    const refused =
      (await submissionRefusal(s, 'cts.subscribe', who, { creates: false })) ??
      (await s.ctsSubscriptions
        .takeChange(userId, `view:${view.id}`)
        .catch(() => 'Checking your limit failed. Submit again in a moment.'));
    if (refused) {
      await ack({ response_action: 'errors', errors: { [Ids.topicBlock]: plainError(refused) } });
      return;
    }
    try {
      const r = await s.ctsSubscriptions.subscribe(who, valid.value);
      if (!r.ok) {
        await ack({ response_action: 'errors', errors: { [Ids.topicBlock]: plainError(r.message) } });
        return;
      }
      await ack();
      const topic = cloudText(r.subscription.topicUrn, 400);
      await s.messenger
        .tellUser(
          meta.channelId,
          userId,
          mrkdwnMessage(
            r.replaced
              ? `:white_check_mark: Updated the filters of \`${topic}\` in this channel.`
              : `:white_check_mark: Key events of \`${topic}\` will be posted in this channel. If SMN has no HTTPS subscription to this bot's \`/cts/events\` URL for the topic yet, add one in the SMN console: the bot confirms it by itself.`,
          ),
        )
        .catch((err: unknown) => log.warn({ err: errorFields(err) }, 'could not tell the person'));
    } catch (err) {
      await ack({
        response_action: 'errors',
        errors: { [Ids.topicBlock]: plainError(userMessageFor(err, log, { step: 'subscribe' })) },
      });
    }
  });

  app.action<BlockButtonAction>(Ids.remove, async ({ ack, body, action, respond }) => {
    await ack();
    const userId = body.user.id;
    const channelId = body.channel?.id;
    const id = /^\d{1,15}$/.test(action.value ?? '') ? Number(action.value) : undefined;
    const log = s.logger.child({ action: Ids.remove, user: userId, channel: channelId });
    if (!channelId || id === undefined) {
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        text: 'That button lost its channel. Run /cts subscriptions again.',
      });
      return;
    }
    const who = { userId, channelId };
    const refused =
      (await submissionRefusal(s, 'cts.subscribe', who, { creates: false })) ??
      (await s.ctsSubscriptions
        .takeChange(userId, `remove:${id}:${body.actions[0]?.action_ts ?? ''}`)
        .catch(() => 'Checking your limit failed. Try again in a moment.'));
    if (refused) {
      await respond({ response_type: 'ephemeral', replace_original: false, text: refused });
      return;
    }
    try {
      const removed = await s.ctsSubscriptions.remove(who, id);
      const note = removed
        ? `:white_check_mark: Removed \`${cloudText(removed.topicUrn, 400)}\`: its key events are no longer posted here.`
        : ':information_source: That subscription was already removed.';
      const subs = await s.ctsSubscriptions.list(channelId);
      await respond({
        response_type: 'ephemeral',
        replace_original: true,
        ...buildSubscriptionList(channelId, subs, note),
      });
    } catch (err) {
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        text: `:warning: I couldn't remove it. ${userMessageFor(err, log, { step: 'unsubscribe' })}`,
      }).catch(() => undefined);
    }
  });
}
