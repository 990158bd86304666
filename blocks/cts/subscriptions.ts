import type { KnownBlock, ModalView, PlainTextInput } from '@slack/types';
import type { ViewStateValues } from '../../src/dms/export/form.js';
import type { CtsSubscription } from '../../src/store/cts-events.js';
import { decodeMetadata, encodeMetadata } from '../kit/metadata.js';
import { asMrkdwn, cloudText, mention, plain, truncate } from '../kit/text.js';
import { SubscriptionIds as Ids } from './ids.js';

/** What the `/cts subscribe` modal carries: the channel it was opened in, sealed to the person and the form. */
export interface SubscribeModalMetadata {
  channelId: string;
  seal?: string;
}

/** The form as typed (raw text; the service validates it). */
export interface SubscribeFormInput {
  topicUrn?: string;
  serviceTypes?: string;
  resourceTypes?: string;
  traceNames?: string;
}

const text = (t: string) => ({ type: 'plain_text' as const, text: t });

function input(
  blockId: string,
  actionId: string,
  label: string,
  opts: { optional?: boolean; hint?: string; placeholder?: string; initial?: string; max: number },
): KnownBlock {
  const element: PlainTextInput = {
    type: 'plain_text_input',
    action_id: actionId,
    max_length: opts.max,
    ...(opts.placeholder ? { placeholder: text(opts.placeholder) } : {}),
    ...(opts.initial ? { initial_value: truncate(opts.initial, opts.max, '') } : {}),
  };
  return {
    type: 'input',
    block_id: blockId,
    label: text(label),
    optional: opts.optional === true,
    element,
    ...(opts.hint ? { hint: text(opts.hint) } : {}),
  };
}

/** The `/cts subscribe` modal: an SMN topic URN, and optional filters by service type, resource type and trace name. */
export function buildSubscribeModal(meta: SubscribeModalMetadata, values: SubscribeFormInput = {}): ModalView {
  const listHint = 'Comma-separated; leave empty for all.';
  return {
    type: 'modal',
    callback_id: Ids.modal,
    private_metadata: encodeMetadata({ channelId: meta.channelId, ...(meta.seal ? { seal: meta.seal } : {}) }),
    title: text('CTS key events'),
    submit: text('Subscribe'),
    close: text('Cancel'),
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: 'Key events of the SMN topic below are posted in this channel. In SMN, the topic needs an HTTPS subscription to this bot’s `/cts/events` URL (see the README).',
        },
      },
      input(Ids.topicBlock, Ids.topicInput, 'SMN topic URN', {
        placeholder: 'urn:smn:cn-north-4:<project id>:<topic name>',
        initial: values.topicUrn,
        max: 400,
      }),
      input(Ids.serviceBlock, Ids.serviceInput, 'Service types', {
        optional: true,
        hint: `${listHint} e.g. ECS, VPC, IAM`,
        initial: values.serviceTypes,
        max: 500,
      }),
      input(Ids.resourceBlock, Ids.resourceInput, 'Resource types', {
        optional: true,
        hint: `${listHint} e.g. ecs, vpc, user`,
        initial: values.resourceTypes,
        max: 500,
      }),
      input(Ids.traceBlock, Ids.traceInput, 'Trace names', {
        optional: true,
        hint: `${listHint} e.g. deleteServer, createUser`,
        initial: values.traceNames,
        max: 1000,
      }),
    ],
  };
}

/** Reads the modal's metadata back; undefined when it is missing or not ours. */
export function decodeSubscribeMetadata(raw: string | undefined): SubscribeModalMetadata | undefined {
  const m = decodeMetadata(raw);
  return m ? { channelId: m.channelId, ...(m.seal ? { seal: m.seal } : {}) } : undefined;
}

/** Reads the form's state (raw text). */
export function readSubscribeForm(values: ViewStateValues): SubscribeFormInput {
  const str = (block: string, action: string) => values[block]?.[action]?.value ?? undefined;
  return {
    topicUrn: str(Ids.topicBlock, Ids.topicInput),
    serviceTypes: str(Ids.serviceBlock, Ids.serviceInput),
    resourceTypes: str(Ids.resourceBlock, Ids.resourceInput),
    traceNames: str(Ids.traceBlock, Ids.traceInput),
  };
}

const filterWords = (s: CtsSubscription): string => {
  const parts = [
    ['services', s.filters.serviceTypes],
    ['resources', s.filters.resourceTypes],
    ['traces', s.filters.traceNames],
  ]
    .filter(([, list]) => list!.length > 0)
    .map(([name, list]) => `${name}: ${cloudText((list as string[]).join(', '), 300)}`);
  return parts.length ? parts.join(' · ') : 'all key events';
};

/** One subscription in words: `urn` (filters), added by whom. */
export function subscriptionLine(s: CtsSubscription): string {
  return asMrkdwn(`\`${cloudText(s.topicUrn, 400)}\` — ${filterWords(s)} — added by ${mention(s.createdBy)}`);
}

const LIST_TEXT_BUDGET = 10_000;
const ROW_MAX = 1_200;

/** `/cts subscriptions`: this channel's subscriptions, each with a Remove button that asks first. */
export function buildSubscriptionList(
  channelId: string,
  subs: CtsSubscription[],
  note?: string,
): { text: string; blocks: KnownBlock[] } {
  const head = note ? `${note}\n` : '';
  if (subs.length === 0) {
    const t = `${head}No SMN topics are mapped to <#${channelId}>. Add one with \`/cts subscribe\`.`;
    return { text: t, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: t } }] };
  }
  // Slack refuses a message whose blocks carry more than ~12,000 characters of text: rows are shown while they fit.
  let budget = LIST_TEXT_BUDGET;
  const shown: CtsSubscription[] = [];
  for (const s of subs.slice(0, 40)) {
    const cost = truncate(subscriptionLine(s), ROW_MAX).length + 400;
    if (cost > budget) break;
    budget -= cost;
    shown.push(s);
  }
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: `${head}*CTS key events posted in <#${channelId}>*` } },
    ...shown.map(
      (s): KnownBlock => ({
        type: 'section',
        text: { type: 'mrkdwn', text: truncate(subscriptionLine(s), ROW_MAX) },
        accessory: {
          type: 'button',
          action_id: Ids.remove,
          value: String(s.id),
          style: 'danger',
          text: text('Remove'),
          confirm: {
            title: text('Remove this subscription?'),
            text: text(
              plain(
                `Key events of ${s.topicUrn} will no longer be posted here. The SMN subscription itself stays.`,
                300,
              ),
            ),
            confirm: text('Remove'),
            deny: text('Keep'),
          },
        },
      }),
    ),
  ];
  if (subs.length > shown.length)
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `…and ${subs.length - shown.length} more (remove some to see them).` }],
    });
  return { text: `${head}${subs.length} SMN topic(s) mapped to this channel.`, blocks };
}
