import { cloudText, escapeMrkdwn } from '../../../blocks/kit/text.js';
import { buildRootMessage, cloudField, userField, usersField } from '../../../blocks/tickets/root.js';
import type { ResolvedUser } from '../../slack/user-resolver.js';
import type { Ticket } from '../../store/types.js';
import { jobOrOrderStatusInfo, ORDER_STATUS_PREFIX, type StatusInfo, TRACK_STATUSES } from '../statuses.js';
import { type DmsTicketDeps, DmsTicketService, type OrderBaseInfo } from '../ticket-service.js';
import { type TrackDetails, trackDetailsSchema } from './details.js';
import type { TrackForm } from './form.js';
import { describeWindow } from './time-window.js';

/** Data tracking tickets: CreateDataTrackOrder, then GetDataTrackOrderDetail (and GetOrderBaseInfo before the job starts). */
export class TrackService extends DmsTicketService<TrackDetails> {
  readonly kind = 'dms_track' as const;
  readonly kindLabel = 'Data tracking';
  readonly details = trackDetailsSchema;

  constructor(deps: DmsTicketDeps & { dmsZone: string }) {
    super(deps);
    this.dmsZone = deps.dmsZone;
  }

  private readonly dmsZone: string;

  /** Files the ticket with the window converted to the DMS zone. */
  create(args: {
    form: TrackForm;
    channelId: string;
    requester: ResolvedUser;
    related: ResolvedUser[];
    slotKey?: string;
  }): Promise<Ticket> {
    const { form } = args;
    const details: TrackDetails = {
      database: form.db.label,
      dbIds: [form.db.id],
      tables: form.tables,
      trackTypes: form.trackTypes,
      startSeconds: form.startSeconds,
      endSeconds: form.endSeconds,
      ...(form.windowNote ? { windowNote: form.windowNote } : {}),
      dmsZone: this.dmsZone,
      userZone: args.requester.tz,
      reason: form.reason,
      relatedSlackIds: args.related.map((u) => u.slackId),
    };
    return this.file({
      slotKey: args.slotKey,
      channelId: args.channelId,
      requester: args.requester,
      commentText: form.reason,
      details,
      create: (comment) =>
        this.deps.dms.createDataTrackOrder({
          dbId: form.db.id,
          startTime: form.startDms,
          endTime: form.endDms,
          tables: form.tables,
          trackTypes: form.trackTypes,
          comment,
          relatedUserIds: args.related.map((u) => u.dmsUserId!),
        }),
    });
  }

  async poll(ticket: Ticket): Promise<{ status: string; calls?: number }> {
    const d = await this.deps.dms.getDataTrackOrderDetail(ticket.externalId);
    if (d.jobStatus !== 'INIT') return { status: d.jobStatus };
    // Before the job starts, the approval state lives on the general ticket.
    const base = await this.deps.dms.getOrderBaseInfo(ticket.externalId);
    return { status: ORDER_STATUS_PREFIX + base.StatusCode.toLowerCase(), calls: 2 };
  }

  async describeExisting(orderId: string, base: OrderBaseInfo): Promise<Record<string, unknown>> {
    const d = await this.deps.dms.getDataTrackOrderDetail(orderId);
    return {
      database: d.dbId ? `DMS database ${d.dbId}` : 'unknown',
      // The real database, for policy checks on this ticket (none: checks fail closed).
      ...(d.dbId ? { dbIds: [d.dbId] } : {}),
      tables: d.tables,
      trackTypes: d.trackTypes,
      startSeconds: 0,
      endSeconds: 0,
      windowText: `${d.startTime ?? '?'} → ${d.endTime ?? '?'} (${this.dmsZone})`,
      dmsZone: this.dmsZone,
      reason: base.Comment ?? '',
      relatedSlackIds: [],
    } satisfies TrackDetails;
  }

  statusInfo(status: string | null): StatusInfo {
    return jobOrOrderStatusInfo(TRACK_STATUSES, status);
  }

  protected override replyExtras(ticket: Ticket<TrackDetails>): string[] {
    return [`Window: ${windowOf(ticket.details).replace(/\n/g, ' · ')}`];
  }

  renderRoot(ticket: Ticket<TrackDetails>, now: number) {
    const d = ticket.details;
    return buildRootMessage({
      title: `Data tracking · DMS ticket ${ticket.externalId}`,
      summary: this.summary(ticket),
      requesterSlackId: ticket.requesterSlackId,
      requesterField: this.whoField(ticket),
      statusInfo: this.statusInfo(ticket.status),
      fields: [
        ['Database', cloudField(d.database, 300)],
        ['Tables', userField(d.tables.join(', '), 1500)],
        // DMS's words, for a followed ticket: cloud text like any other (links removed, escaped).
        ['Operations', d.trackTypes.map((t) => cloudText(t, 40)).join(', ')],
        ['Window', windowOf(d)],
        ['Reason', userField(d.reason)],
        ['Related users', usersField(d.relatedSlackIds ?? [])],
      ],
      note: d.note,
      updatedAt: now,
    });
  }
}

/** The window (safe mrkdwn) for the root message and replies; never throws, whatever zone names the stored details hold. */
function windowOf(d: TrackDetails): string {
  // A followed ticket's window is DMS's text: cloud text.
  if (d.windowText) return cloudText(d.windowText, 400);
  const shown = describeWindow({
    startSeconds: d.startSeconds,
    endSeconds: d.endSeconds,
    dmsZone: d.dmsZone,
    userZone: d.userZone,
  });
  return escapeMrkdwn(d.windowNote ? `${shown}\n${d.windowNote}` : shown);
}
