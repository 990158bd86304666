import type { SlashCommand } from '@slack/bolt';
import type { ModalView } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { errorFields } from '../../src/core/errors.js';
import { userMessageFor } from '../../src/core/user-message.js';

const TRIGGER_BUDGET_MS = 2_500;

/** Opens a modal right away, acking in parallel (trigger ids die after 3 s); tells the person if it failed. */
export async function openModal(
  a: {
    ack: () => Promise<void>;
    client: WebClient;
    /** Tells the person (a response URL, or a DM where there is none). */
    respond: (message: { response_type: 'ephemeral'; text: string }) => Promise<unknown>;
    /** What opened the form (a slash command, a shortcut): only its trigger id is used. */
    command: Pick<SlashCommand, 'trigger_id'>;
    log: Logger;
    receivedAt?: number;
  },
  view: ModalView,
): Promise<{ id: string; hash?: string } | undefined> {
  // A trigger id lives 3 s: past ~2.5 s the call would most likely fail; say so instead of trying.
  if (a.receivedAt !== undefined && Date.now() - a.receivedAt > TRIGGER_BUDGET_MS) {
    a.log.warn({ ms: Date.now() - a.receivedAt }, 'trigger id too old to open the form');
    await a.ack().catch(() => undefined);
    await a
      .respond({
        response_type: 'ephemeral',
        text: ':hourglass: I was too slow to open the form (Slack allows 3 seconds). Please run the command again.',
      })
      .catch(() => undefined);
    return undefined;
  }
  // The view goes JSON-encoded, as the Web API's form body carries it anyway (the same bytes reach Slack): the client
  // then does not walk the whole view for its debug-log redaction nor encode it again (~35 µs less per form).
  const encoded = JSON.stringify(view) as unknown as ModalView;
  const [, opened] = await Promise.allSettled([
    a.ack(),
    a.client.views.open({ trigger_id: a.command.trigger_id, view: encoded }),
  ]);
  if (opened.status === 'rejected') {
    a.log.warn({ err: errorFields(opened.reason) }, 'views.open failed');
    await a
      .respond({
        response_type: 'ephemeral',
        text: `:warning: I couldn't open the form. ${userMessageFor(opened.reason, a.log)}`,
      })
      .catch(() => undefined);
    return undefined;
  }
  const v = opened.value.view;
  return v?.id ? { id: v.id, hash: v.hash } : undefined;
}
