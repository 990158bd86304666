import type { KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import { MAX_PICKED, relatedUsersInput, ticketModal } from '../kit/inputs.js';
import type { ModalMetadata } from '../kit/metadata.js';
import { escapeMrkdwn, truncate } from '../kit/text.js';
import { ChangeIds as Ids } from './ids.js';

const text = (t: string) => ({ type: 'plain_text' as const, text: t });

/** Execution modes, each explained in plain words. */
export const EXEC_MODES = [
  {
    value: 'COMMITOR',
    label: 'I run it after approval',
    description: 'Once approved, you (the submitter) start the change.',
  },
  {
    value: 'AUTO',
    label: 'Run automatically after approval',
    description: 'DMS starts the change as soon as the last approval is in.',
  },
  {
    value: 'LAST_AUDITOR',
    label: 'The last approver runs it',
    description: 'The final approver starts the change when they approve.',
  },
] as const;

/** What the person already typed, to keep it when the modal is redrawn. */
export interface ChangeModalValues {
  databases: PlainTextOption[];
  sql: string;
  rollbackSql: string;
  reason: string;
  execMode: string;
  comment: string;
  relatedSlackIds: string[];
}

/** "What will run", shown before the ticket is filed. */
export interface ChangeReview {
  summary: string;
  warnings: string[];
  /** False when the review could not parse the SQL with certainty: it then promises nothing. */
  checked?: boolean;
}

function modeOption(m: (typeof EXEC_MODES)[number]) {
  return { text: text(m.label), value: m.value, description: text(m.description) };
}

// The review may run to several sections (Slack cuts a section at 3,000 characters); the modal has room for a
// few of them besides its inputs. Each line is cut on its own, so no cut ever hides the line after it.
const REVIEW_SECTION_MAX = 3000;
const REVIEW_SECTIONS_MAX = 8;
const REVIEW_LINE_MAX = 1500;

/**
 * "What will run" as sections: the count line first, then every warning in the order given (src puts the ones about
 * every row and an unchecked review first), split over sections rather than cut; if room runs out, the last line
 * says how many warnings are not shown.
 */
export function reviewBlocks(review: ChangeReview): KnownBlock[] {
  const unchecked = review.checked === false;
  const head = unchecked
    ? `:warning: *What will run: ${escapeMrkdwn(review.summary)}*`
    : `*What will run:* ${escapeMrkdwn(review.summary)}`;
  const warnings = review.warnings.map((w) => truncate(`:warning: ${escapeMrkdwn(w)}`, REVIEW_LINE_MAX));
  // Fail closed, and visibly: the warning is the first thing the person reads, and no check mark follows.
  const ok =
    !review.warnings.length && !unchecked
      ? [
          ':white_check_mark: Every UPDATE and DELETE has a WHERE clause; the review cannot tell how many rows it matches.',
        ]
      : [];
  const tail = ['_Check it, then press *Create ticket*. Edit anything above to review again._'];
  const pack = (lines: readonly string[]): string[] => {
    const sections: string[] = [];
    for (const line of lines) {
      const last = sections.at(-1);
      if (last !== undefined && last.length + 1 + line.length <= REVIEW_SECTION_MAX)
        sections[sections.length - 1] = `${last}\n${line}`;
      else sections.push(line);
    }
    return sections;
  };
  const first = truncate(head, REVIEW_LINE_MAX);
  let sections = pack([first, ...warnings, ...ok, ...tail]);
  // Out of room: keep warnings from the first (the most serious) and say how many are not shown.
  for (let kept = warnings.length - 1; sections.length > REVIEW_SECTIONS_MAX && kept >= 0; kept--) {
    const left = warnings.length - kept;
    sections = pack([
      first,
      ...warnings.slice(0, kept),
      `:warning: *…and ${left} more ${left === 1 ? 'warning' : 'warnings'}, not shown here.*`,
      ...tail,
    ]);
  }
  return sections.map((t, i) => ({
    type: 'section',
    block_id: i === 0 ? Ids.reviewBlock : `${Ids.reviewBlock}_${i + 1}`,
    text: { type: 'mrkdwn', text: t },
  }));
}

/** The `/dms change` modal; with `review`, it shows what will run and the submit button files the ticket. */
export function buildChangeModal(meta: ModalMetadata, values?: ChangeModalValues, review?: ChangeReview): ModalView {
  const v = values;
  const mode = EXEC_MODES.find((m) => m.value === v?.execMode) ?? EXEC_MODES[0];
  const blocks: KnownBlock[] = [];
  if (review) blocks.push(...reviewBlocks(review));
  blocks.push(
    {
      type: 'input',
      block_id: Ids.dbBlock,
      label: text('Databases'),
      hint: text(
        'One or more databases (physical or logical): search by name. A numeric id typed as-is is taken as a physical database.',
      ),
      element: {
        type: 'multi_external_select',
        action_id: Ids.dbSelect,
        min_query_length: 1,
        max_selected_items: MAX_PICKED,
        placeholder: text('Search databases…'),
        ...(v?.databases.length ? { initial_options: v.databases.slice(0, MAX_PICKED) } : {}),
      },
    },
    {
      type: 'input',
      block_id: Ids.sqlBlock,
      label: text('SQL to execute'),
      hint: text('UPDATE, DELETE, INSERT or DDL statements, separated by semicolons.'),
      element: {
        type: 'plain_text_input',
        action_id: Ids.sqlInput,
        multiline: true,
        max_length: 3000,
        ...(v?.sql ? { initial_value: v.sql } : {}),
      },
    },
    {
      type: 'input',
      block_id: Ids.rollbackBlock,
      optional: true,
      label: text('Rollback SQL'),
      hint: text('How to undo the change, if it goes wrong.'),
      element: {
        type: 'plain_text_input',
        action_id: Ids.rollbackInput,
        multiline: true,
        max_length: 3000,
        ...(v?.rollbackSql ? { initial_value: v.rollbackSql } : {}),
      },
    },
    {
      type: 'input',
      block_id: Ids.reasonBlock,
      label: text('Reason'),
      hint: text('Why this change is needed (DMS records it as the classification).'),
      element: {
        type: 'plain_text_input',
        action_id: Ids.reasonInput,
        max_length: 200,
        ...(v?.reason ? { initial_value: v.reason } : {}),
      },
    },
    {
      type: 'input',
      block_id: Ids.modeBlock,
      label: text('When it runs'),
      element: {
        type: 'radio_buttons',
        action_id: Ids.modeRadio,
        options: EXEC_MODES.map(modeOption),
        initial_option: modeOption(mode),
      },
    },
    {
      type: 'input',
      block_id: Ids.commentBlock,
      optional: true,
      label: text('Comment'),
      element: {
        type: 'plain_text_input',
        action_id: Ids.commentInput,
        multiline: true,
        max_length: 1000,
        ...(v?.comment ? { initial_value: v.comment } : {}),
      },
    },
    relatedUsersInput(Ids.relatedBlock, Ids.relatedSelect, v?.relatedSlackIds),
  );
  return ticketModal(Ids.modal, meta, 'New data change', blocks, review ? 'Create ticket' : 'Review');
}
