import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { ApproverPolicy } from './access/approvers.js';
import { AuditTrail } from './access/audit.js';
import { DEFAULT_POLICY, loadPolicy, type Policy } from './access/policy.js';
import { Guard } from './access/request-check.js';
import type { Config } from './config.js';
import { type Clock, systemClock } from './core/clock.js';
import type { Metrics } from './core/metrics.js';
import type { CtsClient } from './cts/client.js';
import type { SmnFetch } from './cts/events/certificates.js';
import { buildCtsEvents } from './cts/events/wiring.js';
import { CtsTrackerService } from './cts/tracker-service.js';
import { ChangeService } from './dms/change/service.js';
import type { DmsClient } from './dms/client.js';
import { ExportService } from './dms/export/service.js';
import { OrderService } from './dms/order/service.js';
import { createDmsPush } from './dms/push/index.js';
import { DatabaseEngines } from './dms/sql-review/engines.js';
import { TrackService } from './dms/track/service.js';
import type { Services } from './services.js';
import { Messenger } from './slack/messenger.js';
import { SlackGroups } from './slack/user-groups.js';
import type { UserMap } from './slack/user-map.js';
import { UserResolver } from './slack/user-resolver.js';
import type { Store } from './store/types.js';
import { TicketActions } from './tickets/actions.js';
import { approvalLoop } from './tickets/approval-loop.js';
import { FollowService } from './tickets/follow.js';
import { HomeService } from './tickets/home.js';
import { TicketKinds } from './tickets/kinds.js';
import { CreateRecovery } from './tickets/recovery.js';
import { StatusWatcher } from './tickets/watcher.js';

/** What the service graph is built from: the clients and store main.ts (or a test) made, and the settings. */
export interface ServiceDeps {
  config: Config;
  logger: Logger;
  store: Store;
  dms: DmsClient;
  /** Omit when CTS is not configured: `/cts` then explains how to set it up. */
  cts?: CtsClient;
  clock?: Clock;
  userMap?: UserMap;
  /** Who may do what (POLICY_FILE); defaults to POLICY_FILE from the config, else allow-all. */
  policy?: Policy;
  /** This replica's name on ticket leases (default: random). */
  watcherOwner?: string;
  /** The GET for SMN URLs (certificates, subscription confirmations); default HTTPS. The sandbox maps it to its emulator. */
  smnFetch?: SmnFetch;
  /** Real milliseconds a submission waits for DMS to name a database's engine (default 800, inside Slack's 3 s). */
  sqlEngineBudgetMs?: number;
}

/** Builds every service a listener uses, and the status watcher, around the Slack Web API client `slack`. */
export function wireServices(deps: ServiceDeps, slack: WebClient, metrics: Metrics): Services {
  const { config, logger, store, dms } = deps;
  const clock = deps.clock ?? systemClock;
  dms.observe(metrics.cloudCall);
  deps.cts?.observe(metrics.cloudCall);

  const messenger = new Messenger({ slack, logger: logger.child({ component: 'messenger' }) });
  const resolver = new UserResolver({ slack, dms, userMap: deps.userMap ?? new Map(), clock, logger });
  // The ticket services and the watcher need each other: the services reach the watcher through this getter.
  let watcher: StatusWatcher | undefined;
  const theWatcher = (): StatusWatcher => {
    if (!watcher) throw new Error('the status watcher is used before it is built');
    return watcher;
  };
  const ticketDeps = (component: string) => ({
    dms,
    store,
    clock,
    messenger,
    logger: logger.child({ component }),
    watcher: theWatcher,
    intervalMs: config.WATCH_INTERVAL_MS,
  });
  const exports = new ExportService(ticketDeps('export'));
  const tracks = new TrackService({ ...ticketDeps('track'), dmsZone: config.DMS_TIMEZONE });
  const changes = new ChangeService(ticketDeps('change'));
  const orders = new OrderService(ticketDeps('order'));
  const ctsTrackers = deps.cts
    ? new CtsTrackerService({
        cts: deps.cts,
        store,
        clock,
        logger: logger.child({ component: 'cts' }),
        config,
        watcher: theWatcher,
        intervalMs: config.WATCH_INTERVAL_MS,
      })
    : undefined;
  // The one map from a ticket's kind to its implementation: the watcher, actions, /dms status and recovery ask it.
  const kinds = new TicketKinds({
    dms_export: exports,
    dms_track: tracks,
    dms_change: changes,
    dms_order: orders,
    ...(ctsTrackers ? { cts_tracker: ctsTrackers } : {}),
  });
  const loop = approvalLoop({
    store,
    clock,
    logger,
    dms,
    slack,
    userMap: deps.userMap ?? new Map(),
    config,
    messenger,
    resolver,
    groups: () => groups,
    watcher: theWatcher,
  });
  // DMS pushes (when DMS_WEBHOOK_TOKEN is set): a push makes the watcher check its ticket now.
  const dmsPush = createDmsPush({ config, store, clock, logger, metrics, nudge: (id) => theWatcher().nudge(id) });
  watcher = new StatusWatcher({
    routineFloorMs: dmsPush.routineFloorMs,
    waiting: loop.waiting,
    store,
    clock,
    logger: logger.child({ component: 'watcher' }),
    messenger,
    kinds,
    settings: {
      intervalMs: config.WATCH_INTERVAL_MS,
      maxIntervalMs: config.WATCH_MAX_INTERVAL_MS,
      maxAgeMs: config.WATCH_MAX_AGE_HOURS * 3_600_000,
      concurrency: config.WATCH_CONCURRENCY,
      leaseMs: config.WATCH_LEASE_MS,
      pollsPerSecond: config.WATCH_MAX_CALLS_PER_SECOND,
      owner: deps.watcherOwner,
    },
  });
  const groups = new SlackGroups({ slack, clock, logger: logger.child({ component: 'groups' }) });
  const approvers = new ApproverPolicy({ entries: config.APPROVERS, groups });
  const audit = new AuditTrail({ store, clock, logger: logger.child({ component: 'audit' }) });
  const policy = deps.policy ?? (config.POLICY_FILE ? loadPolicy(config.POLICY_FILE) : DEFAULT_POLICY);
  const guard = new Guard({
    policy,
    groups,
    resolver,
    dms,
    store,
    audit,
    clock,
    logger: logger.child({ component: 'policy' }),
    ratePerHour: config.RATE_LIMIT_PER_USER_PER_HOUR,
  });
  const ticketActions = new TicketActions({
    store,
    watcher,
    kinds,
    dms,
    exports,
    resolver,
    approvers,
    guard,
    messenger,
    clock,
    config,
    logger: logger.child({ component: 'actions' }),
  });
  const follows = new FollowService({
    dms,
    store,
    clock,
    logger: logger.child({ component: 'follow' }),
    watcher,
    kinds,
    approvers,
    guard,
    intervalMs: config.WATCH_INTERVAL_MS,
  });
  const home = new HomeService({
    slack,
    store,
    watcher,
    clock,
    logger: logger.child({ component: 'home' }),
    allowSelfApproval: config.ALLOW_SELF_APPROVAL,
  });
  watcher.onChange((t) => home.ticketChanged(t));
  const recovery = new CreateRecovery({
    store,
    dms,
    clock,
    logger: logger.child({ component: 'recovery' }),
    messenger,
    watcher,
    kinds,
    // A create may be in flight for up to its timeout (plus the lookup); after 15 minutes it certainly did not happen.
    graceMs: config.DMS_TIMEOUT_MS * 2 + 10_000,
    giveUpMs: 15 * 60_000,
  });
  const engines = new DatabaseEngines({
    dms,
    clock,
    logger: logger.child({ component: 'sql-review' }),
    onFound: (dbs) => guard.remember(dbs),
    budgetMs: deps.sqlEngineBudgetMs,
  });
  const ctsEvents = buildCtsEvents({
    config,
    store,
    clock,
    logger,
    messenger,
    audit,
    fetch: deps.smnFetch,
    onOutcome: (outcome) => metrics.pushEvents.inc({ source: 'cts', outcome }),
  });
  return {
    config,
    logger,
    clock,
    store,
    dms,
    messenger,
    resolver,
    exports,
    tracks,
    changes,
    orders,
    watcher,
    nudges: loop.nudges,
    approvers,
    ticketActions,
    follows,
    home,
    guard,
    audit,
    engines,
    metrics,
    recovery,
    cts: deps.cts,
    ctsTrackers,
    ctsSubscriptions: ctsEvents.subscriptions,
    ctsEvents,
    dmsPush,
  };
}
