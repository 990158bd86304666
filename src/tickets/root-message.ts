import { type TicketActionId, withTicketControls } from '../../blocks/tickets/controls.js';
import type { TicketCard } from '../../blocks/tickets/home.js';
import type { MessageBody } from '../slack/messenger.js';
import type { Store, ThreadMode, Ticket } from '../store/types.js';
import type { CommonDetails } from './details.js';
import { type TicketKind, ticketTitle } from './kind.js';
import type { TicketKinds } from './kinds.js';

/**
 * How a ticket shows in Slack outside its thread: its root message (the kind's body plus recent actions, where
 * updates go, and the buttons), its card in the Home tab and `/dms list`, and which buttons apply.
 */
export class RootMessages {
  constructor(private readonly deps: { store: Store; kinds: TicketKinds }) {}

  /** How the ticket's channel wants updates; a root in a DM always threads. */
  async threadModeFor(ticket: Pick<Ticket, 'channelId'>): Promise<ThreadMode> {
    if (/^D/.test(ticket.channelId)) return 'threads';
    return this.deps.store.getThreadMode(ticket.channelId);
  }

  /** Which actions apply to a ticket now: its kind's lifecycle actions, plus Refresh and Stop while it is followed. */
  actionsFor(kind: TicketKind | undefined, ticket: Ticket<CommonDetails>): TicketActionId[] {
    const own = kind?.actionsFor?.(ticket) ?? [];
    return ticket.done ? own.filter((a) => a === 'download') : [...own, 'refresh', 'stop'];
  }

  /** A ticket as listed in the Home tab and `/dms list` (a row whose details are malformed lists without its buttons). */
  card(stored: Ticket): TicketCard {
    const read = this.deps.kinds.read(stored);
    const kind = this.deps.kinds.of(stored.kind);
    const info = kind
      ? kind.statusInfo(stored.status)
      : { emoji: ':grey_question:', label: stored.status ?? 'unknown', final: false };
    return {
      ticketId: stored.id,
      title: ticketTitle(kind, stored),
      ...(kind?.home ? { home: kind.home } : {}),
      statusInfo: info,
      channelId: stored.channelId,
      updatedAt: stored.updatedAt,
      actions: read.ok ? this.actionsFor(kind, read.ticket) : [],
      done: stored.done,
    };
  }

  /** A ticket's root message: its kind's body plus recent actions, where updates go, and the buttons. */
  async render(kind: TicketKind, ticket: Ticket<CommonDetails>, now: number, mode?: ThreadMode): Promise<MessageBody> {
    const body = kind.renderRoot(ticket, now);
    const threadMode = mode ?? (await this.threadModeFor(ticket));
    return {
      text: body.text,
      blocks: withTicketControls(body.blocks ?? [{ type: 'section', text: { type: 'mrkdwn', text: body.text } }], {
        ticketId: ticket.id,
        summary: ticketTitle(kind, ticket),
        home: kind.home,
        done: ticket.done,
        actions: this.actionsFor(kind, ticket),
        activity: ticket.details.activity ?? [],
        threadMode,
        stopped: ticket.details.stopped,
        notes: ticket.details.rootNotes,
        sourcePermalink: ticket.details.sourcePermalink,
      }),
    };
  }
}

/** The mrkdwn of a message's sections (or its fallback text), for showing a reply on the root message. */
export function replyText(body: MessageBody): string {
  const sections = (body.blocks ?? []).flatMap((b) => (b.type === 'section' && b.text ? [b.text.text] : []));
  return (sections.length ? sections.join('\n') : body.text).slice(0, 2900);
}
