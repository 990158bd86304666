import type { App, ViewOutput } from '@slack/bolt';
import { z } from 'zod';
import { parseDbId, SLACK_ID_PATTERN } from '../../src/core/ids.js';
import { userMessageFor } from '../../src/core/user-message.js';
import { changeDatabaseIds, parseChangeSubmission } from '../../src/dms/change/form.js';
import type { ViewStateValues } from '../../src/dms/export/form.js';
import type { Services } from '../../src/services.js';
import { changeSpec } from '../dms/change-submission.js';
import { exportSpec } from '../dms/export-submission.js';
import { trackSpec } from '../dms/track-submission.js';
import { plainError, settleCreateSlot, submissionRefusal, takeCreateSlot } from '../kit/command-gate.js';
import { auditCreate, type ParseOutcome, type TicketModalSpec } from '../kit/submit-ticket.js';
import { inputForBlock, STEPS, type StepInputs, type StepKind } from './steps.js';

/** A step run that cannot go on: the words Workflow Builder shows the workflow's people (functions.completeError). */
class StepRefusal extends Error {}

/** The inputs every step shares, as Slack spells them (anything else is read by the form's own parser). */
const stepEvent = z.object({
  function_execution_id: z.string().min(1).max(255),
  inputs: z.record(z.string(), z.unknown()),
});
const people = z.object({
  requester: z.string().regex(SLACK_ID_PATTERN.user, 'Requester must be a Slack user.'),
  channel: z.string().regex(/^[CG][A-Z0-9]{1,30}$/, 'Channel must be a public or private channel.'),
});

/** Database ids as typed into the step (one, or several separated by commas or spaces), each canonical. */
function databaseIds(kind: StepKind, i: StepInputs): string[] {
  const raw = i[kind === 'change' ? 'database_ids' : 'database_id'];
  const parts = (typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw : '')
    .split(/[\s,]+/)
    .filter(Boolean);
  if (parts.length === 0) throw new StepRefusal('DMS database id: give the numeric DMS database id.');
  if (kind !== 'change' && parts.length > 1) throw new StepRefusal('DMS database id: give one database id.');
  return parts.map((p) => {
    const id = parseDbId(p);
    if (!id.ok) throw new StepRefusal(`DMS database id: ${id.reason}`);
    return id.id;
  });
}

/** The form's inline errors, as one sentence per input (named by its title in Workflow Builder). */
function describeErrors(kind: StepKind, errors: Record<string, string>): string {
  return Object.entries(errors)
    .map(([block, message]) => `${inputForBlock(kind, block)?.title ?? 'Input'}: ${plainError(message)}`)
    .join(' ')
    .slice(0, 1900);
}

/** What a step reads and files, by kind: the very spec the form's modal uses; a change is filed only if its review is clean. */
function specFor(
  s: Services,
  kind: StepKind,
): TicketModalSpec<{ relatedSlackIds: string[] }> & {
  stepReview?(values: ViewStateValues): Promise<ParseOutcome<{ relatedSlackIds: string[] }>>;
} {
  if (kind === 'export') return exportSpec as TicketModalSpec<{ relatedSlackIds: string[] }>;
  if (kind === 'track') return trackSpec(s) as TicketModalSpec<{ relatedSlackIds: string[] }>;
  return {
    ...(changeSpec as TicketModalSpec<{ relatedSlackIds: string[] }>),
    // No one reads a "what will run" step in a workflow: warnings (no WHERE, an unchecked review) refuse the run.
    review: undefined,
    async stepReview(values) {
      const engines = await s.engines.resolve(changeDatabaseIds(values));
      const parsed = parseChangeSubmission(values, engines);
      if (!parsed.ok) return parsed;
      const r = parsed.form.review;
      if (r.warnings.length || r.checked === false)
        throw new StepRefusal(
          `The SQL review did not pass (${r.summary}): ${[...r.warnings, ...(r.checked === false ? ['the SQL could not be checked with certainty'] : [])].join(' ')} File this change with /dms change, where you can review it.`.slice(
            0,
            1900,
          ),
        );
      return { ok: true, form: parsed.form };
    },
  };
}

/**
 * Files one step run through the same services as the forms: the form's parser and SQL review, the policy and the
 * rate limit for the requester in the channel, user matching, the one create per kind, the audit line. Claimed first
 * by its function execution id in the store, so a redelivered event (or a second replica) never files it twice.
 */
async function runStep(
  s: Services,
  kind: StepKind,
  event: unknown,
  done: { complete(outputs: Record<string, unknown>): Promise<unknown>; fail(error: string): Promise<unknown> },
): Promise<void> {
  const read = stepEvent.safeParse(event);
  if (!read.success) return; // Nothing to complete without an execution id (the envelope check makes this rare).
  const { function_execution_id: executionId, inputs } = read.data;
  const log = s.logger.child({ step: STEPS[kind].callbackId, execution: executionId.slice(0, 40) });
  if (!(await s.store.claimSubmission(`fn:${executionId}`, s.clock.now()))) {
    log.info('step run delivered again; already taken');
    return;
  }
  const who = people.safeParse(inputs);
  if (!who.success) {
    await done.fail(who.error.issues.map((i) => i.message).join(' '));
    return;
  }
  const { requester: userId, channel: channelId } = who.data;
  const spec = specFor(s, kind);
  let slotKey: string | undefined;
  let dmsUserId: string | undefined;
  try {
    const values = STEPS[kind].values(inputs, databaseIds(kind, inputs));
    const meta = { channelId };
    // The DMS forms' parsers read the state values only (the view itself matters to the CTS tracker form alone).
    let parsed = spec.parse(values, meta, {} as ViewOutput);
    if (parsed.ok === false) throw new StepRefusal(describeErrors(kind, parsed.errors));
    if (parsed.ok !== true)
      throw new StepRefusal('This step needs a review no one can read here; use the form instead.');
    const refused = await submissionRefusal(s, spec.command, {
      userId,
      channelId,
      databases: spec.databaseIds?.(parsed.form) ?? [],
    });
    if (refused) throw new StepRefusal(plainError(refused));
    const reviewed = spec.stepReview
      ? await spec.stepReview(values)
      : spec.review
        ? await spec.review(s, values, meta)
        : parsed;
    if (reviewed.ok === false) throw new StepRefusal(describeErrors(kind, reviewed.errors));
    if (reviewed.ok !== true)
      throw new StepRefusal('This step needs a review no one can read here; use the form instead.');
    parsed = reviewed;
    const [requester] = await s.resolver.resolveAll([userId]);
    dmsUserId = requester!.dmsUserId;
    const slot = await takeCreateSlot(s, { userId, channelId });
    if ('refused' in slot) throw new StepRefusal(plainError(slot.refused));
    slotKey = slot.key;
    const made = await spec.create(s, { form: parsed.form, channelId, requester: requester!, related: [], slotKey });
    const ticket = 'ticket' in made ? made.ticket : made;
    await s.store.completeSubmission(`fn:${executionId}`, ticket.id);
    await auditCreate(s, { userId, dmsUserId, channelId, command: spec.command, decision: 'done', ticket });
    const permalink = ticket.rootTs ? await s.messenger.permalink(ticket.channelId, ticket.rootTs) : undefined;
    log.info({ ticketId: ticket.id, orderId: ticket.externalId }, 'step filed its ticket');
    await done.complete({
      ticket_id: ticket.externalId,
      status: s.watcher.card(ticket).statusInfo.label,
      ...(permalink ? { thread_permalink: permalink } : {}),
    });
  } catch (err) {
    if (slotKey) await settleCreateSlot(s, slotKey, err);
    if (!(err instanceof StepRefusal) || slotKey)
      await auditCreate(s, { userId, dmsUserId, channelId, command: spec.command, decision: 'failed', error: err });
    const words =
      err instanceof StepRefusal
        ? err.message
        : `The ${spec.noun} ticket was not filed. ${plainError(userMessageFor(err, log, { step: 'create' }))}`;
    await done
      .fail(words.slice(0, 1900))
      .catch((e: unknown) => log.warn({ err: String(e) }, 'could not fail the step'));
  }
}

/** Workflow Builder steps: "File DMS data export", "File DMS data tracking", "File DMS data change" (Bolt `app.function`). */
export function registerWorkflowSteps(app: App, s: Services): void {
  for (const kind of Object.keys(STEPS) as StepKind[]) {
    app.function(STEPS[kind].callbackId, async ({ event, complete, fail }) => {
      await runStep(s, kind, event, {
        complete: (outputs) => complete({ outputs }),
        fail: (error) => fail({ error }),
      });
    });
  }
}
