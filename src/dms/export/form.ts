import { z } from 'zod';
import { ExportIds as Ids } from '../../../blocks/dms/ids.js';
import { type DbId, parseDatabaseChoice } from '../../core/ids.js';
import { proseField, readExactText } from '../../core/text-input.js';
import { type EngineAnswer, notFoundMessage } from '../sql-review/engines.js';
import { engineFromAnswer, exportProblem, inspectSql } from '../sql-review/inspect.js';

/** The subset of Slack's view state we read. */
export interface ViewStateValue {
  type?: string;
  value?: string | null;
  selected_option?: { value: string; text?: { text: string } } | null;
  selected_options?: { value: string; text?: { type?: string; text: string } }[] | null;
  selected_date_time?: number | null;
  selected_users?: string[] | null;
}
export type ViewStateValues = Record<string, Record<string, ViewStateValue>>;

/** A valid export request as the person filled it in. */
export interface ExportForm {
  db: { id: DbId; logic: boolean; label: string };
  sql: string;
  reason: string;
  affectRows: number;
  skipCheck: boolean;
  skipReason?: string;
  comment?: string;
  relatedSlackIds: string[];
}

const MAX_ROWS = 1_000_000_000_000;

/** A text input's value, trimmed ('' when empty). */
export const trimmed = (v: string | null | undefined) => (v ?? '').trim();

/** Collects zod issues into one message per block id (Slack shows one error per input). */
export function errorsByBlock(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
  fallbackBlock: string,
): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const issue of issues) errors[String(issue.path[0] ?? fallbackBlock)] ??= issue.message;
  return errors;
}

/** Field rules, each with a message that says exactly what to fix. Keys are block ids (Slack shows errors there). */
const formSchema = z
  .object({
    [Ids.dbBlock]: z
      .object({ value: z.string(), label: z.string() })
      .nullable()
      .superRefine((v, ctx) => {
        if (v === null)
          ctx.addIssue({ code: 'custom', message: 'Choose a database: type part of its name or its numeric DMS id.' });
        else if (v.value.startsWith('err:'))
          ctx.addIssue({
            code: 'custom',
            message: 'That entry is an explanation, not a database. Type the numeric DMS database id instead.',
          });
        else if (!parseDatabaseChoice(v.value))
          ctx.addIssue({ code: 'custom', message: 'That database choice is not valid. Pick one from the list again.' });
      }),
    [Ids.logicBlock]: z.boolean(),
    [Ids.sqlBlock]: z
      .string()
      .min(1, 'Enter the SELECT statement whose rows you want to export.')
      .max(3000, 'The SQL is longer than 3000 characters; shorten it or export in parts.'),
    [Ids.reasonBlock]: proseField({
      required: 'Say why you need this data; DMS records it on the ticket.',
      max: [200, 'Keep the reason under 200 characters (it has {n}).'],
    }),
    [Ids.rowsBlock]: z
      .string()
      .min(1, 'Enter the estimated number of rows (a whole number ≥ 0).')
      .refine((v) => /^\d+$/.test(v), 'Estimated rows must be a whole number ≥ 0.')
      .refine((v) => !/^\d+$/.test(v) || Number(v) <= MAX_ROWS, 'Estimated rows must be at most 1,000,000,000,000.'),
    [Ids.skipCheckBlock]: z.boolean(),
    [Ids.skipReasonBlock]: proseField({
      max: [500, 'Keep the reason for skipping under 500 characters (it has {n}).'],
    }),
    [Ids.commentBlock]: proseField({ max: [1000, 'Keep the comment under 1000 characters (it has {n}).'] }),
    [Ids.relatedBlock]: z
      .array(
        z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'Pick related users from the list (one of them is not a Slack user).'),
      )
      .max(20, 'Pick at most 20 related users.'),
  })
  .superRefine((f, ctx) => {
    if (f[Ids.skipCheckBlock] && f[Ids.skipReasonBlock].length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: [Ids.skipReasonBlock],
        message: 'You chose to skip the affected-rows check: say why (DMS requires a reason).',
      });
    }
  });

/** The database id the export modal's picker holds (to look up its engine before parsing), if any. */
export function exportDatabaseIds(values: ViewStateValues): string[] {
  const picked = parseDatabaseChoice(values[Ids.dbBlock]?.[Ids.dbSelect]?.selected_option?.value ?? '');
  return picked ? [picked.id] : [];
}

/**
 * Reads and validates the export modal. Returns the form, or errors keyed by block id for `response_action: errors`.
 * With `engines` (each database's DbType, looked up after the policy check) the SQL must also be exactly one
 * read-only query in that dialect; without, only the fields are validated.
 */
export function parseExportSubmission(
  values: ViewStateValues,
  engines?: ReadonlyMap<string, EngineAnswer>,
): { ok: true; form: ExportForm } | { ok: false; errors: Record<string, string> } {
  const get = (block: string, action: string): ViewStateValue | undefined => values[block]?.[action];
  const dbSel = get(Ids.dbBlock, Ids.dbSelect)?.selected_option;
  // SQL keeps every character (the review shows invisible ones) but must be well-formed and free of controls.
  const sqlEdge = readExactText(get(Ids.sqlBlock, Ids.sqlInput)?.value);
  const raw = {
    [Ids.dbBlock]: dbSel ? { value: dbSel.value, label: dbSel.text?.text ?? dbSel.value } : null,
    [Ids.logicBlock]: (get(Ids.logicBlock, Ids.logicCheckbox)?.selected_options ?? []).some((o) => o.value === 'logic'),
    [Ids.sqlBlock]: sqlEdge.ok ? sqlEdge.text : '',
    [Ids.reasonBlock]: get(Ids.reasonBlock, Ids.reasonInput)?.value ?? '',
    [Ids.rowsBlock]: trimmed(get(Ids.rowsBlock, Ids.rowsInput)?.value),
    [Ids.skipCheckBlock]: (get(Ids.skipCheckBlock, Ids.skipCheckCheckbox)?.selected_options ?? []).some(
      (o) => o.value === 'skip',
    ),
    [Ids.skipReasonBlock]: get(Ids.skipReasonBlock, Ids.skipReasonInput)?.value ?? '',
    [Ids.commentBlock]: get(Ids.commentBlock, Ids.commentInput)?.value ?? '',
    [Ids.relatedBlock]: [...new Set(get(Ids.relatedBlock, Ids.relatedSelect)?.selected_users ?? [])],
  };
  const parsed = formSchema.safeParse(raw);
  if (!sqlEdge.ok)
    return {
      ok: false,
      errors: {
        ...(parsed.success ? {} : errorsByBlock(parsed.error.issues, Ids.sqlBlock)),
        [Ids.sqlBlock]: sqlEdge.error,
      },
    };
  const errors = parsed.success ? {} : errorsByBlock(parsed.error.issues, Ids.sqlBlock);
  // The SQL review needs the database's engine: it runs once the SQL and the database are valid.
  const dbRaw = raw[Ids.dbBlock];
  const dbPicked = dbRaw ? parseDatabaseChoice(dbRaw.value) : undefined;
  const engine = dbPicked ? engines?.get(dbPicked.id) : undefined;
  if (dbPicked && engine && 'notFound' in engine && engine.notFound)
    errors[Ids.dbBlock] ??= notFoundMessage(dbPicked.id);
  if (engines && dbPicked && !errors[Ids.dbBlock] && !errors[Ids.sqlBlock]) {
    const problem = exportProblem(inspectSql(raw[Ids.sqlBlock], engineFromAnswer(engine)));
    if (problem) errors[Ids.sqlBlock] = problem;
  }
  if (!parsed.success || Object.keys(errors).length) return { ok: false, errors };
  const f = parsed.data;
  const picked = parseDatabaseChoice(f[Ids.dbBlock]!.value)!;
  return {
    ok: true,
    form: {
      db: { id: picked.id, logic: picked.logic ?? f[Ids.logicBlock], label: f[Ids.dbBlock]!.label },
      sql: f[Ids.sqlBlock],
      reason: f[Ids.reasonBlock],
      affectRows: Number(f[Ids.rowsBlock]),
      skipCheck: f[Ids.skipCheckBlock],
      skipReason: f[Ids.skipCheckBlock] ? f[Ids.skipReasonBlock] : undefined,
      comment: f[Ids.commentBlock] || undefined,
      relatedSlackIds: f[Ids.relatedBlock],
    },
  };
}
