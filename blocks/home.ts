import type { HomeView, KnownBlock } from '@slack/types';
import type { StatusInfo } from '../src/dms/statuses.js';
import { ticketActionsBlock, type TicketActionId } from './ticket-controls.js';
import { cloudText, plain, truncate, withoutLinks } from './text.js';

/** One ticket as listed in the Home tab and in `/dms list`. */
export interface TicketCard {
  ticketId: number;
  /** "Data export ticket 123" (plain). */
  title: string;
  statusInfo: StatusInfo;
  channelId: string;
  updatedAt: number;
  actions: readonly TicketActionId[];
  done: boolean;
}

function cardText(c: TicketCard): string {
  const where = /^D/.test(c.channelId) ? 'in your DMs with me' : `in <#${c.channelId}>`;
  const when = `<!date^${Math.floor(c.updatedAt / 1000)}^{date_short_pretty} {time}|${new Date(c.updatedAt).toISOString()}>`;
  return `*${cloudText(plain(withoutLinks(c.title), 120), 200)}*\n${c.statusInfo.emoji} ${cloudText(c.statusInfo.label, 200)} · ${where} · updated ${when}`;
}

/** A ticket's section, and its buttons when asked for. */
export function ticketCardBlocks(c: TicketCard, withButtons: boolean): KnownBlock[] {
  const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text: truncate(cardText(c), 3000) } }];
  const actions = withButtons ? ticketActionsBlock(c.ticketId, c.actions, c.title) : undefined;
  if (actions) blocks.push(actions);
  return blocks;
}

const HOW_TO = [
  '`/dms export`: export query results to a file (the file comes to you privately)',
  '`/dms track`: find which rows changed in a past time window',
  '`/dms change`: a lock-free data change, reviewed before it is filed',
  '`/dms status &lt;ticket id&gt;`: follow an existing DMS ticket in a channel',
  '`/dms list`: your open tickets · `/dms settings`: how a channel hears about updates',
  '`/cts tracker`, `/cts list`: Huawei Cloud CTS trackers',
].join('\n');

// Slack allows 100 blocks in a Home view: cap the lists well below that.
const MAX_OPEN = 20;
const MAX_DONE = 5;

/** The Home tab: the person's tickets (open first, with their buttons), a short how-to, and a notice if any. */
export function buildHomeView(m: { open: TicketCard[]; done: TicketCard[]; openTotal: number; notice?: string }): HomeView {
  const blocks: KnownBlock[] = [];
  if (m.notice) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(m.notice, 3000) } }, { type: 'divider' });
  blocks.push({ type: 'header', text: { type: 'plain_text', text: 'Your tickets' } });
  if (m.open.length === 0) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: '_No open tickets._ File one with `/dms export`, `/dms track` or `/dms change` in a channel.' } });
  for (const c of m.open.slice(0, MAX_OPEN)) blocks.push(...ticketCardBlocks(c, true));
  if (m.openTotal > MAX_OPEN) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `…and ${m.openTotal - MAX_OPEN} more open tickets. \`/dms list\` shows them all.` }] });
  if (m.done.length) {
    blocks.push({ type: 'header', text: { type: 'plain_text', text: 'Recently finished' } });
    for (const c of m.done.slice(0, MAX_DONE)) blocks.push(...ticketCardBlocks(c, c.actions.length > 0));
  }
  blocks.push({ type: 'divider' }, { type: 'header', text: { type: 'plain_text', text: 'How to use me' } }, { type: 'section', text: { type: 'mrkdwn', text: HOW_TO } });
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: 'Results of exports come to you by direct message, never into a channel.' }] });
  return { type: 'home', blocks: blocks.slice(0, 100) };
}

/** Characters of card text in one `/dms list` answer (Slack refuses messages past ~12,000 characters of block text). */
const LIST_TEXT_BUDGET = 10_000;

/** `/dms list`: the person's open tickets, as an ephemeral answer. */
export function buildTicketList(open: TicketCard[], total: number): { text: string; blocks: KnownBlock[] } {
  if (total === 0) return { text: 'You have no open tickets.', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'You have no open tickets. `/dms status &lt;ticket id&gt;` follows an existing DMS ticket here.' } }] };
  // At most 40 cards, and no more text than Slack takes in one message's blocks (~12,000 characters; a card with an
  // escaped title can pass 700, so 40 of them would be refused as msg_blocks_too_long).
  const shown: TicketCard[] = [];
  let used = 0;
  for (const c of open.slice(0, 40)) {
    const n = cardText(c).length;
    if (used + n > LIST_TEXT_BUDGET) break;
    shown.push(c);
    used += n;
  }
  const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text: `*Your open tickets (${total})*` } }, ...shown.flatMap((c) => ticketCardBlocks(c, false))];
  if (total > shown.length) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `…and ${total - shown.length} more; the Home tab shows the newest with their buttons.` }] });
  return { text: `You have ${total} open ticket${total === 1 ? '' : 's'}.`, blocks: blocks.slice(0, 50) };
}
