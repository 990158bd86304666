import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { buildExportRootMessage, buildGiveUpReply, buildStatusReply } from '../blocks/ticket-message.js';
import type { Clock } from './clock.js';
import { BotError, CloudApiError } from './errors.js';
import type { DmsClient } from './dms/client.js';
import { exportStatusInfo } from './dms/statuses.js';
import type { ExportForm } from './export-input.js';
import type { Store, Ticket } from './store/types.js';
import type { ResolvedUser } from './user-resolver.js';
import type { StatusWatcher, TicketTracker } from './watcher.js';

/** What the root message needs, stored with the ticket. */
interface ExportDetails {
  database: string;
  envType?: string;
  reason: string;
  sql: string;
  affectRows: number;
  skipCheckReason?: string;
  relatedSlackIds: string[];
  marker: string;
  note?: string;
}

/** A unique marker put in the DMS comment so a ticket can be found again (e.g. after a lost create response). */
export function newMarker(): string {
  return `chatops-${randomBytes(6).toString('hex')}`;
}

/** The comment DMS records: the person's words plus who asked from Slack. */
export function dmsComment(form: { reason: string; comment?: string }, requester: ResolvedUser, marker: string): string {
  const who = `${requester.name}${requester.email ? ` <${requester.email}>` : ''} (Slack ${requester.slackId}${requester.dmsUserId ? `, DMS user ${requester.dmsUserId}` : ', no DMS account matched'})`;
  return `${form.comment ?? form.reason}\n— Requested from Slack by ${who} [${marker}]`;
}

/** Data export tickets: creation (CreateOrder DATA_EXPORT) and status (GetDataExportOrderDetail). */
export class ExportService implements TicketTracker {
  readonly kindLabel = 'Data export';

  constructor(
    private readonly deps: { dms: DmsClient; store: Store; clock: Clock; logger: Logger; watcher: () => StatusWatcher; intervalMs: number },
  ) {}

  /** Files the DMS ticket, stores it, and posts its root message. CreateOrder is never retried. */
  async create(args: { form: ExportForm; channelId: string; requester: ResolvedUser; related: ResolvedUser[] }): Promise<Ticket> {
    const { form, requester } = args;
    const marker = newMarker();
    const created = await this.deps.dms
      .createDataExportOrder({
      dbId: form.db.id,
      logic: form.db.logic,
      sql: form.sql,
      classify: form.reason,
      affectRows: form.affectRows,
      ignoreAffectRows: form.skipCheck,
      ignoreAffectRowsReason: form.skipReason ?? '',
      comment: dmsComment(form, requester, marker),
      relatedUserIds: args.related.map((u) => u.dmsUserId!).filter(Boolean),
      })
      .catch((err: unknown) => {
        // No HTTP answer: the request may have reached DMS. Never retry blindly; say how to check.
        if (err instanceof CloudApiError && err.details.httpStatus === undefined) {
          throw new BotError(
            'create_outcome_unknown',
            `DMS did not answer (${err.details.errorCode}), so the ticket may or may not exist. Before trying again, search DMS tickets for \`${marker}\` (it is in the ticket comment) or ask with \`/dms status\` once you have the id.`,
            { cause: err },
          );
        }
        throw err;
      });
    const now = this.deps.clock.now();
    const details: ExportDetails = {
      database: form.db.label,
      reason: form.reason,
      sql: form.sql,
      affectRows: form.affectRows,
      skipCheckReason: form.skipReason,
      relatedSlackIds: args.related.map((u) => u.slackId),
      marker,
    };
    // Stored before anything is posted: from here on the ticket is followed even if Slack is down.
    const ticket = await this.deps.store.createTicket(
      {
        kind: 'dms_export',
        externalId: created.orderId,
        channelId: args.channelId,
        rootTs: null,
        requesterSlackId: requester.slackId,
        requesterDmsId: requester.dmsUserId ?? null,
        status: null,
        details: { ...details },
        nextPollAt: now + this.deps.intervalMs,
        pollIntervalMs: this.deps.intervalMs,
      },
      now,
    );
    this.deps.logger.info({ ticketId: ticket.id, orderId: created.orderId, requestId: created.requestId, requester: requester.slackId }, 'data export ticket created');
    const watcher = this.deps.watcher();
    const published = await watcher.publishRoot(ticket).catch((err: unknown) => {
      this.deps.logger.warn({ ticketId: ticket.id, err: (err as Error).message }, 'root message not posted yet; the watcher will retry');
      return ticket;
    });
    watcher.wake();
    return published;
  }

  async poll(ticket: Ticket): Promise<{ status: string; details?: Record<string, unknown> }> {
    const d = await this.deps.dms.getDataExportOrderDetail(ticket.externalId);
    const details: Record<string, unknown> = {};
    if (d.envType && ticket.details['envType'] !== d.envType) details['envType'] = d.envType;
    return { status: d.jobStatus, details: Object.keys(details).length ? details : undefined };
  }

  statusInfo(status: string | null) {
    return exportStatusInfo(status);
  }

  renderRoot(ticket: Ticket, now: number) {
    const d = ticket.details as unknown as ExportDetails;
    return buildExportRootMessage({
      orderId: ticket.externalId,
      requesterSlackId: ticket.requesterSlackId,
      database: d.database,
      envType: d.envType,
      reason: d.reason,
      sql: d.sql,
      affectRows: d.affectRows,
      skipCheckReason: d.skipCheckReason,
      relatedSlackIds: d.relatedSlackIds ?? [],
      status: ticket.status,
      statusInfo: exportStatusInfo(ticket.status),
      note: d.note,
      updatedAt: now,
    });
  }

  renderReply(ticket: Ticket, status: string, previous: string | null) {
    return buildStatusReply({ kindLabel: this.kindLabel, orderId: ticket.externalId, status, info: exportStatusInfo(status), previous: previous === null ? null : exportStatusInfo(previous) });
  }

  renderGiveUp(ticket: Ticket, hours: number) {
    return buildGiveUpReply({ kindLabel: this.kindLabel, orderId: ticket.externalId, hours, lastLabel: exportStatusInfo(ticket.status).label });
  }
}
