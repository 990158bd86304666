import {
  cloudText,
  escapeMrkdwn,
  LINK_REMOVED,
  LINK_REMOVED_DOWNLOAD,
  mention,
  mrkdwnMessage,
} from '../../../blocks/kit/text.js';
import type { TicketActionId } from '../../../blocks/tickets/controls.js';
import { buildRootMessage, cloudField, userField, usersField } from '../../../blocks/tickets/root.js';
import { CloudApiError, errorFields } from '../../core/errors.js';
import { slackErrorCode } from '../../slack/messenger.js';
import type { ResolvedUser } from '../../slack/user-resolver.js';
import type { Ticket } from '../../store/types.js';
import { exportStatusInfo, type StatusInfo } from '../statuses.js';
import { DmsTicketService, type OrderBaseInfo } from '../ticket-service.js';
import { type ExportDetails, exportDetailsSchema } from './details.js';
import type { ExportForm } from './form.js';

// Job statuses during which a rejection or closure shows only on the general ticket.
const AWAITING_APPROVAL = new Set(['PRE_CHECK_SUCCESS', 'WAITING_APPLY_AUDIT', 'APPLY_AUDIT_SUCCESS']);

/** Data export tickets: creation (CreateOrder DATA_EXPORT) and status (GetDataExportOrderDetail). */
export class ExportService extends DmsTicketService<ExportDetails> {
  readonly kind = 'dms_export' as const;
  readonly kindLabel = 'Data export';
  readonly details = exportDetailsSchema;

  /** Files the DMS ticket, stores it, and posts its root message. */
  create(args: {
    form: ExportForm;
    channelId: string;
    requester: ResolvedUser;
    related: ResolvedUser[];
    slotKey?: string;
    sourcePermalink?: string;
  }): Promise<Ticket> {
    const { form } = args;
    const details: ExportDetails = {
      database: form.db.label,
      dbIds: [form.db.id],
      reason: form.reason,
      sql: form.sql,
      affectRows: form.affectRows,
      skipCheckReason: form.skipReason,
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

  async poll(
    ticket: Ticket<ExportDetails>,
  ): Promise<{ status: string; details?: Partial<ExportDetails>; calls?: number }> {
    const d = await this.deps.dms.getDataExportOrderDetail(ticket.externalId);
    const awaiting = AWAITING_APPROVAL.has(d.jobStatus);
    const ended = awaiting ? await this.endedOnGeneralTicket(ticket.externalId) : undefined;
    return {
      status: ended ?? d.jobStatus,
      calls: awaiting ? 2 : 1,
      details: d.envType && ticket.details.envType !== d.envType ? { envType: d.envType } : undefined,
    };
  }

  statusInfo(status: string | null) {
    return exportStatusInfo(status);
  }

  async describeExisting(orderId: string, base: OrderBaseInfo): Promise<Record<string, unknown>> {
    const d = await this.deps.dms.getDataExportOrderDetail(orderId);
    const details: ExportDetails = {
      database: d.database ?? 'unknown',
      // The real database, for policy checks on this ticket (none: checks fail closed).
      ...(d.dbId ? { dbIds: [d.dbId] } : {}),
      envType: d.envType,
      reason: d.reason ?? base.Comment ?? '',
      sql: d.sql ?? '',
      relatedSlackIds: [],
    };
    return { ...details };
  }

  override actionsFor(ticket: Ticket<ExportDetails>): TicketActionId[] {
    switch (ticket.status) {
      case 'PRE_CHECK_SUCCESS':
      case 'WAITING_APPLY_AUDIT':
        return ['submit'];
      case 'APPLY_AUDIT_SUCCESS':
        return ['approve', 'reject'];
      case 'ENABLE_EXPORT':
        return ['run'];
      case 'EXPORT_SUCCESS':
        return ['download'];
      default:
        return super.actionsFor(ticket);
    }
  }

  /** Once the result was delivered (or could not be), the reply says what happened instead of "goes privately". */
  protected override replyInfo(status: string, extra: readonly string[]): StatusInfo {
    const info = this.statusInfo(status);
    return status === 'EXPORT_SUCCESS' && extra.length ? { ...info, hint: undefined } : info;
  }

  /** On EXPORT_SUCCESS the result goes privately to the requester; the thread only says that it did. */
  async onStatus(
    ticket: Ticket<ExportDetails>,
  ): Promise<{ extra?: string[]; details?: Partial<ExportDetails>; calls?: number }> {
    if (ticket.status !== 'EXPORT_SUCCESS') return {};
    // Delivered once: the watcher stores `delivery` before the thread hears of it, so if the reply fails and the
    // change is retried (from the stored ticket), the person is not sent the link again.
    if (ticket.details.delivery) return { extra: [ticket.details.delivery] };
    const line = await this.deliver(ticket);
    return { extra: [line], details: { delivery: line }, calls: 1 };
  }

  /**
   * Sends the download link to the ticket's requester only: by DM, with an ephemeral pointer in the thread. The link
   * grants access to the data, so it never goes into a channel message or a log line. Returns a line for the
   * thread (or for whoever asked). Throws only for a passing DMS failure during the watcher's pass (retried later).
   */
  async deliver(ticket: Ticket<ExportDetails>, opts: { askedBy?: string; to?: string } = {}): Promise<string> {
    const { askedBy } = opts;
    const owner =
      opts.to ?? (ticket.details.followed === true ? ticket.details.submitterSlackId : ticket.requesterSlackId);
    const what = `data export (DMS ticket ${escapeMrkdwn(ticket.externalId)})`;
    if (!owner) {
      return `:lock: The result goes only to the person who filed this ticket in DMS; they are not known here, so they can download it from the DMS console.`;
    }
    let r: Awaited<ReturnType<typeof this.deps.dms.getDataExportDownloadUrl>>;
    try {
      r = await this.deps.dms.getDataExportDownloadUrl(ticket.externalId);
    } catch (err) {
      if (err instanceof CloudApiError && err.details.retryable && !askedBy) throw err;
      const code = err instanceof CloudApiError ? cloudText(err.details.errorCode, 80) : 'error';
      this.deps.logger.warn({ ticketId: ticket.id, err: errorFields(err) }, 'download link not available');
      return `:warning: I couldn't get the download link from DMS (${code}). ${mention(owner)} can download the result from the DMS console, or press *Send me the link* on the ticket later.`;
    }
    if (!r.hasResult || !r.url) {
      // TipMessage is cloud text: a link in it (even the result's own) never reaches the thread.
      const tip = r.tipMessage
        ? cloudText(r.tipMessage, 500, r.hasResult ? LINK_REMOVED_DOWNLOAD : LINK_REMOVED)
        : 'DMS gave no reason';
      return `:information_source: DMS has no file to download for this export: ${tip}`;
    }
    const link = safeLink(r.url);
    if (!link) {
      this.deps.logger.warn({ ticketId: ticket.id }, 'download link is not an http(s) URL; not sent');
      return `:warning: DMS answered with a download link I can't use. ${mention(owner)} can download the result from the DMS console.`;
    }
    const text = `:package: Your ${what} is ready: <${link}|download the result>. The link is for you only and expires; press *Send me the link* on the ticket's message for a fresh one.`;
    try {
      await this.deps.messenger.dm(owner, mrkdwnMessage(text));
    } catch (err) {
      const code = escapeMrkdwn(slackErrorCode(err) ?? 'error');
      this.deps.logger.warn({ ticketId: ticket.id, err: errorFields(err) }, 'could not DM the download link');
      return `:warning: I couldn't send ${mention(owner)} the download link by DM (Slack: ${code}). They can download the result from the DMS console.`;
    }
    this.deps.logger.info({ ticketId: ticket.id, to: owner, askedBy }, 'export result delivered by DM');
    if (ticket.rootTs && !/^D/.test(ticket.channelId)) {
      await this.deps.messenger
        .ephemeral(
          ticket.channelId,
          owner,
          { text: `:lock: I sent you the download link for this ${what} in a direct message.` },
          ticket.rootTs,
        )
        .catch(() => undefined);
    }
    return `:lock: Result delivered privately to ${mention(owner)}.`;
  }

  renderRoot(ticket: Ticket<ExportDetails>, now: number) {
    const d = ticket.details;
    return buildRootMessage({
      title: `Data export · DMS ticket ${ticket.externalId}`,
      summary: this.summary(ticket),
      requesterSlackId: ticket.requesterSlackId,
      requesterField: this.whoField(ticket),
      statusInfo: this.statusInfo(ticket.status),
      fields: [
        ['Database', databaseField(d.database, d.envType)],
        ['Reason', userField(d.reason)],
        ...(d.affectRows === undefined ? [] : ([['Estimated rows', String(d.affectRows)]] as [string, string][])),
        ...(d.skipCheckReason === undefined
          ? []
          : ([['Row check skipped', userField(d.skipCheckReason, 500)]] as [string, string][])),
        ['Related users', usersField(d.relatedSlackIds ?? [])],
      ],
      code: [['SQL', d.sql]],
      note: d.note,
      updatedAt: now,
    });
  }
}

/**
 * The database and its environment, named once: the picked label ("orders_prod · product · mysql") often names the
 * environment DMS reports for the ticket already.
 */
function databaseField(database: string, envType: string | undefined): string {
  const named =
    envType !== undefined &&
    database.split('·').some((part) => part.trim().toLowerCase() === envType.trim().toLowerCase());
  return `${cloudField(database, 300)}${envType && !named ? ` (${cloudField(envType, 40)})` : ''}`;
}

/** The URL for a mrkdwn link, or undefined when it is not http(s); characters that would end the link are encoded. */
function safeLink(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  return url.href.replace(/[|<>]/g, (c) => encodeURIComponent(c));
}
