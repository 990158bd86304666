import { TrackIds as Ids } from '../../../blocks/dms/ids.js';
import { plain } from '../../../blocks/kit/text.js';
import { type DbId, parseDatabaseChoice } from '../../core/ids.js';
import { readExactText, readProse } from '../../core/text-input.js';
import type { TimeZone } from '../../core/time-zone.js';
import type { ViewStateValues } from '../export/form.js';
import { parseTableList } from '../table-list.js';
import { checkTrackWindow } from './time-window.js';

export type TrackType = 'INSERT' | 'UPDATE' | 'DELETE';

/** A valid data tracking request. */
export interface TrackForm {
  db: { id: DbId; label: string };
  tables: string[];
  trackTypes: TrackType[];
  startSeconds: number;
  endSeconds: number;
  /** The window as DMS wants it: `yyyy-MM-dd HH:mm:ss` in the DMS zone (wider than picked around a clock change). */
  startDms: string;
  endDms: string;
  /** Why the filed window differs from the picks (a repeated hour in the DMS zone), in words for the person. */
  windowNote?: string;
  reason: string;
  relatedSlackIds: string[];
}

export interface TrackRules {
  nowSeconds: number;
  maxWindowHours: number;
  maxLookbackDays: number;
  dmsZone: TimeZone;
}

/** Reads and validates the track modal; every rule has its own inline error on its own field. */
export function parseTrackSubmission(
  values: ViewStateValues,
  rules: TrackRules,
): { ok: true; form: TrackForm } | { ok: false; errors: Record<string, string> } {
  const get = (block: string, action: string) => values[block]?.[action];
  const errors: Record<string, string> = {};

  const dbSel = get(Ids.dbBlock, Ids.dbSelect)?.selected_option;
  const picked = dbSel ? parseDatabaseChoice(dbSel.value) : undefined;
  if (!dbSel) errors[Ids.dbBlock] = 'Choose a database: type part of its name or its numeric DMS id.';
  else if (dbSel.value.startsWith('err:'))
    errors[Ids.dbBlock] = 'That entry is an explanation, not a database. Type the numeric DMS database id instead.';
  else if (!picked) errors[Ids.dbBlock] = 'That database choice is not valid. Pick one from the list again.';
  else if (picked.logic === true)
    errors[Ids.dbBlock] =
      `Data tracking works on physical databases only, and ${plain(dbSel.text?.text ?? 'this one', 60)} is a logical database. Pick one of its physical databases.`;

  // Table names keep every character (an invisible one is refused by name), but must be well-formed, without controls.
  const tablesEdge = readExactText(get(Ids.tablesBlock, Ids.tablesInput)?.value, 'The table list');
  const tables = parseTableList(tablesEdge.ok ? tablesEdge.text : '');
  if (!tablesEdge.ok) errors[Ids.tablesBlock] = tablesEdge.error;
  else if (tables.errors.length) errors[Ids.tablesBlock] = joinErrors(tables.errors);

  const types = (get(Ids.typesBlock, Ids.typesCheckbox)?.selected_options ?? [])
    .map((o) => o.value)
    .filter((v): v is TrackType => v === 'INSERT' || v === 'UPDATE' || v === 'DELETE');
  if (types.length === 0) errors[Ids.typesBlock] = 'Pick at least one operation to track (INSERT, UPDATE or DELETE).';

  // Picker values are untrusted: checkTrackWindow reads them as unknown and answers every bad one inline.
  const window = checkTrackWindow(
    get(Ids.startBlock, Ids.startPicker)?.selected_date_time,
    get(Ids.endBlock, Ids.endPicker)?.selected_date_time,
    rules,
  );
  if (!window.ok)
    for (const e of window.errors) errors[e.field === 'start' ? Ids.startBlock : Ids.endBlock] ??= e.message;

  const reasonRead = readProse(get(Ids.reasonBlock, Ids.reasonInput)?.value, {
    required: 'Say why you need to see these changes; DMS records it on the ticket.',
    max: [1000, 'Keep the reason under 1000 characters (it has {n}).'],
  });
  if (!reasonRead.ok) errors[Ids.reasonBlock] = reasonRead.error;

  const related = [...new Set(get(Ids.relatedBlock, Ids.relatedSelect)?.selected_users ?? [])];
  if (related.length > 20) errors[Ids.relatedBlock] = 'Pick at most 20 related users.';

  if (Object.keys(errors).length || !window.ok) return { ok: false, errors };
  return {
    ok: true,
    form: {
      db: { id: picked!.id, label: dbSel!.text?.text ?? picked!.id },
      tables: tables.tables,
      trackTypes: (['INSERT', 'UPDATE', 'DELETE'] as const).filter((t) => types.includes(t)),
      startSeconds: window.start,
      endSeconds: window.end,
      startDms: window.window.start.wall,
      endDms: window.window.end.wall,
      ...(window.note ? { windowNote: window.note } : {}),
      reason: reasonRead.ok ? reasonRead.text : '',
      relatedSlackIds: related,
    },
  };
}

/** Several problems in one modal error (Slack shows one message per field). */
export function joinErrors(errors: string[], max = 3): string {
  const shown = errors.slice(0, max).join(' ');
  return errors.length > max ? `${shown} (and ${errors.length - max} more)` : shown;
}
