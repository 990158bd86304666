/** Which key events of a topic a channel wants (an empty list lets everything through). */
export interface CtsEventFilters {
  serviceTypes: string[];
  resourceTypes: string[];
  traceNames: string[];
}

/** A channel's subscription to an SMN topic that carries CTS key event notifications (`/cts subscribe`). */
export interface CtsSubscription {
  id: number;
  topicUrn: string;
  channelId: string;
  filters: CtsEventFilters;
  createdBy: string;
  createdAt: number;
}

export type NewCtsSubscription = Omit<CtsSubscription, 'id'>;

/** Where the next event of a resource goes: it starts a thread, or replies under the root (null: still being posted). */
export type EventThreadClaim = { role: 'root'; startedAt: number } | { role: 'reply'; rootTs: string | null };

/** What the CTS key-event receiver keeps: subscriptions, the SMN message ids seen, and the thread of each resource. */
export interface CtsEventStore {
  /** Maps a topic to a channel (or replaces that pair's filters). `replaced`: the pair existed. */
  saveSubscription(s: NewCtsSubscription): Promise<{ subscription: CtsSubscription; replaced: boolean }>;
  /** Subscriptions of a topic or of a channel (oldest first); at most 200. */
  subscriptions(q: { topicUrn?: string; channelId?: string }): Promise<CtsSubscription[]>;
  /** Removes one subscription; returns it, or undefined when it was already gone. */
  deleteSubscription(id: number): Promise<CtsSubscription | undefined>;
  /**
   * Records an SMN message id the first time it is seen (true), false for a replay. Ids seen before `forgetBefore`
   * are forgotten (their messages are refused as stale by then).
   */
  claimMessage(messageId: string, now: number, forgetBefore: number): Promise<boolean>;
  /**
   * Decides atomically (replicas included) whether an event of `resourceKey` in `channelId` starts a thread (no thread,
   * or the last one started `windowMs` or more ago) or replies under the current one.
   */
  claimThread(channelId: string, resourceKey: string, now: number, windowMs: number): Promise<EventThreadClaim>;
  /** Stores the root message of the thread started at `startedAt` (unless a newer one has replaced it). */
  setThreadRoot(channelId: string, resourceKey: string, startedAt: number, rootTs: string): Promise<void>;
}

/** Threads older than this are deleted as new ones are claimed. */
export const THREAD_RETENTION_MS = 7 * 24 * 3_600_000;

/** A subscription row as both stores read it. */
export interface SubscriptionRow {
  id: number;
  topic_urn: string;
  channel_id: string;
  filters: string | CtsEventFilters;
  created_by: string;
  created_at: number;
}

/** A row to the domain type (SQLite hands `filters` back as text, PostgreSQL as json). */
export function subscriptionFromRow(r: SubscriptionRow): CtsSubscription {
  const f = (typeof r.filters === 'string' ? JSON.parse(r.filters) : r.filters) as Partial<CtsEventFilters>;
  return {
    id: r.id,
    topicUrn: r.topic_urn,
    channelId: r.channel_id,
    filters: {
      serviceTypes: f.serviceTypes ?? [],
      resourceTypes: f.resourceTypes ?? [],
      traceNames: f.traceNames ?? [],
    },
    createdBy: r.created_by,
    createdAt: r.created_at,
  };
}
