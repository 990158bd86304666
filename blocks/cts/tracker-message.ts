import type { KnownBlock } from '@slack/types';
import type { CreateTrackerRequest, Tracker } from '../../src/cts/schemas.js';
import type { StatusInfo } from '../../src/dms/statuses.js';
import type { MessageBody } from '../../src/slack/messenger.js';
import { cloudPlain, cloudText, fallbackText, type Mrkdwn, mention, plain, truncate } from '../kit/text.js';

/** What the bot shows about one tracker: the settings that matter to a reader. JSON-serialisable (stored with the ticket). */
export interface TrackerSummary {
  name: string;
  /** `system` or `data` (a plain string: CTS may add types). */
  type: string;
  id?: string;
  obs?: {
    bucket: string;
    prefix?: string;
    created?: boolean;
    compress?: string;
    sortByService?: boolean;
    retentionDays?: number;
  };
  lts?: boolean;
  validate?: boolean;
  encryption?: boolean;
  kmsId?: string;
  excludeKms?: boolean;
  organization?: boolean;
  dataBucket?: { name: string; events: string[] };
}

/** The summary of what a person asked for (before CTS answered). */
export function summaryFromRequest(body: CreateTrackerRequest): TrackerSummary {
  const o = body.obs_info;
  return {
    name: body.tracker_name,
    type: body.tracker_type,
    ...(o?.bucket_name
      ? {
          obs: {
            bucket: o.bucket_name,
            prefix: o.file_prefix_name,
            created: o.is_obs_created,
            compress: o.compress_type,
            sortByService: o.is_sort_by_service,
            retentionDays: o.bucket_lifecycle,
          },
        }
      : {}),
    lts: body.is_lts_enabled,
    validate: body.is_support_validate,
    encryption: body.is_support_trace_files_encryption,
    kmsId: body.kms_id,
    excludeKms: body.management_event_selector?.exclude_service.includes('KMS'),
    organization: body.is_organization_tracker,
    ...(body.data_bucket
      ? { dataBucket: { name: body.data_bucket.data_bucket_name, events: [...body.data_bucket.data_event] } }
      : {}),
  };
}

/** The summary of a tracker as CTS returns it; `asked` fills what the answer leaves out. */
export function summaryFromTracker(t: Tracker, asked?: CreateTrackerRequest): TrackerSummary {
  const fallback = asked ? summaryFromRequest(asked) : undefined;
  const o = t.obs_info;
  const obs = o?.bucket_name
    ? {
        bucket: o.bucket_name,
        prefix: o.file_prefix_name,
        created: o.is_obs_created,
        compress: o.compress_type,
        sortByService: o.is_sort_by_service,
        retentionDays: o.bucket_lifecycle,
      }
    : fallback?.obs;
  const db = t.data_bucket?.data_bucket_name
    ? { name: t.data_bucket.data_bucket_name, events: t.data_bucket.data_event ?? [] }
    : fallback?.dataBucket;
  return {
    name: t.tracker_name,
    type: t.tracker_type,
    id: t.id,
    ...(obs ? { obs } : {}),
    lts: t.lts?.is_lts_enabled ?? fallback?.lts,
    validate: t.is_support_validate ?? fallback?.validate,
    encryption: t.is_support_trace_files_encryption ?? fallback?.encryption,
    kmsId: t.kms_id ?? fallback?.kmsId,
    excludeKms: t.management_event_selector?.exclude_service?.includes('KMS') ?? fallback?.excludeKms,
    organization: t.is_organization_tracker ?? fallback?.organization,
    ...(db ? { dataBucket: db } : {}),
  };
}

/** "Management (system)" or "Data". */
export function trackerTypeLabel(type: string): string {
  return type === 'system' ? 'Management (system)' : type === 'data' ? 'Data' : type;
}

/** User or cloud text as inline code that cannot break out of its backticks. */
function code(value: string, max = 200): string {
  return `\`${cloudText(value, max).replace(/`/g, "'")}\``;
}

const onOff = (v: boolean | undefined) => (v ? 'on' : 'off');

/** Where traces go: OBS bucket/prefix (or off) and LTS on/off, in one line. */
export function transferLine(s: TrackerSummary): string {
  const obs = s.obs ? `OBS ${code(s.obs.prefix ? `${s.obs.bucket}/${s.obs.prefix}` : s.obs.bucket)}` : 'OBS off';
  return `${obs} · LTS ${onOff(s.lts)}`;
}

/** The tracker's settings as mrkdwn lines, every cloud or user value escaped. */
export function trackerSettingsText(s: TrackerSummary): string {
  const lines: string[] = [];
  if (s.dataBucket) {
    lines.push(
      `*Tracked bucket:* ${code(s.dataBucket.name)} (${s.dataBucket.events.length ? s.dataBucket.events.map((e) => cloudText(e, 20)).join(', ') : 'no operations'})`,
    );
  }
  if (s.obs) {
    const extras = [
      s.obs.created ? 'new bucket' : 'existing bucket',
      s.obs.compress ? cloudText(s.obs.compress, 20) : undefined,
      s.obs.sortByService === false ? 'not sorted by service' : 'sorted by service',
      s.obs.retentionDays !== undefined ? `kept ${s.obs.retentionDays} days` : undefined,
    ].filter(Boolean);
    lines.push(
      `*Transfer to OBS:* ${code(s.obs.prefix ? `${s.obs.bucket}/${s.obs.prefix}` : s.obs.bucket)} (${extras.join(' · ')})`,
    );
  } else {
    lines.push('*Transfer to OBS:* off (traces stay in CTS for 7 days)');
  }
  lines.push(`*Trace analysis (LTS):* ${onOff(s.lts)} · *File validation:* ${onOff(s.validate)}`);
  if (s.type === 'system') {
    lines.push(`*Encryption:* ${s.encryption ? `on, KMS key ${s.kmsId ? code(s.kmsId, 128) : '(none)'}` : 'off'}`);
    lines.push(
      `*KMS createDatakey traces:* ${s.excludeKms ? 'excluded' : 'included'} · *Organization:* ${s.organization ? 'applied' : 'not applied'}`,
    );
  }
  return lines.join('\n');
}

/** What a tracker root message shows. */
export interface TrackerMessageModel {
  summary: TrackerSummary;
  requesterSlackId: string;
  /** The encoded status shown (see `encodeTrackerStatus`), null before CTS reported one. */
  status: string | null;
  statusInfo: StatusInfo;
  /** True until the first status check has answered. */
  checking: boolean;
  /** Notes for the reader: why the message is in a DM, how the creation was confirmed. */
  notes: string[];
  updatedAt: number;
  /** How long status changes are posted, in hours. */
  followHours: number;
}

/** The root message of a created tracker; updated in place as its status moves. */
export function buildTrackerRootMessage(m: TrackerMessageModel): MessageBody & { blocks: KnownBlock[] } {
  const s = m.summary;
  const status = `${m.statusInfo.emoji} *${cloudText(m.statusInfo.label, 200)}*${m.checking ? ' (checking…)' : ''}`;
  const fields = [
    `*Requester*\n${mention(m.requesterSlackId)}`,
    `*Type*\n${trackerTypeLabel(cloudText(s.type, 40))}`,
    `*Status*\n${status}`,
    `*Tracker id*\n${s.id ? code(s.id, 100) : '_unknown_'}`,
  ];
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: cloudPlain(`CTS tracker · ${s.name}`, 150) } },
    { type: 'section', fields: fields.map((t) => ({ type: 'mrkdwn' as const, text: truncate(t, 2000) })) },
    { type: 'section', text: { type: 'mrkdwn', text: truncate(trackerSettingsText(s), 3000) } },
  ];
  if (m.statusInfo.hint)
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: cloudText(m.statusInfo.hint, 2900) } });
  for (const note of m.notes.slice(0, 3))
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: cloudText(note, 2900) } });
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: `Updated <!date^${Math.floor(m.updatedAt / 1000)}^{date_short_pretty} {time}|${new Date(m.updatedAt).toISOString()}> · followed for the first ${m.followHours} h`,
      },
    ],
  });
  return { text: fallbackText(`CTS tracker ${cloudPlain(s.name, 64)}: ${m.statusInfo.label}`), blocks };
}

/** A thread reply for the first status CTS reports, or for a change. */
export function buildTrackerStatusReply(args: {
  name: string;
  status: string;
  info: StatusInfo;
  previous: StatusInfo | null;
}): MessageBody {
  const intro = args.previous ? 'Status changed:' : 'CTS reports:';
  const line = `${intro} ${args.info.emoji} *${cloudText(args.info.label, 200)}* ${code(args.status, 60)}`;
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncate(args.info.hint ? `${line}\n${cloudText(args.info.hint, 2000)}` : line, 3000),
      },
    },
  ];
  if (args.previous)
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `was: ${cloudText(args.previous.label, 200)}` }],
    });
  return { text: fallbackText(`CTS tracker ${cloudPlain(args.name, 64)}: ${args.info.label}`), blocks };
}

/** One tracker in `/cts list`. */
export interface TrackerListItem {
  summary: TrackerSummary;
  status: string;
  info: StatusInfo;
}

/** Sections per `/cts list` page: within the 50-block message limit with the header and the footer. */
const LIST_MAX = 45;
/**
 * Characters of tracker text per page: Slack refuses a message whose blocks carry more than about 12,000 characters of
 * text (msg_blocks_too_long), and the header and footer need room too.
 */
const LIST_TEXT_BUDGET = 9_000;

/** The `/cts list` pages: as many trackers per page as fit both budgets, in the order given. */
export function trackerListPages(items: readonly TrackerListItem[]): string[][] {
  const pages: string[][] = [];
  let page: string[] = [];
  let used = 0;
  for (const item of items) {
    const section = trackerListSection(item);
    if (page.length > 0 && (page.length >= LIST_MAX || used + section.length > LIST_TEXT_BUDGET)) {
      pages.push(page);
      page = [];
      used = 0;
    }
    page.push(section);
    used += section.length;
  }
  if (page.length > 0) pages.push(page);
  return pages;
}

function trackerListSection(item: TrackerListItem): string {
  const s = item.summary;
  const lines = [
    `*${cloudText(s.name, 64)}* · ${trackerTypeLabel(cloudText(s.type, 40))} · ${item.info.emoji} ${cloudText(item.info.label, 200)}`,
    `Transfer: ${transferLine(s)}`,
  ];
  if (s.dataBucket)
    lines.push(
      `Tracks ${code(s.dataBucket.name)} (${s.dataBucket.events.map((e) => cloudText(e, 20)).join(', ') || 'no operations'})`,
    );
  if (item.status.startsWith('error') && item.info.hint) lines.push(`> ${cloudText(item.info.hint, 1000)}`);
  return truncate(lines.join('\n'), 3000);
}

/**
 * The ephemeral `/cts list` answer, one page of it (1-based; past the last page, the last): one section per tracker,
 * within Slack's block count and block text limits, and a footer naming the next page's command.
 */
export function buildTrackerListMessage(
  items: readonly TrackerListItem[],
  page = 1,
): MessageBody & { blocks: KnownBlock[] } {
  if (items.length === 0) {
    const text = 'There are no CTS trackers in this project yet. Create one with `/cts tracker`.';
    return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
  }
  const pages = trackerListPages(items);
  const n = Math.min(Math.max(1, Math.floor(page)), pages.length);
  const first = pages.slice(0, n - 1).reduce((k, p) => k + p.length, 0);
  const shown = pages[n - 1]!;
  const paged = pages.length > 1 ? ` · page ${n} of ${pages.length}` : '';
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: plain(`CTS trackers (${items.length})${paged}`, 150) } },
  ];
  for (const section of shown) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: section } });
  if (pages.length > 1) {
    const range = `Trackers ${first + 1}–${first + shown.length} of ${items.length}.`;
    const next = n < pages.length ? ` \`/cts list ${n + 1}\` shows the next page.` : ' This is the last page.';
    const asked = page > pages.length ? ` (There are ${pages.length} pages.)` : '';
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `${range}${next}${asked}` }] });
  }
  const text = items
    .slice(first, first + shown.length)
    .map((i) => `${cloudPlain(i.summary.name, 64)} (${cloudPlain(i.summary.type, 40)}): ${i.info.label}`)
    .join('; ');
  return { text: fallbackText(`CTS trackers${paged}: ${text}`), blocks };
}

/**
 * What the requester sees when a tracker was not created: the reason, and what they asked for so nothing is lost.
 * `reason` is already-safe mrkdwn (from `userMessageFor`), so it is not escaped a second time.
 */
export function buildTrackerNotCreatedMessage(
  reason: Mrkdwn,
  asked: TrackerSummary,
): MessageBody & { blocks: KnownBlock[] } {
  const line = `:x: The CTS tracker ${cloudText(asked.name, 64)} was not created. ${truncate(reason, 2000)}`;
  return {
    text: truncate(line, 3000),
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: truncate(
            `:x: The CTS tracker *${cloudText(asked.name, 64)}* was not created.\n${truncate(reason, 2000)}`,
            3000,
          ),
        },
      },
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: truncate(
            `What you asked for (${trackerTypeLabel(cloudText(asked.type, 40))} tracker), so nothing is lost:\n${trackerSettingsText(asked)}`,
            3000,
          ),
        },
      },
    ],
  };
}
