import type { Logger } from 'pino';
import {
  buildKeyEventMessage,
  buildRawEventMessage,
  buildSubscriptionConfirmedMessage,
} from '../../../blocks/cts/key-event.js';
import type { Clock } from '../../core/clock.js';
import { errorFields } from '../../core/errors.js';
import type { MessageBody, Messenger } from '../../slack/messenger.js';
import type { CtsEventStore, CtsSubscription } from '../../store/cts-events.js';
import { parseKeyEvent, passesFilters, resourceKey } from './key-event.js';
import type { KeyEventSink } from './receiver.js';
import type { SmnMessage, TopicUrn } from './smn-message.js';

export interface KeyEventPosterDeps {
  events: CtsEventStore;
  messenger: Messenger;
  clock: Clock;
  logger: Logger;
  /** Events of one resource within this long of the first thread under its root message. */
  threadWindowMs: number;
  /** How long a reply waits for a root another replica is still posting, before it posts on its own. */
  rootWaitMs?: number;
  /** Waits between looks at the store for that root (tests pass their own). */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Posts key events into the channels subscribed to their topic, after each channel's filters. Events of the same
 * resource within the thread window go under one root message: the store decides which event starts the thread
 * (replicas and restarts included), and events of one resource are posted one after the other in this process.
 */
export class KeyEventPoster implements KeyEventSink {
  private readonly chains = new Map<string, Promise<void>>();
  private readonly rootWaitMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly deps: KeyEventPosterDeps) {
    this.rootWaitMs = deps.rootWaitMs ?? 3_000;
    this.sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** Posts a Notification into every subscribed channel whose filters it passes. */
  async notify(
    m: Extract<SmnMessage, { type: 'Notification' }>,
    topic: TopicUrn,
    subs: CtsSubscription[],
  ): Promise<void> {
    const event = parseKeyEvent(m.message);
    const key = resourceKey(event);
    for (const s of subs) {
      if (!passesFilters(event, s.filters)) {
        this.deps.logger.debug({ topic: topic.urn, channel: s.channelId }, 'key event filtered out');
        continue;
      }
      const body = (reply: boolean): MessageBody =>
        event
          ? buildKeyEventMessage(event, topic.name, { reply })
          : buildRawEventMessage(m.subject ?? undefined, m.message, topic.name);
      await this.post(s.channelId, key, body).catch((err: unknown) =>
        this.deps.logger.warn(
          { topic: topic.urn, channel: s.channelId, err: errorFields(err) },
          'could not post a key event',
        ),
      );
    }
  }

  /** Tells each subscribed channel that its subscription is confirmed. */
  async confirmed(topic: TopicUrn, subs: CtsSubscription[]): Promise<void> {
    for (const s of subs) {
      await this.deps.messenger
        .post(s.channelId, buildSubscriptionConfirmedMessage(topic.name))
        .catch((err: unknown) =>
          this.deps.logger.warn({ channel: s.channelId, err: errorFields(err) }, 'could not tell the channel'),
        );
    }
  }

  /** Posts one event in a channel: alone (no resource), as a thread's root, or as a reply under it. */
  private post(channelId: string, key: string | undefined, body: (reply: boolean) => MessageBody): Promise<void> {
    if (key === undefined) return this.deps.messenger.post(channelId, body(false)).then(() => undefined);
    // One resource's events in this process go one after the other, so a burst finds its root already posted.
    const chainKey = `${channelId}\u0000${key}`;
    const previous = this.chains.get(chainKey) ?? Promise.resolve();
    const next = previous.then(() => this.postInThread(channelId, key, body));
    const settled = next.catch(() => undefined);
    this.chains.set(chainKey, settled);
    void settled.then(() => {
      if (this.chains.get(chainKey) === settled) this.chains.delete(chainKey);
    });
    return next;
  }

  private async postInThread(channelId: string, key: string, body: (reply: boolean) => MessageBody): Promise<void> {
    const { events, messenger, clock, threadWindowMs } = this.deps;
    let claim = await events.claimThread(channelId, key, clock.now(), threadWindowMs);
    if (claim.role === 'root') {
      const ts = await messenger.post(channelId, body(false));
      await events.setThreadRoot(channelId, key, claim.startedAt, ts);
      return;
    }
    // Another replica may still be posting the root: look again for a moment, then post on our own.
    for (let waited = 0; claim.role === 'reply' && claim.rootTs === null && waited < this.rootWaitMs; waited += 200) {
      await this.sleep(200);
      claim = await events.claimThread(channelId, key, clock.now(), threadWindowMs);
    }
    if (claim.role === 'reply' && claim.rootTs) {
      await messenger.reply(channelId, claim.rootTs, body(true));
      return;
    }
    const ts = await messenger.post(channelId, body(false));
    if (claim.role === 'root') await events.setThreadRoot(channelId, key, claim.startedAt, ts);
  }
}
