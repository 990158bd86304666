import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { type Config, dmsWebhookUrl } from '../../config.js';
import type { Metrics } from '../../core/metrics.js';
import { pushEndpoint } from '../../core/push-endpoint.js';
import type { Store, Ticket } from '../../store/types.js';
import { PushCadence } from './cadence.js';
import { DmsPushDispatcher } from './dispatcher.js';
import { MAX_PUSH_BODY_BYTES } from './payload.js';
import { DMS_PUSH_PATH, DmsPushReceiver } from './receiver.js';

/** DMS pushes as wired into the bot: the webhook (when DMS_WEBHOOK_TOKEN is set) and the reconcile cadence. */
export interface DmsPush {
  cadence: PushCadence;
  /** Set when DMS_WEBHOOK_TOKEN is. */
  receiver?: DmsPushReceiver;
  dispatcher?: DmsPushDispatcher;
  /** The watcher's routine-check floor: the reconcile interval for kinds whose pushes are arriving. */
  routineFloorMs(ticket: Ticket, now: number): number;
  /** Serves `/dms/events/...` (404 when pushes are off); for the HTTP route table. */
  handle(req: IncomingMessage, res: ServerResponse): void;
}

/** Builds the DMS push pieces from the config; `nudge` is the watcher's (bound late: the watcher needs the cadence). */
export function createDmsPush(deps: {
  config: Config;
  store: Store;
  clock: { now(): number };
  logger: Logger;
  metrics: Metrics;
  nudge(ticketId: number): Promise<boolean>;
}): DmsPush {
  const { config, metrics } = deps;
  const logger = deps.logger.child({ component: 'dms-push' });
  const cadence = new PushCadence({
    reconcileMs: config.DMS_RECONCILE_INTERVAL_SECONDS * 1000,
    quietMs: config.DMS_PUSH_QUIET_MINUTES * 60_000,
  });
  const count = (outcome: string) => metrics.pushEvents.inc({ source: 'dms', outcome });
  const token = config.DMS_WEBHOOK_TOKEN;
  const dispatcher = token
    ? new DmsPushDispatcher({
        store: deps.store,
        nudge: deps.nudge,
        cadence,
        clock: deps.clock,
        logger,
        count,
        observeLag: (s) => metrics.pushLag.observe({ source: 'dms' }, s),
      })
    : undefined;
  const receiver =
    token && dispatcher
      ? new DmsPushReceiver({
          token,
          secret: config.DMS_WEBHOOK_SECRET,
          webhookUrl: dmsWebhookUrl(config),
          clock: deps.clock,
          logger,
          count,
          accept: (push) => dispatcher.dispatch(push),
        })
      : undefined;
  const endpoint = receiver
    ? pushEndpoint((req) => receiver.handle(req), { limitBytes: MAX_PUSH_BODY_BYTES, answerWithinMs: 2_000, logger })
    : undefined;
  return {
    cadence,
    receiver,
    dispatcher,
    routineFloorMs: (ticket, now) => (ticket.kind.startsWith('dms_') ? cadence.floorMs(ticket.kind, now) : 0),
    handle(req, res) {
      if (endpoint) {
        endpoint(req, res);
        return;
      }
      req.resume();
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    },
  };
}

export { DMS_PUSH_PATH };
