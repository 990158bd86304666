import type { Logger } from 'pino';
import { errorFields } from './errors.js';

/** What the process-level guard needs of `process` (an emitter in tests). */
export interface ProcessEvents {
  on(event: 'unhandledRejection', fn: (reason: unknown) => void): unknown;
  on(event: 'uncaughtException', fn: (err: Error) => void): unknown;
}

/**
 * The last line of defence: an unhandled rejection or an uncaught exception is logged (redacted) and the bot keeps
 * serving, instead of Node's default of exiting and dropping every request and ticket in flight. Every such line is
 * a bug to fix; the request layer's own guards (src/slack/payload-check.ts) are what keep a poisoned request from getting here.
 */
export function installProcessGuards(logger: Logger, proc: ProcessEvents = process): void {
  const log = logger.child({ component: 'process' });
  proc.on('unhandledRejection', (reason) =>
    log.error({ err: errorFields(reason, { stack: true }) }, 'unhandled rejection (kept serving)'),
  );
  proc.on('uncaughtException', (err) =>
    log.error({ err: errorFields(err, { stack: true }) }, 'uncaught exception (kept serving)'),
  );
}
