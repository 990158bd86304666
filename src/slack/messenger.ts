import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { guardOutgoing } from '../../blocks/kit/text.js';

/** A message body: fallback text plus optional blocks. */
export interface MessageBody {
  text: string;
  blocks?: KnownBlock[];
}

/** Where a root message ended up. */
export interface PostedRoot {
  channelId: string;
  ts: string;
  /** Set when the message went to the requester's DM instead of the channel, with the reason in words. */
  redirectedBecause?: string;
  /** The sentence shown in the message about the redirect. */
  note?: string;
}

/** Slack errors that mean "the bot cannot post in that channel", each with words for the requester. */
const CANNOT_POST: Record<string, string> = {
  not_in_channel: 'the bot is not a member of that channel (invite it with /invite @bot)',
  channel_not_found: 'the bot cannot see that channel (it may be private: invite the bot to it)',
  is_archived: 'that channel is archived',
  restricted_action: 'posting in that channel is restricted for apps',
  restricted_action_read_only_channel: 'that channel is read-only',
  ekm_access_denied: 'the workspace blocks the bot from that channel',
};

/** True when Slack refused a post because the bot can never post there (not a member, archived, ...). */
export function cannotPostIn(err: unknown): boolean {
  const code = slackErrorCode(err);
  return code !== undefined && code in CANNOT_POST;
}

/** True when a message can never be updated (deleted, channel gone or archived): retrying is pointless. */
export function cannotUpdate(err: unknown): boolean {
  const code = slackErrorCode(err);
  return (
    code !== undefined &&
    (code in CANNOT_POST ||
      code === 'message_not_found' ||
      code === 'cant_update_message' ||
      code === 'edit_window_closed')
  );
}

/** The Slack error code of a failed Web API call, if any. */
export function slackErrorCode(err: unknown): string | undefined {
  const data = (err as { data?: { error?: unknown } }).data;
  return typeof data?.error === 'string' ? data.error : undefined;
}

/** Posts and updates the bot's messages. Bolt's WebClient already retries 429s and network errors. */
export class Messenger {
  constructor(private readonly deps: { slack: WebClient; logger: Logger }) {}

  /** Posts a root message in the channel; if the bot cannot post there, in the requester's DM, saying why. */
  async postRoot(
    channelId: string,
    requesterId: string,
    body: (note?: string) => MessageBody | Promise<MessageBody>,
  ): Promise<PostedRoot> {
    try {
      const r = await this.deps.slack.chat.postMessage({
        channel: channelId,
        ...guardOutgoing(await body()),
        unfurl_links: false,
        unfurl_media: false,
      });
      return { channelId: r.channel ?? channelId, ts: r.ts! };
    } catch (err) {
      const code = slackErrorCode(err);
      const why = code ? CANNOT_POST[code] : undefined;
      if (!why) throw err;
      this.deps.logger.info({ channelId, slackError: code }, 'cannot post in channel; sending to the requester by DM');
      const note = `I couldn't post this in the channel because ${why}, so I'm following the ticket here instead.`;
      const r = await this.deps.slack.chat.postMessage({
        channel: requesterId,
        ...guardOutgoing(await body(note)),
        unfurl_links: false,
        unfurl_media: false,
      });
      return { channelId: r.channel ?? requesterId, ts: r.ts!, redirectedBecause: why, note };
    }
  }

  /** Posts a message in a channel (no DM fallback: nobody asked for it); returns its ts. */
  async post(channelId: string, body: MessageBody, opts: { groups?: readonly string[] } = {}): Promise<string> {
    const r = await this.deps.slack.chat.postMessage({
      channel: channelId,
      // `groups`: the user groups the bot itself mentions (the digest naming APPROVERS' groups).
      ...guardOutgoing(body, { groups: opts.groups }),
      unfurl_links: false,
      unfurl_media: false,
    });
    return r.ts!;
  }

  /** Replies in a ticket's thread (`broadcast`: also shown in the channel); returns the reply's ts. */
  async reply(
    channelId: string,
    threadTs: string,
    body: MessageBody,
    opts: { broadcast?: boolean; groups?: readonly string[] } = {},
  ): Promise<string | undefined> {
    const r = await this.deps.slack.chat.postMessage({
      channel: channelId,
      thread_ts: threadTs,
      ...guardOutgoing(body, { groups: opts.groups }),
      reply_broadcast: opts.broadcast === true,
      unfurl_links: false,
      unfurl_media: false,
    });
    return r.ts;
  }

  /** A message only `userId` sees, in a channel (and thread, when given). Throws when Slack refuses. */
  async ephemeral(channelId: string, userId: string, body: MessageBody, threadTs?: string): Promise<void> {
    await this.deps.slack.chat.postEphemeral({
      channel: channelId,
      user: userId,
      ...guardOutgoing(body),
      ...(threadTs ? { thread_ts: threadTs } : {}),
    });
  }

  /** A direct message to one person (the bot's DM with them): the one place a private download link may go. */
  async dm(userId: string, body: MessageBody): Promise<void> {
    await this.deps.slack.chat.postMessage({
      channel: userId,
      ...guardOutgoing(body, { privateLink: true }),
      unfurl_links: false,
      unfurl_media: false,
    });
  }

  /** Rewrites a root message in place. */
  async update(channelId: string, ts: string, body: MessageBody): Promise<void> {
    await this.deps.slack.chat.update({ channel: channelId, ts, ...guardOutgoing(body) });
  }

  /** Tells one person something only they see: ephemeral in the channel, or by DM when that fails. */
  async tellUser(channelId: string | undefined, userId: string, body: MessageBody): Promise<void> {
    if (channelId) {
      try {
        await this.deps.slack.chat.postEphemeral({ channel: channelId, user: userId, ...guardOutgoing(body) });
        return;
      } catch (err) {
        this.deps.logger.info({ channelId, slackError: slackErrorCode(err) }, 'ephemeral failed; sending a DM');
      }
    }
    await this.deps.slack.chat.postMessage({ channel: userId, ...guardOutgoing(body) });
  }

  /**
   * A message's permalink as Slack answers chat.getPermalink, only in the shape Slack gives it (an https link to a
   * slack.com workspace): nothing else is ever put in a message as a link. Undefined when Slack cannot say.
   */
  async permalink(channelId: string, ts: string): Promise<string | undefined> {
    try {
      const r = await this.deps.slack.chat.getPermalink({ channel: channelId, message_ts: ts });
      return typeof r.permalink === 'string' && SLACK_PERMALINK.test(r.permalink) ? r.permalink : undefined;
    } catch (err) {
      this.deps.logger.info({ channelId, slackError: slackErrorCode(err) ?? String(err) }, 'no permalink');
      return undefined;
    }
  }

  /** Attaches unfurls (blocks per pasted URL) to a message the links were posted in. */
  async unfurl(channelId: string, ts: string, unfurls: Record<string, { blocks: KnownBlock[] }>): Promise<void> {
    await this.deps.slack.chat.unfurl({ channel: channelId, ts, unfurls: guardOutgoing(unfurls) });
  }
}

/** What chat.getPermalink answers: https://<workspace>.slack.com/archives/<conversation>/p<digits>[?thread_ts=…&cid=…]. */
const SLACK_PERMALINK =
  /^https:\/\/[a-z0-9-]{1,63}(?:\.enterprise)?\.slack\.com\/archives\/[CGD][A-Z0-9]{1,30}\/p\d{10,20}(?:\?[A-Za-z0-9_.=&%-]{0,200})?$/;
