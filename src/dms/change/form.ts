import { createHash } from 'node:crypto';
import type { PlainTextOption } from '@slack/types';
import { z } from 'zod';
import { type ChangeModalValues, type ChangeReview, EXEC_MODES } from '../../../blocks/dms/change-modal.js';
import { ChangeIds as Ids } from '../../../blocks/dms/ids.js';
import { MAX_PICKED } from '../../../blocks/kit/inputs.js';
import { plain } from '../../../blocks/kit/text.js';
import { type DbId, parseDatabaseChoice } from '../../core/ids.js';
import { proseField, readExactText } from '../../core/text-input.js';
import type { ExecMode } from '../client.js';
import { errorsByBlock, trimmed, type ViewStateValues } from '../export/form.js';
import { type EngineAnswer, notFoundMessage } from '../sql-review/engines.js';
import { engineFromAnswer, inspectSqlFor, reviewWarnings, summarizeInspection } from '../sql-review/inspect.js';

/** A valid lock-free change request. */
export interface ChangeForm {
  databases: { id: DbId; logic: boolean; label: string }[];
  sql: string;
  rollbackSql?: string;
  reason: string;
  execMode: ExecMode;
  comment?: string;
  relatedSlackIds: string[];
  review: ChangeReview;
}

const schema = z.object({
  [Ids.sqlBlock]: z
    .string()
    .min(1, 'Enter the SQL to execute.')
    .max(3000, 'The SQL is longer than 3000 characters; split the change into several tickets.'),
  [Ids.rollbackBlock]: z.string().max(3000, 'The rollback SQL is longer than 3000 characters; shorten it.'),
  [Ids.reasonBlock]: proseField({
    required: 'Say why this change is needed; DMS records it on the ticket.',
    max: [200, 'Keep the reason under 200 characters (it has {n}).'],
  }),
  [Ids.commentBlock]: proseField({ max: [1000, 'Keep the comment under 1000 characters (it has {n}).'] }),
});

/** What the person typed, as the modal needs it to redraw without losing anything. */
export function changeModalValues(values: ViewStateValues): ChangeModalValues {
  const get = (block: string, action: string) => values[block]?.[action];
  return {
    databases: (get(Ids.dbBlock, Ids.dbSelect)?.selected_options ?? []).slice(0, 100).map(
      (o) =>
        ({
          text: { type: 'plain_text', text: plain(o.text?.text ?? o.value, 75) },
          value: o.value.slice(0, 150),
        }) as PlainTextOption,
    ),
    sql: trimmed(get(Ids.sqlBlock, Ids.sqlInput)?.value),
    rollbackSql: trimmed(get(Ids.rollbackBlock, Ids.rollbackInput)?.value),
    reason: trimmed(get(Ids.reasonBlock, Ids.reasonInput)?.value),
    execMode: get(Ids.modeBlock, Ids.modeRadio)?.selected_option?.value ?? 'COMMITOR',
    comment: trimmed(get(Ids.commentBlock, Ids.commentInput)?.value),
    relatedSlackIds: [...new Set(get(Ids.relatedBlock, Ids.relatedSelect)?.selected_users ?? [])],
  };
}

/** Identifies exactly what was reviewed, so an edit after the review asks for a new one. */
export function reviewFingerprint(v: ChangeModalValues): string {
  return createHash('sha256')
    .update(JSON.stringify([v.sql, v.rollbackSql, v.databases.map((d) => d.value)]))
    .digest('hex')
    .slice(0, 16);
}

/** The database ids the change modal's picker holds (to look up their engines before parsing). */
export function changeDatabaseIds(values: ViewStateValues): string[] {
  const ids = (values[Ids.dbBlock]?.[Ids.dbSelect]?.selected_options ?? []).map(
    (o) => parseDatabaseChoice(o.value)?.id,
  );
  return ids.filter((id): id is DbId => id !== undefined).slice(0, 20);
}

/**
 * Reads and validates the change modal. With `engines` (each database's DbType, looked up after the policy check)
 * it also runs the SQL review that feeds "what will run", in each database's dialect, failing closed where it
 * cannot; without, only the fields are validated and the review is left empty.
 */
export function parseChangeSubmission(
  values: ViewStateValues,
  engines?: ReadonlyMap<string, EngineAnswer>,
):
  | { ok: true; form: ChangeForm; fingerprint: string; modal: ChangeModalValues }
  | { ok: false; errors: Record<string, string> } {
  const v = changeModalValues(values);
  const errors: Record<string, string> = {};
  const parsed = schema.safeParse({
    [Ids.sqlBlock]: v.sql,
    [Ids.rollbackBlock]: v.rollbackSql,
    [Ids.reasonBlock]: v.reason,
    [Ids.commentBlock]: v.comment,
  });
  if (!parsed.success) Object.assign(errors, errorsByBlock(parsed.error.issues, Ids.sqlBlock));
  // Both SQL fields keep every character (the review shows invisible ones) but must be well-formed, without controls.
  const sqlEdge = readExactText(v.sql);
  if (!sqlEdge.ok) errors[Ids.sqlBlock] = sqlEdge.error;
  const rollbackEdge = readExactText(v.rollbackSql, 'The rollback SQL');
  if (!rollbackEdge.ok) errors[Ids.rollbackBlock] = rollbackEdge.error;

  const databases: ChangeForm['databases'] = [];
  if (v.databases.length === 0)
    errors[Ids.dbBlock] = 'Choose at least one database: type part of its name or its numeric DMS id.';
  // The picker takes MAX_PICKED; more can only be forged, and a review redrawing them would be refused by Slack.
  if (v.databases.length > MAX_PICKED)
    errors[Ids.dbBlock] = `Pick at most ${MAX_PICKED} databases; file another ticket for the rest.`;
  for (const o of v.databases) {
    const value = o.value ?? '';
    const picked = parseDatabaseChoice(value);
    if (!picked) {
      errors[Ids.dbBlock] ??= value.startsWith('err:')
        ? 'One entry is an explanation, not a database. Remove it and type the numeric DMS database id instead.'
        : `“${plain(o.text.text, 60)}” is not a valid database choice. Pick it from the list again.`;
      continue;
    }
    // A typed id carries no logical/physical flag: DMS ids typed by hand are taken as physical databases.
    databases.push({ id: picked.id, logic: picked.logic ?? false, label: o.text.text });
  }
  if (new Set(databases.map((d) => d.id)).size !== databases.length)
    errors[Ids.dbBlock] ??= 'The same database is listed twice.';

  for (const d of engines ? databases : []) {
    const answer = engines?.get(d.id);
    if (answer && 'notFound' in answer && answer.notFound) errors[Ids.dbBlock] ??= notFoundMessage(d.id);
  }
  const sqlEngines = databases.map((d) => engineFromAnswer(engines?.get(d.id)));
  const sqlChecked = engines !== undefined && v.sql !== '' && !errors[Ids.sqlBlock];
  // One text: the review reads exactly what is filed (line ends normalised as readExactText does), never the raw input.
  const sql = sqlEdge.ok ? sqlEdge.text : '';
  const rollbackSql = rollbackEdge.ok ? rollbackEdge.text : '';
  const inspection = inspectSqlFor(sqlChecked ? sql : '', sqlEngines);
  if (sqlChecked && databases.length) {
    if (inspection.unterminated)
      errors[Ids.sqlBlock] = `The SQL has ${inspection.unterminated}; close it before submitting.`;
    else if (inspection.checked && inspection.statements.length === 0)
      errors[Ids.sqlBlock] = 'No SQL statement found (only comments or semicolons).';
    else if (inspection.checked && inspection.statements.every((st) => st.readOnly))
      errors[Ids.sqlBlock] = 'This SQL only reads data. To get rows out, use /dms export.';
  }
  if (engines && rollbackSql && !errors[Ids.rollbackBlock] && databases.length) {
    const rb = inspectSqlFor(rollbackSql, sqlEngines);
    if (rb.unterminated)
      errors[Ids.rollbackBlock] = `The rollback SQL has ${rb.unterminated}; close it before submitting.`;
  }
  const mode = EXEC_MODES.find((m) => m.value === v.execMode);
  if (!mode) errors[Ids.modeBlock] = 'Choose when the change runs.';
  if (v.relatedSlackIds.length > 20) errors[Ids.relatedBlock] = 'Pick at most 20 related users.';
  if (Object.keys(errors).length) return { ok: false, errors };

  return {
    ok: true,
    fingerprint: reviewFingerprint(v),
    modal: v,
    form: {
      databases,
      sql,
      rollbackSql: rollbackSql || undefined,
      reason: parsed.data![Ids.reasonBlock],
      execMode: mode!.value,
      comment: parsed.data![Ids.commentBlock] || undefined,
      relatedSlackIds: v.relatedSlackIds,
      review: {
        summary: summarizeInspection(inspection),
        warnings: reviewWarnings(inspection),
        checked: inspection.checked,
      },
    },
  };
}
