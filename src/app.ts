import type { Server } from 'node:http';
import { App, type CodedError, HTTPReceiver, LogLevel, SocketModeReceiver } from '@slack/bolt';
import type { FetchFunction, WebClientOptions } from '@slack/web-api';
import { registerHandlers } from '../handlers/index.js';
import { errorFields } from './core/errors.js';
import { Metrics } from './core/metrics.js';
import { CTS_EVENTS_PATH } from './cts/events/wiring.js';
import { DMS_PUSH_PATH } from './dms/push/index.js';
import { loadSqlParsers } from './dms/sql-review/inspect.js';
import { healthRoutes, listen, portOf, type Route, slackEventsRoute } from './http.js';
import { gracefulStop, InFlight, whoAmI } from './lifecycle.js';
import { sandboxFetch } from './sandbox/mark.js';
import type { Services } from './services.js';
import { boltLogger } from './slack/bolt-logger.js';
import type { AppIdentity } from './slack/envelope.js';
import {
  type FailureBook,
  type GuardDeps,
  guardDispatch,
  guardSocketFrames,
  recordFailure,
} from './slack/payload-check.js';
import type { StatusWatcher } from './tickets/watcher.js';
import { type ServiceDeps, wireServices } from './wiring.js';

// Node's fetch and the Slack client's FetchFunction differ only in their overloads' declared types.
const nodeFetch = globalThis.fetch as unknown as FetchFunction;

export { LISTEN_BACKLOG } from './http.js';

/** What createApp is built from: the service graph's dependencies, plus Slack transport settings. */
export interface AppDeps extends ServiceDeps {
  /** Metrics registry to fill (default: a new one, with Node's default metrics). */
  metrics?: Metrics;
  /** Socket Mode: how long to wait for pings before reconnecting (default 5 s / 30 s; tests shorten them). */
  socketPingTimeoutMs?: { client: number; server: number };
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

/** Builds the bot from its dependencies; nothing global, so tests build as many as they like. */
export function createApp(deps: AppDeps): ChatOpsApp {
  const { config, logger } = deps;
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
      config.SANDBOX ? sandboxFetch(deps.slackClientOptions?.fetch ?? nodeFetch) : deps.slackClientOptions?.fetch,
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

  const services = wireServices(deps, bolt.client, metrics);
  const { store, watcher, recovery, home } = services;
  const inFlight = new InFlight();
  inFlight.install(bolt, config, metrics);
  registerHandlers(bolt, services);

  // The request layer's guard (src/slack/payload-check.ts): envelopes checked before dispatch in both transports, one
  // ack for every payload, and the coded error (short id) for whatever a listener lets escape.
  let identity: AppIdentity | undefined;
  const guardDeps: GuardDeps = {
    logger: logger.child({ component: 'slack-guard' }),
    messenger: services.messenger,
    identity: () => identity,
  };
  const failures: FailureBook = new WeakMap();
  guardDispatch(bolt, failures, guardDeps);
  if (socketReceiver) guardSocketFrames(socketReceiver.client, guardDeps.logger);
  bolt.error(async ({ error, body }: { error: CodedError; body: unknown }) => {
    recordFailure(failures, error.original ?? error, body, logger);
  });

  // The HTTP server's routes, first match wins (src/http.ts). A new endpoint is one line here.
  let slackReady = false;
  const routes: Route[] = [
    ...healthRoutes({ store, clock: services.clock, metrics, watcher, logger, slackReady: () => slackReady }),
    ...(receiver ? [slackEventsRoute(receiver, { config, metrics, logger, guard: guardDeps })] : []),
    // CTS key events through SMN, in both modes (any method: the receiver answers 405 to all but POST).
    { path: CTS_EVENTS_PATH, handler: (req, res) => services.ctsEvents.handle(req, res) },
    // DMS webhook pushes, in both modes: /dms/events/<token> (README "DMS pushes").
    { prefix: DMS_PUSH_PATH, handler: (req, res) => services.dmsPush.handle(req, res) },
  ];

  let server: Server | undefined;
  let recoveryTimer: NodeJS.Timeout | undefined;
  return {
    bolt,
    services,
    watcher,
    async start(opts = {}) {
      // PostgreSQL's parser (WASM) for the SQL review; if it cannot load, PostgreSQL reviews fail closed.
      await loadSqlParsers().catch((err: unknown) =>
        logger.error({ err: errorFields(err) }, 'SQL parser failed to load; PostgreSQL SQL reviews will fail closed'),
      );
      await bolt.init();
      identity = await whoAmI(bolt);
      const { appId, teamId, enterpriseId, orgWide } = identity;
      logger.info({ appId, teamId, enterpriseId, orgWide }, 'Slack identity');
      slackReady = true;
      if (socketMode) await bolt.start();
      server = await listen(routes, config.PORT, logger);
      const port = portOf(server, config.PORT);
      if (opts.watch !== false) {
        watcher.start();
        services.nudges.start();
        // Creates cut short by a crash or a lost answer: look for them now and every 10 s.
        const recover = () =>
          void recovery.run().catch((err: unknown) => logger.warn({ err: errorFields(err) }, 'create recovery failed'));
        recover();
        recoveryTimer = setInterval(recover, 10_000);
        recoveryTimer.unref();
      }
      logger.info({ mode: socketMode ? 'socket' : 'http', port }, 'bot started');
      return port;
    },
    async stop(opts = {}) {
      if (recoveryTimer) clearInterval(recoveryTimer);
      await services.nudges.stop();
      const stopDeps = { logger, bolt, socketMode, server, inFlight, watcher, home, store, pushes: services.ctsEvents };
      await gracefulStop(
        { ...stopDeps, abortSlack: () => stopping.abort() },
        opts.timeoutMs ?? config.SHUTDOWN_TIMEOUT_MS,
      );
    },
  };
}

/** A fetch for the Slack client that counts failed calls by method and error (`ok: false`, HTTP errors, 429s). */
function observingFetch(metrics: Metrics, stopped: AbortSignal, inner: FetchFunction = nodeFetch): FetchFunction {
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
