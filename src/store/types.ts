/** Ticket kinds the bot follows. */
export type TicketKind = 'dms_export' | 'dms_track' | 'dms_change' | 'cts_tracker';

/** A ticket the bot created (or follows), with where its messages live and when to look at it next. */
export interface Ticket {
  /** Internal id (buttons and logs carry this, never anything secret). */
  id: number;
  kind: TicketKind;
  /** The cloud's id: DMS order id, or `type:name:id` for a CTS tracker. */
  externalId: string;
  channelId: string;
  /** Root message ts; null until the root message is posted. */
  rootTs: string | null;
  requesterSlackId: string;
  requesterDmsId: string | null;
  /** Last status the thread was told about (null: none yet). */
  status: string | null;
  /** Kind-specific facts shown in messages (database, SQL, reason, ...). JSON-serialisable. */
  details: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
  nextPollAt: number;
  pollIntervalMs: number;
  done: boolean;
}

export interface NewTicket {
  kind: TicketKind;
  externalId: string;
  channelId: string;
  rootTs: string | null;
  requesterSlackId: string;
  requesterDmsId: string | null;
  status: string | null;
  details: Record<string, unknown>;
  nextPollAt: number;
  pollIntervalMs: number;
}

/** One status change the thread was told about. */
export interface TicketUpdate {
  ticketId: number;
  status: string;
  threadTs: string | null;
  postedAt: number;
}

/** Persistence the app needs. Async so a network database fits behind the same interface. */
export interface Store {
  /** Claims a submission key (view id). False when it was claimed before: a retry or a double click. */
  claimSubmission(key: string, now: number): Promise<boolean>;
  /** Links a claimed submission to the ticket it produced. */
  completeSubmission(key: string, ticketId: number): Promise<void>;
  createTicket(t: NewTicket, now: number): Promise<Ticket>;
  getTicket(id: number): Promise<Ticket | undefined>;
  findTicketByExternalId(kind: TicketKind, externalId: string): Promise<Ticket | undefined>;
  /** Tickets not done whose next poll is due, oldest due first. */
  dueTickets(now: number, limit: number): Promise<Ticket[]>;
  /** The earliest next poll time among open tickets, if any. */
  nextDueAt(): Promise<number | undefined>;
  /** Changes where the ticket's messages live. */
  setMessageLocation(id: number, channelId: string, rootTs: string | null, now: number, details?: Record<string, unknown>): Promise<void>;
  /** Records that the thread was told about `status` (at `threadTs`) and sets the new status atomically. */
  recordStatus(id: number, status: string, threadTs: string | null, now: number, details?: Record<string, unknown>): Promise<void>;
  /** Sets when to poll next. */
  schedule(id: number, nextPollAt: number, pollIntervalMs: number, now: number): Promise<void>;
  /** Marks the ticket finished (no more polling). */
  finish(id: number, now: number): Promise<void>;
  listUpdates(ticketId: number): Promise<TicketUpdate[]>;
  close(): Promise<void>;
}
