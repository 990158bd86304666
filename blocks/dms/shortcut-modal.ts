import type { KnownBlock, ModalView } from '@slack/types';
import { escapeMrkdwn, truncate } from '../kit/text.js';

/** Shortcut callback ids (as declared in both manifests) and the chooser's ids, shared by builders, handlers and tests. */
export const ShortcutIds = {
  /** Message shortcut: the export form, its SQL taken from the message. */
  exportFromMessage: 'dms-export-from-message',
  /** Message shortcut: the change form, its SQL taken from the message. */
  changeFromMessage: 'dms-change-from-message',
  /** Global shortcut (lightning menu): asks which form and where to post, then opens it. */
  fileTicket: 'dms-file-ticket',
  chooserModal: 'dms-shortcut-chooser',
  kindBlock: 'dms-shortcut-kind-block',
  kindRadio: 'dms-shortcut-kind-radio',
  channelBlock: 'dms-shortcut-channel-block',
  channelSelect: 'dms-shortcut-channel-select',
} as const;

/** The forms a shortcut opens. */
export const SHORTCUT_FORMS = [
  { value: 'export', label: 'Data export', description: 'Export query results to a file (it comes to you privately).' },
  {
    value: 'change',
    label: 'Data change',
    description: 'A lock-free UPDATE/DELETE/INSERT/DDL, reviewed before filing.',
  },
] as const;
export type ShortcutForm = (typeof SHORTCUT_FORMS)[number]['value'];

const text = (t: string) => ({ type: 'plain_text' as const, text: t });
const option = (f: (typeof SHORTCUT_FORMS)[number]) => ({
  text: text(f.label),
  value: f.value,
  description: text(f.description),
});

/** The global shortcut's first step: which form, and the conversation its ticket is followed in (no channel context). */
export function buildShortcutChooser(): ModalView {
  return {
    type: 'modal',
    callback_id: ShortcutIds.chooserModal,
    title: text('File a DMS ticket'),
    submit: text('Next'),
    close: text('Cancel'),
    blocks: [
      {
        type: 'input',
        block_id: ShortcutIds.kindBlock,
        label: text('Ticket'),
        element: {
          type: 'radio_buttons',
          action_id: ShortcutIds.kindRadio,
          options: SHORTCUT_FORMS.map(option),
          initial_option: option(SHORTCUT_FORMS[0]),
        },
      },
      {
        type: 'input',
        block_id: ShortcutIds.channelBlock,
        label: text('Post it in'),
        hint: text('The ticket’s message and its status updates go to this channel.'),
        element: {
          type: 'conversations_select',
          action_id: ShortcutIds.channelSelect,
          default_to_current_conversation: true,
          filter: { include: ['public', 'private'], exclude_bot_users: true },
          placeholder: text('Choose a channel'),
        },
      },
    ],
  };
}

/** The form with a first line saying it was filled in from a message, and what (if anything) could not be. */
export function withSourceNote(view: ModalView, note: string | undefined): ModalView {
  const line = `:speech_balloon: Filled in from a message.${note ? ` ${escapeMrkdwn(note)}` : ''}`;
  const head: KnownBlock = { type: 'context', elements: [{ type: 'mrkdwn', text: truncate(line, 2000) }] };
  return { ...view, blocks: [head, ...view.blocks].slice(0, 100) };
}
