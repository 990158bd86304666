import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { asMrkdwn, cloudCode, cloudText, type Mrkdwn } from '../../blocks/kit/text.js';
import { withDeadline } from './deadline.js';
import { BotError, CloudApiError, errorFields } from './errors.js';

/**
 * Removes what only the bot's own plumbing should know from text shown to people: request URLs (with their query
 * strings and signatures), bare query strings, and host:port addresses of the endpoints it calls.
 */
export function withoutAddresses(text: string): string {
  return text
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s<>"'`|)]+/gi, '(address removed)')
    .replace(/\?[^\s?=&]+=[^\s]*/g, '')
    .replace(
      /\b(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?\b|\[[0-9a-f:]+\](?::\d{1,5})?|\b[a-z0-9-]+(?:\.[a-z0-9-]+)+:\d{1,5}\b/gi,
      '(address removed)',
    );
}

/** Words for the person for any error (safe mrkdwn); unknown errors get a short id that is also in the log. */
export function userMessageFor(err: unknown, logger: Logger, context: Record<string, unknown> = {}): Mrkdwn {
  if (err instanceof CloudApiError) {
    const d = err.details;
    const rid = d.requestId ? ` (request id \`${cloudText(d.requestId, 80).replace(/`/g, "'")}\`)` : '';
    logger.warn({ ...context, err: errorFields(err) }, 'cloud error shown to user');
    // Everything a cloud says is data: addresses go, then links in any disguise, then it is escaped (cloudText).
    if (err.explained) return cloudText(withoutAddresses(err.userMessage), 2000);
    // A failure with no answer from the service (connection, timeout): its text is the transport's, which names the
    // request; the person gets the code and what to do.
    if (d.httpStatus === undefined) {
      const code = `*${cloudCode(withoutAddresses(d.errorCode), 80)}*`;
      return asMrkdwn(
        d.notSent
          ? `${d.service} could not be reached (${code}): nothing was sent. Try again in a moment.`
          : `${d.service} did not answer (${code}). Try again in a moment.`,
      );
    }
    return asMrkdwn(
      `${d.service} answered *${cloudCode(withoutAddresses(d.errorCode), 80)}*: ${cloudText(withoutAddresses(d.errorMessage), 500)}${rid}`,
    );
  }
  if (err instanceof BotError) {
    logger.warn({ ...context, err: errorFields(err) }, 'error shown to user');
    // A BotError's message is mrkdwn the bot wrote; any cloud words in it were escaped where it was built.
    return asMrkdwn(withoutAddresses(err.userMessage));
  }
  const errorId = randomBytes(4).toString('hex');
  logger.error({ ...context, errorId, err: errorFields(err, { stack: true }) }, 'unexpected error');
  return asMrkdwn(
    `Something went wrong on the bot's side (error id \`${errorId}\`). Please try again; if it keeps happening, give this id to the bot's operators.`,
  );
}

/** Rejects with a BotError (words for the person) when `p` does not settle within `ms`. */
export function timeBox<T>(p: Promise<T>, ms: number, code: string, userMessage: string): Promise<T> {
  return withDeadline(p, ms, () => new BotError(code, userMessage));
}
