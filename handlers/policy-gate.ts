import type { PolicyCommand } from '../src/policy.js';
import type { Services } from '../src/services.js';
import { timeBox } from '../src/user-errors.js';

// The check runs before views.open, inside the trigger's 3 s: if it is slow, open the form and check at submission.
const GATE_BUDGET_MS = 1_200;

type Who = { userId: string; channelId: string; databases?: readonly string[] };

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
export async function gate(s: Services, command: PolicyCommand, who: Who, opts: { creates: boolean }): Promise<string | undefined> {
  try {
    return await timeBox(refusal(s, command, who, opts.creates), GATE_BUDGET_MS, 'gate_timeout', 'policy check timed out');
  } catch (err) {
    s.logger.warn({ command, err: String(err) }, 'policy check before the form did not finish; the submission will be checked');
    return undefined;
  }
}

/**
 * The full check at submission, before anything is saved or filed: rate limit (for forms that file tickets), then
 * the policy for every database chosen. Fails closed: a check that cannot finish in time refuses (the person can
 * submit again).
 */
export async function submissionRefusal(s: Services, command: PolicyCommand, who: Who, opts: { creates: boolean } = { creates: true }): Promise<string | undefined> {
  try {
    return await timeBox(refusal(s, command, who, opts.creates), 2_000, 'gate_timeout', 'Checking what you may do took too long. Submit again in a moment.');
  } catch (err) {
    return err instanceof Error ? err.message : 'Checking what you may do failed. Submit again in a moment.';
  }
}

/** Modal error texts are plain text: drop emoji codes and mrkdwn decoration. */
export function plainError(text: string): string {
  return text.replace(/:[a-z][a-z0-9_+-]*: /g, '').replace(/[*`]/g, '').slice(0, 1900);
}
