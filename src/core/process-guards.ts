import type { Logger } from 'pino';
import { scrubTokens } from '../slack/bolt-logger.js';

/** What the process-level guard needs of `process` (an emitter in tests). */
export interface ProcessEvents {
  on(event: 'unhandledRejection', fn: (reason: unknown) => void): unknown;
  on(event: 'uncaughtException', fn: (err: Error) => void): unknown;
}

/** An error as a log line can carry it: message and stack with tokens and signed links masked, bounded. */
export function redactedError(err: unknown): { type: string; message: string; stack?: string } {
  const e = err instanceof Error ? err : undefined;
  const message = scrubTokens(e ? e.message : typeof err === 'string' ? err : safeString(err)).slice(0, 500);
  return { type: e?.name ?? typeof err, message, ...(e?.stack ? { stack: scrubTokens(e.stack).slice(0, 2_000) } : {}) };
}

function safeString(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/**
 * The last line of defence: an unhandled rejection or an uncaught exception is logged (redacted) and the bot keeps
 * serving, instead of Node's default of exiting and dropping every request and ticket in flight. Every such line is
 * a bug to fix; the request layer's own guards (src/slack/payload-check.ts) are what keep a poisoned request from getting here.
 */
export function installProcessGuards(logger: Logger, proc: ProcessEvents = process): void {
  const log = logger.child({ component: 'process' });
  proc.on('unhandledRejection', (reason) =>
    log.error({ err: redactedError(reason) }, 'unhandled rejection (kept serving)'),
  );
  proc.on('uncaughtException', (err) => log.error({ err: redactedError(err) }, 'uncaught exception (kept serving)'));
}
