import type { ModalView, PlainTextOption } from '@slack/types';
import type { ChannelHears, ChannelSettings, ThreadMode } from '../../src/store/types.js';
import { escapeMrkdwn, plain } from '../kit/text.js';

/** Ids of the small modals a ticket's buttons open, and of `/dms settings`. */
export const ActionModalIds = {
  rejectModal: 'ticket-reject',
  reasonBlock: 'reject_reason',
  reasonInput: 'reason',
  runModal: 'ticket-run',
  fileTypeBlock: 'run_file_type',
  fileTypeSelect: 'file_type',
  encodingBlock: 'run_encoding',
  encodingSelect: 'encoding',
  settingsModal: 'channel-settings',
  modeBlock: 'thread_mode',
  modeRadio: 'mode',
  hearsBlock: 'channel_hears',
  hearsRadio: 'hears',
  digestBlock: 'channel_digest',
  digestSelect: 'digest_at',
} as const;

/** File types and encodings ExecuteDataExport accepts (ActionDetail `fileType` / `encoding`). */
export const EXPORT_FILE_TYPES = ['CSV', 'XLSX', 'SQL', 'JSON', 'TXT'] as const;
export const EXPORT_ENCODINGS = ['UTF8', 'UTF8MB4', 'GBK', 'GB2312', 'ISO_8859_1', 'CP1252'] as const;

export const REJECT_REASON_MAX = 500;

/** Which ticket a button's modal is about, the channel it answers in, where the click came from, and the seal over all of them (and the modal's kind); kept in private_metadata. */
export interface TicketModalMetadata {
  ticketId: number;
  channelId?: string;
  /** The click's origin, spelled by src/slack/click-origin.ts. */
  origin?: string;
  /** The seal over modal kind, person, channel, ticket and origin (src/slack/click-origin.ts ModalSeal). */
  seal?: string;
}

export function encodeTicketMetadata(m: TicketModalMetadata): string {
  return JSON.stringify({
    t: m.ticketId,
    ...(m.channelId ? { c: m.channelId } : {}),
    ...(m.origin ? { o: m.origin } : {}),
    ...(m.seal ? { s: m.seal } : {}),
  });
}

export function decodeTicketMetadata(raw: string | undefined): TicketModalMetadata | undefined {
  try {
    const v = JSON.parse(raw ?? '') as { t?: unknown; c?: unknown; o?: unknown; s?: unknown } | null;
    if (!v || typeof v.t !== 'number' || !Number.isSafeInteger(v.t) || v.t <= 0) return undefined;
    return {
      ticketId: v.t,
      ...(typeof v.c === 'string' && /^[A-Z0-9]{2,30}$/.test(v.c) ? { channelId: v.c } : {}),
      ...(typeof v.o === 'string' ? { origin: v.o.slice(0, 80) } : {}),
      ...(typeof v.s === 'string' ? { seal: v.s.slice(0, 80) } : {}),
    };
  } catch {
    return undefined;
  }
}

const option = (value: string, text = value, description?: string): PlainTextOption => ({
  text: { type: 'plain_text', text: plain(text, 75) },
  value,
  ...(description ? { description: { type: 'plain_text', text: plain(description, 75) } } : {}),
});

/** "Reject" asks why: the reason goes to DMS (with the approver's name) and into the thread. */
export function buildRejectModal(meta: TicketModalMetadata, summary: string): ModalView {
  return {
    type: 'modal',
    callback_id: ActionModalIds.rejectModal,
    private_metadata: encodeTicketMetadata(meta),
    title: { type: 'plain_text', text: 'Reject ticket' },
    submit: { type: 'plain_text', text: 'Reject' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `You are rejecting *${escapeMrkdwn(summary)}*. The requester sees your reason in the thread; DMS records it with your name.`,
        },
      },
      {
        type: 'input',
        block_id: ActionModalIds.reasonBlock,
        label: { type: 'plain_text', text: 'Reason' },
        element: {
          type: 'plain_text_input',
          action_id: ActionModalIds.reasonInput,
          multiline: true,
          max_length: REJECT_REASON_MAX,
          placeholder: { type: 'plain_text', text: 'e.g. the export includes personal data; narrow the columns' },
        },
      },
    ],
  };
}

/** "Run export" asks for the file type and encoding. */
export function buildRunExportModal(meta: TicketModalMetadata, summary: string): ModalView {
  return {
    type: 'modal',
    callback_id: ActionModalIds.runModal,
    private_metadata: encodeTicketMetadata(meta),
    title: { type: 'plain_text', text: 'Run export' },
    submit: { type: 'plain_text', text: 'Run export' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `Run *${escapeMrkdwn(summary)}* now. The file goes only to you, by direct message, when DMS has written it.`,
        },
      },
      {
        type: 'input',
        block_id: ActionModalIds.fileTypeBlock,
        label: { type: 'plain_text', text: 'File type' },
        element: {
          type: 'static_select',
          action_id: ActionModalIds.fileTypeSelect,
          options: EXPORT_FILE_TYPES.map((t) => option(t)),
          initial_option: option('CSV'),
        },
      },
      {
        type: 'input',
        block_id: ActionModalIds.encodingBlock,
        label: { type: 'plain_text', text: 'Encoding' },
        element: {
          type: 'static_select',
          action_id: ActionModalIds.encodingSelect,
          options: EXPORT_ENCODINGS.map((e) => option(e)),
          initial_option: option('UTF8'),
        },
      },
    ],
  };
}

/** Words for each thread mode, in the order `/dms settings` offers them (the type makes the list whole). */
export const THREAD_MODE_WORDS: Record<ThreadMode, { label: string; description: string }> = {
  threads: {
    label: 'Thread replies only (default)',
    description: 'Each status change is a reply in the ticket thread.',
  },
  broadcast_final: {
    label: 'Also post final states to the channel',
    description: 'Like threads, and the final status is also shown in the channel.',
  },
  root_only: {
    label: 'Root message updates only',
    description: 'No thread replies: the ticket message itself shows the latest status.',
  },
};

/** Words for what a channel hears in ticket threads, as offered in `/dms settings`. */
export const HEARS_WORDS: Record<ChannelHears, { label: string; description: string }> = {
  all: { label: 'Every status change (default)', description: 'A reply for each change the ticket goes through.' },
  waits_and_final: {
    label: 'Only when someone must act, and final states',
    description: 'Replies asking someone to approve, submit or run; and the final state.',
  },
  final: {
    label: 'Only final states',
    description: 'One reply when the ticket ends; the ticket message still shows every change.',
  },
};

/** The digest's value when a channel has none. */
export const DIGEST_OFF = 'off';
/** Times a digest may be posted at (local, working days): every half hour from 07:00 to 19:00. */
export const DIGEST_TIMES: readonly string[] = Array.from({ length: 25 }, (_, i) => {
  const minutes = 7 * 60 + i * 30;
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
});

/**
 * `/dms settings`: how this channel hears about ticket status changes (where replies go, which changes it hears) and
 * its daily digest. The seal is over kind, person and channel.
 */
export function buildSettingsModal(channelId: string, current: ChannelSettings, seal: string): ModalView {
  const modes = (Object.keys(THREAD_MODE_WORDS) as ThreadMode[]).map((m) =>
    option(m, THREAD_MODE_WORDS[m].label, THREAD_MODE_WORDS[m].description),
  );
  const hears = (Object.keys(HEARS_WORDS) as ChannelHears[]).map((h) =>
    option(h, HEARS_WORDS[h].label, HEARS_WORDS[h].description),
  );
  const times = [option(DIGEST_OFF, 'No digest'), ...DIGEST_TIMES.map((t) => option(t))];
  const digestNow = current.digest
    ? `Now: ${current.digest.at} (${plain(current.digest.zone, 64)}). `
    : 'Now: no digest. ';
  return {
    type: 'modal',
    callback_id: ActionModalIds.settingsModal,
    private_metadata: JSON.stringify({ c: channelId, s: seal }),
    title: { type: 'plain_text', text: 'Channel settings' },
    submit: { type: 'plain_text', text: 'Save' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'section',
        text: { type: 'mrkdwn', text: `How should <#${channelId}> hear about ticket status changes?` },
      },
      {
        type: 'input',
        block_id: ActionModalIds.modeBlock,
        label: { type: 'plain_text', text: 'Status updates' },
        element: {
          type: 'radio_buttons',
          action_id: ActionModalIds.modeRadio,
          options: modes,
          initial_option: modes.find((o) => o.value === current.threadMode),
        },
      },
      {
        type: 'input',
        block_id: ActionModalIds.hearsBlock,
        label: { type: 'plain_text', text: 'Which changes' },
        element: {
          type: 'radio_buttons',
          action_id: ActionModalIds.hearsRadio,
          options: hears,
          initial_option: hears.find((o) => o.value === current.hears),
        },
      },
      {
        type: 'input',
        block_id: ActionModalIds.digestBlock,
        label: { type: 'plain_text', text: 'Daily digest of open tickets' },
        hint: {
          type: 'plain_text',
          text: `${digestNow}Posted on working days (Monday to Friday) at this time in your Slack time zone; nothing is posted when no ticket is open.`,
        },
        element: {
          type: 'static_select',
          action_id: ActionModalIds.digestSelect,
          options: times,
          initial_option: times.find((o) => o.value === (current.digest?.at ?? DIGEST_OFF)) ?? times[0],
        },
      },
    ],
  };
}

/** The settings modal's metadata: its channel and seal, if well formed (the seal is checked by the handler). */
export function decodeSettingsMetadata(raw: string | undefined): { channelId: string; seal?: string } | undefined {
  try {
    const v = JSON.parse(raw ?? '') as { c?: unknown; s?: unknown } | null;
    if (!v || typeof v.c !== 'string' || !/^[A-Z0-9]{2,30}$/.test(v.c)) return undefined;
    return { channelId: v.c, ...(typeof v.s === 'string' ? { seal: v.s.slice(0, 80) } : {}) };
  } catch {
    return undefined;
  }
}
