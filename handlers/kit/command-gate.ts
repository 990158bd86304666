import { randomBytes } from 'node:crypto';
import type { PolicyCommand } from '../../src/access/policy.js';
import type { RequestDatabases } from '../../src/access/request-check.js';
import { BotError, errorFields, sendOutcome } from '../../src/core/errors.js';
import { timeBox } from '../../src/core/user-message.js';
import type { Services } from '../../src/services.js';

// The check runs before views.open, inside the trigger's 3 s: if it is slow, open the form and check at submission.
const GATE_BUDGET_MS = 1_200;

type Who = { userId: string; channelId: string; databases?: RequestDatabases };

/** The rate limit (for what files tickets), then the policy: the refusal in words, or undefined. */
async function refusal(s: Services, command: PolicyCommand, who: Who, creates: boolean): Promise<string | undefined> {
  if (creates) {
    const limit = await s.guard.rateLimit(who.userId, who.channelId);
    if (!limit.ok) return limit.message;
  }
  const v = await s.guard.check(command, who);
  return v.allowed ? undefined : v.message;
}

/**
 * Checks a slash command against the policy (and, for commands that file tickets, the rate limit) before its form
 * opens. Returns the refusal in words, or undefined to go on. The submission is always checked again in full.
 */
export async function gate(
  s: Services,
  command: PolicyCommand,
  who: Who,
  opts: { creates: boolean },
): Promise<string | undefined> {
  try {
    return await timeBox(
      refusal(s, command, who, opts.creates),
      GATE_BUDGET_MS,
      'gate_timeout',
      'policy check timed out',
    );
  } catch (err) {
    s.logger.warn(
      { command, err: errorFields(err) },
      'policy check before the form did not finish; the submission will be checked',
    );
    return undefined;
  }
}

/**
 * The full check at submission, before anything is saved or filed: rate limit (for forms that file tickets), then
 * the policy for every database chosen. Fails closed: a check that cannot finish in time refuses (the person can
 * submit again).
 */
export async function submissionRefusal(
  s: Services,
  command: PolicyCommand,
  who: Who,
  opts: { creates: boolean } = { creates: true },
): Promise<string | undefined> {
  try {
    return await timeBox(
      refusal(s, command, who, opts.creates),
      2_000,
      'gate_timeout',
      'Checking what you may do took too long. Submit again in a moment.',
    );
  } catch (err) {
    return err instanceof Error ? err.message : 'Checking what you may do failed. Submit again in a moment.';
  }
}

/**
 * Takes one of the person's creation slots (RATE_LIMIT_PER_USER_PER_HOUR) for a submission, atomically in the store,
 * right before its ack: concurrent submissions can never file more than the limit. Returns the slot's key, or the
 * refusal in words. Fails closed; a reservation that lands after the time box is given back.
 */
export async function takeCreateSlot(
  s: Services,
  who: { userId: string; channelId: string },
): Promise<{ key: string } | { refused: string }> {
  const key = `slot:${randomBytes(8).toString('hex')}`;
  const taking = s.guard.rateLimit(who.userId, who.channelId, key);
  try {
    const r = await timeBox(
      taking,
      1_500,
      'gate_timeout',
      'Checking your ticket limit took too long. Submit again in a moment.',
    );
    return r.ok ? { key } : { refused: r.message };
  } catch (err) {
    void taking.then(() => s.store.releaseCreateSlot(key)).catch(() => undefined);
    s.logger.warn({ user: who.userId, err: errorFields(err) }, 'creation slot not taken; submission refused');
    return {
      refused:
        err instanceof BotError ? err.userMessage : 'Checking your ticket limit failed. Submit again in a moment.',
    };
  }
}

/** Gives a creation slot back when its create certainly did not happen (not sent, or refused); keeps it otherwise. */
export async function settleCreateSlot(s: Services, key: string, err: unknown): Promise<void> {
  const outcome = sendOutcome(err);
  if (outcome !== 'not_sent' && outcome !== 'refused') return;
  await s.store
    .releaseCreateSlot(key)
    .catch((e: unknown) => s.logger.error({ err: errorFields(e) }, 'creation slot not released'));
}

/** Modal error texts are plain text: drop emoji codes and mrkdwn decoration. */
export function plainError(text: string): string {
  return text
    .replace(/:[a-z][a-z0-9_+-]*: /g, '')
    .replace(/[*`]/g, '')
    .slice(0, 1900);
}
