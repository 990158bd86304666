import type { App, BlockAction } from '@slack/bolt';
import { TrackIds as Ids } from '../../blocks/ids.js';
import { decodeMetadata } from '../../blocks/metadata.js';
import { buildTrackModal, type TrackModalValues } from '../../blocks/track-modal.js';
import type { ViewStateValues } from '../../src/export-input.js';
import type { Services } from '../../src/services.js';
import { plain } from '../../blocks/text.js';
import { describeInZone, describeWindow } from '../../src/time-window.js';

/** What the track modal holds right now, read from Slack's view state. */
export function trackModalValues(values: ViewStateValues): TrackModalValues {
  const get = (block: string, action: string) => values[block]?.[action];
  const db = get(Ids.dbBlock, Ids.dbSelect)?.selected_option;
  return {
    db: db ? { text: { type: 'plain_text', text: plain(db.text?.text ?? db.value, 75) }, value: db.value.slice(0, 150) } : undefined,
    tables: get(Ids.tablesBlock, Ids.tablesInput)?.value ?? undefined,
    types: (get(Ids.typesBlock, Ids.typesCheckbox)?.selected_options ?? []).map((o) => o.value),
    start: get(Ids.startBlock, Ids.startPicker)?.selected_date_time ?? undefined,
    end: get(Ids.endBlock, Ids.endPicker)?.selected_date_time ?? undefined,
    reason: get(Ids.reasonBlock, Ids.reasonInput)?.value ?? undefined,
    related: get(Ids.relatedBlock, Ids.relatedSelect)?.selected_users ?? [],
  };
}

/** The window as picked so far, in the DMS zone and the person's Slack zone. */
export function windowPreview(v: TrackModalValues, dmsZone: string, userZone?: string): string | undefined {
  // A forged picker value outside the dates JavaScript can show gets no preview (the submission explains it).
  const inRange = (t: number | undefined) => t === undefined || (Number.isFinite(t) && Math.abs(t) <= 8.64e12);
  if (!inRange(v.start) || !inRange(v.end)) return undefined;
  if (v.start && v.end) return describeWindow({ startSeconds: v.start, endSeconds: v.end, dmsZone, userZone });
  const one = v.start ?? v.end;
  if (!one) return undefined;
  const zones = userZone && userZone !== dmsZone ? [dmsZone, userZone] : [dmsZone];
  return `${v.start ? 'Start' : 'End'}: ${zones.map((z) => `${describeInZone(one, z)} (${z === dmsZone ? 'DMS' : 'you'}, ${z})`).join(' · ')}`;
}

/** A pick in either window picker: redraw the modal with the window shown in both zones, keeping every input. */
export function registerTrackWindowPreview(app: App, s: Services): void {
  app.action<BlockAction>({ type: 'block_actions', action_id: /^track-(start|end)-picker$/ }, async ({ ack, body, client }) => {
    await ack();
    const view = body.view;
    const meta = decodeMetadata(view?.private_metadata);
    if (!view || !meta) return;
    const values = trackModalValues(view.state.values as unknown as ViewStateValues);
    const userZone = await s.resolver.resolve(body.user.id).then((u) => u.tz, () => undefined);
    const c = s.config;
    await client.views
      .update({
        view_id: view.id,
        hash: view.hash,
        view: buildTrackModal(meta, {
          dmsZone: c.DMS_TIMEZONE,
          userZone,
          maxWindowHours: c.TRACK_MAX_WINDOW_HOURS,
          maxLookbackDays: c.TRACK_MAX_LOOKBACK_DAYS,
          values,
          preview: windowPreview(values, c.DMS_TIMEZONE, userZone),
        }),
      })
      // hash_conflict: the person changed something meanwhile; their next pick redraws it.
      .catch((err: unknown) => s.logger.debug({ err: String(err) }, 'track preview not updated'));
  });
}
