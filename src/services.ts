import type { Logger } from 'pino';
import type { ApproverPolicy } from './access/approvers.js';
import type { AuditTrail } from './access/audit.js';
import type { Guard } from './access/request-check.js';
import type { Config } from './config.js';
import type { Clock } from './core/clock.js';
import type { Metrics } from './core/metrics.js';
import type { CtsClient } from './cts/client.js';
import type { CtsSubscriptionService } from './cts/events/subscriptions.js';
import type { CtsEvents } from './cts/events/wiring.js';
import type { CtsTrackerService } from './cts/tracker-service.js';
import type { ChangeService } from './dms/change/service.js';
import type { DmsClient } from './dms/client.js';
import type { ExportService } from './dms/export/service.js';
import type { OrderService } from './dms/order/service.js';
import type { DmsPush } from './dms/push/index.js';
import type { DatabaseEngines } from './dms/sql-review/engines.js';
import type { TrackService } from './dms/track/service.js';
import type { Messenger } from './slack/messenger.js';
import type { UserResolver } from './slack/user-resolver.js';
import type { Store } from './store/types.js';
import type { TicketActions } from './tickets/actions.js';
import type { Nudges } from './tickets/approval-loop.js';
import type { FollowService } from './tickets/follow.js';
import type { HomeService } from './tickets/home.js';
import type { CreateRecovery } from './tickets/recovery.js';
import type { StatusWatcher } from './tickets/watcher.js';

/** Everything a Slack listener may use; built once in wireServices (src/wiring.ts) and passed to every handler. */
export interface Services {
  config: Config;
  logger: Logger;
  clock: Clock;
  store: Store;
  dms: DmsClient;
  messenger: Messenger;
  resolver: UserResolver;
  exports: ExportService;
  tracks: TrackService;
  changes: ChangeService;
  /** Present only when CTS is configured. */
  cts?: CtsClient;
  /** Present only when CTS is configured. */
  ctsTrackers?: CtsTrackerService;
  /** `/cts subscribe`: SMN topics mapped to channels (works without CTS API credentials). */
  ctsSubscriptions: CtsSubscriptionService;
  /** The key-event receiver (POST /cts/events) and its work after the answers. */
  ctsEvents: CtsEvents;
  watcher: StatusWatcher;
  /** Reminders and digests (the approval loop's timer; tests run a pass with `runDue`). */
  nudges: Nudges;
  orders: OrderService;
  approvers: ApproverPolicy;
  ticketActions: TicketActions;
  follows: FollowService;
  home: HomeService;
  guard: Guard;
  /** The one audit writer: every audit row goes through it. */
  audit: AuditTrail;
  /** Each database's engine (DbType), for the SQL review's dialect. */
  engines: DatabaseEngines;
  metrics: Metrics;
  recovery: CreateRecovery;
  /** DMS pushes: the webhook's receiver (when DMS_WEBHOOK_TOKEN is set) and the reconcile cadence. */
  dmsPush: DmsPush;
}
