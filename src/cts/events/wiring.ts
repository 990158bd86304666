import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { AuditTrail } from '../../access/audit.js';
import { type Config, ctsEventRegions } from '../../config.js';
import type { Clock } from '../../core/clock.js';
import { pushEndpoint, WorkQueue } from '../../core/push-endpoint.js';
import type { Messenger } from '../../slack/messenger.js';
import type { Store } from '../../store/types.js';
import { CertificateCache, httpsSmnFetch, type SmnFetch } from './certificates.js';
import { KeyEventPoster } from './delivery.js';
import { type SmnOutcome, SmnReceiver } from './receiver.js';
import { SMN_BODY_LIMIT_BYTES } from './smn-message.js';
import { CtsSubscriptionService } from './subscriptions.js';

/** The path SMN posts to (an HTTPS subscription's endpoint is https://<host>/cts/events). */
export const CTS_EVENTS_PATH = '/cts/events';

/** SMN waits 5 s for an answer: decide well within it (a certificate fetch is bounded at 2 s). */
const ANSWER_WITHIN_MS = 4_000;

/** CTS key events through SMN, wired: the subscriptions service, and the HTTP handler for POST /cts/events. */
export interface CtsEvents {
  subscriptions: CtsSubscriptionService;
  handle: (req: IncomingMessage, res: ServerResponse) => void;
  /** Resolves when the work after the answers sent so far (confirming, posting) has ended. */
  settle(): Promise<void>;
}

/** Builds the receiver from the app's parts; `fetch` is the SMN GET (production: HTTPS only; sandbox: the emulator). */
export function buildCtsEvents(deps: {
  config: Config;
  store: Store;
  clock: Clock;
  logger: Logger;
  messenger: Messenger;
  audit: AuditTrail;
  fetch?: SmnFetch;
  onOutcome?: (outcome: SmnOutcome) => void;
}): CtsEvents {
  const regions = ctsEventRegions(deps.config);
  const logger = deps.logger.child({ component: 'cts-events' });
  const fetch = deps.fetch ?? httpsSmnFetch;
  const receiver = new SmnReceiver({
    regions,
    certificates: new CertificateCache({ fetch, clock: deps.clock }),
    events: deps.store.ctsEvents,
    fetch,
    sink: new KeyEventPoster({
      events: deps.store.ctsEvents,
      messenger: deps.messenger,
      clock: deps.clock,
      logger,
      threadWindowMs: deps.config.CTS_EVENTS_THREAD_WINDOW_SECONDS * 1000,
    }),
    clock: deps.clock,
    logger,
    maxAgeMs: deps.config.CTS_EVENTS_MAX_AGE_SECONDS * 1000,
    onOutcome: deps.onOutcome,
  });
  const running = new Set<Promise<void>>();
  return {
    subscriptions: new CtsSubscriptionService({
      store: deps.store,
      audit: deps.audit,
      clock: deps.clock,
      logger,
      regions,
    }),
    handle: pushEndpoint((req) => receiver.handle(req), {
      limitBytes: SMN_BODY_LIMIT_BYTES,
      answerWithinMs: ANSWER_WITHIN_MS,
      logger,
      // Posting is the slow part of a burst: a few at a time, so answers stay fast.
      queue: new WorkQueue(4),
      track: (work) => {
        running.add(work);
        void work.finally(() => running.delete(work));
      },
    }),
    async settle() {
      await Promise.allSettled([...running]);
    },
  };
}
