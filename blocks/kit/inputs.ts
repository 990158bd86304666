import type { KnownBlock, ModalView } from '@slack/types';
import { encodeMetadata, type ModalMetadata } from './metadata.js';

const text = (t: string) => ({ type: 'plain_text' as const, text: t });

/**
 * How many entries a multi-select in our forms takes (max_selected_items). Slack refuses a view whose initial
 * selections pass it, so a redraw never carries more (the submission says "at most 20").
 */
export const MAX_PICKED = 20;

/** The "Related users" input every DMS ticket modal has (DMS wants each to have a DMS account). */
export function relatedUsersInput(blockId: string, actionId: string, picked: string[] = []): KnownBlock {
  const initialUsers = picked.slice(0, MAX_PICKED);
  return {
    type: 'input',
    block_id: blockId,
    optional: true,
    label: text('Related users'),
    hint: text('People DMS should involve. Each must have a DMS account (matched by Slack email).'),
    element: {
      type: 'multi_users_select',
      action_id: actionId,
      max_selected_items: MAX_PICKED,
      ...(initialUsers.length ? { initial_users: initialUsers } : {}),
    },
  };
}

/** A ticket form: its callback id, hidden channel context, title and buttons. */
export function ticketModal(
  callbackId: string,
  meta: ModalMetadata,
  title: string,
  blocks: KnownBlock[],
  submit = 'Create ticket',
): ModalView {
  return {
    type: 'modal',
    callback_id: callbackId,
    private_metadata: encodeMetadata(meta),
    title: text(title),
    submit: text(submit),
    close: text('Cancel'),
    blocks,
  };
}
