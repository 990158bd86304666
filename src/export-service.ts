import { buildRootMessage, userField, usersField } from '../blocks/ticket-message.js';
import { DmsTicketService } from './dms-ticket-service.js';
import { exportStatusInfo } from './dms/statuses.js';
import type { ExportForm } from './export-input.js';
import type { Ticket } from './store/types.js';
import type { ResolvedUser } from './user-resolver.js';

// Job statuses during which a rejection or closure shows only on the general ticket.
const AWAITING_APPROVAL = new Set(['PRE_CHECK_SUCCESS', 'WAITING_APPLY_AUDIT', 'APPLY_AUDIT_SUCCESS']);

/** What the root message needs, stored with the ticket. */
interface ExportDetails {
  database: string;
  envType?: string;
  reason: string;
  sql: string;
  affectRows: number;
  skipCheckReason?: string;
  relatedSlackIds: string[];
  note?: string;
}

/** Data export tickets: creation (CreateOrder DATA_EXPORT) and status (GetDataExportOrderDetail). */
export class ExportService extends DmsTicketService {
  readonly kind = 'dms_export' as const;
  readonly kindLabel = 'Data export';

  /** Files the DMS ticket, stores it, and posts its root message. */
  create(args: { form: ExportForm; channelId: string; requester: ResolvedUser; related: ResolvedUser[] }): Promise<Ticket> {
    const { form } = args;
    const details: ExportDetails = {
      database: form.db.label,
      reason: form.reason,
      sql: form.sql,
      affectRows: form.affectRows,
      skipCheckReason: form.skipReason,
      relatedSlackIds: args.related.map((u) => u.slackId),
    };
    return this.file({
      channelId: args.channelId,
      requester: args.requester,
      commentText: form.comment ?? form.reason,
      details: { ...details },
      create: (comment) =>
        this.deps.dms.createDataExportOrder({
          dbId: form.db.id,
          logic: form.db.logic,
          sql: form.sql,
          classify: form.reason,
          affectRows: form.affectRows,
          ignoreAffectRows: form.skipCheck,
          ignoreAffectRowsReason: form.skipReason ?? '',
          comment,
          relatedUserIds: args.related.map((u) => u.dmsUserId!),
        }),
    });
  }

  async poll(ticket: Ticket): Promise<{ status: string; details?: Record<string, unknown> }> {
    const d = await this.deps.dms.getDataExportOrderDetail(ticket.externalId);
    const ended = AWAITING_APPROVAL.has(d.jobStatus) ? await this.endedOnGeneralTicket(ticket.externalId) : undefined;
    return { status: ended ?? d.jobStatus, details: d.envType && ticket.details['envType'] !== d.envType ? { envType: d.envType } : undefined };
  }

  statusInfo(status: string | null) {
    return exportStatusInfo(status);
  }

  renderRoot(ticket: Ticket, now: number) {
    const d = ticket.details as unknown as ExportDetails;
    return buildRootMessage({
      title: `Data export · DMS ticket ${ticket.externalId}`,
      summary: this.summary(ticket),
      requesterSlackId: ticket.requesterSlackId,
      statusInfo: this.statusInfo(ticket.status),
      fields: [
        ['Database', `${userField(d.database, 300)}${d.envType ? ` (${userField(d.envType, 40)})` : ''}`],
        ['Reason', userField(d.reason)],
        ['Estimated rows', `${d.affectRows}${d.skipCheckReason !== undefined ? ` (check skipped: ${userField(d.skipCheckReason, 300)})` : ''}`],
        ['Related users', usersField(d.relatedSlackIds ?? [])],
      ],
      code: [['SQL', d.sql]],
      note: d.note,
      updatedAt: now,
    });
  }
}
