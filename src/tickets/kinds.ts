import type { Logger } from 'pino';
import { DmsTicketService } from '../dms/ticket-service.js';
import type { Ticket, TicketKindId } from '../store/types.js';
import { type BadDetailsError, type CommonDetails, checkDetails } from './details.js';
import type { TicketKind } from './kind.js';

/** The kinds of DMS ticket (filed here, or followed with `/dms status`). */
export type DmsKindId = Extract<TicketKindId, `dms_${string}`>;

/** A stored ticket read through its kind: typed details, or why it cannot be (unknown kind, malformed details). */
export type ReadTicket =
  | { ok: true; kind: TicketKind; ticket: Ticket<CommonDetails> }
  | { ok: false; reason: 'unknown_kind' }
  | { ok: false; reason: 'bad_details'; error: BadDetailsError };

/**
 * The one map from a ticket's kind to what implements it, built once at start-up (src/app.ts): the watcher, the
 * ticket actions, `/dms status` and create recovery all ask it. A kind absent here (CTS without credentials) is
 * not followed.
 */
export class TicketKinds {
  constructor(private readonly byId: Partial<Record<TicketKindId, TicketKind>>) {}

  /** What implements a kind (undefined: not configured here). */
  of(id: TicketKindId): TicketKind | undefined {
    return this.byId[id];
  }

  /** The DMS service of a kind (filing, describing a followed ticket); undefined for other kinds. */
  dms(id: TicketKindId): DmsTicketService | undefined {
    const kind = this.byId[id];
    return kind instanceof DmsTicketService ? kind : undefined;
  }

  /**
   * A ticket as it left the store, parsed with its kind's details schema: the one place stored details become typed.
   * A malformed row is logged (paths, never values) and reported, never thrown.
   */
  read(ticket: Ticket, logger?: Logger): ReadTicket {
    const kind = this.of(ticket.kind);
    if (!kind) return { ok: false, reason: 'unknown_kind' };
    const checked = checkDetails(kind.details, ticket, logger);
    return checked.ok
      ? { ok: true, kind, ticket: checked.ticket }
      : { ok: false, reason: 'bad_details', error: checked.error };
  }
}
