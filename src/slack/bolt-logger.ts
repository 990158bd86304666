import { type Logger as BoltLogger, LogLevel } from '@slack/bolt';
import type { Logger } from 'pino';
import { redactSecrets } from '../core/logger.js';

/** Routes Bolt's own log lines into our pino logger (so redaction applies to them too). */
export function boltLogger(logger: Logger): BoltLogger {
  const child = logger.child({ component: 'bolt' });
  const join = (msg: unknown[]) =>
    scrubTokens(msg.map((m) => (typeof m === 'string' ? m : m instanceof Error ? m.message : safeJson(m))).join(' '));
  let level: LogLevel = LogLevel.INFO;
  return {
    // The WebClient logs whole request and response bodies at debug level: message texts, which may hold a
    // person's private download link. Keep that such a call happened, not what it carried.
    // Formatting costs: only for lines that will be written.
    debug: (...msg: unknown[]) => child.isLevelEnabled('debug') && child.debug(omitBodies(join(msg))),
    info: (...msg: unknown[]) => child.isLevelEnabled('info') && child.info(join(msg)),
    warn: (...msg: unknown[]) => child.warn(join(msg)),
    error: (...msg: unknown[]) => child.error(join(msg)),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

// Lines from the Slack libraries that carry whole payloads: form values, SQL, message texts, response URLs.
const BODY_LINES =
  /^(http request (?:body|result|headers)|Received a message on the WebSocket|Sending a WebSocket message|ack\(\) call begins)\b/;

function omitBodies(line: string): string {
  const m = BODY_LINES.exec(line);
  return m ? `${m[1]}: [omitted]` : line;
}

/** Masks tokens, signed links and keys in free-text log lines (the logger does it again on every line it writes). */
export const scrubTokens = redactSecrets;
