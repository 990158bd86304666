import type { AuditEntry, PendingCreate, StoredAuditEntry, Ticket, TicketKindId } from './types.js';

/** A `tickets` row; `D` is how the database hands back JSON, `B` how it hands back booleans. */
export interface TicketRow<D, B> {
  id: number;
  kind: string;
  external_id: string;
  channel_id: string;
  root_ts: string | null;
  requester_slack_id: string;
  requester_dms_id: string | null;
  status: string | null;
  details: D;
  created_at: number;
  updated_at: number;
  next_poll_at: number;
  poll_interval_ms: number;
  done: B;
}

/** An `audit_log` row; `D` is how the database hands back JSON. */
export interface AuditRow<D> {
  id: number;
  at: number;
  actor_slack_id: string;
  actor_dms_id: string | null;
  channel_id: string | null;
  action: string;
  decision: string;
  rule: string | null;
  ticket_id: number | null;
  external_id: string | null;
  cloud_request_id: string | null;
  detail: D;
}

export function ticketFromRow<D, B>(
  r: TicketRow<D, B>,
  json: (d: D) => Record<string, unknown>,
  bool: (b: B) => boolean,
): Ticket {
  return {
    id: r.id,
    kind: r.kind as TicketKindId,
    externalId: r.external_id,
    channelId: r.channel_id,
    rootTs: r.root_ts,
    requesterSlackId: r.requester_slack_id,
    requesterDmsId: r.requester_dms_id,
    status: r.status,
    details: json(r.details),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    nextPollAt: r.next_poll_at,
    pollIntervalMs: r.poll_interval_ms,
    done: bool(r.done),
  };
}

export function auditFromRow<D>(r: AuditRow<D>, json: (d: D) => Record<string, unknown>): StoredAuditEntry {
  return {
    id: r.id,
    at: r.at,
    actorSlackId: r.actor_slack_id,
    actorDmsId: r.actor_dms_id,
    channelId: r.channel_id,
    action: r.action,
    decision: r.decision as AuditEntry['decision'],
    rule: r.rule,
    ticketId: r.ticket_id,
    externalId: r.external_id,
    cloudRequestId: r.cloud_request_id,
    detail: json(r.detail),
  };
}

/** A `pending_creates` row. */
export interface PendingRow<D> {
  marker: string;
  kind: string;
  channel_id: string;
  requester_slack_id: string;
  requester_dms_id: string | null;
  details: D;
  created_at: number;
}

export function pendingFromRow<D>(r: PendingRow<D>, json: (d: D) => Record<string, unknown>): PendingCreate {
  return {
    marker: r.marker,
    kind: r.kind as TicketKindId,
    channelId: r.channel_id,
    requesterSlackId: r.requester_slack_id,
    requesterDmsId: r.requester_dms_id,
    details: json(r.details),
    createdAt: r.created_at,
  };
}
