import type { KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import type { DbId } from '../../src/core/ids.js';
import { relatedUsersInput, ticketModal } from '../kit/inputs.js';
import { modalBlocksOf } from '../kit/kept.js';
import type { ModalMetadata } from '../kit/metadata.js';
import { plain, truncate } from '../kit/text.js';
import { ExportIds as Ids } from './ids.js';

const text = (t: string) => ({ type: 'plain_text' as const, text: t });

/**
 * The `/dms export` modal. Opens with no cloud call: the database list is fetched as the person types. `initialSql`
 * (a message shortcut's code block, already through the SQL edge check) fills the SQL field.
 */
export function buildExportModal(meta: ModalMetadata, initialSql?: string): ModalView {
  const blocks: KnownBlock[] = [
    {
      type: 'input',
      block_id: Ids.dbBlock,
      label: text('Database'),
      hint: text('Type part of the database name, or its numeric DMS database id.'),
      element: {
        type: 'external_select',
        action_id: Ids.dbSelect,
        min_query_length: 1,
        placeholder: text('Search databases…'),
      },
    },
    {
      type: 'input',
      block_id: Ids.logicBlock,
      optional: true,
      label: text('Logical database'),
      element: {
        type: 'checkboxes',
        action_id: Ids.logicCheckbox,
        options: [
          {
            text: text('This is a logical database'),
            value: 'logic',
            description: text('Only needed when you typed a numeric id; search results know it.'),
          },
        ],
      },
    },
    {
      type: 'input',
      block_id: Ids.sqlBlock,
      label: text('SQL to export'),
      hint: text('A SELECT statement. DMS pre-checks it before anything runs.'),
      element: {
        type: 'plain_text_input',
        action_id: Ids.sqlInput,
        multiline: true,
        max_length: 3000,
        placeholder: text('SELECT id, status FROM orders WHERE created_at > …'),
        ...(initialSql ? { initial_value: initialSql.slice(0, 3000) } : {}),
      },
    },
    {
      type: 'input',
      block_id: Ids.reasonBlock,
      label: text('Reason'),
      hint: text('Why you need this data (DMS records it as the ticket classification).'),
      element: { type: 'plain_text_input', action_id: Ids.reasonInput, max_length: 200 },
    },
    {
      type: 'input',
      block_id: Ids.rowsBlock,
      label: text('Estimated rows'),
      hint: text('Roughly how many rows the query returns. DMS compares it with the real count.'),
      element: { type: 'number_input', action_id: Ids.rowsInput, is_decimal_allowed: false, min_value: '0' },
    },
    {
      type: 'input',
      block_id: Ids.skipCheckBlock,
      optional: true,
      label: text('Affected-rows check'),
      element: {
        type: 'checkboxes',
        action_id: Ids.skipCheckCheckbox,
        options: [
          { text: text('Skip the affected-rows check'), value: 'skip', description: text('Requires a reason below.') },
        ],
      },
    },
    {
      type: 'input',
      block_id: Ids.skipReasonBlock,
      optional: true,
      label: text('Reason for skipping the check'),
      element: { type: 'plain_text_input', action_id: Ids.skipReasonInput, max_length: 500 },
    },
    {
      type: 'input',
      block_id: Ids.commentBlock,
      optional: true,
      label: text('Comment'),
      element: { type: 'plain_text_input', action_id: Ids.commentInput, multiline: true, max_length: 1000 },
    },
    relatedUsersInput(Ids.relatedBlock, Ids.relatedSelect),
  ];
  return ticketModal(Ids.modal, meta, 'New data export', blocks);
}

/**
 * A modal that only shows a message (submitting, created, failed), with `extra` blocks (the person's request given
 * back) within the modal's 100 blocks: what does not fit is said to be in the message sent alongside.
 */
export function buildNoticeModal(title: string, mrkdwn: string, extra: KnownBlock[] = []): ModalView {
  return {
    type: 'modal',
    title: text(plain(title, 24)),
    close: text('Close'),
    blocks: modalBlocksOf({ type: 'section', text: { type: 'mrkdwn', text: truncate(mrkdwn, 3000) } }, extra),
  };
}

/** One option of the database picker: "name · env · engine" (75 chars max), value carries id and logic flag (read back by src/core/ids.ts parseDatabaseChoice). */
export function databaseOption(db: {
  id: DbId;
  name: string;
  envType?: string;
  dbType?: string;
  logic: boolean;
}): PlainTextOption {
  const parts = [db.name, db.envType, db.dbType, db.logic ? 'logical' : undefined].filter(Boolean);
  return { text: text(plain(parts.join(' · '), 75)), value: `db:${db.id}:${db.logic ? 'L' : 'P'}` };
}

/** A single explanatory option shown when the search cannot list databases. */
export function explanationOption(message: string, code: string): PlainTextOption {
  return { text: text(plain(message, 75)), value: `err:${code}`.slice(0, 150) };
}

/** The option for a numeric id typed as-is (logical or not is then taken from the checkbox). */
export function typedIdOption(id: DbId): PlainTextOption {
  return { text: text(plain(`Database id ${id} (as typed)`, 75)), value: `db:${id}:T` };
}
