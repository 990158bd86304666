import type { Server } from 'node:http';
import type { App } from '@slack/bolt';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { errorFields } from './core/errors.js';
import type { Metrics } from './core/metrics.js';
import type { AppIdentity } from './slack/envelope.js';
import type { Store } from './store/types.js';
import type { HomeService } from './tickets/home.js';
import type { StatusWatcher } from './tickets/watcher.js';

/** Counts Slack requests whose listener work (after the ack) is still running, so a stop can wait for them. */
export class InFlight {
  private busy = 0;
  private readonly idleWaiters: (() => void)[] = [];

  /** Listener work still running. */
  get count(): number {
    return this.busy;
  }

  /**
   * Bolt middleware: counts each request while its listeners run. Overload: a command that would queue behind
   * MAX_IN_FLIGHT others is told so at once instead of waiting until its trigger id expires.
   */
  install(bolt: App, config: Config, metrics: Metrics): void {
    bolt.use(async (args) => {
      if ('command' in args && args.command && this.busy >= config.MAX_IN_FLIGHT) {
        metrics.shedRequests.inc();
        await args.ack({
          response_type: 'ephemeral',
          text: ':hourglass: I am very busy right now and could not take this. Please try again in a moment.',
        });
        return;
      }
      this.busy += 1;
      try {
        await args.next();
      } finally {
        this.busy -= 1;
        if (this.busy === 0) for (const w of this.idleWaiters.splice(0)) w();
      }
    });
  }

  /** Resolves when no listener work is running. */
  idle(): Promise<void> {
    return this.busy === 0 ? Promise.resolve() : new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}

/** What a graceful stop takes down, in order. */
export interface StopDeps {
  logger: Logger;
  bolt: App;
  socketMode: boolean;
  server: Server | undefined;
  inFlight: InFlight;
  watcher: StatusWatcher;
  home: HomeService;
  store: Store;
  /** Push receivers' work after their answers (posting key events). */
  pushes?: { settle(): Promise<void> };
  /** Aborts every Slack call still running (and its retries). */
  abortSlack(): void;
}

/**
 * Graceful stop within `timeoutMs`: no new requests or tickets, work in flight finishes (or is abandoned at the
 * deadline), this replica's leases go back, the store closes. Never throws.
 */
export async function gracefulStop(deps: StopDeps, timeoutMs: number): Promise<void> {
  const { logger, server, watcher } = deps;
  const deadline = Date.now() + timeoutMs;
  // Kept back for the last steps (give the leases back, close the store), so they run even when work in flight
  // never ends (Slack or a cloud unreachable: their calls and retries can outlast any deadline).
  const reserveMs = Math.min(1_000, Math.floor(timeoutMs / 4));
  const left = (reserve = reserveMs) => Math.max(0, deadline - reserve - Date.now());
  /** Waits for `p` at most `ms`; a step cut short is logged and the stop goes on. Never throws. */
  const step = async (name: string, p: Promise<unknown>, ms: number): Promise<void> => {
    if (
      (await settledWithin(p, ms, (err) =>
        logger.warn({ step: name, err: errorFields(err) }, 'stopping: step failed'),
      )) === 'timeout'
    ) {
      logger.warn({ step: name }, 'stopping: step cut short (SHUTDOWN_TIMEOUT_MS)');
    }
  };
  logger.info({ timeoutMs }, 'stopping: no new requests; finishing work in flight');
  // 1. No new work: the socket closes, the HTTP server stops accepting (health answers stop too).
  if (deps.socketMode) await step('socket', deps.bolt.stop(), left());
  const closed = new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server?.closeIdleConnections();
  // 2. Work in flight finishes: listeners after their ack (filing a ticket), and the watcher's current checks.
  await step('work in flight', Promise.all([deps.inFlight.idle(), watcher.stop(left())]), left());
  if (deps.inFlight.count > 0)
    logger.warn(
      { busy: deps.inFlight.count },
      'stopping with listener work still running (SHUTDOWN_TIMEOUT_MS reached)',
    );
  await step('home tab refreshes', deps.home.settle(), Math.min(left(), 2_000));
  if (deps.pushes) await step('pushes', deps.pushes.settle(), Math.min(left(), 2_000));
  // 3. What is still running is abandoned: its Slack calls (and their retries) end now instead of running on.
  deps.abortSlack();
  server?.closeAllConnections();
  await step('http server', closed, left());
  // 4. Every lease is given back (again: a claim may have raced the stop), then the store closes, both within the
  //    time kept back for them.
  await step('leases', watcher.stop(0), left(Math.floor(reserveMs / 2)));
  await step('store', deps.store.close(), left(0));
  logger.info({ tookMs: timeoutMs - left(0) }, 'stopped');
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
export async function whoAmI(bolt: App): Promise<AppIdentity> {
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
