import type { KnownBlock } from '@slack/types';
import type { StatusInfo } from '../src/dms/statuses.js';
import { codeBlock, escapeMrkdwn, mention, plain, truncate } from './text.js';

/** What a data export root message shows. */
export interface ExportMessageModel {
  orderId: string;
  requesterSlackId: string;
  database: string;
  envType?: string;
  reason: string;
  sql: string;
  affectRows: number;
  skipCheckReason?: string;
  relatedSlackIds: string[];
  status: string | null;
  statusInfo: StatusInfo;
  /** A note for the reader, e.g. why the message is in a DM. */
  note?: string;
  updatedAt: number;
}

const SQL_MAX = 2_800;

/** The root message of a data export ticket; updated in place as the status moves. */
export function buildExportRootMessage(m: ExportMessageModel): { text: string; blocks: KnownBlock[] } {
  const status = `${m.statusInfo.emoji} *${escapeMrkdwn(m.statusInfo.label)}*`;
  const fields = [
    `*Requester*\n${mention(m.requesterSlackId)}`,
    `*Status*\n${status}`,
    `*Database*\n${escapeMrkdwn(truncate(m.database, 300))}${m.envType ? ` (${escapeMrkdwn(truncate(m.envType, 40))})` : ''}`,
    `*Reason*\n${escapeMrkdwn(truncate(m.reason, 500))}`,
    `*Estimated rows*\n${m.affectRows}${m.skipCheckReason !== undefined ? ` (check skipped: ${escapeMrkdwn(truncate(m.skipCheckReason, 300))})` : ''}`,
    `*Related users*\n${m.relatedSlackIds.length ? m.relatedSlackIds.slice(0, 20).map(mention).join(' ') : '_none_'}`,
  ];
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: plain(`Data export · DMS ticket ${m.orderId}`, 150) } },
    { type: 'section', fields: fields.map((t) => ({ type: 'mrkdwn' as const, text: truncate(t, 2000) })) },
    { type: 'section', text: { type: 'mrkdwn', text: `*SQL*\n${codeBlock(m.sql, SQL_MAX)}` } },
  ];
  if (m.note) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(escapeMrkdwn(m.note), 3000) } });
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: `Updated <!date^${Math.floor(m.updatedAt / 1000)}^{date_short_pretty} {time}|${new Date(m.updatedAt).toISOString()}> · updates in the thread :thread:` }],
  });
  return { text: `Data export ticket ${m.orderId}: ${m.statusInfo.label}`, blocks };
}

/** A thread reply announcing one status change. */
export function buildStatusReply(args: { kindLabel: string; orderId: string; status: string; info: StatusInfo; previous: StatusInfo | null }): { text: string; blocks: KnownBlock[] } {
  const line = `${args.info.emoji} *${escapeMrkdwn(args.info.label)}* \`${escapeMrkdwn(truncate(args.status, 60))}\``;
  const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text: args.info.hint ? `${line}\n${escapeMrkdwn(args.info.hint)}` : line } }];
  if (args.previous) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `was: ${escapeMrkdwn(args.previous.label)}` }] });
  return { text: `${args.kindLabel} ${args.orderId}: ${args.info.label}`, blocks };
}

/** The last thread note when the bot stops following a ticket that never ended. */
export function buildGiveUpReply(args: { kindLabel: string; orderId: string; hours: number; lastLabel: string }): { text: string } {
  return {
    text: `:warning: Stopped following ${args.kindLabel.toLowerCase()} ${args.orderId} after ${args.hours} h; the last status seen was *${escapeMrkdwn(args.lastLabel)}*. Check the ticket in the DMS console.`,
  };
}
