import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { withDeadline } from './deadline.js';
import { errorFields } from './errors.js';

/** A push (webhook) request as a receiver sees it: the path, the headers (names lower-case) and the body text. */
export interface PushRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A receiver's answer; `after` is the work done once the answer is sent (never before: the sender waits for us). */
export interface PushAnswer {
  status: number;
  body?: string;
  after?: () => Promise<void>;
}

export type PushHandler = (req: PushRequest) => Promise<PushAnswer>;

/** One header's value (Node lower-cases names, so any spelling the sender used is found); the first when repeated. */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** Reads a request body up to `limitBytes`; undefined when it is longer (the rest is not read). */
export async function readBody(req: IncomingMessage, limitBytes: number): Promise<string | undefined> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > limitBytes) return undefined;
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Runs work at most `concurrency` at a time, the rest waiting in order, so a burst of pushes does not start all its
 * Slack posts at once and slow the answers to the next ones.
 */
export class WorkQueue {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly concurrency: number) {}

  /** Runs `fn` when a slot is free; resolves or rejects with it. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running += 1;
    try {
      return await fn();
    } finally {
      this.running -= 1;
      this.waiting.shift()?.();
    }
  }

  /** Work waiting for a slot. */
  get backlog(): number {
    return this.waiting.length;
  }
}

/**
 * Serves a push receiver (CTS key events through SMN, DMS webhooks): POST only, the body read up to `limitBytes`
 * (413 beyond), the handler's answer sent as soon as it decides (within `answerWithinMs`, else 503 so the sender
 * retries), then its `after` work run in the background (through `queue` when given), errors logged, tracked by
 * `track` so a stop can wait for it.
 */
export function pushEndpoint(
  handler: PushHandler,
  opts: {
    limitBytes: number;
    answerWithinMs: number;
    logger: Logger;
    track?: (work: Promise<void>) => void;
    /** Where the `after` work runs (default: at once). */
    queue?: WorkQueue;
  },
): (req: IncomingMessage, res: ServerResponse) => void {
  const send = (res: ServerResponse, status: number, body = '') => {
    if (!res.headersSent) res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(body);
  };
  return (req, res) => {
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      send(res, 405, 'POST only');
      return;
    }
    const path = (req.url ?? '/').split('?')[0]!;
    const work = (async () => {
      const body = await readBody(req, opts.limitBytes);
      if (body === undefined) {
        opts.logger.info({ path, limitBytes: opts.limitBytes }, 'push body too large; refused');
        // The rest of the body is not read: close the connection after answering.
        res.setHeader('connection', 'close');
        send(res, 413, 'body too large');
        return;
      }
      const answer = await withDeadline(handler({ path, headers: req.headers, body }), opts.answerWithinMs, () =>
        Object.assign(new Error('push receiver did not decide in time'), { code: 'push_timeout' }),
      );
      send(res, answer.status, answer.body);
      const after = answer.after;
      if (after) await (opts.queue ? opts.queue.run(after) : after());
    })().catch((err: unknown) => {
      opts.logger.error({ path, err: errorFields(err) }, 'push request failed');
      // 503: the sender may try again later (SMN retries on 5xx).
      send(res, 503, 'try again later');
    });
    opts.track?.(work);
  };
}
