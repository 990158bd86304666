import { EXEC_MODES } from '../../../blocks/dms/change-modal.js';
import { cloudText, escapeMrkdwn, truncate } from '../../../blocks/kit/text.js';
import type { TicketActionId } from '../../../blocks/tickets/controls.js';
import { buildRootMessage, cloudField, userField, usersField } from '../../../blocks/tickets/root.js';
import type { ResolvedUser } from '../../slack/user-resolver.js';
import type { Ticket } from '../../store/types.js';
import { inspectSql, presentWarnings, reviewWarnings, summarizeInspection } from '../sql-review/inspect.js';
import { CHANGE_STATUSES, jobOrOrderStatusInfo, type StatusInfo } from '../statuses.js';
import { DmsTicketService, type OrderBaseInfo } from '../ticket-service.js';
import { type ChangeDetails, changeDetailsSchema } from './details.js';
import type { ChangeForm } from './form.js';

// The review's warnings get a section of their own (not a 600-character field) in the root message.
const WARNINGS_MAX = 2900;
const WARNING_LINE_MAX = 600;

/**
 * The SQL review's warnings for the root message: all of them, the ones about every row, hidden changes and an
 * unchecked review first (presentWarnings also says a sentence shared by many statements once); if the section runs
 * out of room, its last line says how many are left out. Empty when there are none.
 */
export function reviewSection(stored: readonly string[]): string {
  const warnings = presentWarnings(stored).map((w) => `:warning: ${escapeMrkdwn(truncate(w, WARNING_LINE_MAX))}`);
  const lines: string[] = [];
  let used = 0;
  for (const [i, line] of warnings.entries()) {
    const left = warnings.length - i;
    // Room for this line and, should later ones not fit, the line that counts them.
    const reserve = left > 1 ? 80 : 0;
    if (used + line.length + 1 + reserve > WARNINGS_MAX) {
      lines.push(
        `:warning: *…and ${left} more ${left === 1 ? 'warning' : 'warnings'} (open the ticket in DMS to see the SQL in full).*`,
      );
      break;
    }
    lines.push(line);
    used += line.length + 1;
  }
  return lines.join('\n');
}

// Statuses in which a rejection or closure shows only on the general ticket.
const WATCH_BASE_INFO = new Set(['new', 'precheck_success', 'toaudit', 'approved']);

/** Lock-free data change tickets: CreateFreeLockCorrectOrder, then GetDataCorrectOrderDetail and GetOrderBaseInfo. */
export class ChangeService extends DmsTicketService<ChangeDetails> {
  readonly kind = 'dms_change' as const;
  readonly kindLabel = 'Data change';
  readonly details = changeDetailsSchema;

  /** Files the lock-free change ticket. */
  create(args: {
    form: ChangeForm;
    channelId: string;
    requester: ResolvedUser;
    related: ResolvedUser[];
    slotKey?: string;
    sourcePermalink?: string;
  }): Promise<Ticket> {
    const { form } = args;
    const details: ChangeDetails = {
      databases: form.databases.map((d) => d.label),
      dbIds: form.databases.map((d) => d.id),
      sql: form.sql,
      rollbackSql: form.rollbackSql,
      reason: form.reason,
      execMode: form.execMode,
      summary: form.review.summary,
      warnings: form.review.warnings,
      reviewChecked: form.review.checked,
      relatedSlackIds: args.related.map((u) => u.slackId),
    };
    return this.file({
      slotKey: args.slotKey,
      sourcePermalink: args.sourcePermalink,
      channelId: args.channelId,
      requester: args.requester,
      commentText: form.comment ?? form.reason,
      details,
      create: (comment) =>
        this.deps.dms.createFreeLockCorrectOrder({
          databases: form.databases.map((d) => ({ dbId: d.id, logic: d.logic })),
          sql: form.sql,
          rollbackSql: form.rollbackSql,
          classify: form.reason,
          execMode: form.execMode,
          comment,
          relatedUserIds: args.related.map((u) => u.dmsUserId!),
        }),
    });
  }

  async poll(
    ticket: Ticket<ChangeDetails>,
  ): Promise<{ status: string; details?: Partial<ChangeDetails>; calls?: number }> {
    const d = await this.deps.dms.getDataCorrectOrderDetail(ticket.externalId);
    const awaiting = WATCH_BASE_INFO.has(d.status.toLowerCase());
    const ended = awaiting ? await this.endedOnGeneralTicket(ticket.externalId) : undefined;
    return {
      status: ended ?? d.status,
      calls: awaiting ? 2 : 1,
      details: d.precheckProblems.length ? { precheckProblems: d.precheckProblems } : undefined,
    };
  }

  statusInfo(status: string | null): StatusInfo {
    return jobOrOrderStatusInfo(CHANGE_STATUSES, status);
  }

  async describeExisting(orderId: string, base: OrderBaseInfo): Promise<Record<string, unknown>> {
    const d = await this.deps.dms.getDataCorrectOrderDetail(orderId);
    // A ticket filed elsewhere: DMS's detail names the databases but not their engines, so the review fails closed.
    const inspection = inspectSql(d.sql ?? '', {
      unsupported: 'the ticket was filed outside this bot, so the database engine is not known',
    });
    const details: ChangeDetails = {
      databases: d.databases.length ? d.databases : ['unknown'],
      // The real databases, for policy checks on this ticket: all of them, or none (checks then fail closed).
      ...(d.dbIds.length && d.dbIds.every((id) => id !== undefined) ? { dbIds: d.dbIds as string[] } : {}),
      sql: d.sql ?? '',
      rollbackSql: d.rollbackSql,
      reason: d.reason ?? base.Comment ?? '',
      execMode: d.execMode ?? 'COMMITOR',
      summary: summarizeInspection(inspection),
      warnings: reviewWarnings(inspection),
      reviewChecked: inspection.checked,
      relatedSlackIds: [],
    };
    return { ...details };
  }

  override actionsFor(ticket: Ticket<ChangeDetails>): TicketActionId[] {
    switch (ticket.status?.toLowerCase()) {
      case 'precheck_success':
        return ['submit'];
      case 'toaudit':
        return ['approve', 'reject'];
      default:
        return super.actionsFor(ticket);
    }
  }

  protected override replyExtras(ticket: Ticket<ChangeDetails>, status: string): string[] {
    const problems = ticket.details.precheckProblems ?? [];
    if (status !== 'precheckFailed' || !problems.length) return [];
    // DMS's precheck words are cloud text: links removed, escaped, cut.
    return problems.slice(0, 5).map((p) => `• *${cloudText(p.step, 80)}*: ${cloudText(p.tip, 400)}`);
  }

  renderRoot(ticket: Ticket<ChangeDetails>, now: number) {
    const d = ticket.details;
    const mode = EXEC_MODES.find((m) => m.value === d.execMode)?.label ?? d.execMode;
    const warnings = reviewSection(d.warnings);
    const count = warnings ? `\n:warning: ${d.warnings.length === 1 ? 'One warning' : 'Warnings'}: see below.` : '';
    const summary = d.reviewChecked === false ? `:warning: *${escapeMrkdwn(d.summary)}*` : escapeMrkdwn(d.summary);
    return buildRootMessage({
      title: `Data change · DMS ticket ${ticket.externalId}`,
      summary: this.summary(ticket),
      requesterSlackId: ticket.requesterSlackId,
      requesterField: this.whoField(ticket),
      statusInfo: this.statusInfo(ticket.status),
      fields: [
        ['Databases', cloudField(d.databases.join(', '), 800)],
        ['Reason', userField(d.reason)],
        ['When it runs', escapeMrkdwn(mode)],
        ['What will run', `${summary}${count}`],
        ['Related users', usersField(d.relatedSlackIds ?? [])],
      ],
      sections: warnings ? [warnings] : [],
      code: [['SQL', d.sql], ...(d.rollbackSql ? ([['Rollback SQL', d.rollbackSql]] as [string, string][]) : [])],
      note: d.note,
      updatedAt: now,
    });
  }
}
