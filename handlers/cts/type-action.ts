import type { App, BlockAction, RadioButtonsAction } from '@slack/bolt';
import { TrackerIds as Ids } from '../../blocks/cts/ids.js';
import { buildTrackerModal, decodeTrackerMetadata, readTrackerForm } from '../../blocks/cts/tracker-modal.js';
import { errorFields } from '../../src/core/errors.js';
import type { Services } from '../../src/services.js';

/** Tracker type radio changed: redraw the modal for that type, keeping what was typed (same ids, `hash` against races). */
export function registerTrackerTypeAction(app: App, s: Services): void {
  app.action<BlockAction<RadioButtonsAction>>(Ids.typeRadio, async ({ ack, body, action, client }) => {
    await ack();
    const view = body.view;
    const meta = decodeTrackerMetadata(view?.private_metadata);
    const trackerType = action.selected_option?.value;
    if (!view || !meta || (trackerType !== 'system' && trackerType !== 'data') || trackerType === meta.trackerType)
      return;
    const typed = readTrackerForm(view.state.values);
    await client.views
      .update({ view_id: view.id, hash: view.hash, view: buildTrackerModal({ ...meta, trackerType }, typed) })
      .catch((err: unknown) => {
        // hash_conflict: a newer version of the view is already showing; it carries the person's latest choice.
        s.logger.info({ viewId: view.id, err: errorFields(err) }, 'tracker modal not redrawn');
      });
  });
}
