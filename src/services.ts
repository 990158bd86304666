import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { CtsTrackerService } from './cts-service.js';
import type { CtsClient } from './cts/client.js';
import type { DmsClient } from './dms/client.js';
import type { ChangeService } from './change-service.js';
import type { ExportService } from './export-service.js';
import type { TrackService } from './track-service.js';
import type { Messenger } from './messenger.js';
import type { Store } from './store/types.js';
import type { UserResolver } from './user-resolver.js';
import type { StatusWatcher } from './watcher.js';
import type { ApproverPolicy } from './approvers.js';
import type { FollowService } from './follow-service.js';
import type { HomeService } from './home.js';
import type { Guard } from './guard.js';
import type { DatabaseEngines } from './sql-review/engines.js';
import type { Metrics } from './metrics.js';
import type { CreateRecovery } from './create-recovery.js';
import type { OrderService } from './order-service.js';
import type { TicketActions } from './ticket-actions.js';

/** Everything a Slack listener may use; built once in createApp and passed to every handler. */
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
  watcher: StatusWatcher;
  orders: OrderService;
  approvers: ApproverPolicy;
  ticketActions: TicketActions;
  follows: FollowService;
  home: HomeService;
  guard: Guard;
  /** Each database's engine (DbType), for the SQL review's dialect. */
  engines: DatabaseEngines;
  metrics: Metrics;
  recovery: CreateRecovery;
}
