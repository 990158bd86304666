import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.js';
import { withDeadline } from '../../core/deadline.js';
import { headerValue, type PushAnswer, type PushRequest } from '../../core/push-endpoint.js';
import type { CtsEventStore, CtsSubscription } from '../../store/cts-events.js';
import { type CertificateCache, CertificateUnavailable, type SmnFetch } from './certificates.js';
import { checkSmnUrl, verifySmnSignature } from './signature.js';
import { parseSmnTimestamp, parseTopicUrn, type SmnMessage, smnMessageSchema, type TopicUrn } from './smn-message.js';

/** Where verified messages go once answered: the channels of a topic. */
export interface KeyEventSink {
  /** A Notification for the topic's subscriptions. */
  notify(m: Extract<SmnMessage, { type: 'Notification' }>, topic: TopicUrn, subs: CtsSubscription[]): Promise<void>;
  /** SMN accepted our confirmation of the topic's HTTPS subscription. */
  confirmed(topic: TopicUrn, subs: CtsSubscription[]): Promise<void>;
}

/** How a message was decided, as logged and counted. */
export type SmnOutcome =
  | 'accepted'
  | 'duplicate'
  | 'not_json'
  | 'malformed'
  | 'header_mismatch'
  | 'bad_topic'
  | 'foreign_region'
  | 'bad_timestamp'
  | 'stale'
  | 'future'
  | 'foreign_certificate_host'
  | 'foreign_subscribe_host'
  | 'unknown_topic'
  | 'certificate_unavailable'
  | 'bad_signature';

export interface SmnReceiverDeps {
  /** Regions whose SMN hosts are trusted (certificates, subscription URLs) and whose topics are accepted. */
  regions: readonly string[];
  certificates: CertificateCache;
  events: CtsEventStore;
  /** The GET on a subscribe_url (already checked to be on an SMN host). */
  fetch: SmnFetch;
  sink: KeyEventSink;
  clock: Clock;
  logger: Logger;
  /** Messages older than this are refused (SMN's timestamp is when the message was first sent). */
  maxAgeMs: number;
  /** Messages dated further ahead than this are refused. */
  maxFutureMs?: number;
  onOutcome?: (outcome: SmnOutcome) => void;
}

const STATUS: Record<SmnOutcome, number> = {
  accepted: 200,
  duplicate: 200,
  not_json: 400,
  malformed: 400,
  header_mismatch: 400,
  bad_topic: 400,
  bad_timestamp: 400,
  foreign_region: 403,
  stale: 403,
  future: 403,
  foreign_certificate_host: 403,
  foreign_subscribe_host: 403,
  unknown_topic: 403,
  bad_signature: 403,
  // SMN retries on 5xx: the certificate may be reachable later.
  certificate_unavailable: 503,
};

/**
 * Decides each SMN HTTP(S) message (`POST /cts/events`): cheap checks first (shape, headers, topic, time, the
 * certificate URL's host, a subscription for the topic), then the signature with the certificate (cached), then the
 * replay check; answers at once and leaves the slow work (confirming, posting to Slack) to after the answer.
 */
export class SmnReceiver {
  private readonly maxFutureMs: number;

  constructor(private readonly deps: SmnReceiverDeps) {
    this.maxFutureMs = deps.maxFutureMs ?? 5 * 60_000;
  }

  /** Answers one request. */
  async handle(req: PushRequest): Promise<PushAnswer> {
    const log = this.deps.logger;
    const answer = (outcome: SmnOutcome, fields: Record<string, unknown> = {}, after?: () => Promise<void>) => {
      this.deps.onOutcome?.(outcome);
      const status = STATUS[outcome];
      if (status >= 400) log.warn({ outcome, status, ...fields }, 'SMN message refused');
      else log.info({ outcome, ...fields }, 'SMN message received');
      return { status, body: outcome, after };
    };
    let json: unknown;
    try {
      json = JSON.parse(req.body);
    } catch {
      return answer('not_json');
    }
    const parsed = smnMessageSchema.safeParse(json);
    if (!parsed.success)
      return answer('malformed', {
        fields: [...new Set(parsed.error.issues.map((i) => i.path.join('.')))].slice(0, 5),
      });
    const m = parsed.data;
    const fields = { type: m.type, messageId: m.message_id, topic: m.topic_urn.slice(0, 300) };
    // The headers repeat the body; when present they must agree with it (names are case-insensitive).
    for (const [name, value] of [
      ['x-smn-message-type', m.type],
      ['x-smn-message-id', m.message_id],
      ['x-smn-topic-urn', m.topic_urn],
    ] as const) {
      const h = headerValue(req.headers, name);
      if (h !== undefined && h !== value) return answer('header_mismatch', { ...fields, header: name });
    }
    const topic = parseTopicUrn(m.topic_urn);
    if (!topic) return answer('bad_topic', fields);
    if (!this.deps.regions.includes(topic.region)) return answer('foreign_region', fields);
    const now = this.deps.clock.now();
    const sentAt = parseSmnTimestamp(m.timestamp);
    if (sentAt === undefined) return answer('bad_timestamp', fields);
    if (now - sentAt > this.deps.maxAgeMs)
      return answer('stale', { ...fields, ageSeconds: Math.round((now - sentAt) / 1000) });
    if (sentAt - now > this.maxFutureMs)
      return answer('future', { ...fields, aheadSeconds: Math.round((sentAt - now) / 1000) });
    const certUrl = checkSmnUrl(m.signing_cert_url, this.deps.regions);
    if (!certUrl.ok) return answer('foreign_certificate_host', { ...fields, why: certUrl.reason });
    let subscribeUrl: URL | undefined;
    if (m.type !== 'Notification') {
      const u = checkSmnUrl(m.subscribe_url, this.deps.regions);
      if (!u.ok) return answer('foreign_subscribe_host', { ...fields, why: u.reason });
      subscribeUrl = u.url;
    }
    const subs = await this.deps.events.subscriptions({ topicUrn: topic.urn });
    // An unsubscribe confirmation is only logged; everything else needs a channel that asked for the topic.
    if (subs.length === 0 && m.type !== 'UnsubscribeConfirmation') return answer('unknown_topic', fields);
    let cert: Awaited<ReturnType<CertificateCache['get']>>;
    try {
      cert = await this.deps.certificates.get(certUrl.url);
    } catch (err) {
      if (!(err instanceof CertificateUnavailable)) throw err;
      return answer('certificate_unavailable', { ...fields, why: err.reason });
    }
    if (!verifySmnSignature(m, cert, now)) return answer('bad_signature', fields);
    if (!(await this.deps.events.claimMessage(m.message_id, now, now - this.deps.maxAgeMs - this.maxFutureMs)))
      return answer('duplicate', fields);
    switch (m.type) {
      case 'SubscriptionConfirmation':
        return answer('accepted', fields, () => this.confirm(topic, subscribeUrl!, subs));
      case 'UnsubscribeConfirmation':
        log.warn({ topic: topic.urn, channels: subs.length }, 'SMN says this endpoint was unsubscribed from the topic');
        return answer('accepted', fields);
      case 'Notification':
        return answer('accepted', fields, () => this.deps.sink.notify(m, topic, subs));
    }
  }

  /** Confirms the subscription with a GET on its subscribe_url, then tells the topic's channels. */
  private async confirm(topic: TopicUrn, url: URL, subs: CtsSubscription[]): Promise<void> {
    const abort = new AbortController();
    const res = await withDeadline(this.deps.fetch(url, { signal: abort.signal, maxBytes: 64 * 1024 }), 10_000, () => {
      abort.abort();
      return new Error('subscription confirmation timed out');
    }).catch((err: unknown) => ({ status: 0, body: String(err).slice(0, 200) }));
    if (res.status < 200 || res.status > 299) {
      this.deps.logger.warn({ topic: topic.urn, status: res.status }, 'SMN subscription confirmation failed');
      return;
    }
    this.deps.logger.info({ topic: topic.urn }, 'SMN subscription confirmed');
    await this.deps.sink.confirmed(topic, subs);
  }
}
