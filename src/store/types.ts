import type { CtsEventStore } from './cts-events.js';

/** The kinds of ticket the bot follows, by name (src/tickets/kinds.ts maps each to what implements it). */
export type TicketKindId = 'dms_export' | 'dms_track' | 'dms_change' | 'dms_order' | 'cts_tracker';

/** How a channel hears about ticket status changes (`/dms settings`). */
export type ThreadMode = 'threads' | 'broadcast_final' | 'root_only';
export const THREAD_MODES: readonly ThreadMode[] = ['threads', 'broadcast_final', 'root_only'];

/** One line of the append-only audit trail: a request or decision, who made it, and what came of it. */
export interface AuditEntry {
  at: number;
  actorSlackId: string;
  actorDmsId?: string | null;
  channelId?: string | null;
  /** What was asked, e.g. `ticket.approve`, `dms.status`, `settings.thread_mode`. */
  action: string;
  decision: 'allowed' | 'denied' | 'failed' | 'done';
  /** The rule that decided (e.g. `approvers`, `submitter`, `self_approval`). */
  rule?: string | null;
  ticketId?: number | null;
  externalId?: string | null;
  cloudRequestId?: string | null;
  /** Short facts (no secrets): reason given, error code, chosen file type, ... */
  detail?: Record<string, unknown>;
}

export interface StoredAuditEntry extends AuditEntry {
  id: number;
}

/**
 * A ticket the bot created (or follows), with where its messages live and when to look at it next. `D` is its
 * details: as stored (unchecked JSON) until its kind's schema parsed them (src/tickets/kinds.ts read).
 */
export interface Ticket<D extends object = Record<string, unknown>> {
  /** Internal id (buttons and logs carry this, never anything secret). */
  id: number;
  kind: TicketKindId;
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
  details: D;
  createdAt: number;
  updatedAt: number;
  nextPollAt: number;
  pollIntervalMs: number;
  done: boolean;
}

export interface NewTicket {
  kind: TicketKindId;
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

/** A create sent (or about to be sent) to the cloud whose outcome is not yet stored as a ticket. */
export interface PendingCreate {
  /** The unique marker in the ticket's comment: how the ticket is found again. */
  marker: string;
  kind: TicketKindId;
  channelId: string;
  requesterSlackId: string;
  requesterDmsId: string | null;
  details: Record<string, unknown>;
  createdAt: number;
}

/** Persistence the app needs. Async so a network database fits behind the same interface. */
export interface Store {
  /** The CTS key-event receiver's tables (subscriptions, SMN message ids, event threads). */
  readonly ctsEvents: CtsEventStore;
  /** Claims a submission key (view id). False when it was claimed before: a retry or a double click. */
  claimSubmission(key: string, now: number): Promise<boolean>;
  /** Links a claimed submission to the ticket it produced. */
  completeSubmission(key: string, ticketId: number): Promise<void>;
  createTicket(t: NewTicket, now: number): Promise<Ticket>;
  /** Records a create before it is sent: a crash before its ticket is stored can then be reconciled. */
  beginCreate(p: PendingCreate): Promise<void>;
  /** The create is settled (its ticket is stored, or it certainly did not happen). */
  endCreate(marker: string): Promise<void>;
  /** Creates begun before `before` and never settled, oldest first. */
  pendingCreates(before: number): Promise<PendingCreate[]>;
  getTicket(id: number): Promise<Ticket | undefined>;
  findTicketByExternalId(kind: TicketKindId, externalId: string): Promise<Ticket | undefined>;
  /** Tickets not done whose next poll is due, oldest due first (a read: no lease taken). */
  dueTickets(now: number, limit: number): Promise<Ticket[]>;
  /**
   * Claims up to `limit` due tickets for `owner` until `now + leaseMs`, oldest due first, skipping tickets whose lease
   * another owner still holds. Replicas sharing a database each claim different tickets; a replica that dies loses
   * its leases when they expire.
   */
  claimDue(now: number, limit: number, owner: string, leaseMs: number): Promise<Ticket[]>;
  /** Claims one open ticket (a click asked for it) unless another owner holds a live lease on it. */
  claimTicket(id: number, now: number, owner: string, leaseMs: number): Promise<Ticket | undefined>;
  /** Gives up `owner`'s lease on a ticket. */
  releaseLease(id: number, owner: string): Promise<void>;
  /** Gives up every lease `owner` holds (shutdown). */
  releaseAll(owner: string): Promise<void>;
  /** A cheap round trip, for readiness checks. */
  ping(): Promise<void>;
  /** How many tickets are followed (not done). */
  countOpen(): Promise<number>;
  /** The earliest next poll time among open tickets, if any. */
  nextDueAt(): Promise<number | undefined>;
  /** Changes where the ticket's messages live. */
  setMessageLocation(
    id: number,
    channelId: string,
    rootTs: string | null,
    now: number,
    details?: Record<string, unknown>,
  ): Promise<void>;
  /** Records that the thread was told about `status` (at `threadTs`) and sets the new status atomically. */
  recordStatus(
    id: number,
    status: string,
    threadTs: string | null,
    now: number,
    details?: Record<string, unknown>,
  ): Promise<void>;
  /** Sets when to poll next. */
  schedule(id: number, nextPollAt: number, pollIntervalMs: number, now: number): Promise<void>;
  /** Marks the ticket finished (no more polling). */
  finish(id: number, now: number): Promise<void>;
  listUpdates(ticketId: number): Promise<TicketUpdate[]>;
  /** Replaces a ticket's details (e.g. the last action taken on it). */
  updateDetails(id: number, details: Record<string, unknown>, now: number): Promise<void>;
  /** Starts following a finished ticket again, from a new channel and requester (`/dms status`). */
  reopenTicket(
    id: number,
    t: Pick<
      NewTicket,
      'channelId' | 'requesterSlackId' | 'requesterDmsId' | 'status' | 'details' | 'nextPollAt' | 'pollIntervalMs'
    >,
    now: number,
  ): Promise<Ticket>;
  /** Tickets a person filed or follows: open ones first (newest first), then finished ones (most recently changed first). */
  ticketsOf(
    slackId: string,
    opts: { openLimit: number; doneLimit: number; openOffset?: number },
  ): Promise<{ open: Ticket[]; done: Ticket[]; openTotal: number }>;
  /** Open tickets whose messages are in a channel, oldest first (e.g. to redraw them after a settings change). */
  openTicketsIn(channelId: string, limit: number): Promise<Ticket[]>;
  /**
   * Takes one of the `limit` creation slots a person has in any `windowMs`, atomically (replicas sharing a database
   * included): of N concurrent calls with room for k, exactly k succeed. Idempotent per `key` (a retried submission
   * holds one slot). Refused: the times of the slots held in the window. A slot counts until released, so a create
   * whose outcome is unknown (or that succeeded) keeps counting for the whole window.
   */
  reserveCreateSlot(r: {
    key: string;
    slackId: string;
    now: number;
    windowMs: number;
    limit: number;
  }): Promise<{ ok: true } | { ok: false; takenAt: number[] }>;
  /** Gives a slot back: the create it was taken for certainly did not happen (refused, or never sent). */
  releaseCreateSlot(key: string): Promise<void>;
  /** Times of the creation slots a person holds since `since` (tickets filed, or creates whose outcome is unknown). */
  createdSince(slackId: string, since: number): Promise<number[]>;
  /** A channel's settings (defaults when never set: threads, hears everything, no digest). */
  getChannelSettings(channelId: string): Promise<ChannelSettings>;
  setChannelSettings(channelId: string, settings: ChannelSettings, by: string, now: number): Promise<void>;
  /** Channels that opted in to the daily digest. */
  digestChannels(): Promise<{ channelId: string; digest: DigestSetting }[]>;
  /** Records who a ticket waits for now (replacing what it waited for before). */
  setWait(w: TicketWait): Promise<void>;
  getWait(ticketId: number): Promise<TicketWait | undefined>;
  /** The ticket no longer waits for anyone (its state changed, it ended, it is no longer followed). */
  clearWait(ticketId: number): Promise<void>;
  /** Tickets waiting for someone, longest-waiting first. */
  listWaits(limit: number): Promise<TicketWait[]>;
  /**
   * Claims slot `slot` of `scope` (a reminder to one person for one ticket state, a channel's digest for one day),
   * atomically across replicas: true for exactly one caller, and never when this scope was claimed less than
   * `minGapMs` ago. The claim is the decision to send: who claims, sends.
   */
  claimSlot(c: { scope: string; slot: number; now: number; minGapMs: number }): Promise<boolean>;
  getThreadMode(channelId: string): Promise<ThreadMode>;
  setThreadMode(channelId: string, mode: ThreadMode, by: string, now: number): Promise<void>;
  /** Remembers that a person opened the bot's Home tab (their Home is refreshed when their tickets change). */
  markHomeViewer(slackId: string, now: number): Promise<void>;
  isHomeViewer(slackId: string): Promise<boolean>;
  appendAudit(e: AuditEntry): Promise<void>;
  listAudit(opts: { since?: number; limit?: number }): Promise<StoredAuditEntry[]>;
  close(): Promise<void>;
}

/** What a channel hears in ticket threads (`/dms settings`): every change, only waits-for-someone and final states, or only final states. */
export type ChannelHears = 'all' | 'waits_and_final' | 'final';
export const CHANNEL_HEARS: readonly ChannelHears[] = ['all', 'waits_and_final', 'final'];

/** A channel's daily digest: posted on working days at `at` ("HH:MM") in `zone` (the zone of whoever chose it). */
export interface DigestSetting {
  at: string;
  zone: string;
}

/** A channel's `/dms settings`. */
export interface ChannelSettings {
  threadMode: ThreadMode;
  hears: ChannelHears;
  digest: DigestSetting | null;
}

/** What a ticket waits for in its current state. */
export type WaitNeed = 'approval' | 'submit' | 'run';

/** Who a ticket waits for in its current state and since when: what the thread mentions, reminders and the digest read. */
export interface TicketWait {
  ticketId: number;
  status: string;
  need: WaitNeed;
  since: number;
  /** Slack users who can act (mentioned and reminded). */
  people: string[];
  /** Slack user groups who can act (mentioned; their members are reminded). */
  groups: string[];
  /** People who can act but were not found in Slack, by name (plain text). */
  others: string[];
}
