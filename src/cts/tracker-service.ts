import type { Logger } from 'pino';
import {
  buildTrackerRootMessage,
  buildTrackerStatusReply,
  summaryFromTracker,
  type TrackerListItem,
  trackerTypeLabel,
} from '../../blocks/cts/tracker-message.js';
import { cloudCode, cloudText, escapeMrkdwn, withoutLinks } from '../../blocks/kit/text.js';
import type { Config } from '../config.js';
import type { Clock } from '../core/clock.js';
import { BotError, CloudApiError, errorFields } from '../core/errors.js';
import type { StatusInfo } from '../dms/statuses.js';
import type { MessageBody } from '../slack/messenger.js';
import type { Store, Ticket } from '../store/types.js';
import type { TicketKind } from '../tickets/kind.js';
import type { StatusWatcher } from '../tickets/watcher.js';
import { CreateOutcomeUnknownError, type CtsClient } from './client.js';
import type { CreateTrackerRequest, Tracker, TrackerType } from './schemas.js';
import { storedTrackerName, type TrackerDetails, trackerDetailsSchema } from './tracker-details.js';
import { explainTrackerDetail } from './tracker-form.js';

/** How long a new tracker's status is followed: problems (bucket policy, missing bucket) show up soon after creation. */
export const CTS_FOLLOW_MS = 3_600_000;

/** The status poll() reports when CTS no longer lists the tracker; it ends the ticket. */
export const TRACKER_GONE = 'gone';

/** What `create` returns. */
export interface TrackerCreated {
  ticket: Ticket;
  tracker: Tracker;
  /** Set when the creation was only confirmed by listing trackers (a lost or ambiguous answer). */
  confirmation?: string;
  /** True when this tracker already had a ticket (the same tracker confirmed twice): nothing new was posted. */
  alreadyFollowed: boolean;
}

/** One status string per tracker state, so a change of `detail` counts as a change: `enabled`, `error:noBucket`, ... */
export function encodeTrackerStatus(t: Pick<Tracker, 'status' | 'detail'>): string {
  const status = t.status ?? 'unknown';
  return status === 'error' && t.detail ? `error:${t.detail}` : status;
}

const DETAIL_LABELS: Readonly<Record<string, string>> = {
  bucketPolicyError: 'CTS may not write to the bucket',
  noBucket: 'the OBS bucket is missing',
  arrears: 'the account is in arrears',
};

/** How an encoded tracker status reads to a person; errors carry the plain-words explanation as the hint. */
export function trackerStatusInfo(status: string | null): StatusInfo {
  if (status === null) return { emoji: ':hourglass_flowing_sand:', label: 'Created', final: false };
  if (status === 'enabled')
    return {
      emoji: ':white_check_mark:',
      label: 'Enabled',
      final: false,
      hint: 'CTS is recording operations and transferring them as configured.',
    };
  if (status === 'disabled')
    return {
      emoji: ':double_vertical_bar:',
      label: 'Disabled',
      final: false,
      hint: 'The tracker exists but records nothing until it is enabled again in the CTS console.',
    };
  if (status === 'error' || status.startsWith('error:')) {
    const detail = status.slice('error:'.length) || undefined;
    const label = detail ? `Error: ${DETAIL_LABELS[detail] ?? withoutLinks(detail)}` : 'Error';
    return { emoji: ':warning:', label, final: false, hint: explainTrackerDetail(detail) };
  }
  if (status === TRACKER_GONE) {
    return {
      emoji: ':wastebasket:',
      label: 'Deleted',
      final: true,
      hint: 'CTS no longer lists this tracker (it was deleted, or replaced by another with the same name), so I stopped following it.',
    };
  }
  if (status === 'unknown') return { emoji: ':grey_question:', label: 'Unknown (CTS gave no status)', final: false };
  return { emoji: ':grey_question:', label: withoutLinks(status), final: false };
}

/** The ticket key of a tracker: unique per tracker, even when one is deleted and re-created with the same name. */
export function trackerExternalId(t: Pick<Tracker, 'tracker_type' | 'tracker_name' | 'id'>): string {
  return `${t.tracker_type}:${t.tracker_name}:${t.id}`;
}

/** A tracker ticket's name for people: its stored name and type, else the parts of its key. */
export function trackerTitle(ticket: Pick<Ticket, 'externalId' | 'details'>): string {
  const stored = storedTrackerName(ticket.details);
  const [keyType = '', ...rest] = ticket.externalId.split(':');
  const name = stored.name ?? (rest.slice(0, -1).join(':') || ticket.externalId);
  const type = stored.type ?? keyType;
  return `CTS tracker ${name} · ${trackerTypeLabel(type)}`;
}

/** CTS trackers: creation (CreateTracker) and a while of status checks (ListTrackers). */
export class CtsTrackerService implements TicketKind<TrackerDetails> {
  readonly kindLabel = 'CTS tracker';
  readonly details = trackerDetailsSchema;
  readonly maxAgeMs = CTS_FOLLOW_MS;
  /** A stopped tracker keeps running in CTS; nothing re-follows it (`/dms status` is for DMS tickets). */
  readonly home = { cloud: 'CTS' };

  /** "CTS tracker audit-1 · Data": the name and type, never the internal key (`type:name:id`). */
  title(ticket: Ticket): string {
    return trackerTitle(ticket);
  }

  constructor(
    readonly deps: {
      cts: CtsClient;
      store: Store;
      clock: Clock;
      logger: Logger;
      config: Config;
      watcher: () => StatusWatcher;
      intervalMs: number;
    },
  ) {}

  /**
   * Creates the tracker, stores a ticket and posts its root message. A create whose answer was lost is confirmed with
   * ListTrackers: found means created; not found is said plainly (BotError), never retried blindly.
   */
  async create(args: {
    body: CreateTrackerRequest;
    channelId: string;
    requesterSlackId: string;
  }): Promise<TrackerCreated> {
    const { body } = args;
    const log = this.deps.logger.child({
      trackerName: body.tracker_name,
      trackerType: body.tracker_type,
      requester: args.requesterSlackId,
    });
    let tracker: Tracker;
    let confirmation: string | undefined;
    try {
      const created = await this.deps.cts.createTracker(body);
      tracker = created.tracker;
      if (created.confirmedByList) {
        confirmation =
          'CTS answered a retried request with "already exists"; the tracker list confirms the tracker is there. It was most likely created by the first attempt, but could have been created by someone else at the same time.';
      }
    } catch (err) {
      if (!(err instanceof CreateOutcomeUnknownError)) throw err;
      tracker = await this.confirmLostCreate(err, body, log);
      confirmation = `CTS did not answer the create request clearly (${err.details.errorCode}); a check right after found the tracker, so it exists (most likely created by this request).`;
    }

    const externalId = trackerExternalId(tracker);
    const existing = await this.deps.store.findTicketByExternalId('cts_tracker', externalId);
    if (existing) {
      log.info({ ticketId: existing.id }, 'tracker already followed by another ticket');
      return { ticket: existing, tracker, confirmation, alreadyFollowed: true };
    }
    const now = this.deps.clock.now();
    const details: TrackerDetails = {
      tracker: summaryFromTracker(tracker, body),
      statusAtCreate: encodeTrackerStatus(tracker),
      ...(confirmation ? { createNote: confirmation } : {}),
    };
    // Stored before anything is posted: from here on the tracker is followed even if Slack is down.
    const ticket = await this.deps.store.createTicket(
      {
        kind: 'cts_tracker',
        externalId,
        channelId: args.channelId,
        rootTs: null,
        requesterSlackId: args.requesterSlackId,
        requesterDmsId: null,
        status: null,
        details,
        nextPollAt: now + this.deps.intervalMs,
        pollIntervalMs: this.deps.intervalMs,
      },
      now,
    );
    log.info(
      {
        ticketId: ticket.id,
        trackerId: tracker.id,
        status: details.statusAtCreate,
        confirmed: confirmation !== undefined,
      },
      'cts tracker created',
    );
    const published = await this.deps.watcher().follow(ticket);
    return { ticket: published, tracker, confirmation, alreadyFollowed: false };
  }

  private async confirmLostCreate(
    err: CreateOutcomeUnknownError,
    body: CreateTrackerRequest,
    log: Logger,
  ): Promise<Tracker> {
    let found: Tracker | undefined;
    try {
      found = await this.deps.cts.findTracker(err.trackerName, err.trackerType);
    } catch (checkErr) {
      const code = checkErr instanceof CloudApiError ? checkErr.details.errorCode : 'error';
      log.warn({ err: errorFields(checkErr) }, 'could not confirm a create whose answer was lost');
      throw new BotError(
        'create_outcome_unknown',
        // mrkdwn: the cloud's words and the typed name are escaped where the message is built.
        `${cloudText(err.userMessage, 1000)} Checking the tracker list failed too (${cloudCode(code, 80)}). Run /cts list in a minute: if a tracker named "${escapeMrkdwn(body.tracker_name)}" is there, it was created.`,
        { cause: err },
      );
    }
    if (!found) {
      log.warn({ err: errorFields(err) }, 'create answer lost and the tracker is not listed');
      throw new BotError(
        'create_not_confirmed',
        `CTS did not answer the create request clearly (${cloudCode(err.details.errorCode, 80)}), and a check right after found no tracker named "${escapeMrkdwn(body.tracker_name)}", so it was most likely not created. Run /cts list in a minute to be sure before trying again.`,
        { cause: err },
      );
    }
    log.warn({ err: errorFields(err), trackerId: found.id }, 'create answer lost; tracker confirmed by ListTrackers');
    return found;
  }

  /** Every tracker in the project with its status, for `/cts list` (management tracker first). */
  async list(): Promise<TrackerListItem[]> {
    const trackers = await this.deps.cts.listTrackers();
    return [...trackers]
      .sort((a, b) =>
        a.tracker_type === b.tracker_type
          ? a.tracker_name.localeCompare(b.tracker_name)
          : a.tracker_type === 'system'
            ? -1
            : 1,
      )
      .map((t) => {
        const status = encodeTrackerStatus(t);
        return { summary: summaryFromTracker(t), status, info: trackerStatusInfo(status) };
      });
  }

  async poll(ticket: Ticket<TrackerDetails>): Promise<{ status: string }> {
    const d = ticket.details;
    const type: TrackerType = d.tracker.type === 'system' ? 'system' : 'data';
    const found = await this.deps.cts.findTracker(d.tracker.name, type);
    // A tracker with the same name but another id is a replacement, not the one this thread is about.
    if (!found || (d.tracker.id !== undefined && found.id !== d.tracker.id)) return { status: TRACKER_GONE };
    return { status: encodeTrackerStatus(found) };
  }

  statusInfo(status: string | null): StatusInfo {
    return trackerStatusInfo(status);
  }

  renderRoot(ticket: Ticket<TrackerDetails>, now: number): MessageBody {
    const d = ticket.details;
    const status = ticket.status ?? d.statusAtCreate;
    return buildTrackerRootMessage({
      summary: d.tracker,
      requesterSlackId: ticket.requesterSlackId,
      status,
      statusInfo: trackerStatusInfo(status),
      checking: ticket.status === null,
      notes: [d.note, d.createNote].filter((n): n is string => typeof n === 'string' && n !== ''),
      updatedAt: now,
      followHours: Math.round(this.maxAgeMs / 3_600_000),
    });
  }

  renderReply(ticket: Ticket<TrackerDetails>, status: string, previous: string | null): MessageBody {
    return buildTrackerStatusReply({
      name: ticket.details.tracker.name,
      status,
      info: trackerStatusInfo(status),
      previous: previous === null ? null : trackerStatusInfo(previous),
    });
  }

  /** Trackers live on; after the follow period the bot simply stops looking. */
  renderGiveUp(): MessageBody | null {
    return null;
  }
}
