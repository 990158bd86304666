import type { z } from 'zod';
import type { TicketActionId, TicketHome } from '../../blocks/tickets/controls.js';
import type { StatusInfo } from '../dms/statuses.js';
import type { MessageBody } from '../slack/messenger.js';
import type { Ticket } from '../store/types.js';
import type { CommonDetails } from './details.js';

/**
 * One kind of ticket the bot files or follows (a DMS data export, a CTS tracker, ...): its details' schema, how
 * to ask the cloud for its status, and how its messages look. `D` is its details as the schema gives them.
 */
export interface TicketKind<D extends CommonDetails = CommonDetails> {
  /** "Data export", "Data tracking", ... */
  kindLabel: string;
  /** The shape of this kind's stored details; every stored row is parsed with it when it leaves the store. */
  details: z.ZodType<D>;
  /** How a ticket is named to people (plain text); defaults to `<kindLabel> ticket <externalId>` (see ticketTitle). */
  title?(ticket: Ticket): string;
  /** Where the ticket lives on once no longer followed here ("DMS" when unset), and how to follow it again. */
  home?: TicketHome;
  /** Asks the cloud for the current status (`calls`: how many cloud calls it took, default 1). Throws CloudApiError on failure. */
  poll(ticket: Ticket<D>): Promise<{ status: string; details?: Partial<D>; calls?: number }>;
  statusInfo(status: string | null): StatusInfo;
  /** The root message for the ticket as it is now (`details.note` explains an unusual location such as a DM). */
  renderRoot(ticket: Ticket<D>, now: number): MessageBody;
  /** The thread reply for a status change; `extra` (from onStatus, already-safe mrkdwn) belongs in its body. */
  renderReply(ticket: Ticket<D>, status: string, previous: string | null, extra?: string[]): MessageBody;
  /** The final note when the bot stops following a ticket that never ended (null: stop quietly). */
  renderGiveUp(ticket: Ticket<D>, hours: number): MessageBody | null;
  /** How long to follow this kind of ticket; defaults to the watcher's maxAgeMs. */
  maxAgeMs?: number;
  /** Lifecycle actions that apply to the ticket as it is now (Refresh and Stop are added for open tickets). */
  actionsFor?(ticket: Ticket<D>): TicketActionId[];
  /**
   * Work to do when the ticket reaches `ticket.status` (e.g. deliver an export's result), before the thread hears of
   * it; returns extra already-safe mrkdwn lines for the reply and details the watcher stores at once (before the
   * reply, so a retried change knows the work was done). Throwing delays the change to a later pass.
   */
  onStatus?(ticket: Ticket<D>): Promise<{ extra?: string[]; details?: Partial<D>; calls?: number }>;
}

/** A ticket's name for people (plain text): its kind's own title, else "<kindLabel> ticket <externalId>". */
export function ticketTitle(kind: TicketKind | undefined, ticket: Ticket): string {
  return kind?.title?.(ticket) ?? `${kind?.kindLabel ?? ticket.kind} ticket ${ticket.externalId}`;
}
