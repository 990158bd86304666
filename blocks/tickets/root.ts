import type { KnownBlock } from '@slack/types';
import type { StatusInfo } from '../../src/dms/statuses.js';
import {
  asMrkdwn,
  cloudPlain,
  cloudText,
  codeBlock,
  escapeMrkdwn,
  fallbackText,
  type Mrkdwn,
  mention,
  type Raw,
  truncate,
  withoutLinks,
} from '../kit/text.js';

const FIELD_MAX = 600;

/** What every ticket's root message shows; fields are already-safe mrkdwn (use the helpers below). */
export interface RootMessageModel {
  /** e.g. "Data export · DMS ticket 123" (plain text). */
  title: string;
  /** Fallback text start, e.g. "Data export ticket 123". */
  summary: string;
  requesterSlackId: string;
  /** Replaces the Requester field (a ticket followed with /dms status was filed by someone else). */
  requesterField?: [string, string];
  statusInfo: StatusInfo;
  /** Label and mrkdwn value pairs (at most 8 besides requester and status). */
  fields: [string, string][];
  /** Sections after the fields (already-safe mrkdwn, each at most 3,000 characters), e.g. the SQL review's warnings. */
  sections?: string[];
  /** Labelled code blocks (SQL, rollback SQL), each cut to fit. */
  code?: [string, string][];
  /** A note for the reader, e.g. why the message is in a DM (plain text, escaped here). */
  note?: string;
  updatedAt: number;
}

/** The root message of any ticket; updated in place as the status moves. */
export function buildRootMessage(m: RootMessageModel): { text: string; blocks: KnownBlock[] } {
  const [whoLabel, who] = m.requesterField ?? ['Requester', mention(m.requesterSlackId)];
  const fields = [
    `*${whoLabel}*\n${who}`,
    `*Status*\n${m.statusInfo.emoji} *${cloudText(m.statusInfo.label, 200)}*`,
    ...m.fields.slice(0, 8).map(([label, value]) => `*${label}*\n${value}`),
  ];
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: cloudPlain(m.title, 150) } },
    // Slack refuses messages whose blocks grow past ~13k characters: each part gets a share of that budget.
    { type: 'section', fields: fields.map((t) => ({ type: 'mrkdwn' as const, text: truncate(t, FIELD_MAX) })) },
  ];
  for (const text of m.sections ?? [])
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(text, 3000) } });
  const code = m.code ?? [];
  // Two code blocks share one message: split the room so the whole stays well under Slack's block size limits.
  const room = code.length > 1 ? 1_400 : 2_800;
  for (const [label, sql] of code)
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*${label}*\n${codeBlock(sql, room)}` } });
  if (m.note) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: cloudText(m.note, 1000) } });
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: `Updated <!date^${Math.floor(m.updatedAt / 1000)}^{date_short_pretty} {time}|${new Date(m.updatedAt).toISOString()}>`,
      },
    ],
  });
  return { text: fallbackText(`${m.summary}: ${m.statusInfo.label}`), blocks };
}

/** A user-typed value for a field: escaped and cut. */
export function userField<T extends string>(value: Raw<T>, max = 500): Mrkdwn {
  // Cut after escaping: `max` bounds what is sent, however many `&` the value holds.
  return asMrkdwn(truncate(escapeMrkdwn(value), max));
}

/** A value that came from the cloud (a database name, an environment): links removed, escaped and cut. */
export function cloudField<T extends string>(value: Raw<T>, max = 500): Mrkdwn {
  // A database is often named by its host (rm-xxx.mysql.rds.aliyuncs.com): keep bare hosts, remove real links.
  return asMrkdwn(truncate(escapeMrkdwn(withoutLinks(value, undefined, { keepHosts: true })), max));
}

/** A list of Slack users for a field. */
export function usersField(ids: string[]): string {
  return ids.length ? ids.slice(0, 20).map(mention).join(' ') : '_none_';
}

/** A thread reply announcing one status change, with optional extra lines (already-safe mrkdwn). */
export function buildStatusReply(args: {
  summary: string;
  status: string;
  info: StatusInfo;
  previous: StatusInfo | null;
  extra?: string[];
  /** What the bot did on reaching the status (e.g. the result's delivery): already-safe mrkdwn, also in the fallback text. */
  outcome?: string[];
}): { text: string; blocks: KnownBlock[] } {
  const line = `${args.info.emoji} *${cloudText(args.info.label, 200)}* \`${cloudText(args.status, 60).replace(/`/g, "'")}\``;
  const outcome = args.outcome ?? [];
  // Status, then what it means, then what was done about it; "was:" comes last, under all of it.
  const body = [
    line,
    ...(args.info.hint ? [cloudText(args.info.hint, 1000)] : []),
    ...(args.extra ?? []),
    ...outcome,
  ].join('\n');
  const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text: truncate(body, 3000) } }];
  if (args.previous)
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `was: ${cloudText(args.previous.label, 200)}` }],
    });
  const text = fallbackText(`${args.summary}: ${args.info.label}`);
  return { text: outcome.length ? truncate(`${text}\n${outcome.join('\n')}`, 3000) : text, blocks };
}

/** The last thread note when the bot stops following a ticket that never ended. */
export function buildGiveUpReply(args: { summary: string; hours: number; lastLabel: string }): { text: string } {
  return {
    text: `:warning: Stopped following ${escapeMrkdwn(args.summary)} after ${args.hours} h; the last status seen was *${cloudText(args.lastLabel, 200)}*. Check the ticket in the DMS console.`,
  };
}
