/** CTS tracker creation as CTS judges it: the body's checks in CTS's order, conflicts and quota, the stored tracker. */
import { randomUUID } from 'node:crypto';
import type { Tracker } from '../../cts/schemas.js';
import { Answer, ctsError, isObject } from './answers.js';

const BUCKET_PATTERN = /^[a-z0-9][a-z0-9.-]{2,62}$/;
const TRACKER_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const FILE_PREFIX_PATTERN = /^[A-Za-z0-9._-]{0,64}$/;
const LIFECYCLES = new Set([0, 30, 60, 90, 180, 1095]);

const invalid = () => ctsError(400, 'CTS.0003', 'The request body is invalid.');

/** A create body that passed every check. */
export interface ValidCreate {
  type: 'system' | 'data';
  name: string;
  body: Record<string, unknown>;
}

/** The tracker's type and name (a management tracker is named `system`). */
function checkTypeAndName(body: Record<string, unknown>): Answer | ValidCreate {
  const type = body['tracker_type'];
  if (type !== 'system' && type !== 'data') return ctsError(400, 'CTS.0202', 'The tracker type is invalid.');
  const name = body['tracker_name'];
  if (typeof name !== 'string' || name === '') return ctsError(400, 'CTS.0203', 'The tracker name is invalid.');
  if (type === 'system' && name !== 'system') {
    return ctsError(400, 'CTS.0204', 'The management tracker name must be system.');
  }
  if (type === 'data' && (!TRACKER_NAME_PATTERN.test(name) || name === 'system' || name === 'system-trace')) {
    return ctsError(400, 'CTS.0203', 'The tracker name is invalid.');
  }
  return { type, name, body };
}

/** The flags, kms_id, agency_name and the management event selector. */
function checkFlags(body: Record<string, unknown>): Answer | undefined {
  for (const key of [
    'is_lts_enabled',
    'is_organization_tracker',
    'is_support_validate',
    'is_support_trace_files_encryption',
  ]) {
    if (body[key] !== undefined && typeof body[key] !== 'boolean') return invalid();
  }
  if (body['kms_id'] !== undefined && typeof body['kms_id'] !== 'string') return invalid();
  if (body['agency_name'] !== undefined && body['agency_name'] !== 'cts_admin_trust') return invalid();
  const selector = body['management_event_selector'];
  if (selector !== undefined) {
    if (!isObject(selector)) return invalid();
    const excluded = selector['exclude_service'];
    if (excluded !== undefined && !(Array.isArray(excluded) && excluded.every((s) => s === 'KMS'))) return invalid();
  }
  return undefined;
}

/** obs_info: bucket, prefix, flags, compression, lifecycle. */
function checkObs(obs: unknown): Answer | undefined {
  if (obs === undefined) return undefined;
  if (!isObject(obs)) return invalid();
  const bucket = obs['bucket_name'];
  if (bucket !== undefined && (typeof bucket !== 'string' || !BUCKET_PATTERN.test(bucket))) {
    return ctsError(400, 'CTS.0231', 'The OBS bucket name is invalid.');
  }
  const prefix = obs['file_prefix_name'];
  if (prefix !== undefined && (typeof prefix !== 'string' || !FILE_PREFIX_PATTERN.test(prefix))) {
    return ctsError(400, 'CTS.0218', 'The file prefix name is invalid.');
  }
  for (const key of ['is_obs_created', 'is_sort_by_service']) {
    if (obs[key] !== undefined && typeof obs[key] !== 'boolean') return invalid();
  }
  if (obs['compress_type'] !== undefined && obs['compress_type'] !== 'gzip' && obs['compress_type'] !== 'json')
    return invalid();
  const lifecycle = obs['bucket_lifecycle'];
  if (lifecycle !== undefined && !(typeof lifecycle === 'number' && LIFECYCLES.has(lifecycle))) return invalid();
  return undefined;
}

/** What a tracker of each type watches: a management tracker no bucket (and a key when encrypting), a data one a bucket. */
function checkTarget({ type, body }: ValidCreate): Answer | undefined {
  const dataBucket = body['data_bucket'];
  if (type === 'system') {
    if (dataBucket !== undefined) return ctsError(400, 'CTS.0206', 'A management tracker cannot track an OBS bucket.');
    if (
      body['is_support_trace_files_encryption'] === true &&
      (typeof body['kms_id'] !== 'string' || body['kms_id'] === '')
    ) {
      return ctsError(400, 'CTS.0221', 'The kms_id is empty.');
    }
    return undefined;
  }
  if (!isObject(dataBucket)) return invalid();
  const bucket = dataBucket['data_bucket_name'];
  if (typeof bucket !== 'string' || !BUCKET_PATTERN.test(bucket)) {
    return ctsError(400, 'CTS.0231', 'The OBS bucket name is invalid.');
  }
  const events = dataBucket['data_event'];
  if (!Array.isArray(events) || events.length === 0) return ctsError(400, 'CTS.0219', 'The data_event is empty.');
  if (!events.every((e) => e === 'READ' || e === 'WRITE')) {
    return ctsError(400, 'CTS.0225', 'Only READ and WRITE operations are supported.');
  }
  return undefined;
}

/** Checks a create body as CTS does, in CTS's order: the first problem's answer, or the valid request. */
export function checkCreate(body: unknown): Answer | ValidCreate {
  if (!isObject(body)) return invalid();
  const named = checkTypeAndName(body);
  if (named instanceof Answer) return named;
  return checkFlags(body) ?? checkObs(body['obs_info']) ?? checkTarget(named) ?? named;
}

/** What the existing trackers and the quota forbid: a second management tracker, a taken name, a tracked bucket. */
export function checkConflicts(trackers: Map<string, Tracker>, quota: number, c: ValidCreate): Answer | undefined {
  if (c.type === 'system' && trackers.has('system')) {
    return ctsError(400, 'CTS.0201', 'A management tracker already exists.');
  }
  if (trackers.has(c.name)) return ctsError(400, 'CTS.0208', 'The tracker already exists.');
  const dataBucket = c.body['data_bucket'];
  if (isObject(dataBucket)) {
    const events: unknown = dataBucket['data_event'];
    const overlapping = [...trackers.values()].some(
      (t) =>
        t.data_bucket?.data_bucket_name === dataBucket['data_bucket_name'] &&
        Array.isArray(events) &&
        (t.data_bucket?.data_event ?? []).some((e) => events.includes(e)),
    );
    if (overlapping) return ctsError(400, 'CTS.0209', 'The bucket and operation are already tracked.');
  }
  if (trackers.size >= quota) return ctsError(400, 'CTS.0200', 'The number of trackers has reached the upper limit.');
  return undefined;
}

/** The tracker CTS stores (and answers) for a valid create. */
export function buildTracker(
  { type, name, body }: ValidCreate,
  at: { now: Date; domainId: string; projectId: string },
): Tracker {
  const tracker: Tracker = {
    id: randomUUID(),
    create_time: at.now.getTime(),
    tracker_type: type,
    tracker_name: name,
    status: 'enabled',
    domain_id: at.domainId,
    project_id: at.projectId,
    lts: {
      is_lts_enabled: body['is_lts_enabled'] === true,
      log_group_name: 'CTS',
      log_topic_name: type === 'system' ? 'system-trace' : name,
    },
    is_support_validate: body['is_support_validate'] === true,
    is_support_trace_files_encryption: body['is_support_trace_files_encryption'] === true,
  };
  addStorage(tracker, body);
  if (typeof body['kms_id'] === 'string') tracker.kms_id = body['kms_id'];
  if (typeof body['agency_name'] === 'string') tracker.agency_name = body['agency_name'];
  if (type === 'system') {
    tracker.is_organization_tracker = body['is_organization_tracker'] === true;
    const selector = body['management_event_selector'];
    if (isObject(selector) && Array.isArray(selector['exclude_service'])) {
      tracker.management_event_selector = { exclude_service: selector['exclude_service'].map(String) };
    }
  }
  return tracker;
}

/** obs_info and data_bucket as CTS fills them in (defaults for what the body left out). */
function addStorage(tracker: Tracker, body: Record<string, unknown>): void {
  const obs = isObject(body['obs_info']) ? body['obs_info'] : undefined;
  const dataBucket = isObject(body['data_bucket']) ? body['data_bucket'] : undefined;
  if (obs && typeof obs['bucket_name'] === 'string') {
    tracker.obs_info = {
      bucket_name: obs['bucket_name'],
      file_prefix_name: typeof obs['file_prefix_name'] === 'string' ? obs['file_prefix_name'] : '',
      is_obs_created: obs['is_obs_created'] === true,
      is_authorized_bucket: true,
      compress_type: typeof obs['compress_type'] === 'string' ? obs['compress_type'] : 'gzip',
      is_sort_by_service: obs['is_sort_by_service'] !== false,
      ...(typeof obs['bucket_lifecycle'] === 'number' ? { bucket_lifecycle: obs['bucket_lifecycle'] } : {}),
    };
  }
  if (dataBucket && typeof dataBucket['data_bucket_name'] === 'string' && Array.isArray(dataBucket['data_event'])) {
    tracker.data_bucket = {
      data_bucket_name: dataBucket['data_bucket_name'],
      data_event: dataBucket['data_event'].filter((e): e is string => typeof e === 'string'),
      search_enabled: false,
    };
  }
}
