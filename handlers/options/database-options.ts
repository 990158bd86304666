import type { App } from '@slack/bolt';
import type { PlainTextOption } from '@slack/types';
import { databaseOption, explanationOption, typedIdOption } from '../../blocks/export-modal.js';
import { DB_SELECT_SUFFIX } from '../../blocks/ids.js';
import { CloudApiError } from '../../src/errors.js';
import type { Services } from '../../src/services.js';
import { timeBox } from '../../src/user-errors.js';

/** Options for every database picker: DMS SearchDatabase, time-boxed to stay inside Slack's 3 s budget. */
export function registerDatabaseOptions(app: App, s: Services): void {
  app.options<'block_suggestion'>({ type: 'block_suggestion', action_id: DB_SELECT_SUFFIX }, async ({ body, ack }) => {
    await ack({ options: await databaseOptions(s, body.value ?? '') });
  });
}

/** Builds the options for a typed query; never throws (failures become one explanatory option). */
export async function databaseOptions(s: Services, rawQuery: string): Promise<PlainTextOption[]> {
  const query = rawQuery.trim().slice(0, 100);
  const options: PlainTextOption[] = [];
  if (/^\d+$/.test(query)) {
    if (query.length > 16 || !Number.isSafeInteger(Number(query))) return [explanationOption('That number is too large to be a DMS database id.', 'too-large')];
    options.push(typedIdOption(query));
  }
  const budget = s.config.DMS_SEARCH_TIMEOUT_MS;
  try {
    const found = await timeBox(s.dms.searchDatabases(query, { pageSize: 50, timeoutMs: budget }), budget, 'search_timeout', 'DMS search timed out');
    for (const db of found) if (options.length < 100) options.push(databaseOption(db));
    if (options.length === 0) options.push(explanationOption(`No database matches “${query}”. Try another name or the numeric id.`, 'none'));
  } catch (err) {
    const code = err instanceof CloudApiError ? err.details.errorCode : 'timeout';
    s.logger.warn({ query: query.length, code }, 'database search failed');
    const msg = code === 'timeout' || code === 'search_timeout' ? 'DMS is slow to answer: type the numeric database id instead.' : `DMS search failed (${code}): type the numeric database id instead.`;
    options.push(explanationOption(msg, code));
  }
  return options;
}
