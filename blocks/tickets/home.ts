import type { HomeView, KnownBlock } from '@slack/types';
import type { StatusInfo } from '../../src/dms/statuses.js';
import { cloudText, plain, truncate, withoutLinks } from '../kit/text.js';
import { type TicketActionId, type TicketHome, ticketActionsBlock } from './controls.js';

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
  /** Where the ticket lives on (DMS when unset), for the Stop confirmation. */
  home?: TicketHome;
}

function cardText(c: TicketCard): string {
  const where = /^D/.test(c.channelId) ? 'in your DMs with me' : `in <#${c.channelId}>`;
  const when = `<!date^${Math.floor(c.updatedAt / 1000)}^{date_short_pretty} {time}|${new Date(c.updatedAt).toISOString()}>`;
  // Title and status are cut so a card stays under LIST_CARD_MAX (about 420 characters at most).
  return `*${cloudText(plain(withoutLinks(c.title), 120), 150)}*\n${c.statusInfo.emoji} ${cloudText(c.statusInfo.label, 100)} · ${where} · updated ${when}`;
}

/** A ticket's section, and its buttons when asked for. */
export function ticketCardBlocks(c: TicketCard, withButtons: boolean): KnownBlock[] {
  const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text: truncate(cardText(c), 3000) } }];
  const actions = withButtons ? ticketActionsBlock(c.ticketId, c.actions, c.title, c.home) : undefined;
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

// Slack allows 100 blocks in a Home view: cap the lists well below that (Home's open list is `/dms list`'s page 1).
const MAX_OPEN = 20;
const MAX_DONE = 5;

/** The Home tab: the person's tickets (open first, with their buttons), a short how-to, and a notice if any. */
export function buildHomeView(m: {
  open: TicketCard[];
  done: TicketCard[];
  openTotal: number;
  notice?: string;
}): HomeView {
  const blocks: KnownBlock[] = [];
  if (m.notice)
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(m.notice, 3000) } }, { type: 'divider' });
  blocks.push({ type: 'header', text: { type: 'plain_text', text: 'Your tickets' } });
  if (m.open.length === 0)
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: '_No open tickets._ File one with `/dms export`, `/dms track` or `/dms change` in a channel.',
      },
    });
  for (const c of m.open.slice(0, MAX_OPEN)) blocks.push(...ticketCardBlocks(c, true));
  if (m.openTotal > MAX_OPEN) {
    const more = m.openTotal - MAX_OPEN;
    const where =
      ticketListPages(m.openTotal) > 2
        ? `\`/dms list 2\` shows the next ${LIST_PAGE_SIZE}, and so on`
        : `\`/dms list 2\` shows ${more === 1 ? 'it' : 'them'}`;
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `…and ${more} more open ticket${more === 1 ? '' : 's'}: ${where}.` }],
    });
  }
  if (m.done.length) {
    blocks.push({ type: 'header', text: { type: 'plain_text', text: 'Recently finished' } });
    for (const c of m.done.slice(0, MAX_DONE)) blocks.push(...ticketCardBlocks(c, c.actions.length > 0));
  }
  blocks.push(
    { type: 'divider' },
    { type: 'header', text: { type: 'plain_text', text: 'How to use me' } },
    { type: 'section', text: { type: 'mrkdwn', text: HOW_TO } },
  );
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: 'Results of exports come to you by direct message, never into a channel.' }],
  });
  return { type: 'home', blocks: blocks.slice(0, 100) };
}

/**
 * Open tickets per `/dms list` page: the Home tab's count, so page 1 is what Home shows and `/dms list 2` goes on
 * where Home stops. Each card is cut to LIST_CARD_MAX characters, so a full page stays under the ~11,000 characters of
 * block text Slack takes in one message (msg_blocks_too_long).
 */
export const LIST_PAGE_SIZE = MAX_OPEN;
const LIST_CARD_MAX = 480;

/** How many `/dms list` pages `total` open tickets take (at least one). */
export function ticketListPages(total: number): number {
  return Math.max(1, Math.ceil(total / LIST_PAGE_SIZE));
}

/**
 * `/dms list [page]`: one page of the person's open tickets (`open`: that page's cards, newest first), as an
 * ephemeral answer; the footer names the next page. `asked` is the page the person typed, when past the last.
 */
export function buildTicketList(
  open: TicketCard[],
  total: number,
  page = 1,
  asked?: number,
): { text: string; blocks: KnownBlock[] } {
  if (total === 0)
    return {
      text: 'You have no open tickets.',
      blocks: [
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: 'You have no open tickets. `/dms status &lt;ticket id&gt;` follows an existing DMS ticket here.',
          },
        },
      ],
    };
  const pages = ticketListPages(total);
  const first = (page - 1) * LIST_PAGE_SIZE;
  const shown = open.slice(0, LIST_PAGE_SIZE);
  const paged = pages > 1 ? ` · page ${page} of ${pages}` : '';
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: `*Your open tickets (${total})*${paged}` } },
    ...shown.map(
      (c): KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text: truncate(cardText(c), LIST_CARD_MAX) } }),
    ),
  ];
  if (pages > 1) {
    const range = shown.length ? `Tickets ${first + 1}–${first + shown.length} of ${total}, newest first.` : '';
    const next = page < pages ? ` \`/dms list ${page + 1}\` shows the next page.` : ' This is the last page.';
    const past = asked !== undefined && asked > pages ? ` (You asked for page ${asked}; there are ${pages}.)` : '';
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `${range}${next}${past} The Home tab has the newest with their buttons.` }],
    });
  }
  return { text: `You have ${total} open ticket${total === 1 ? '' : 's'}${paged}.`, blocks };
}
