import type { KnownBlock } from '@slack/types';
import type { MessageBody } from '../../src/slack/messenger.js';
import type { TicketWait, WaitNeed } from '../../src/store/types.js';
import { escapeMrkdwn, mention, truncate } from '../kit/text.js';
import { type TicketActionId, ticketActionsBlock } from './controls.js';

/** What each kind of wait asks for, in words. */
export const NEED_WORDS: Record<WaitNeed, { waits: string; ask: string }> = {
  approval: { waits: 'approval', ask: 'please approve or reject it' },
  submit: { waits: 'submission for approval', ask: 'please submit it for approval' },
  run: { waits: 'the export to be run', ask: 'please run the export' },
};

/** A Slack user-group mention; only ids spelled as Slack spells them become one. */
export function groupMention(groupId: string): string {
  return /^S[A-Z0-9]{2,}$/.test(groupId) ? `<!subteam^${groupId}>` : escapeMrkdwn(groupId);
}

/** Everyone who can act, as mrkdwn: mentions for Slack users and groups, plain (escaped) names for the rest. */
export function whoText(w: Pick<TicketWait, 'people' | 'groups' | 'others'>): string {
  const names = [
    ...w.people.map((p) => mention(p)),
    ...w.groups.map((g) => groupMention(g)),
    ...w.others.map((o) => `${escapeMrkdwn(truncate(o, 80))} (not found in Slack)`),
  ];
  if (names.length === 0) return 'nobody the bot can name';
  return names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** The thread line that asks exactly who can act now (already-safe mrkdwn). `node`: DMS's name for the approval step. */
export function askLine(w: Pick<TicketWait, 'need' | 'people' | 'groups' | 'others'>, node?: string): string {
  const who = whoText(w);
  const step = node ? ` (DMS step *${escapeMrkdwn(truncate(node, 60))}*)` : '';
  if (w.need === 'approval')
    return `:bell: Waiting for approval${step} from ${who}: ${NEED_WORDS.approval.ask} here or in the DMS console.`;
  return `:bell: ${who}: ${NEED_WORDS[w.need].ask}.`;
}

/** "3 h 5 min", "2 d 4 h", "12 min". */
export function ageText(ms: number): string {
  const min = Math.max(0, Math.floor(ms / 60_000));
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
  return h % 24 ? `${Math.floor(h / 24)} d ${h % 24} h` : `${Math.floor(h / 24)} d`;
}

/** A reminder DM: the ticket still waits for the reader; its buttons come along. */
export function reminderMessage(r: {
  ticketId: number;
  title: string;
  channelId: string;
  need: WaitNeed;
  waitedMs: number;
  actions: readonly TicketActionId[];
}): MessageBody {
  const where = /^[CG]/.test(r.channelId) ? ` in <#${r.channelId}>` : '';
  const text = truncate(
    `:alarm_clock: Reminder: *${escapeMrkdwn(r.title)}*${where} has been waiting for ${NEED_WORDS[r.need].waits} for ${ageText(r.waitedMs)}; ${NEED_WORDS[r.need].ask}.`,
    2900,
  );
  const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text } }];
  const buttons = ticketActionsBlock(r.ticketId, r.actions, r.title);
  if (buttons) blocks.push(buttons);
  return { text, blocks };
}

/** One open ticket as the digest lists it. */
export interface DigestItem {
  title: string;
  statusEmoji: string;
  statusLabel: string;
  ageMs: number;
  wait?: Pick<TicketWait, 'need' | 'people' | 'groups' | 'others'>;
}

/** Most lines per section and sections per digest: Slack's 3,000 characters per section and 50 blocks per message. */
const SECTION_CHARS = 2800;
const MAX_SECTIONS = 40;

/**
 * The channel's daily digest: open tickets grouped by state (oldest first within a state), each with its age and what
 * it waits for from whom.
 */
export function digestMessage(items: readonly DigestItem[], dayLabel: string): MessageBody {
  const byState = new Map<string, DigestItem[]>();
  for (const it of [...items].sort((a, b) => b.ageMs - a.ageMs)) {
    const key = `${it.statusEmoji} ${it.statusLabel}`;
    byState.set(key, [...(byState.get(key) ?? []), it]);
  }
  const heading = `:newspaper: *Open DMS tickets here* (${escapeMrkdwn(dayLabel)}): ${items.length === 1 ? 'one ticket' : `${items.length} tickets`}`;
  const lines: string[] = [];
  for (const [state, list] of byState) {
    lines.push(`*${escapeMrkdwn(state)}* (${list.length})`);
    for (const it of list) {
      const waits = it.wait ? `, waits for ${NEED_WORDS[it.wait.need].waits} from ${whoText(it.wait)}` : '';
      lines.push(`• ${escapeMrkdwn(truncate(it.title, 150))}: ${ageText(it.ageMs)}${waits}`);
    }
  }
  const sections: string[] = [];
  let current = '';
  let left = 0;
  for (const [i, line] of lines.entries()) {
    const next = current ? `${current}\n${line}` : line;
    if (next.length <= SECTION_CHARS) {
      current = next;
      continue;
    }
    if (sections.length + 1 >= MAX_SECTIONS) {
      left = lines.slice(i).filter((l) => l.startsWith('•')).length;
      break;
    }
    sections.push(current);
    current = truncate(line, SECTION_CHARS);
  }
  if (current) sections.push(current);
  if (left) sections.push(`…and ${left} more (see \`/dms list\`).`);
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: heading } },
    ...sections.map((s): KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text: s } })),
  ];
  return { text: truncate(`${heading}\n${lines.slice(0, 20).join('\n')}`, 3000), blocks };
}
