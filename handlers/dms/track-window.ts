import type { App, BlockAction } from '@slack/bolt';
import { TrackIds as Ids } from '../../blocks/dms/ids.js';
import { buildTrackModal, type TrackModalValues } from '../../blocks/dms/track-modal.js';
import { decodeMetadata } from '../../blocks/kit/metadata.js';
import { plain } from '../../blocks/kit/text.js';
import { errorFields } from '../../src/core/errors.js';
import { personZone, type TimeZone, unknownZoneNote } from '../../src/core/time-zone.js';
import type { ViewStateValues } from '../../src/dms/export/form.js';
import { dmsWindowNote, toDmsWindow } from '../../src/dms/track/dms-window.js';
import { describeInZone, describeWindow, readPickedSeconds } from '../../src/dms/track/time-window.js';
import type { Services } from '../../src/services.js';

/** What the track modal holds right now, read from Slack's view state. */
export function trackModalValues(values: ViewStateValues): TrackModalValues {
  const get = (block: string, action: string) => values[block]?.[action];
  const db = get(Ids.dbBlock, Ids.dbSelect)?.selected_option;
  // Redrawn as the picker's initial option: Slack refuses an option with an empty text or value.
  const dbText = db ? plain(db.text?.text ?? '', 75) || plain(db.value, 75) : '';
  return {
    db:
      db && dbText && db.value
        ? { text: { type: 'plain_text', text: dbText }, value: db.value.slice(0, 150) }
        : undefined,
    tables: get(Ids.tablesBlock, Ids.tablesInput)?.value ?? undefined,
    types: (get(Ids.typesBlock, Ids.typesCheckbox)?.selected_options ?? []).map((o) => o.value),
    // Only values the picker could have sent are kept (and redrawn): a forged one is explained on submission.
    start: pickedSeconds(get(Ids.startBlock, Ids.startPicker)?.selected_date_time, 'start'),
    end: pickedSeconds(get(Ids.endBlock, Ids.endPicker)?.selected_date_time, 'end'),
    reason: get(Ids.reasonBlock, Ids.reasonInput)?.value ?? undefined,
    related: get(Ids.relatedBlock, Ids.relatedSelect)?.selected_users ?? [],
  };
}

function pickedSeconds(raw: unknown, which: 'start' | 'end'): number | undefined {
  const r = readPickedSeconds(raw, which);
  return r.ok === true ? r.seconds : undefined;
}

/**
 * The window as picked so far, in the DMS zone and the person's Slack zone (UTC, saying so, when that zone is unknown
 * here), with what DMS will be given when a clock change makes it differ from the picks.
 */
export function windowPreview(v: TrackModalValues, dmsZone: TimeZone, userZone?: string): string | undefined {
  const { start, end } = v;
  if (start !== undefined && end !== undefined) {
    const lines = [describeWindow({ startSeconds: start, endSeconds: end, dmsZone, userZone, who: 'you' })];
    if (end > start) {
      const filed = toDmsWindow(start, end, dmsZone);
      const note = filed.ok ? dmsWindowNote(filed.window) : `This window cannot be filed: ${filed.error.message}`;
      if (note) lines.push(note);
    }
    return lines.join('\n');
  }
  const one = start ?? end;
  if (one === undefined) return undefined;
  const shown = [`${describeInZone(one, dmsZone)} (DMS, ${dmsZone})`];
  const person = personZone(userZone);
  if (person?.unknownName !== undefined)
    shown.push(`${describeInZone(one, person.zone)} (${unknownZoneNote(person.unknownName, 'you')})`);
  else if (person && person.zone !== dmsZone) shown.push(`${describeInZone(one, person.zone)} (you, ${person.zone})`);
  return `${start !== undefined ? 'Start' : 'End'}: ${shown.join(' · ')}`;
}

/** A pick in either window picker: redraw the modal with the window shown in both zones, keeping every input. */
export function registerTrackWindowPreview(app: App, s: Services): void {
  app.action<BlockAction>(
    { type: 'block_actions', action_id: /^track-(start|end)-picker$/ },
    async ({ ack, body, client }) => {
      await ack();
      const view = body.view;
      const meta = decodeMetadata(view?.private_metadata);
      if (!view || !meta) return;
      // Bolt's ViewStateValue is a loose union; the envelope schema (src/slack/envelope.ts) has checked these values already.
      const values = trackModalValues(view.state.values as unknown as ViewStateValues);
      const userZone = await s.resolver.resolve(body.user.id).then(
        (u) => u.tz,
        () => undefined,
      );
      const c = s.config;
      await client.views
        .update({
          view_id: view.id,
          hash: view.hash,
          view: buildTrackModal(meta, {
            dmsZone: c.DMS_TIMEZONE,
            userZone: personZone(userZone),
            maxWindowHours: c.TRACK_MAX_WINDOW_HOURS,
            maxLookbackDays: c.TRACK_MAX_LOOKBACK_DAYS,
            values,
            preview: windowPreview(values, c.DMS_TIMEZONE, userZone),
          }),
        })
        // hash_conflict: the person changed something meanwhile; their next pick redraws it.
        .catch((err: unknown) => s.logger.debug({ err: errorFields(err) }, 'track preview not updated'));
    },
  );
}
