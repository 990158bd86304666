import { createHash, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import { headerValue, type PushAnswer, type PushRequest } from '../../core/push-endpoint.js';
import { DMS_EVENT_HEADER, DMS_EVENT_VALUE, type DmsPush, parsePushBody, pushKey } from './payload.js';
import { RecentKeys } from './recent-keys.js';
import { describeSignature, verifyDmsPushSignature } from './signature.js';

/** The path prefix of the DMS webhook; the token follows it (`/dms/events/<token>`). */
export const DMS_PUSH_PATH = '/dms/events/';

/** What became of one request to the webhook (`chatops_push_events_total{source="dms",outcome}`). */
export type DmsPushOutcome =
  | 'followed'
  | 'unknown_ticket'
  | 'duplicate'
  | 'unknown_token'
  | 'bad_signature'
  | 'not_dms'
  | 'malformed';

export interface DmsPushReceiverDeps {
  /** DMS_WEBHOOK_TOKEN: the secret path segment. */
  token: string;
  /** DMS_WEBHOOK_SECRET: when set, every push must carry a verifying HMAC_SHA1 signature. */
  secret?: string;
  /** The webhook URL exactly as entered in DMS (what the signature covers); required with `secret`. */
  webhookUrl?: string;
  clock: { now(): number };
  logger: Logger;
  /** Counts a request's outcome (the receiver's own; `followed`/`unknown_ticket` are counted by the dispatcher). */
  count(outcome: DmsPushOutcome): void;
  /** Takes an accepted push; must not block (the answer goes out right after). */
  accept(push: DmsPush): void;
}

const sha256 = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/**
 * The DMS custom-webhook receiver: authenticates by the token in the path, checks the header, the body and (with a
 * secret) the signature, drops re-sent pushes, and hands the rest on. Answers in the time it takes to parse: the
 * cloud is never called here (a push is only a hint to check the ticket, which the watcher does under the quota).
 */
export class DmsPushReceiver {
  private readonly tokenHash: Buffer;
  private readonly recent = new RecentKeys();
  private warnedUnsigned = false;

  constructor(private readonly deps: DmsPushReceiverDeps) {
    this.tokenHash = sha256(deps.token);
  }

  /** Whether `segment` is the configured token (constant time: compares hashes). */
  private tokenMatches(segment: string): boolean {
    return timingSafeEqual(sha256(segment), this.tokenHash);
  }

  /** Answers one request to `/dms/events/...` (read by core/push-endpoint.ts: POST only, body limit). */
  async handle(req: PushRequest): Promise<PushAnswer> {
    if (!this.tokenMatches(req.path.slice(DMS_PUSH_PATH.length))) {
      // Never the token itself (nor its length): it would tell a prober how close a guess came.
      this.deps.logger.warn('DMS push to an unknown webhook token; answered 404');
      this.deps.count('unknown_token');
      return { status: 404, body: 'not found' };
    }
    return this.take(headerValue(req.headers, DMS_EVENT_HEADER) ?? '', req.body);
  }

  /** Judges one push already read (header value and raw body). */
  take(eventHeader: string, raw: string): PushAnswer {
    const log = this.deps.logger;
    if (eventHeader.trim() !== DMS_EVENT_VALUE) {
      this.deps.count('not_dms');
      log.warn(
        { header: eventHeader.slice(0, 40) },
        'request to the DMS webhook without "DMS-Event: Message Hook"; refused',
      );
      return { status: 400, body: '{"error":"not a DMS message hook"}' };
    }
    const parsed = parsePushBody(raw);
    if (!parsed.ok) {
      this.deps.count('malformed');
      log.warn({ problem: parsed.problem, bytes: raw.length }, 'DMS push body refused');
      return { status: 400, body: '{"error":"malformed body"}' };
    }
    const { messageEvent: event, signatureMethod, signatureText } = parsed.body;
    const received = {
      taskId: event.taskId,
      eventTime: event.eventTime,
      module: event.module,
      event: event.event,
      signing: describeSignature(signatureMethod, signatureText),
    };
    if (this.deps.secret) {
      const verified =
        signatureMethod === 'HMAC_SHA1' &&
        signatureText !== undefined &&
        this.deps.webhookUrl !== undefined &&
        verifyDmsPushSignature({
          secret: this.deps.secret,
          webhookUrl: this.deps.webhookUrl,
          messageEventJson: parsed.messageEventJson,
          signatureText,
        });
      if (!verified) {
        this.deps.count('bad_signature');
        // What an operator needs to calibrate with DMS's Test button, and nothing secret: the construction is our
        // reading of an undocumented scheme (README "DMS pushes").
        log.warn(
          { ...received, eventKeys: Object.keys(event).slice(0, 20), eventBytes: parsed.messageEventJson.length },
          'DMS push signature did not verify; refused (DMS_WEBHOOK_SECRET is set)',
        );
        return { status: 401, body: '{"error":"signature does not verify"}' };
      }
    } else if (signatureMethod && signatureMethod !== 'None' && !this.warnedUnsigned) {
      this.warnedUnsigned = true;
      log.info(
        { signing: received.signing },
        'DMS pushes are signed but DMS_WEBHOOK_SECRET is unset: signatures are not checked (the token authenticates)',
      );
    }
    const push: DmsPush = {
      taskId: event.taskId,
      event: event.event ?? '',
      eventTime: event.eventTime ?? '',
      receivedAt: this.deps.clock.now(),
    };
    // Without an event time two pushes cannot be told apart from one sent twice: both go on (one more API read).
    if (push.eventTime && !this.recent.add(pushKey(push), push.receivedAt)) {
      this.deps.count('duplicate');
      log.debug(received, 'DMS push seen before; ignored');
      return { status: 200, body: '{"ok":true}' };
    }
    log.debug(received, 'DMS push accepted');
    this.deps.accept(push);
    return { status: 200, body: '{"ok":true}' };
  }
}
