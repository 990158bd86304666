import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { App, type CodedError, HTTPReceiver, LogLevel, SocketModeReceiver } from '@slack/bolt';
import type { FetchFunction, WebClientOptions } from '@slack/web-api';
import type { Logger } from 'pino';
import { registerHandlers } from '../handlers/index.js';
import { ApproverPolicy } from './access/approvers.js';
import { DEFAULT_POLICY, loadPolicy, type Policy } from './access/policy.js';
import { Guard } from './access/request-check.js';
import type { Config } from './config.js';
import { type Clock, systemClock } from './core/clock.js';
import { withDeadline } from './core/deadline.js';
import { Metrics } from './core/metrics.js';
import type { CtsClient } from './cts/client.js';
import { CtsTrackerService } from './cts/tracker-service.js';
import { ChangeService } from './dms/change/service.js';
import type { DmsClient } from './dms/client.js';
import { ExportService } from './dms/export/service.js';
import { OrderService } from './dms/order/service.js';
import { DatabaseEngines } from './dms/sql-review/engines.js';
import { loadSqlParsers } from './dms/sql-review/inspect.js';
import { TrackService } from './dms/track/service.js';
import { sandboxFetch } from './sandbox/mark.js';
import type { Services } from './services.js';
import { boltLogger } from './slack/bolt-logger.js';
import type { AppIdentity } from './slack/envelope.js';
import { Messenger } from './slack/messenger.js';
import {
  type FailureBook,
  type GuardDeps,
  guardDispatch,
  guardSocketFrames,
  precheckHttp,
  recordFailure,
} from './slack/payload-check.js';
import { SlackGroups } from './slack/user-groups.js';
import type { UserMap } from './slack/user-map.js';
import { UserResolver } from './slack/user-resolver.js';
import type { Store } from './store/types.js';
import { TicketActions } from './tickets/actions.js';
import { FollowService } from './tickets/follow.js';
import { HomeService } from './tickets/home.js';
import { CreateRecovery } from './tickets/recovery.js';
import { StatusWatcher } from './tickets/watcher.js';

export interface AppDeps {
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
  /** Metrics registry to fill (default: a new one, with Node's default metrics). */
  metrics?: Metrics;
  /** Socket Mode: how long to wait for pings before reconnecting (default 5 s / 30 s; tests shorten them). */
  socketPingTimeoutMs?: { client: number; server: number };
  /** This replica's name on ticket leases (default: random). */
  watcherOwner?: string;
  /** Extra WebClient options (tests shorten Slack retries). */
  slackClientOptions?: WebClientOptions;
}

/** A wired bot: Bolt app, services, watcher and the HTTP server (Slack events in HTTP mode, health in both modes). */
export interface ChatOpsApp {
  bolt: App;
  services: Services;
  watcher: StatusWatcher;
  /** Starts listening (HTTP server, Socket Mode connection) and the status watcher. Returns the HTTP port. */
  start(opts?: { watch?: boolean }): Promise<number>;
  /**
   * Graceful stop: takes no new requests or tickets, lets listener work and status checks in flight finish (within
   * `timeoutMs`, default SHUTDOWN_TIMEOUT_MS), gives back this replica's leases, and closes the store.
   */
  stop(opts?: { timeoutMs?: number }): Promise<void>;
}

/** Pending connections the HTTP server lets the kernel hold (Node's default is 511). */
export const LISTEN_BACKLOG = 4096;

/** Builds the bot from its dependencies; nothing global, so tests build as many as they like. */
export function createApp(deps: AppDeps): ChatOpsApp {
  const { config, logger, store, dms } = deps;
  const clock = deps.clock ?? systemClock;
  const socketMode = config.SLACK_APP_TOKEN !== undefined;
  const metrics = deps.metrics ?? new Metrics();
  // Aborted when a stop gives up on the work still in flight: Slack calls (and the client's retries) end at once.
  const stopping = new AbortController();
  const clientOptions: WebClientOptions = {
    ...(config.SLACK_API_URL ? { slackApiUrl: config.SLACK_API_URL } : {}),
    ...deps.slackClientOptions,
    // In sandbox mode everything the bot shows in Slack says so.
    fetch: observingFetch(
      metrics,
      stopping.signal,
      config.SANDBOX
        ? sandboxFetch(deps.slackClientOptions?.fetch ?? (globalThis.fetch as unknown as FetchFunction))
        : deps.slackClientOptions?.fetch,
    ),
  };

  const socketReceiver = socketMode
    ? new SocketModeReceiver({
        appToken: config.SLACK_APP_TOKEN!,
        logger: boltLogger(logger),
        clientPingTimeout: deps.socketPingTimeoutMs?.client ?? 5_000,
        serverPingTimeout: deps.socketPingTimeoutMs?.server ?? 30_000,
        // apps.connections.open must go where the rest of the Web API goes (SLACK_API_URL).
        installerOptions: { clientOptions },
      })
    : undefined;
  const receiver = socketMode
    ? undefined
    : new HTTPReceiver({
        signingSecret: config.SLACK_SIGNING_SECRET!,
        endpoints: '/slack/events',
        logger: boltLogger(logger),
        processBeforeResponse: false,
      });
  const bolt = new App({
    token: config.SLACK_BOT_TOKEN,
    logger: boltLogger(logger),
    logLevel: LogLevel.INFO,
    clientOptions,
    // Initialised in start(): auth.test then checks the bot token before we accept traffic.
    deferInitialization: true,
    // No conversation context is used; Bolt's default store costs work on every event.
    convoStore: false,
    // The error handler sees the body a listener failed on, so the person who sent it can be answered.
    extendedErrorHandler: true,
    receiver: socketReceiver ?? receiver,
  });

  dms.observe(metrics.cloudCall);
  deps.cts?.observe(metrics.cloudCall);
  let slackReady = false;

  const messenger = new Messenger({ slack: bolt.client, logger: logger.child({ component: 'messenger' }) });
  const resolver = new UserResolver({ slack: bolt.client, dms, userMap: deps.userMap ?? new Map(), clock, logger });
  let watcher: StatusWatcher | undefined;
  const ticketDeps = (component: string) => ({
    dms,
    store,
    clock,
    messenger,
    logger: logger.child({ component }),
    watcher: () => watcher!,
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
        watcher: () => watcher!,
        intervalMs: config.WATCH_INTERVAL_MS,
      })
    : undefined;
  const trackers = {
    dms_export: exports,
    dms_track: tracks,
    dms_change: changes,
    dms_order: orders,
    ...(ctsTrackers ? { cts_tracker: ctsTrackers } : {}),
  };
  watcher = new StatusWatcher({
    store,
    clock,
    logger: logger.child({ component: 'watcher' }),
    messenger,
    trackers,
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
  const groups = new SlackGroups({ slack: bolt.client, clock, logger: logger.child({ component: 'groups' }) });
  const approvers = new ApproverPolicy({ entries: config.APPROVERS, groups });
  const policy = deps.policy ?? (config.POLICY_FILE ? loadPolicy(config.POLICY_FILE) : DEFAULT_POLICY);
  const guard = new Guard({
    policy,
    groups,
    resolver,
    dms,
    store,
    clock,
    logger: logger.child({ component: 'policy' }),
    ratePerHour: config.RATE_LIMIT_PER_USER_PER_HOUR,
  });
  const ticketActions = new TicketActions({
    store,
    watcher,
    trackers,
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
    services: { dms_export: exports, dms_track: tracks, dms_change: changes, dms_order: orders },
    approvers,
    guard,
    intervalMs: config.WATCH_INTERVAL_MS,
  });
  const home = new HomeService({
    slack: bolt.client,
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
    services: { dms_export: exports, dms_track: tracks, dms_change: changes },
    // A create may be in flight for up to its timeout (plus the lookup); after 15 minutes it certainly did not happen.
    graceMs: config.DMS_TIMEOUT_MS * 2 + 10_000,
    giveUpMs: 15 * 60_000,
  });
  let recoveryTimer: NodeJS.Timeout | undefined;
  const engines = new DatabaseEngines({
    dms,
    clock,
    logger: logger.child({ component: 'sql-review' }),
    onFound: (dbs) => guard.remember(dbs),
  });
  const services: Services = {
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
    approvers,
    ticketActions,
    follows,
    home,
    guard,
    engines,
    metrics,
    recovery,
    cts: deps.cts,
    ctsTrackers,
  };
  // Counts Slack requests whose listener work (after the ack) is still running, for a graceful stop.
  let busy = 0;
  const idleWaiters: (() => void)[] = [];
  bolt.use(async (args) => {
    const { next } = args;
    // Overload: a command that would queue behind MAX_IN_FLIGHT others is told so at once instead of waiting
    // until its trigger id expires.
    if ('command' in args && args.command && busy >= config.MAX_IN_FLIGHT) {
      metrics.shedRequests.inc();
      await args.ack({
        response_type: 'ephemeral',
        text: ':hourglass: I am very busy right now and could not take this. Please try again in a moment.',
      });
      return;
    }
    busy += 1;
    try {
      await next();
    } finally {
      busy -= 1;
      if (busy === 0) for (const w of idleWaiters.splice(0)) w();
    }
  });
  const listenersIdle = (): Promise<void> =>
    busy === 0 ? Promise.resolve() : new Promise((resolve) => idleWaiters.push(resolve));
  registerHandlers(bolt, services);

  // The request layer's guard (src/slack/payload-check.ts): envelopes checked before dispatch in both transports, one ack
  // for every payload, and the coded error (short id) for whatever a listener lets escape.
  let identity: AppIdentity | undefined;
  const guardDeps: GuardDeps = {
    logger: logger.child({ component: 'slack-guard' }),
    messenger,
    identity: () => identity,
  };
  const failures: FailureBook = new WeakMap();
  guardDispatch(bolt, failures, guardDeps);
  if (socketReceiver) guardSocketFrames(socketReceiver.client, guardDeps.logger);
  bolt.error(async ({ error, body }: { error: CodedError; body: unknown }) => {
    recordFailure(failures, error.original ?? error, body, logger);
  });

  /** Ready when the store answers and Slack accepted the bot token at start-up. */
  const readiness = async (): Promise<{ ready: boolean; store: string; slack: string }> => {
    const storeOk = await withDeadline(store.ping(), 2_000, () => new Error('timeout')).then(
      () => 'ok',
      () => 'unreachable',
    );
    const slack = slackReady ? 'ok' : 'not authenticated';
    return { ready: storeOk === 'ok' && slackReady, store: storeOk, slack };
  };
  const scrape = async (): Promise<string> => {
    const now = clock.now();
    const [due, next] = await Promise.all([store.dueTickets(now, 10_000), store.nextDueAt()]);
    metrics.watcherQueue.set(due.length);
    metrics.watcherLag.set(next !== undefined && next < now ? (now - next) / 1000 : 0);
    metrics.watcherInFlight.set(watcher!.inFlight);
    return metrics.registry.metrics();
  };

  let server: Server | undefined;
  const route = (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    if (req.method === 'GET' && path === '/readyz') {
      void readiness().then((r) =>
        res.writeHead(r.ready ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(r)),
      );
      return;
    }
    if (req.method === 'GET' && path === '/metrics') {
      void scrape().then(
        (body) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body),
        (err: unknown) => {
          logger.warn({ err: String(err) }, 'metrics scrape failed');
          res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable');
        },
      );
      return;
    }
    if (receiver && path === '/slack/events') {
      // Bolt answers Slack when a listener acks (processBeforeResponse off): the response time is the ack time.
      const started = process.hrtime.bigint();
      res.once('finish', () => metrics.ackLatency.observe(Number(process.hrtime.bigint() - started) / 1e9));
      // Bolt rejects requests signed more than 5 minutes ago; a timestamp as far in the future is as suspect.
      const ts = Number(req.headers['x-slack-request-timestamp']);
      if (Number.isFinite(ts) && ts * 1000 - Date.now() > 300_000) {
        logger.warn(
          { skewSeconds: Math.round(ts - Date.now() / 1000) },
          'Slack request timestamp is in the future; rejected',
        );
        res.writeHead(401, { 'content-type': 'text/plain' }).end('');
        return;
      }
      void precheckHttp(req, res, config.SLACK_SIGNING_SECRET!, guardDeps).then(
        (pass) => pass && receiver.requestListener(req, res),
        (err: unknown) => {
          logger.error({ err: String(err).slice(0, 300) }, 'Slack request check failed');
          if (!res.headersSent) res.writeHead(500).end();
        },
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  };

  return {
    bolt,
    services,
    watcher,
    async start(opts = {}) {
      // PostgreSQL's parser (WASM) for the SQL review; if it cannot load, PostgreSQL reviews fail closed.
      await loadSqlParsers().catch((err: unknown) =>
        logger.error({ err: String(err) }, 'SQL parser failed to load; PostgreSQL SQL reviews will fail closed'),
      );
      await bolt.init();
      identity = await whoAmI(bolt);
      logger.info(
        {
          appId: identity.appId,
          teamId: identity.teamId,
          enterpriseId: identity.enterpriseId,
          orgWide: identity.orgWide,
        },
        'Slack identity',
      );
      slackReady = true;
      if (socketMode) await bolt.start();
      server = createServer(route);
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        // A deep accept queue (the kernel caps it at net.core.somaxconn): a burst of new connections while the loop is
        // busy waits to be accepted instead of being dropped, which costs the client a SYN retry of 1 s or more.
        server!.listen({ port: config.PORT, backlog: LISTEN_BACKLOG }, () => resolve());
      });
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : config.PORT;
      if (opts.watch !== false) {
        watcher!.start();
        // Creates cut short by a crash or a lost answer: look for them now and every 10 s.
        const recover = () =>
          void recovery.run().catch((err: unknown) => logger.warn({ err: String(err) }, 'create recovery failed'));
        recover();
        recoveryTimer = setInterval(recover, 10_000);
        recoveryTimer.unref();
      }
      logger.info({ mode: socketMode ? 'socket' : 'http', port }, 'bot started');
      return port;
    },
    async stop(opts = {}) {
      const timeoutMs = opts.timeoutMs ?? config.SHUTDOWN_TIMEOUT_MS;
      const deadline = Date.now() + timeoutMs;
      // Kept back for the last steps (give the leases back, close the store), so they run even when work in flight
      // never ends (Slack or a cloud unreachable: their calls and retries can outlast any deadline).
      const reserveMs = Math.min(1_000, Math.floor(timeoutMs / 4));
      const left = (reserve = reserveMs) => Math.max(0, deadline - reserve - Date.now());
      /** Waits for `p` at most `ms`; a step cut short is logged and the stop goes on. Never throws. */
      const step = async (name: string, p: Promise<unknown>, ms: number): Promise<void> => {
        if (
          (await settledWithin(p, ms, (err) =>
            logger.warn({ step: name, err: String(err).slice(0, 200) }, 'stopping: step failed'),
          )) === 'timeout'
        ) {
          logger.warn({ step: name }, 'stopping: step cut short (SHUTDOWN_TIMEOUT_MS)');
        }
      };
      logger.info({ timeoutMs }, 'stopping: no new requests; finishing work in flight');
      if (recoveryTimer) clearInterval(recoveryTimer);
      // 1. No new work: the socket closes, the HTTP server stops accepting (health answers stop too).
      if (socketMode) await step('socket', bolt.stop(), left());
      const closed = new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      server?.closeIdleConnections();
      // 2. Work in flight finishes: listeners after their ack (filing a ticket), and the watcher's current checks.
      await step('work in flight', Promise.all([listenersIdle(), watcher!.stop(left())]), left());
      if (busy > 0) logger.warn({ busy }, 'stopping with listener work still running (SHUTDOWN_TIMEOUT_MS reached)');
      await step('home tab refreshes', home.settle(), Math.min(left(), 2_000));
      // 3. What is still running is abandoned: its Slack calls (and their retries) end now instead of running on.
      stopping.abort();
      server?.closeAllConnections();
      await step('http server', closed, left());
      // 4. Every lease is given back (again: a claim may have raced the stop), then the store closes, both within the
      //    time kept back for them.
      await step('leases', watcher!.stop(0), left(Math.floor(reserveMs / 2)));
      await step('store', store.close(), left(0));
      logger.info({ tookMs: timeoutMs - left(0) }, 'stopped');
    },
  };
}

/** Resolves 'done' when `p` settles within `ms` (a rejection is reported to `onError`), else 'timeout'. */
async function settledWithin(
  p: Promise<unknown>,
  ms: number,
  onError: (err: unknown) => void,
): Promise<'done' | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  try {
    return await Promise.race([
      p.then(
        () => 'done' as const,
        (err: unknown) => {
          onError(err);
          return 'done' as const;
        },
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** This app's id and workspace: auth.test (Bolt has checked the token with it), and bots.info when it names no app. */
async function whoAmI(bolt: App): Promise<AppIdentity> {
  const auth = await bolt.client.auth.test();
  const appId =
    auth.app_id || (auth.bot_id ? (await bolt.client.bots.info({ bot: auth.bot_id })).bot?.app_id : undefined);
  if (!appId || !auth.team_id)
    throw new Error('Slack did not say which app and workspace this bot token belongs to (auth.test / bots.info)');
  return {
    appId,
    teamId: auth.team_id,
    enterpriseId: auth.enterprise_id || undefined,
    orgWide: auth.is_enterprise_install === true,
  };
}

/** A fetch for the Slack client that counts failed calls by method and error (`ok: false`, HTTP errors, 429s). */
function observingFetch(
  metrics: Metrics,
  stopped: AbortSignal,
  inner: FetchFunction = globalThis.fetch as unknown as FetchFunction,
): FetchFunction {
  return async (url, init) => {
    const method = new URL(String(url)).pathname.split('/').pop() ?? 'unknown';
    const signal = init?.signal ? AbortSignal.any([init.signal, stopped]) : stopped;
    const res = await inner(url, { ...init, signal });
    if (res.status === 429) metrics.slackRateLimited.inc();
    if (res.status !== 200) {
      metrics.slackErrors.inc({ method, error: `http_${res.status}` });
      return res;
    }
    // The client reads the body with text(): look at that text on its way (no copy, no second parse).
    const text = res.text.bind(res);
    res.text = async () => {
      const t = await text();
      if (/"ok"\s*:\s*false/.test(t))
        metrics.slackErrors.inc({ method, error: /"error"\s*:\s*"([^"]{1,80})"/.exec(t)?.[1] ?? 'unknown' });
      return t;
    };
    return res;
  };
}
