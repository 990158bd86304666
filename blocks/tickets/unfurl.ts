import type { KnownBlock } from '@slack/types';
import type { StatusInfo } from '../../src/dms/statuses.js';
import { cloudPlain, cloudText, mention } from '../kit/text.js';

/** What a DMS ticket link unfurls into: no SQL, no reason, nothing `/dms status` would not show that channel. */
export interface UnfurlCard {
  /** "Data export" (the kind's label). */
  kindLabel: string;
  externalId: string;
  statusInfo: StatusInfo;
  requesterSlackId: string;
  createdAt: number;
  now: number;
}

/** "3 min", "5 h", "2 d": how long ago, in one rounded unit. */
export function ageText(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.floor(hours / 24)} d`;
}

/** The small card a DMS ticket link unfurls into: kind and id, status, requester, age. */
export function buildUnfurlCard(c: UnfurlCard): KnownBlock[] {
  const title = cloudPlain(`${c.kindLabel} · DMS ticket ${c.externalId}`, 150);
  const opened = `<!date^${Math.floor(c.createdAt / 1000)}^{date_short_pretty} {time}|${new Date(c.createdAt).toISOString()}>`;
  return [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `*${cloudText(title, 200)}*\n${c.statusInfo.emoji} *${cloudText(c.statusInfo.label, 200)}* · requested by ${mention(c.requesterSlackId)}`,
      },
    },
    {
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `Opened ${opened} (${ageText(c.now - c.createdAt)} ago)` }],
    },
  ];
}
