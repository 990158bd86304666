import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { HTTPReceiver } from '@slack/bolt';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Clock } from './core/clock.js';
import { withDeadline } from './core/deadline.js';
import { errorFields } from './core/errors.js';
import type { Metrics } from './core/metrics.js';
import { type GuardDeps, precheckHttp } from './slack/payload-check.js';
import type { Store } from './store/types.js';
import type { StatusWatcher } from './tickets/watcher.js';

/** Pending connections the HTTP server lets the kernel hold (Node's default is 511). */
export const LISTEN_BACKLOG = 4096;

/** Answers one request; `path` is the URL's path without the query. A rejection is logged and answered with a 500. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse, path: string) => void | Promise<void>;

/**
 * One line of the route table: `path` matches exactly, `prefix` matches the path and anything below it
 * (`/dms/events/` matches `/dms/events/<token>`). `method` omitted: any method.
 */
export type Route = { method?: string; handler: RouteHandler } & ({ path: string } | { prefix: string });

/** The first route that matches `method` and `path`, if any. */
export function findRoute(routes: readonly Route[], method: string | undefined, path: string): Route | undefined {
  return routes.find(
    (r) =>
      (r.method === undefined || r.method === method) && ('path' in r ? r.path === path : path.startsWith(r.prefix)),
  );
}

/** The HTTP server's request listener: the first matching route answers, else 404. */
export function routeRequests(routes: readonly Route[], logger: Logger) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const route = findRoute(routes, req.method, path);
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const fail = (err: unknown) => {
      logger.error({ err: errorFields(err), path }, 'HTTP route failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end('');
    };
    try {
      const done = route.handler(req, res, path);
      if (done) done.catch(fail);
    } catch (err) {
      fail(err);
    }
  };
}

/** Creates the HTTP server over `routes` and listens on `port`; resolves with the port it got (0: any free port). */
export async function listen(routes: readonly Route[], port: number, logger: Logger): Promise<Server> {
  const server = createServer(routeRequests(routes, logger));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // A deep accept queue (the kernel caps it at net.core.somaxconn): a burst of new connections while the loop is
    // busy waits to be accepted instead of being dropped, which costs the client a SYN retry of 1 s or more.
    server.listen({ port, backlog: LISTEN_BACKLOG }, () => resolve());
  });
  return server;
}

/** The port a listening server got. */
export function portOf(server: Server, fallback: number): number {
  const address = server.address();
  return typeof address === 'object' && address ? address.port : fallback;
}

/** Reads a request body of at most `limitBytes` (more: rejects with 'body too large'). */
export async function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buf.length;
    if (size > limitBytes) throw new Error('body too large');
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

/** What the health and metrics routes read. */
export interface HealthDeps {
  store: Store;
  clock: Clock;
  metrics: Metrics;
  watcher: StatusWatcher;
  logger: Logger;
  /** Whether Slack accepted the bot token at start-up. */
  slackReady(): boolean;
}

/** `GET /healthz` (alive), `GET /readyz` (store answers and Slack accepted the token), `GET /metrics` (Prometheus). */
export function healthRoutes(deps: HealthDeps): Route[] {
  const { store, clock, metrics, watcher, logger } = deps;
  const readiness = async (): Promise<{ ready: boolean; store: string; slack: string }> => {
    const storeOk = await withDeadline(store.ping(), 2_000, () => new Error('timeout')).then(
      () => 'ok',
      () => 'unreachable',
    );
    const slackReady = deps.slackReady();
    return { ready: storeOk === 'ok' && slackReady, store: storeOk, slack: slackReady ? 'ok' : 'not authenticated' };
  };
  const scrape = async (): Promise<string> => {
    const now = clock.now();
    const [due, next] = await Promise.all([store.dueTickets(now, 10_000), store.nextDueAt()]);
    metrics.watcherQueue.set(due.length);
    metrics.watcherLag.set(next !== undefined && next < now ? (now - next) / 1000 : 0);
    metrics.watcherInFlight.set(watcher.inFlight);
    return metrics.registry.metrics();
  };
  return [
    {
      method: 'GET',
      path: '/healthz',
      handler: (_req, res) => void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'),
    },
    {
      method: 'GET',
      path: '/readyz',
      handler: async (_req, res) => {
        const r = await readiness();
        res.writeHead(r.ready ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(r));
      },
    },
    {
      method: 'GET',
      path: '/metrics',
      handler: async (_req, res) => {
        try {
          const body = await scrape();
          res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body);
        } catch (err) {
          logger.warn({ err: errorFields(err) }, 'metrics scrape failed');
          res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable');
        }
      },
    },
  ];
}

/** `/slack/events` in HTTP mode (any method, as Bolt's receiver decides): checked, then handed to Bolt. */
export function slackEventsRoute(
  receiver: HTTPReceiver,
  deps: { config: Config; metrics: Metrics; logger: Logger; guard: GuardDeps },
): Route {
  const { config, metrics, logger } = deps;
  return {
    path: '/slack/events',
    handler: async (req, res) => {
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
      try {
        if (await precheckHttp(req, res, config.SLACK_SIGNING_SECRET!, deps.guard)) receiver.requestListener(req, res);
      } catch (err) {
        logger.error({ err: errorFields(err) }, 'Slack request check failed');
        if (!res.headersSent) res.writeHead(500).end();
      }
    },
  };
}
