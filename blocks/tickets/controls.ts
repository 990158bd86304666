import type { ActionsBlock, Button, KnownBlock } from '@slack/types';
import type { ThreadMode } from '../../src/store/types.js';
import { escapeMrkdwn, mention, truncate } from '../kit/text.js';

/** What a person can do to a ticket from Slack. */
export type TicketActionId = 'submit' | 'approve' | 'reject' | 'run' | 'download' | 'refresh' | 'stop';

/** Action ids of the buttons (`ticket:<action>`); the value is the ticket's internal id and nothing else. */
export const TICKET_ACTION_PREFIX = 'ticket:';
export const ticketActionId = (a: TicketActionId) => `${TICKET_ACTION_PREFIX}${a}`;

/** Words for each action, for buttons, refusals and the thread. */
export const ACTION_WORDS: Record<TicketActionId, { button: string; done: string; verb: string }> = {
  submit: {
    button: 'Submit for approval',
    done: 'submitted the ticket for approval',
    verb: 'submit this ticket for approval',
  },
  approve: { button: 'Approve', done: 'approved the ticket', verb: 'approve this ticket' },
  reject: { button: 'Reject', done: 'rejected the ticket', verb: 'reject this ticket' },
  run: { button: 'Run export', done: 'started the export', verb: 'run this export' },
  download: { button: 'Send me the link', done: 'asked for the download link', verb: 'get the download link' },
  refresh: { button: 'Refresh', done: 'refreshed the status', verb: 'refresh this ticket' },
  stop: { button: 'Stop following', done: 'stopped following the ticket here', verb: 'stop following this ticket' },
};

/** One thing that happened to a ticket from Slack, kept in its details and shown on the root message. */
export interface TicketActivity {
  action: TicketActionId;
  by: string;
  at: number;
  /** Extra words (file type, rejection reason), plain text. */
  note?: string;
}

const ORDER: TicketActionId[] = ['submit', 'approve', 'reject', 'run', 'download', 'refresh', 'stop'];

/** The buttons for a ticket (in a stable order), or nothing when none applies. */
/** Where a ticket lives on once no longer followed here, and the command that follows it again (mrkdwn), if any. */
export interface TicketHome {
  cloud: string;
  followAgain?: string;
}

const DMS_HOME: TicketHome = { cloud: 'DMS', followAgain: '`/dms status`' };

export function ticketActionsBlock(
  ticketId: number,
  actions: readonly TicketActionId[],
  summary: string,
  home: TicketHome = DMS_HOME,
): ActionsBlock | undefined {
  const shown = ORDER.filter((a) => actions.includes(a));
  if (shown.length === 0) return undefined;
  return {
    type: 'actions',
    block_id: `ticket:${ticketId}`,
    elements: shown.map((a) => button(ticketId, a, summary, home)),
  };
}

function button(ticketId: number, action: TicketActionId, summary: string, home: TicketHome): Button {
  const b: Button = {
    type: 'button',
    action_id: ticketActionId(action),
    value: String(ticketId),
    text: { type: 'plain_text', text: ACTION_WORDS[action].button },
  };
  if (action === 'approve') b.style = 'primary';
  if (action === 'reject') b.style = 'danger';
  if (action === 'run' || action === 'submit') b.style = 'primary';
  if (action === 'approve') {
    b.confirm = {
      title: { type: 'plain_text', text: 'Approve in DMS?' },
      text: {
        type: 'plain_text',
        text: truncate(
          `${summary}: DMS records the approval with your name in the comment. The ticket can then run.`,
          300,
        ),
      },
      confirm: { type: 'plain_text', text: 'Approve' },
      deny: { type: 'plain_text', text: 'Cancel' },
    };
  }
  if (action === 'stop') {
    b.confirm = {
      title: { type: 'plain_text', text: 'Stop following?' },
      text: {
        type: 'plain_text',
        text: truncate(`${summary} goes on in ${home.cloud}; this channel just stops hearing about it.`, 300),
      },
      confirm: { type: 'plain_text', text: 'Stop following' },
      deny: { type: 'plain_text', text: 'Keep following' },
    };
  }
  return b;
}

/** A line for one activity, e.g. "✔ <@U1> approved the ticket · 10:04". */
export function activityLine(a: TicketActivity): string {
  const when = `<!date^${Math.floor(a.at / 1000)}^{date_short_pretty} {time}|${new Date(a.at).toISOString()}>`;
  const note = a.note ? `: ${escapeMrkdwn(truncate(a.note, 200))}` : '';
  return `${mention(a.by)} ${ACTION_WORDS[a.action].done}${note} · ${when}`;
}

const WHERE_UPDATES: Record<ThreadMode, string> = {
  threads: 'Status changes are posted in the thread :thread:',
  broadcast_final: 'Status changes are posted in the thread :thread:; the final one also in the channel',
  root_only: 'Status changes update this message (no thread replies in this channel)',
};

/** What the root of a ticket no longer followed (final status, or followed long enough) says instead. */
const WHERE_DONE: Record<ThreadMode, string> = {
  threads: 'No more updates here; its status changes are in the thread :thread:',
  broadcast_final: 'No more updates here; its status changes are in the thread :thread:',
  root_only: 'No more updates here; this message shows its last status',
};

/**
 * Adds the shared parts to a ticket's root message: recent actions taken from Slack, whether it is still followed,
 * where updates go, and the buttons that apply now.
 */
export function withTicketControls(
  blocks: KnownBlock[],
  c: {
    ticketId: number;
    summary: string;
    actions: readonly TicketActionId[];
    activity: readonly TicketActivity[];
    threadMode: ThreadMode;
    /** Where the ticket lives on (DMS when unset). */
    home?: TicketHome;
    /** True once the ticket is no longer followed (its root no longer promises updates). */
    done?: boolean;
    stopped?: { by: string; at: number };
    /** Already-safe mrkdwn lines that would have gone to the thread (root-only channels). */
    notes?: readonly string[];
    /** The permalink (Slack's, checked by the messenger) of the message the ticket was filed from. */
    sourcePermalink?: string;
  },
): KnownBlock[] {
  const tail: KnownBlock[] = [];
  if (c.sourcePermalink && SLACK_LINK.test(c.sourcePermalink))
    tail.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `:link: Filed from <${c.sourcePermalink}|this message>.` }],
    });
  const recent = c.activity.slice(-3);
  if (recent.length)
    tail.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: truncate(recent.map(activityLine).join('\n'), 2000) }],
    });
  if (c.stopped) {
    const home = c.home ?? DMS_HOME;
    const again = home.followAgain ? `; ${home.followAgain} follows it again` : '';
    tail.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `:black_square_for_stop: No longer followed here (stopped by ${mention(c.stopped.by)}). It goes on in ${home.cloud}${again}.`,
        },
      ],
    });
  } else {
    tail.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: (c.done ? WHERE_DONE : WHERE_UPDATES)[c.threadMode] }],
    });
  }
  const actions = ticketActionsBlock(c.ticketId, c.actions, c.summary, c.home);
  if (actions) tail.push(actions);
  // The notes get the block text left over (Slack refuses a message past ~12,000 characters of it): the newest lines.
  const room = Math.min(3000, MESSAGE_TEXT_BUDGET - blockText(blocks) - blockText(tail));
  const notes = c.notes?.length ? newestLines(c.notes, room) : '';
  // Slack allows 50 blocks in a message; ticket messages stay far below, but never pass it.
  return [
    ...blocks,
    ...(notes ? [{ type: 'section' as const, text: { type: 'mrkdwn' as const, text: notes } }] : []),
    ...tail,
  ].slice(0, 50);
}

/** A Slack permalink holds none of the characters that would end a mrkdwn link early. */
const SLACK_LINK = /^https:\/\/[a-z0-9.-]+\.slack\.com\/archives\/[A-Za-z0-9/?=&._%-]+$/;

/** Characters of block text one message may carry: under Slack's ~12,000 (msg_blocks_too_long, slackapi/bolt-js#2509). */
const MESSAGE_TEXT_BUDGET = 11_000;

/** Every `text` string in blocks, counted as Slack counts towards msg_blocks_too_long. */
function blockText(node: unknown): number {
  if (Array.isArray(node)) return node.reduce((n: number, x) => n + blockText(x), 0);
  if (typeof node !== 'object' || node === null) return 0;
  return Object.entries(node).reduce(
    (n, [k, v]) => n + (k === 'text' && typeof v === 'string' ? v.length : blockText(v)),
    0,
  );
}

/** As many of the newest lines as fit `room` characters (one line alone is cut), marking what was left out. */
function newestLines(lines: readonly string[], room: number): string {
  const marker = '…\n';
  if (room < 200) return '';
  const kept: string[] = [];
  let used = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    const n = lines[i]!.length + 1;
    if (used + n > room - marker.length) break;
    kept.unshift(lines[i]!);
    used += n;
  }
  if (kept.length === 0) return truncate(lines[lines.length - 1]!, room);
  return (kept.length < lines.length ? marker : '') + kept.join('\n');
}
