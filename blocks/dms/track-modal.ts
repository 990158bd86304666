import type { KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import type { PersonZone } from '../../src/core/time-zone.js';
import { relatedUsersInput, ticketModal } from '../kit/inputs.js';
import type { ModalMetadata } from '../kit/metadata.js';
import { escapeMrkdwn, plain, truncate } from '../kit/text.js';
import { TrackIds as Ids } from './ids.js';

const text = (t: string) => ({ type: 'plain_text' as const, text: t });

/** The hint under the window pickers: which zone DMS gets and which zone the person is in (or that it is unknown). */
export function trackWindowHint(dmsZone: string, userZone?: PersonZone): string {
  const yours =
    userZone?.unknownName !== undefined
      ? ` Your Slack time zone “${userZone.unknownName}” is unknown here, so times are also shown in UTC.`
      : userZone && userZone.zone !== dmsZone
        ? ` Your Slack time zone is ${userZone.zone}; the ticket shows both.`
        : '';
  return plain(`Times are picked in your computer's local time and sent to DMS in ${dmsZone}.${yours}`, 300);
}

/**
 * A datetimepicker's initial value, when Slack can show it: Slack refuses any initial_date_time that is not a 10-digit
 * UNIX time (https://api.slack.com/reference/block-kit/block-elements#datetimepicker), i.e. before 2001-09-09 01:46:40
 * UTC or after 2286, so such a pick is not redrawn (the submission explains it).
 */
export function datetimeInitial(seconds: number | undefined): { initial_date_time?: number } {
  return seconds !== undefined && Number.isInteger(seconds) && seconds >= 1_000_000_000 && seconds <= 9_999_999_999
    ? { initial_date_time: seconds }
    : {};
}

/** The operation types a tracking ticket can watch, as the checkboxes offer them. */
const TRACK_TYPES = ['INSERT', 'UPDATE', 'DELETE'] as const;

/**
 * What the person already filled in, so a redraw (zone hint, window preview) keeps it. The redraw happens before any
 * validation, so the builder keeps every initial value within what Slack accepts (lengths, offered options, counts).
 */
export interface TrackModalValues {
  db?: PlainTextOption;
  tables?: string;
  types: string[];
  start?: number;
  end?: number;
  reason?: string;
  related: string[];
}

/** The `/dms track` modal (data tracking: which rows changed in a past window). */
export function buildTrackModal(
  meta: ModalMetadata,
  opts: {
    dmsZone: string;
    userZone?: PersonZone;
    maxWindowHours: number;
    maxLookbackDays: number;
    values?: TrackModalValues;
    preview?: string;
  },
): ModalView {
  const hint = trackWindowHint(opts.dmsZone, opts.userZone);
  const v = opts.values;
  const typeOption = (t: string) => ({ text: text(t), value: t });
  const types = TRACK_TYPES.filter((t) => v?.types.includes(t));
  const blocks: KnownBlock[] = [
    {
      type: 'input',
      block_id: Ids.dbBlock,
      label: text('Database'),
      hint: text('A physical database: type part of its name or its numeric DMS id.'),
      element: {
        type: 'external_select',
        action_id: Ids.dbSelect,
        min_query_length: 1,
        placeholder: text('Search databases…'),
        ...(v?.db ? { initial_option: v.db } : {}),
      },
    },
    {
      type: 'input',
      block_id: Ids.tablesBlock,
      label: text('Tables'),
      hint: text('One or more table names, separated by commas, spaces or new lines.'),
      element: {
        type: 'plain_text_input',
        action_id: Ids.tablesInput,
        multiline: true,
        max_length: 3000,
        placeholder: text('orders, order_items'),
        ...(v?.tables ? { initial_value: v.tables.slice(0, 3000) } : {}),
      },
    },
    {
      type: 'input',
      block_id: Ids.typesBlock,
      label: text('Operations to track'),
      element: {
        type: 'checkboxes',
        action_id: Ids.typesCheckbox,
        options: TRACK_TYPES.map(typeOption),
        // Only the offered types, once each: Slack refuses an initial option that is not among the options.
        ...(types.length ? { initial_options: types.map(typeOption) } : {}),
      },
    },
    {
      type: 'input',
      block_id: Ids.startBlock,
      label: text('Window start'),
      hint: text(hint),
      // Each pick redraws the preview of the window in both zones below.
      dispatch_action: true,
      element: { type: 'datetimepicker', action_id: Ids.startPicker, ...datetimeInitial(v?.start) },
    },
    {
      type: 'input',
      block_id: Ids.endBlock,
      label: text('Window end'),
      hint: text(
        plain(
          `At most ${opts.maxWindowHours} hours after the start, no later than now, and within the last ${opts.maxLookbackDays} days.`,
          150,
        ),
      ),
      dispatch_action: true,
      element: { type: 'datetimepicker', action_id: Ids.endPicker, ...datetimeInitial(v?.end) },
    },
    ...(opts.preview
      ? [
          {
            type: 'context' as const,
            block_id: Ids.previewBlock,
            elements: [{ type: 'mrkdwn' as const, text: truncate(`:calendar: ${escapeMrkdwn(opts.preview)}`, 2000) }],
          },
        ]
      : []),
    {
      type: 'input',
      block_id: Ids.reasonBlock,
      label: text('Reason'),
      hint: text('Why you need to see these changes; DMS records it on the ticket.'),
      element: {
        type: 'plain_text_input',
        action_id: Ids.reasonInput,
        multiline: true,
        max_length: 1000,
        ...(v?.reason ? { initial_value: v.reason.slice(0, 1000) } : {}),
      },
    },
    relatedUsersInput(Ids.relatedBlock, Ids.relatedSelect, v?.related),
  ];
  return ticketModal(Ids.modal, meta, 'New data tracking', blocks);
}
