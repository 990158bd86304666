import type { Logger } from 'pino';
import type { AuditTrail } from '../../access/audit.js';
import type { Clock } from '../../core/clock.js';
import type { CtsEventFilters, CtsSubscription } from '../../store/cts-events.js';
import type { Store } from '../../store/types.js';
import { filterList } from './key-event.js';
import { parseTopicUrn, topicUrnProblem } from './smn-message.js';

/** The form's fields, as typed. */
export interface SubscribeForm {
  topicUrn?: string;
  serviceTypes?: string;
  resourceTypes?: string;
  traceNames?: string;
}

export type SubscribeField = keyof SubscribeForm;
export type ValidSubscription = { topicUrn: string; filters: CtsEventFilters };

/** Subscription changes one person may make per hour (a store-held ledger, so replicas share it). */
export const SUBSCRIPTION_CHANGES_PER_HOUR = 20;
/** Topics one channel may have. */
export const MAX_SUBSCRIPTIONS_PER_CHANNEL = 20;

const FILTER_ITEM = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;

/** Checks the `/cts subscribe` form; every problem is named at its field, in words. */
export function validateSubscribeForm(
  form: SubscribeForm,
  regions: readonly string[],
): { ok: true; value: ValidSubscription } | { ok: false; errors: Partial<Record<SubscribeField, string>> } {
  const errors: Partial<Record<SubscribeField, string>> = {};
  const urn = (form.topicUrn ?? '').trim();
  const problem = topicUrnProblem(urn);
  const topic = parseTopicUrn(urn);
  if (problem) errors.topicUrn = problem;
  else if (topic && !regions.includes(topic.region))
    errors.topicUrn = `This bot takes key events from ${regions.join(', ')} only (CTS_EVENTS_REGIONS); the topic is in ${topic.region}. Ask an operator to add the region.`;
  const lists = {} as CtsEventFilters;
  for (const [field, key, what] of [
    ['serviceTypes', 'serviceTypes', 'service types'],
    ['resourceTypes', 'resourceTypes', 'resource types'],
    ['traceNames', 'traceNames', 'trace names'],
  ] as const) {
    const items = filterList(form[field]);
    const bad = items.find((i) => !FILTER_ITEM.test(i));
    if (bad !== undefined)
      errors[field] = `List ${what} separated by commas: letters, digits, _ . : - only (at most 64 characters each).`;
    else if ((form[field] ?? '').split(/[,\n]/).filter((s) => s.trim()).length > 20)
      errors[field] = `At most 20 ${what}.`;
    lists[key] = items;
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, value: { topicUrn: urn, filters: lists } };
}

/** `/cts subscribe` and `/cts subscriptions`: channels mapped to SMN topics, every change audited. */
export class CtsSubscriptionService {
  constructor(
    private readonly deps: {
      store: Store;
      audit: AuditTrail;
      clock: Clock;
      logger: Logger;
      regions: readonly string[];
    },
  ) {}

  /** The regions whose topics are accepted. */
  get regions(): readonly string[] {
    return this.deps.regions;
  }

  /** Takes one of the person's subscription changes for the hour; the refusal in words when none is left. */
  async takeChange(userId: string, key: string): Promise<string | undefined> {
    const r = await this.deps.store.reserveCreateSlot({
      key: `cts-sub:${key}`,
      slackId: `cts-sub:${userId}`,
      now: this.deps.clock.now(),
      windowMs: 3_600_000,
      limit: SUBSCRIPTION_CHANGES_PER_HOUR,
    });
    return r.ok
      ? undefined
      : `You changed CTS subscriptions ${r.takenAt.length} times in the last hour; the limit is ${SUBSCRIPTION_CHANGES_PER_HOUR}. Try again later.`;
  }

  /** Maps the topic to the channel (or updates its filters); audited. Refused when the channel has too many. */
  async subscribe(
    who: { userId: string; channelId: string },
    v: ValidSubscription,
  ): Promise<{ ok: true; subscription: CtsSubscription; replaced: boolean } | { ok: false; message: string }> {
    const existing = await this.deps.store.ctsEvents.subscriptions({ channelId: who.channelId });
    if (existing.length >= MAX_SUBSCRIPTIONS_PER_CHANNEL && !existing.some((s) => s.topicUrn === v.topicUrn))
      return {
        ok: false,
        message: `This channel already has ${existing.length} topics (the most a channel may have). Remove one with /cts subscriptions first.`,
      };
    const r = await this.deps.store.ctsEvents.saveSubscription({
      topicUrn: v.topicUrn,
      channelId: who.channelId,
      filters: v.filters,
      createdBy: who.userId,
      createdAt: this.deps.clock.now(),
    });
    await this.audit(who, 'cts.subscribe', { topicUrn: v.topicUrn, filters: v.filters, replaced: r.replaced });
    return { ok: true, ...r };
  }

  /** The channel's subscriptions. */
  list(channelId: string): Promise<CtsSubscription[]> {
    return this.deps.store.ctsEvents.subscriptions({ channelId });
  }

  /** Removes a subscription of this channel (one of another channel is left alone: undefined); audited. */
  async remove(who: { userId: string; channelId: string }, id: number): Promise<CtsSubscription | undefined> {
    const mine = (await this.list(who.channelId)).find((s) => s.id === id);
    if (!mine) return undefined;
    const removed = await this.deps.store.ctsEvents.deleteSubscription(id);
    if (removed) await this.audit(who, 'cts.unsubscribe', { topicUrn: removed.topicUrn });
    return removed;
  }

  private async audit(who: { userId: string; channelId: string }, action: string, detail: Record<string, unknown>) {
    await this.deps.audit.record({
      actorSlackId: who.userId,
      channelId: who.channelId,
      action,
      decision: 'done',
      detail,
    });
  }
}
