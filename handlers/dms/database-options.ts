import type { App } from '@slack/bolt';
import type { PlainTextOption } from '@slack/types';
import { databaseOption, explanationOption, typedIdOption } from '../../blocks/dms/export-modal.js';
import { ChangeIds, DB_SELECT_SUFFIX, ExportIds, TrackIds } from '../../blocks/dms/ids.js';
import { decodeMetadata } from '../../blocks/kit/metadata.js';
import type { PolicyCommand } from '../../src/access/policy.js';
import { CloudApiError, errorFields } from '../../src/core/errors.js';
import { parseDbId } from '../../src/core/ids.js';
import { normaliseProse } from '../../src/core/text-input.js';
import { timeBox } from '../../src/core/user-message.js';
import type { Services } from '../../src/services.js';
import { ModalSeal } from '../../src/slack/click-origin.js';

/** Whether a picker query is meant as a database id (starts with a sign, a digit of any script, or 0x). */
function looksLikeId(query: string): boolean {
  return /^[+-]?\p{Nd}/u.test(query);
}

/** Options for every database picker: DMS SearchDatabase, time-boxed to stay inside Slack's 3 s budget. */
export function registerDatabaseOptions(app: App, s: Services): void {
  const seal = new ModalSeal(s.config.SLACK_BOT_TOKEN);
  app.options<'block_suggestion'>({ type: 'block_suggestion', action_id: DB_SELECT_SUFFIX }, async ({ body, ack }) => {
    const callbackId = body.view?.callback_id ?? '';
    const command = COMMAND_BY_MODAL[callbackId];
    // Only the channel the form was sealed to counts (a forged one is ignored, as if the form named none).
    const meta = decodeMetadata(body.view?.private_metadata);
    const channelId =
      meta && seal.verify({ kind: callbackId, userId: body.user.id, channelId: meta.channelId }, meta.seal)
        ? meta.channelId
        : undefined;
    const who = { userId: body.user.id, channelId };
    await ack({ options: await databaseOptions(s, body.value ?? '', command ? { command, who } : undefined) });
  });
}

/** Which policy command each modal's picker serves. */
const COMMAND_BY_MODAL: Record<string, PolicyCommand> = {
  [ExportIds.modal]: 'dms.export',
  [TrackIds.modal]: 'dms.track',
  [ChangeIds.modal]: 'dms.change',
};

/** Builds the options for a typed query; never throws (failures become one explanatory option). */
export async function databaseOptions(
  s: Services,
  rawQuery: string,
  policy?: { command: PolicyCommand; who: { userId: string; channelId?: string } },
): Promise<PlainTextOption[]> {
  // A filter value is typed text like any other: invisible characters and odd spaces go, a broken character refuses.
  const typed = normaliseProse(rawQuery);
  if (!typed.ok) return [explanationOption('Your search has a broken character (half an emoji). Retype it.', 'broken')];
  const query = [...typed.text].slice(0, 100).join('');
  const options: PlainTextOption[] = [];
  // A query that starts like a number is an id attempt: it is parsed into the one canonical spelling (04242 is
  // database 4242) or explained (full-width digits, 0x…, 4242.0, too large …), never offered as typed. Its policy
  // check (which may ask DMS for the environment) runs alongside the search, inside the same budget.
  const typedOption = looksLikeId(query) ? typedIdChoice(s, query, policy) : undefined;
  const budget = s.config.DMS_SEARCH_TIMEOUT_MS;
  const searched = await timeBox(
    s.dms.searchDatabases(query, { pageSize: 50, timeoutMs: budget }),
    budget,
    'search_timeout',
    'DMS search timed out',
  )
    // Only the databases the policy lets this person use for this form (the submission is checked again).
    .then(async (found) => {
      s.engines.remember(found); // the SQL review parses in each database's dialect
      return policy ? await s.guard.filter(policy.command, policy.who, found) : { allowed: found, hiddenBy: undefined };
    })
    .then(
      (r) => ({ ok: true as const, ...r }),
      (err: unknown) => ({ ok: false as const, err }),
    );
  if (typedOption) options.push(await typedOption);
  if (searched.ok) {
    for (const db of searched.allowed) if (options.length < 100) options.push(databaseOption(db));
    if (options.length === 0 && searched.hiddenBy)
      options.push(
        explanationOption(`Policy rule ${searched.hiddenBy} hides every database matching “${query}”.`, 'policy'),
      );
    if (options.length === 0)
      options.push(explanationOption(`No database matches “${query}”. Try another name or the numeric id.`, 'none'));
  } else {
    const err = searched.err;
    const code = err instanceof CloudApiError ? err.details.errorCode : 'timeout';
    s.logger.warn({ query: query.length, code }, 'database search failed');
    const msg =
      code === 'timeout' || code === 'search_timeout'
        ? 'DMS is slow to answer: type the numeric database id instead.'
        : `DMS search failed (${code}): type the numeric database id instead.`;
    options.push(explanationOption(msg, code));
  }
  return options;
}

/** The option for an id typed into the picker: the canonical id if the policy allows it here, else why not. */
async function typedIdChoice(
  s: Services,
  query: string,
  policy?: { command: PolicyCommand; who: { userId: string; channelId?: string } },
): Promise<PlainTextOption> {
  const typed = parseDbId(query);
  if (!typed.ok) return explanationOption(typed.reason.replace(/^A DMS database id/, 'An id'), 'bad-id');
  try {
    // Offered only when the policy lets this person use that database for this form (same check as the search).
    const verdict = policy
      ? await s.guard.check(policy.command, { ...policy.who, databases: [typed.id] }, false)
      : { allowed: true, rule: 'default' };
    return verdict.allowed
      ? typedIdOption(typed.id)
      : explanationOption(`Policy rule ${verdict.rule} does not let you use database ${typed.id} here.`, 'policy');
  } catch (err) {
    s.logger.warn({ err: errorFields(err) }, 'policy check for a typed database id failed; not offered');
    return explanationOption('Could not check the policy for that id just now; try again.', 'policy-check');
  }
}
