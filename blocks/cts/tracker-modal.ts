import type { InputBlock, KnownBlock, ModalView, Option, PlainTextOption } from '@slack/types';
import type { BucketLifecycle, TrackerType } from '../../src/cts/schemas.js';
import type { FieldError, TrackerFormField, TrackerFormInput } from '../../src/cts/tracker-form.js';
import type { ViewStateValues } from '../../src/dms/export/form.js';
import { decodeMetadata, encodeMetadata } from '../kit/metadata.js';
import { plain } from '../kit/text.js';
import { TrackerIds as Ids, TrackerOptionValues as V } from './ids.js';

/** Hidden context the tracker modal carries: where to post, and which type's fields the view shows. */
export interface TrackerModalMetadata {
  /** Channel the command was typed in: where the root message goes. */
  channelId: string;
  /** The type whose fields the view currently shows. */
  trackerType: TrackerType;
  /** The seal over form kind, person and channel (src/slack/click-origin.ts ModalSeal). */
  seal?: string;
}

/** Serialises the modal metadata through the shared codec (the type travels as the form variant). */
export function encodeTrackerMetadata(m: TrackerModalMetadata): string {
  return encodeMetadata({ channelId: m.channelId, variant: m.trackerType, ...(m.seal ? { seal: m.seal } : {}) });
}

/** Reads the modal metadata back; undefined when it is missing or not ours. */
export function decodeTrackerMetadata(raw: string | undefined): TrackerModalMetadata | undefined {
  const m = decodeMetadata(raw);
  return m && (m.variant === 'system' || m.variant === 'data')
    ? { channelId: m.channelId, trackerType: m.variant, ...(m.seal ? { seal: m.seal } : {}) }
    : undefined;
}

const text = (t: string) => ({ type: 'plain_text' as const, text: t });

function option(label: string, value: string, description?: string): PlainTextOption {
  return { text: text(plain(label, 75)), value, ...(description ? { description: text(plain(description, 75)) } : {}) };
}

const TYPE_OPTIONS: PlainTextOption[] = [
  option('Management tracker (system)', V.system, 'One per region: records operations on every cloud service.'),
  option('Data tracker', V.data, 'Records reads and/or writes of objects in one OBS bucket.'),
];
const OBS_OPTIONS: PlainTextOption[] = [
  option('Create this bucket', V.createBucket, 'CTS creates the bucket; leave unticked to use an existing one.'),
  option('Sort trace files by cloud service', V.sortByService, 'Adds the service name to each file path.'),
];
const COMPRESS_OPTIONS: PlainTextOption[] = [
  option('gzip (compressed)', V.gzip),
  option('json (uncompressed)', V.json),
];
const ANALYSIS_OPTIONS: PlainTextOption[] = [
  option('Trace analysis (LTS)', V.lts, 'Also send traces to Log Tank Service to search them.'),
  option('File validation', V.validate, 'Adds digest files so changes to trace files can be detected.'),
];
const ENCRYPTION_OPTIONS: PlainTextOption[] = [
  option('Encrypt trace files with a KMS key', V.encrypt, 'Needs the KMS key id below.'),
];
const MANAGEMENT_OPTIONS: PlainTextOption[] = [
  option('Exclude KMS createDatakey traces', V.excludeKms, 'These frequent traces are not transferred.'),
  option('Apply to the organization', V.organization, "Transfers all organization members' audit logs in this region."),
];
const OPERATION_OPTIONS: PlainTextOption[] = [
  option('READ', V.read, 'Downloads and other reads of objects'),
  option('WRITE', V.write, 'Uploads, changes and deletions of objects'),
];
/** Words for each retention CTS accepts (the type makes the list whole); numeric keys iterate in ascending order. */
const RETENTION_WORDS = {
  0: '0 days',
  30: '30 days',
  60: '60 days',
  90: '90 days',
  180: '180 days',
  1095: '1095 days (3 years)',
} satisfies Record<BucketLifecycle, string>;
const RETENTION_OPTIONS: PlainTextOption[] = Object.entries(RETENTION_WORDS).map(([d, words]) => option(words, d));

function pick(options: PlainTextOption[], values: readonly string[]): Option[] {
  return options.filter((o) => o.value !== undefined && values.includes(o.value));
}

function checkboxes(
  blockId: string,
  actionId: string,
  label: string,
  options: PlainTextOption[],
  selected: readonly string[],
  extra: Partial<InputBlock> = {},
): InputBlock {
  const initial = pick(options, selected);
  return {
    type: 'input',
    block_id: blockId,
    optional: true,
    label: text(label),
    element: {
      type: 'checkboxes',
      action_id: actionId,
      options,
      ...(initial.length ? { initial_options: initial } : {}),
    },
    ...extra,
  };
}

function textInput(
  blockId: string,
  actionId: string,
  label: string,
  opts: { hint: string; maxLength: number; optional: boolean; placeholder?: string; initial?: string },
): InputBlock {
  const initial = opts.initial?.slice(0, opts.maxLength);
  return {
    type: 'input',
    block_id: blockId,
    optional: opts.optional,
    label: text(label),
    hint: text(opts.hint),
    element: {
      type: 'plain_text_input',
      action_id: actionId,
      max_length: opts.maxLength,
      ...(opts.placeholder ? { placeholder: text(opts.placeholder) } : {}),
      ...(initial ? { initial_value: initial } : {}),
    },
  };
}

const selectedFlags = (entries: [string, boolean | undefined][]): string[] =>
  entries.filter(([, on]) => on === true).map(([v]) => v);

/**
 * The `/cts tracker` modal for one tracker type. Opens with no cloud call. Block and action ids are the same for both
 * types, so a `views.update` on a type switch keeps what was typed; `values` pre-fills the fields as well.
 */
export function buildTrackerModal(meta: TrackerModalMetadata, values: TrackerFormInput = {}): ModalView {
  const isSystem = meta.trackerType === 'system';
  const typeOption = TYPE_OPTIONS.find((o) => o.value === meta.trackerType);
  const blocks: KnownBlock[] = [
    {
      type: 'input',
      block_id: Ids.typeBlock,
      // The form's fields depend on the type: changing it must reach the bot to redraw the modal.
      dispatch_action: true,
      label: text('Tracker type'),
      element: {
        type: 'radio_buttons',
        action_id: Ids.typeRadio,
        options: TYPE_OPTIONS,
        ...(typeOption ? { initial_option: typeOption } : {}),
      },
    },
  ];

  if (isSystem) {
    blocks.push({
      type: 'section',
      block_id: Ids.systemNameBlock,
      text: { type: 'mrkdwn', text: '*Tracker name:* `system` (fixed: a management tracker is always named system)' },
    });
  } else {
    blocks.push(
      textInput(Ids.nameBlock, Ids.nameInput, 'Tracker name', {
        hint: '1–64 letters, digits, underscores or hyphens; "system" and "system-trace" are reserved.',
        maxLength: 64,
        optional: false,
        placeholder: 'orders-bucket-writes',
        initial: values.trackerName,
      }),
      textInput(Ids.dataBucketBlock, Ids.dataBucketInput, 'Bucket to track', {
        hint: 'The OBS bucket (in this region) whose object operations this tracker records.',
        maxLength: 63,
        optional: false,
        initial: values.dataBucketName,
      }),
      checkboxes(
        Ids.operationsBlock,
        Ids.operationsCheckbox,
        'Operations to track',
        OPERATION_OPTIONS,
        values.dataEvents ?? [],
        { optional: false },
      ),
    );
  }

  blocks.push(
    { type: 'divider' },
    {
      type: 'section',
      block_id: Ids.obsHeaderBlock,
      text: {
        type: 'mrkdwn',
        text: '*Transfer to OBS* (optional)\nCTS keeps traces for 7 days. Name a bucket to keep them longer; leave it empty for no transfer.',
      },
    },
    textInput(Ids.bucketBlock, Ids.bucketInput, 'OBS bucket for trace files', {
      hint: '3–63 lowercase letters, digits, dots or hyphens, starting with a letter or digit.',
      maxLength: 63,
      optional: true,
      initial: values.bucketName,
    }),
    textInput(Ids.prefixBlock, Ids.prefixInput, 'File prefix', {
      hint: 'Up to 64 letters, digits, dots, underscores or hyphens, put in front of every trace file name.',
      maxLength: 64,
      optional: true,
      initial: values.filePrefix,
    }),
    checkboxes(
      Ids.obsOptionsBlock,
      Ids.obsOptionsCheckbox,
      'Bucket options',
      OBS_OPTIONS,
      selectedFlags([
        [V.createBucket, values.isObsCreated],
        // CTS sorts by service unless told otherwise: show that default.
        [V.sortByService, values.isSortByService ?? true],
      ]),
    ),
  );
  const compress = COMPRESS_OPTIONS.find((o) => o.value === (values.compressType?.toLowerCase() || V.gzip));
  blocks.push({
    type: 'input',
    block_id: Ids.compressBlock,
    optional: true,
    label: text('Trace file format'),
    element: {
      type: 'radio_buttons',
      action_id: Ids.compressRadio,
      options: COMPRESS_OPTIONS,
      ...(compress ? { initial_option: compress } : {}),
    },
  });
  if (!isSystem) {
    const retention = RETENTION_OPTIONS.find((o) => o.value === String(values.bucketLifecycle ?? ''));
    blocks.push({
      type: 'input',
      block_id: Ids.retentionBlock,
      optional: true,
      label: text('Retention in the OBS bucket'),
      hint: text('How long OBS keeps the trace files. Leave empty to keep the bucket as it is.'),
      element: {
        type: 'static_select',
        action_id: Ids.retentionSelect,
        placeholder: text('Choose a period'),
        options: RETENTION_OPTIONS,
        ...(retention ? { initial_option: retention } : {}),
      },
    });
  }

  blocks.push(
    { type: 'divider' },
    checkboxes(
      Ids.analysisBlock,
      Ids.analysisCheckbox,
      'Analysis and integrity',
      ANALYSIS_OPTIONS,
      selectedFlags([
        [V.lts, values.isLtsEnabled],
        [V.validate, values.isSupportValidate],
      ]),
    ),
  );
  if (isSystem) {
    blocks.push(
      checkboxes(
        Ids.encryptionBlock,
        Ids.encryptionCheckbox,
        'Trace file encryption',
        ENCRYPTION_OPTIONS,
        selectedFlags([[V.encrypt, values.encryption]]),
      ),
      textInput(Ids.kmsBlock, Ids.kmsInput, 'KMS key id', {
        hint: 'Required when encryption is on: the id of a KMS key in this region, e.g. 13a4207c-7abe-4b68-8510-16b84c3b5504.',
        maxLength: 128,
        optional: true,
        initial: values.kmsId,
      }),
      checkboxes(
        Ids.managementOptionsBlock,
        Ids.managementOptionsCheckbox,
        'Management tracker options',
        MANAGEMENT_OPTIONS,
        selectedFlags([
          [V.excludeKms, values.excludeKmsCreateDatakey],
          [V.organization, values.isOrganizationTracker],
        ]),
      ),
    );
  }

  return {
    type: 'modal',
    callback_id: Ids.modal,
    private_metadata: encodeTrackerMetadata(meta),
    title: text(isSystem ? 'New management tracker' : 'New data tracker'),
    submit: text('Create tracker'),
    close: text('Cancel'),
    blocks,
  };
}

/** Reads the modal's state into the loosely typed form `validateTrackerInput` checks; absent blocks stay undefined. */
export function readTrackerForm(values: ViewStateValues): TrackerFormInput {
  const get = (block: string, action: string) => values[block]?.[action];
  const str = (block: string, action: string): string | undefined => get(block, action)?.value ?? undefined;
  const selected = (block: string, action: string): string | undefined => get(block, action)?.selected_option?.value;
  const checked = (block: string, action: string): Set<string> | undefined => {
    const v = get(block, action);
    return v ? new Set((v.selected_options ?? []).map((o) => o.value)) : undefined;
  };
  const flag = (set: Set<string> | undefined, value: string): boolean | undefined => (set ? set.has(value) : undefined);

  const obs = checked(Ids.obsOptionsBlock, Ids.obsOptionsCheckbox);
  const analysis = checked(Ids.analysisBlock, Ids.analysisCheckbox);
  const encryption = checked(Ids.encryptionBlock, Ids.encryptionCheckbox);
  const management = checked(Ids.managementOptionsBlock, Ids.managementOptionsCheckbox);
  const operations = checked(Ids.operationsBlock, Ids.operationsCheckbox);
  const form: TrackerFormInput = {
    trackerType: selected(Ids.typeBlock, Ids.typeRadio),
    trackerName: str(Ids.nameBlock, Ids.nameInput),
    bucketName: str(Ids.bucketBlock, Ids.bucketInput),
    filePrefix: str(Ids.prefixBlock, Ids.prefixInput),
    isObsCreated: flag(obs, V.createBucket),
    compressType: selected(Ids.compressBlock, Ids.compressRadio),
    isSortByService: flag(obs, V.sortByService),
    isLtsEnabled: flag(analysis, V.lts),
    isSupportValidate: flag(analysis, V.validate),
    encryption: flag(encryption, V.encrypt),
    kmsId: str(Ids.kmsBlock, Ids.kmsInput),
    excludeKmsCreateDatakey: flag(management, V.excludeKms),
    isOrganizationTracker: flag(management, V.organization),
    dataBucketName: str(Ids.dataBucketBlock, Ids.dataBucketInput),
    dataEvents: operations ? [...operations] : undefined,
    bucketLifecycle: selected(Ids.retentionBlock, Ids.retentionSelect),
  };
  // Drop unset keys so the form reads (and logs) as exactly what the view holds.
  return Object.fromEntries(Object.entries(form).filter(([, v]) => v !== undefined)) as TrackerFormInput;
}

/** The block each validated field is shown in. */
export const TRACKER_FIELD_BLOCKS: Readonly<Record<TrackerFormField, string>> = {
  trackerType: Ids.typeBlock,
  trackerName: Ids.nameBlock,
  bucketName: Ids.bucketBlock,
  filePrefix: Ids.prefixBlock,
  isObsCreated: Ids.obsOptionsBlock,
  compressType: Ids.compressBlock,
  isSortByService: Ids.obsOptionsBlock,
  isLtsEnabled: Ids.analysisBlock,
  isSupportValidate: Ids.analysisBlock,
  encryption: Ids.encryptionBlock,
  kmsId: Ids.kmsBlock,
  excludeKmsCreateDatakey: Ids.managementOptionsBlock,
  isOrganizationTracker: Ids.managementOptionsBlock,
  dataBucketName: Ids.dataBucketBlock,
  dataEvents: Ids.operationsBlock,
  bucketLifecycle: Ids.retentionBlock,
};

/**
 * Field errors as `response_action: errors` wants them: keyed by block id, several messages on one block joined.
 * A field whose block is not in the view (Slack rejects unknown block ids) is reported on the type block.
 */
export function trackerErrorsByBlock(
  errors: readonly FieldError[],
  blocksInView?: ReadonlySet<string>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of errors) {
    const wanted = TRACKER_FIELD_BLOCKS[e.field];
    const block = !blocksInView || blocksInView.has(wanted) ? wanted : Ids.typeBlock;
    out[block] = out[block] ? `${out[block]} ${e.message}` : e.message;
  }
  for (const [k, v] of Object.entries(out)) out[k] = plain(v, 1900);
  return out;
}

/** A modal that only shows the outcome of a submission (creating, created, not created). */
export function buildTrackerResultModal(title: string, blocks: KnownBlock[]): ModalView {
  return { type: 'modal', title: text(plain(title, 24)), close: text('Close'), blocks: blocks.slice(0, 100) };
}
