import {
  CHANNEL_HEARS,
  type ChannelHears,
  type ChannelSettings,
  type DigestSetting,
  THREAD_MODES,
  type ThreadMode,
  type TicketWait,
  type WaitNeed,
} from './types.js';

/** A `channel_settings` row. */
export interface SettingsRow {
  thread_mode: string;
  hears: string | null;
  digest_at: string | null;
  digest_zone: string | null;
}

/** What a channel has when it never saved settings. */
export const DEFAULT_CHANNEL_SETTINGS: ChannelSettings = { threadMode: 'threads', hears: 'all', digest: null };

/** A stored settings row as settings; unknown values (a newer version wrote them) read as the defaults. */
export function settingsFromRow(r: SettingsRow | undefined): ChannelSettings {
  if (!r) return DEFAULT_CHANNEL_SETTINGS;
  const threadMode = (THREAD_MODES as readonly string[]).includes(r.thread_mode)
    ? (r.thread_mode as ThreadMode)
    : 'threads';
  const hears = r.hears && (CHANNEL_HEARS as readonly string[]).includes(r.hears) ? (r.hears as ChannelHears) : 'all';
  return { threadMode, hears, digest: digestFrom(r) ?? null };
}

/** The digest setting of a row, if it has a well-formed one. */
export function digestFrom(r: Pick<SettingsRow, 'digest_at' | 'digest_zone'>): DigestSetting | undefined {
  return r.digest_at && /^([01]\d|2[0-3]):[0-5]\d$/.test(r.digest_at) && r.digest_zone
    ? { at: r.digest_at, zone: r.digest_zone }
    : undefined;
}

/** A `ticket_waits` row; `L` is how the database hands back the JSON lists. */
export interface WaitRow<L> {
  ticket_id: number;
  status: string;
  need: string;
  since: number;
  people: L;
  groups_: L;
  others: L;
}

const NEEDS: readonly WaitNeed[] = ['approval', 'submit', 'run'];

/** A stored wait; lists that are not lists of strings read as empty. */
export function waitFromRow<L>(r: WaitRow<L>, list: (l: L) => unknown): TicketWait {
  const strings = (l: L): string[] => {
    const v = list(l);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  };
  return {
    ticketId: r.ticket_id,
    status: r.status,
    need: (NEEDS as readonly string[]).includes(r.need) ? (r.need as WaitNeed) : 'approval',
    since: r.since,
    people: strings(r.people),
    groups: strings(r.groups_),
    others: strings(r.others),
  };
}
