import type { KnownBlock, SectionBlock } from '@slack/types';
import { escapeMrkdwn, plain } from './text.js';

/**
 * Block Kit's limits that decide whether Slack accepts what we give back. `messageText`: Slack refuses a message whose
 * blocks carry more than about 12,000 characters of text (msg_blocks_too_long; undocumented, slackapi/bolt-js#2509).
 */
export const LIMITS = { sectionText: 3000, messageBlocks: 50, modalBlocks: 100, messageText: 11_000 } as const;

/** One thing the person typed, given back after a failure: shown as text, or as code (SQL). */
export interface KeptField {
  label: string;
  value: string | undefined;
  code?: boolean;
}

const section = (text: string): SectionBlock => ({ type: 'section', text: { type: 'mrkdwn', text } });

/**
 * Cuts already-escaped mrkdwn into pieces of at most `room` characters, never inside an entity (`&amp;`) or a
 * surrogate pair, preferably after a line break. Nothing is dropped: the pieces joined are the input.
 */
export function splitEscaped(text: string, room: number): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest.length > room) {
    let cut = room;
    const newline = rest.lastIndexOf('\n', cut - 1);
    if (newline >= room - 200 && newline > 0) cut = newline + 1;
    const amp = rest.lastIndexOf('&', cut - 1);
    if (amp >= 0 && amp > cut - 6 && !rest.slice(amp, cut).includes(';')) cut = amp;
    const code = rest.charCodeAt(cut - 1);
    if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
    if (cut <= 0) cut = room; // cannot happen with room > 6; never loop forever
    out.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  out.push(rest);
  return out;
}

/** A code fence around escaped text; a backtick next to a fence is kept apart so the fence cannot grow. */
function fence(body: string): string {
  return `\`\`\`${body.startsWith('`') ? '\u200b' : ''}${body}${body.endsWith('`') ? '\u200b' : ''}\`\`\``;
}

/**
 * The person's request given back in full ("so nothing is lost"): every field, escaped, split over as many sections
 * as it takes so none passes Block Kit's 3,000 characters. Code (SQL) stays in fences it cannot close.
 */
export function keptBlocks(intro: string, fields: readonly KeptField[]): KnownBlock[] {
  const blocks: KnownBlock[] = [section(escapeMrkdwn(plain(intro, 200)))];
  for (const f of fields) {
    if (f.value === undefined || f.value === '') continue;
    const label = `*${escapeMrkdwn(plain(f.label, 80))}*`;
    if (f.code) {
      const escaped = escapeMrkdwn(f.value).replace(/`(?=`)/g, '`\u200b');
      const parts = splitEscaped(escaped, LIMITS.sectionText - 8 - label.length - 30);
      parts.forEach((p, i) => {
        blocks.push(section(`${label}${parts.length > 1 ? ` (part ${i + 1} of ${parts.length})` : ''}\n${fence(p)}`));
      });
    } else {
      const parts = splitEscaped(escapeMrkdwn(f.value), LIMITS.sectionText - label.length - 30);
      parts.forEach((p, i) => {
        blocks.push(section(`${label}${parts.length > 1 ? ` (part ${i + 1} of ${parts.length})` : ''}\n${p}`));
      });
    }
  }
  return blocks;
}

/** The section texts of blocks, joined: the same words as plain text (for a message's fallback `text`). */
export function blocksAsText(blocks: readonly KnownBlock[]): string {
  return blocks
    .map((b) => (b.type === 'section' && b.text ? b.text.text : ''))
    .filter(Boolean)
    .join('\n');
}

/** The characters of text a section carries (what counts towards a message's block text). */
const textOf = (b: KnownBlock): number =>
  b.type === 'section' ? (b.text?.text.length ?? 0) + (b.fields ?? []).reduce((n, f) => n + f.text.length, 0) : 0;

/**
 * Groups blocks into messages of at most 50 blocks and `LIMITS.messageText` characters of text each, the first led by
 * `head`, so a long request goes out as several messages instead of one Slack refuses.
 */
export function messagesOf(head: KnownBlock, kept: readonly KnownBlock[]): KnownBlock[][] {
  const out: KnownBlock[][] = [];
  let current: KnownBlock[] = [];
  let used = 0;
  for (const b of [head, ...kept]) {
    const n = textOf(b);
    if (current.length > 0 && (current.length >= LIMITS.messageBlocks || used + n > LIMITS.messageText)) {
      out.push(current);
      current = [];
      used = 0;
    }
    current.push(b);
    used += n;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** A modal's blocks within its 100: what does not fit is left to the messages, and the modal says so. */
export function modalBlocksOf(head: KnownBlock, kept: readonly KnownBlock[]): KnownBlock[] {
  if (kept.length + 1 <= LIMITS.modalBlocks) return [head, ...kept];
  const room = LIMITS.modalBlocks - 2;
  return [
    head,
    ...kept.slice(0, room),
    section(`_${kept.length - room} more parts of your request are in the message I sent you._`),
  ];
}
