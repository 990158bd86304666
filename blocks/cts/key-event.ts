import type { KnownBlock } from '@slack/types';
import type { KeyEvent } from '../../src/cts/events/key-event.js';
import { asMrkdwn, cloudCode, cloudText, type Mrkdwn, mrkdwnMessage } from '../kit/text.js';

/** A message body (fallback text and blocks, escaped alike). */
export type KeyEventMessage = { text: string; blocks: KnownBlock[] };

const when = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');

/** `*deleteServer* on ECS server *web-1* by *alice (acme)*`, from whatever the trace says. */
function summary(e: KeyEvent): Mrkdwn {
  const what = e.traceName ? `*${cloudText(e.traceName, 128)}*` : 'An operation';
  const kind = [e.serviceType, e.resourceType].filter(Boolean).map((v) => cloudText(v!, 128));
  const name = e.resourceName || e.resourceId;
  const on = kind.length || name ? ` on ${kind.join(' ')}${name ? ` *${cloudText(name, 256)}*` : ''}` : '';
  const who = e.user ? ` by *${cloudText(e.user, 200)}*` : '';
  return asMrkdwn(`${what}${on}${who}`);
}

/** `Result: *200* (normal) · 2026-12-03 20:01:02 UTC · trace `id``. */
function facts(e: KeyEvent): Mrkdwn {
  const parts: string[] = [];
  if (e.code || e.status)
    parts.push(
      `Result: ${e.code ? `*${cloudCode(e.code, 16)}*` : ''}${e.status ? ` (${cloudText(e.status, 32)})` : ''}`.trim(),
    );
  if (e.time !== undefined && e.time < 8.64e15) parts.push(when(e.time));
  if (e.traceId) parts.push(`trace \`${cloudText(e.traceId, 128)}\``);
  return asMrkdwn(parts.join(' · '));
}

/**
 * A CTS key event for a channel (a thread's root, or a reply under it): who did what to which resource, the result
 * code, the time and the trace id. Everything from the trace is escaped and stripped of links, in blocks and fallback.
 */
export function buildKeyEventMessage(e: KeyEvent, topicName: string, opts: { reply: boolean }): KeyEventMessage {
  const head = opts.reply ? '' : `:bell: *CTS key event* (topic \`${cloudText(topicName, 255)}\`)\n`;
  const factsLine = facts(e);
  return mrkdwnMessage(`${head}${summary(e)}${factsLine ? `\n${factsLine}` : ''}`);
}

/** A key event whose message is not a readable trace (a text template): its subject and text, escaped, no links. */
export function buildRawEventMessage(subject: string | undefined, message: string, topicName: string): KeyEventMessage {
  const title = subject ? `: ${cloudText(subject, 200)}` : '';
  return mrkdwnMessage(
    `:bell: *CTS key event* (topic \`${cloudText(topicName, 255)}\`)${title}\n${cloudText(message, 2000)}`,
  );
}

/** Told to a channel when SMN accepted the bot's confirmation of a topic it subscribed there. */
export function buildSubscriptionConfirmedMessage(topicName: string): KeyEventMessage {
  return mrkdwnMessage(
    `:white_check_mark: The SMN subscription for topic \`${cloudText(topicName, 255)}\` is confirmed: its CTS key events will appear here.`,
  );
}
