import { ChangeIds, ExportIds, TrackIds } from '../../blocks/dms/ids.js';
import type { ViewStateValues } from '../../src/dms/export/form.js';

/**
 * The Workflow Builder steps (custom functions), declared once: each step's callback id, its typed inputs and outputs
 * (both manifests declare exactly these: test/flows/manifest.test.ts), and how its inputs become the state of the
 * form it stands for — so a step is read, validated and reviewed by the very parser the modal uses.
 */

/** A step input or output as the manifest declares it. */
export interface StepParam {
  name: string;
  type:
    | 'string'
    | 'integer'
    | 'boolean'
    | 'slack#/types/user_id'
    | 'slack#/types/channel_id'
    | 'slack#/types/timestamp';
  title: string;
  required: boolean;
  /** The form block whose errors are this input's (parser errors are keyed by block id). */
  block?: string;
}

export type StepInputs = Record<string, unknown>;
export type StepKind = 'export' | 'track' | 'change';

/** Every step's outputs. */
export const STEP_OUTPUTS: StepParam[] = [
  { name: 'ticket_id', type: 'string', title: 'DMS ticket id', required: true },
  { name: 'status', type: 'string', title: 'Status', required: true },
  { name: 'thread_permalink', type: 'string', title: 'Ticket thread', required: false },
];

const common = (dbBlock: string): StepParam[] => [
  { name: 'requester', type: 'slack#/types/user_id', title: 'Requester', required: true },
  { name: 'channel', type: 'slack#/types/channel_id', title: 'Channel that follows the ticket', required: true },
  { name: 'database_id', type: 'string', title: 'DMS database id', required: true, block: dbBlock },
];

const str = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null);
const typedDb = (id: string) => ({ value: `db:${id}:T`, text: { type: 'plain_text', text: `Database id ${id}` } });
const input = (value: unknown) => ({ type: 'plain_text_input', value: str(value) });

/** The three steps. */
export const STEPS: Record<
  StepKind,
  {
    callbackId: string;
    title: string;
    description: string;
    inputs: StepParam[];
    values(i: StepInputs, dbIds: string[]): ViewStateValues;
  }
> = {
  export: {
    callbackId: 'dms_file_export',
    title: 'File DMS data export',
    description: 'Files a DMS data export ticket (a SELECT whose rows go to a file) and follows it in a channel',
    inputs: [
      ...common(ExportIds.dbBlock),
      {
        name: 'logical_database',
        type: 'boolean',
        title: 'Logical database',
        required: false,
        block: ExportIds.logicBlock,
      },
      { name: 'sql', type: 'string', title: 'SQL to export', required: true, block: ExportIds.sqlBlock },
      { name: 'reason', type: 'string', title: 'Reason', required: true, block: ExportIds.reasonBlock },
      { name: 'estimated_rows', type: 'integer', title: 'Estimated rows', required: true, block: ExportIds.rowsBlock },
      { name: 'comment', type: 'string', title: 'Comment', required: false, block: ExportIds.commentBlock },
    ],
    values: (i, [db]) => ({
      [ExportIds.dbBlock]: { [ExportIds.dbSelect]: { type: 'external_select', selected_option: typedDb(db!) } },
      [ExportIds.logicBlock]: {
        [ExportIds.logicCheckbox]: {
          type: 'checkboxes',
          selected_options: i['logical_database'] === true ? [{ value: 'logic' }] : [],
        },
      },
      [ExportIds.sqlBlock]: { [ExportIds.sqlInput]: input(i['sql']) },
      [ExportIds.reasonBlock]: { [ExportIds.reasonInput]: input(i['reason']) },
      [ExportIds.rowsBlock]: { [ExportIds.rowsInput]: { type: 'number_input', value: str(i['estimated_rows']) } },
      [ExportIds.skipCheckBlock]: { [ExportIds.skipCheckCheckbox]: { type: 'checkboxes', selected_options: [] } },
      [ExportIds.skipReasonBlock]: { [ExportIds.skipReasonInput]: input(null) },
      [ExportIds.commentBlock]: { [ExportIds.commentInput]: input(i['comment'] ?? null) },
      [ExportIds.relatedBlock]: { [ExportIds.relatedSelect]: { type: 'multi_users_select', selected_users: [] } },
    }),
  },
  track: {
    callbackId: 'dms_file_track',
    title: 'File DMS data tracking',
    description: 'Files a DMS data tracking ticket (which rows changed in a past window) and follows it in a channel',
    inputs: [
      ...common(TrackIds.dbBlock),
      {
        name: 'tables',
        type: 'string',
        title: 'Tables (comma-separated)',
        required: true,
        block: TrackIds.tablesBlock,
      },
      {
        name: 'operations',
        type: 'string',
        title: 'Operations (INSERT, UPDATE, DELETE; all when empty)',
        required: false,
        block: TrackIds.typesBlock,
      },
      {
        name: 'window_start',
        type: 'slack#/types/timestamp',
        title: 'Window start',
        required: true,
        block: TrackIds.startBlock,
      },
      {
        name: 'window_end',
        type: 'slack#/types/timestamp',
        title: 'Window end',
        required: true,
        block: TrackIds.endBlock,
      },
      { name: 'reason', type: 'string', title: 'Reason', required: true, block: TrackIds.reasonBlock },
    ],
    values: (i, [db]) => {
      const ops = str(i['operations'])?.trim()
        ? str(i['operations'])!
            .toUpperCase()
            .split(/[\s,]+/)
            .filter(Boolean)
        : ['INSERT', 'UPDATE', 'DELETE'];
      const time = (v: unknown) =>
        typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,12}$/.test(v) ? Number(v) : null;
      return {
        [TrackIds.dbBlock]: { [TrackIds.dbSelect]: { type: 'external_select', selected_option: typedDb(db!) } },
        [TrackIds.tablesBlock]: { [TrackIds.tablesInput]: input(i['tables']) },
        [TrackIds.typesBlock]: {
          [TrackIds.typesCheckbox]: { type: 'checkboxes', selected_options: ops.map((value) => ({ value })) },
        },
        [TrackIds.startBlock]: {
          [TrackIds.startPicker]: { type: 'datetimepicker', selected_date_time: time(i['window_start']) },
        },
        [TrackIds.endBlock]: {
          [TrackIds.endPicker]: { type: 'datetimepicker', selected_date_time: time(i['window_end']) },
        },
        [TrackIds.reasonBlock]: { [TrackIds.reasonInput]: input(i['reason']) },
        [TrackIds.relatedBlock]: { [TrackIds.relatedSelect]: { type: 'multi_users_select', selected_users: [] } },
      };
    },
  },
  change: {
    callbackId: 'dms_file_change',
    title: 'File DMS data change',
    description:
      'Files a DMS lock-free data change (reviewed first; refused when the review warns) and follows it in a channel',
    inputs: [
      { name: 'requester', type: 'slack#/types/user_id', title: 'Requester', required: true },
      { name: 'channel', type: 'slack#/types/channel_id', title: 'Channel that follows the ticket', required: true },
      {
        name: 'database_ids',
        type: 'string',
        title: 'DMS database ids (comma-separated)',
        required: true,
        block: ChangeIds.dbBlock,
      },
      { name: 'sql', type: 'string', title: 'SQL to execute', required: true, block: ChangeIds.sqlBlock },
      { name: 'rollback_sql', type: 'string', title: 'Rollback SQL', required: false, block: ChangeIds.rollbackBlock },
      { name: 'reason', type: 'string', title: 'Reason', required: true, block: ChangeIds.reasonBlock },
      {
        name: 'run_mode',
        type: 'string',
        title: 'When it runs (COMMITOR, AUTO or LAST_AUDITOR)',
        required: false,
        block: ChangeIds.modeBlock,
      },
      { name: 'comment', type: 'string', title: 'Comment', required: false, block: ChangeIds.commentBlock },
    ],
    values: (i, dbs) => ({
      [ChangeIds.dbBlock]: {
        [ChangeIds.dbSelect]: { type: 'multi_external_select', selected_options: dbs.map(typedDb) },
      },
      [ChangeIds.sqlBlock]: { [ChangeIds.sqlInput]: input(i['sql']) },
      [ChangeIds.rollbackBlock]: { [ChangeIds.rollbackInput]: input(i['rollback_sql'] ?? null) },
      [ChangeIds.reasonBlock]: { [ChangeIds.reasonInput]: input(i['reason']) },
      [ChangeIds.modeBlock]: {
        [ChangeIds.modeRadio]: {
          type: 'radio_buttons',
          selected_option: { value: str(i['run_mode'])?.trim() || 'COMMITOR' },
        },
      },
      [ChangeIds.commentBlock]: { [ChangeIds.commentInput]: input(i['comment'] ?? null) },
      [ChangeIds.relatedBlock]: { [ChangeIds.relatedSelect]: { type: 'multi_users_select', selected_users: [] } },
    }),
  },
};

/** The input a form block's error is about, for the step's error message. */
export function inputForBlock(kind: StepKind, block: string): StepParam | undefined {
  return STEPS[kind].inputs.find((p) => p.block === block);
}
