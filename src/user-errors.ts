import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { escapeMrkdwn, truncate } from '../blocks/text.js';
import { withDeadline } from './deadline.js';
import { BotError, CloudApiError } from './errors.js';
import { describe } from './watcher.js';

/** Words for the person for any error; unknown errors get a short id that is also in the log. */
export function userMessageFor(err: unknown, logger: Logger, context: Record<string, unknown> = {}): string {
  if (err instanceof CloudApiError) {
    const d = err.details;
    const rid = d.requestId ? ` (request id \`${escapeMrkdwn(truncate(d.requestId, 80))}\`)` : '';
    logger.warn({ ...context, err: describe(err) }, 'cloud error shown to user');
    if (err.explained) return err.userMessage;
    return `${d.service} answered *${escapeMrkdwn(truncate(d.errorCode, 80))}*: ${escapeMrkdwn(truncate(d.errorMessage, 500))}${rid}`;
  }
  if (err instanceof BotError) {
    logger.warn({ ...context, code: err.code }, 'error shown to user');
    return err.userMessage;
  }
  const errorId = randomBytes(4).toString('hex');
  logger.error({ ...context, errorId, err: describe(err), stack: err instanceof Error ? err.stack : undefined }, 'unexpected error');
  return `Something went wrong on the bot's side (error id \`${errorId}\`). Please try again; if it keeps happening, give this id to the bot's operators.`;
}

/** Rejects with a BotError (words for the person) when `p` does not settle within `ms`. */
export function timeBox<T>(p: Promise<T>, ms: number, code: string, userMessage: string): Promise<T> {
  return withDeadline(p, ms, () => new BotError(code, userMessage));
}
