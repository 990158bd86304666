import { withoutLinks } from '../../blocks/kit/text.js';
import {
  BUCKET_LIFECYCLE_DAYS,
  type BucketLifecycle,
  type CompressType,
  type CreateTrackerRequest,
  type DataEvent,
  type TrackerObsInfoRequest,
} from './schemas.js';

/**
 * What a person entered in the "create tracker" modal, as loosely typed as the modal gives it (text inputs are
 * strings, checkboxes booleans, multi-selects string arrays). Fields that do not apply to the chosen type are ignored.
 */
export interface TrackerFormInput {
  /** `system` (management tracker) or `data`. */
  trackerType?: string;
  /** Data trackers only; a system tracker is always named `system`. */
  trackerName?: string;
  /** OBS bucket traces are transferred to; empty means no transfer to OBS. */
  bucketName?: string;
  filePrefix?: string;
  /** Create the transfer bucket instead of using an existing one. */
  isObsCreated?: boolean;
  /** `gzip` or `json`. */
  compressType?: string;
  isSortByService?: boolean;
  isLtsEnabled?: boolean;
  isSupportValidate?: boolean;
  /** System only: encrypt trace files with a KMS key. */
  encryption?: boolean;
  /** System only; required when `encryption` is on. */
  kmsId?: string;
  /** System only: do not transfer KMS createDatakey traces. */
  excludeKmsCreateDatakey?: boolean;
  /** System only. */
  isOrganizationTracker?: boolean;
  /** Data only, required: the OBS bucket whose operations are tracked. */
  dataBucketName?: string;
  /** Data only, required: `READ` and/or `WRITE`. */
  dataEvents?: readonly string[];
  /** Data only: days traces are kept in the transfer bucket (0, 30, 60, 90, 180, 1095). */
  bucketLifecycle?: string | number;
}

/** A form field name of `TrackerFormInput`. */
export type TrackerFormField = keyof TrackerFormInput;

/** One problem with one field, written for the person who typed it. */
export interface FieldError {
  field: TrackerFormField;
  message: string;
}

/** The outcome of `validateTrackerInput`: a request body ready to send, or every problem found. */
export type TrackerInputResult = { ok: true; body: CreateTrackerRequest } | { ok: false; errors: FieldError[] };

const TRACKER_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const RESERVED_DATA_TRACKER_NAMES = new Set(['system', 'system-trace']);
const FILE_PREFIX_PATTERN = /^[A-Za-z0-9._-]{0,64}$/;
const BUCKET_RULE =
  'must be 3–63 characters: lowercase letters, digits, dots and hyphens, starting with a letter or digit';

/** A typed identifier, trimmed; a broken character (lone surrogate) becomes U+FFFD, which every name rule refuses. */
function text(value: string | undefined): string {
  return (value ?? '').trim().replace(/\p{Cs}/gu, '\uFFFD');
}

function quoteChars(chars: Iterable<string>): string {
  // Invisible, blank and broken characters are named by code point: quoting them would show nothing.
  const named = (c: string) =>
    c === ' '
      ? 'spaces'
      : /^[\p{L}\p{N}\p{P}\p{S}]$/u.test(c) && c !== '\uFFFD'
        ? `"${c}"`
        : `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
  return [...new Set(chars)].map(named).join(', ');
}

/** Checks an OBS bucket name; returns a specific message, or undefined when it is valid. */
export function bucketNameProblem(name: string, label = 'Bucket name'): string | undefined {
  const rule = `${label} ${BUCKET_RULE}.`;
  if (name.length < 3 || name.length > 63) return `${rule} "${name}" has ${name.length}.`;
  const bad = name.match(/[^a-z0-9.-]/gu);
  if (bad) {
    const upper = bad.some((c) => /[A-Z]/.test(c)) ? ' Use lowercase letters only.' : '';
    return `${rule} It contains ${quoteChars(bad)}.${upper}`;
  }
  if (!/^[a-z0-9]/.test(name)) return `${rule} It starts with "${name[0] ?? ''}".`;
  // OBS naming rules beyond the CTS field description (OBS rejects these at bucket creation).
  if (/[.-]$/.test(name)) return `${label} cannot end with a dot or a hyphen.`;
  if (name.includes('..')) return `${label} cannot contain two dots in a row.`;
  if (name.includes('.-') || name.includes('-.')) return `${label} cannot have a dot next to a hyphen.`;
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return `${label} cannot look like an IP address.`;
  return undefined;
}

/** Checks what a person typed in the "create tracker" modal and builds the CreateTracker body, or lists every problem. */
export function validateTrackerInput(input: TrackerFormInput): TrackerInputResult {
  const errors: FieldError[] = [];
  const fail = (field: TrackerFormField, message: string): void => {
    errors.push({ field, message });
  };

  const trackerType = text(input.trackerType).toLowerCase();
  if (trackerType !== 'system' && trackerType !== 'data') {
    fail('trackerType', 'Choose a tracker type: management (system) or data.');
    return { ok: false, errors };
  }
  const isSystem = trackerType === 'system';

  let trackerName = 'system';
  if (!isSystem) {
    trackerName = text(input.trackerName);
    if (trackerName === '') {
      fail('trackerName', 'Enter a name for the data tracker.');
    } else if (!TRACKER_NAME_PATTERN.test(trackerName)) {
      fail('trackerName', 'Tracker name must be 1–64 characters: letters, digits, underscores and hyphens.');
    } else if (RESERVED_DATA_TRACKER_NAMES.has(trackerName)) {
      fail('trackerName', `"${trackerName}" is reserved for the management tracker; choose another name.`);
    }
  }

  // Transfer to OBS: only when a bucket is named.
  const bucketName = text(input.bucketName);
  const filePrefix = text(input.filePrefix);
  let obsInfo: TrackerObsInfoRequest | undefined;
  if (bucketName === '') {
    if (input.isObsCreated === true) {
      fail('bucketName', 'Enter a name for the OBS bucket to create, or untick "create a new bucket".');
    }
    if (filePrefix !== '') {
      fail(
        'filePrefix',
        'A file prefix only applies when traces are transferred to an OBS bucket: enter a bucket name, or clear the prefix.',
      );
    }
  } else {
    const problem = bucketNameProblem(bucketName);
    if (problem) fail('bucketName', problem);
    obsInfo = { bucket_name: bucketName };
    if (filePrefix !== '') {
      if (!FILE_PREFIX_PATTERN.test(filePrefix)) {
        const bad = filePrefix.match(/[^A-Za-z0-9._-]/gu);
        const detail = bad ? ` It contains ${quoteChars(bad)}.` : ` It has ${filePrefix.length}.`;
        fail(
          'filePrefix',
          `File prefix must be at most 64 characters: letters, digits, dots, underscores and hyphens.${detail}`,
        );
      }
      obsInfo.file_prefix_name = filePrefix;
    }
    if (input.isObsCreated !== undefined) obsInfo.is_obs_created = input.isObsCreated;
    const compress = text(input.compressType).toLowerCase();
    if (compress !== '') {
      if (compress === 'gzip' || compress === 'json') obsInfo.compress_type = compress satisfies CompressType;
      else fail('compressType', 'Compression must be gzip (compressed) or json (uncompressed).');
    }
    if (input.isSortByService !== undefined) obsInfo.is_sort_by_service = input.isSortByService;
    if (!isSystem) {
      const lifecycle = parseLifecycle(input.bucketLifecycle);
      if (lifecycle === 'invalid') {
        fail(
          'bucketLifecycle',
          `Retention in the OBS bucket must be ${BUCKET_LIFECYCLE_DAYS.slice(0, -1).join(', ')} or ${BUCKET_LIFECYCLE_DAYS.at(-1)} days.`,
        );
      } else if (lifecycle !== undefined) {
        obsInfo.bucket_lifecycle = lifecycle;
      }
    }
  }

  const body: CreateTrackerRequest = { tracker_type: trackerType, tracker_name: trackerName };
  if (input.isLtsEnabled !== undefined) body.is_lts_enabled = input.isLtsEnabled;
  if (obsInfo) body.obs_info = obsInfo;
  if (input.isSupportValidate !== undefined) body.is_support_validate = input.isSupportValidate;

  if (isSystem) {
    if (input.encryption === true) {
      const kmsId = text(input.kmsId);
      if (kmsId === '') fail('kmsId', 'Choose the KMS key that encrypts trace files, or turn encryption off.');
      body.is_support_trace_files_encryption = true;
      body.kms_id = kmsId;
    } else if (input.encryption === false) {
      body.is_support_trace_files_encryption = false;
    }
    if (input.excludeKmsCreateDatakey === true) body.management_event_selector = { exclude_service: ['KMS'] };
    if (input.isOrganizationTracker !== undefined) body.is_organization_tracker = input.isOrganizationTracker;
  } else {
    const dataBucketName = text(input.dataBucketName);
    if (dataBucketName === '') {
      fail('dataBucketName', 'Enter the name of the OBS bucket whose operations this tracker should record.');
    } else {
      const problem = bucketNameProblem(dataBucketName, 'Tracked bucket name');
      if (problem) fail('dataBucketName', problem);
    }
    const events = [...new Set((input.dataEvents ?? []).map((e) => e.trim().toUpperCase()).filter((e) => e !== ''))];
    const unknown = events.filter((e) => e !== 'READ' && e !== 'WRITE');
    if (events.length === 0) {
      fail('dataEvents', 'Choose at least one operation to track: READ, WRITE or both.');
    } else if (unknown.length > 0) {
      fail(
        'dataEvents',
        `Only READ and WRITE operations can be tracked, not ${unknown.map((e) => `"${e}"`).join(', ')}.`,
      );
    }
    body.data_bucket = { data_bucket_name: dataBucketName, data_event: events as DataEvent[] };
  }

  return errors.length > 0 ? { ok: false, errors } : { ok: true, body };
}

function parseLifecycle(value: string | number | undefined): BucketLifecycle | 'invalid' | undefined {
  const raw = typeof value === 'string' ? value.trim() : value;
  if (raw === undefined || raw === '') return undefined;
  const days = typeof raw === 'number' ? raw : /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  return BUCKET_LIFECYCLE_DAYS.find((d) => d === days) ?? 'invalid';
}

/** Says in plain words why a tracker is in `error` (its `detail`) and what to do about it. */
export function explainTrackerDetail(detail: string | undefined): string {
  switch (detail) {
    case 'bucketPolicyError':
      return 'CTS is not allowed to write to the OBS bucket: the bucket policy does not grant it access. Ask the bucket owner to allow CTS to write to it (or re-select the bucket in the CTS console, which adds the policy); transfer resumes once it can write.';
    case 'noBucket':
      return 'The OBS bucket this tracker transfers traces to no longer exists. Create the bucket again, or change the tracker to use another bucket.';
    case 'arrears':
      return 'The Huawei Cloud account is in arrears, so trace transfer is suspended. Top up the account; the tracker recovers once the balance is positive.';
    case undefined:
    case '':
      return 'The tracker is in an error state but CTS gave no reason. Check the tracker in the CTS console.';
    default:
      return `The tracker is in an error state (${withoutLinks(detail)}). Check the tracker in the CTS console; if the cause is unclear, contact Huawei Cloud support.`;
  }
}

const CTS_ERROR_EXPLANATIONS: Readonly<Record<string, string>> = {
  'CTS.0201':
    'This region already has a management (system) tracker, and there can be only one per region. Change the existing one instead of creating another.',
  'CTS.0208': 'A tracker with this name already exists. Choose another name, or use the existing tracker.',
  'CTS.0200':
    'The tracker quota for this account in this region is used up. Delete a data tracker that is no longer needed, or ask Huawei Cloud support to raise the quota.',
  'CTS.0003':
    'CTS rejected the request as malformed. This is most likely a bug in the bot; please report it with the request id.',
  'CTS.0202': 'The tracker type must be "system" (management) or "data".',
  'CTS.0203':
    'The tracker name is not valid. Use 1–64 letters, digits, underscores or hyphens; "system" and "system-trace" are reserved.',
  'CTS.0204': 'A management tracker must be named "system".',
  'CTS.0205': 'The tracker status must be "enabled" or "disabled".',
  'CTS.0206': 'A tracked bucket can only be set on a data tracker, not on the management tracker.',
  'CTS.0209':
    'Another data tracker already records these operations on this bucket. Choose other operations or another bucket, or change that tracker.',
  'CTS.0211': 'The OBS bucket to track does not exist. Check the bucket name, and that the bucket is in this region.',
  'CTS.0218': 'The file prefix is not valid: use at most 64 letters, digits, dots, underscores or hyphens.',
  'CTS.0219': 'Choose at least one operation to track: READ, WRITE or both.',
  'CTS.0221': 'Encryption is on but no KMS key was given. Choose a KMS key, or turn encryption off.',
  'CTS.0222':
    'CTS could not verify the KMS key. Check that the key exists in this region, is enabled, and that the account may use it.',
  'CTS.0225': 'Only READ and WRITE operations can be tracked.',
  'CTS.0231': `The OBS bucket name is not valid: it ${BUCKET_RULE}.`,
  'CTS.0002':
    "The bot's Huawei Cloud account is not allowed to manage CTS trackers. An administrator must grant its IAM user the CTS FullAccess (or CTS Administrator) permission in this project.",
  'CTS.0214': 'The tracker does not exist (it may have been deleted). Refresh the tracker list.',
  'CTS.0004':
    'CTS had an internal error. Try again in a few minutes; if it keeps happening, contact Huawei Cloud support with the request id.',
  'CTS.0300': 'CTS is temporarily unable to handle the request. Try again in a few minutes.',
  'APIGW.0301':
    "Huawei Cloud rejected the bot's credentials (the AK/SK signature check failed). An operator must check the access key, secret key and the server clock. The bot does not retry: repeated failures lock the key for 5 minutes.",
  'APIGW.0308': 'Huawei Cloud is limiting how fast requests can be made. Wait a minute and try again.',
  // Codes the client itself assigns to transport failures.
  OutcomeUnknown:
    'It is not known whether the tracker was created: the request was sent but no clear answer came back (lost connection, timeout or server error). Check the tracker list before trying again.',
  Timeout: 'CTS did not answer in time. Try again in a minute.',
  ConnectFailed:
    'The bot could not connect to CTS. Try again in a minute; if it keeps happening, an operator should check the network and the CTS endpoint.',
  NetworkError: 'The connection to CTS failed. Try again in a minute.',
  MalformedResponse: 'CTS answered with something the bot does not understand. Please report this with the request id.',
};
const CTS_ERROR_ALIASES: Readonly<Record<string, string>> = {
  'CTS.0013': 'CTS.0002',
  'CTS.0005': 'CTS.0004',
};

/** Says in plain words what a CTS / API gateway error code means for the person and what to do next. */
export function explainCtsError(errorCode: string, errorMessage?: string): string {
  const known = CTS_ERROR_EXPLANATIONS[CTS_ERROR_ALIASES[errorCode] ?? errorCode];
  if (known) return known;
  const said = errorMessage ? `: ${errorMessage}` : '';
  return `CTS refused the request (${errorCode}${said}).`;
}
