import { z } from 'zod';
import { withoutLinks } from '../../blocks/kit/text.js';

/** Free text CTS writes (status, detail, error words): data, so any link in it is replaced at the edge. */
const cloudWords = z.string().transform((v) => withoutLinks(v));

// Response schemas are deliberately lenient where the service is richer than the SDK models: `tracker_type`, `status`
// and `detail` are plain strings, and unknown keys are dropped rather than rejected. Null values are removed before
// parsing (see `stripNulls`), so optional fields are `T | undefined`, never `null`.

/** `lts` block of a tracker: trace analysis (LTS) settings. */
export const ltsSchema = z.object({
  is_lts_enabled: z.boolean().optional(),
  log_group_name: z.string().optional(),
  log_topic_name: z.string().optional(),
});

/** `obs_info` block of a tracker as returned: where traces are transferred. */
export const obsInfoSchema = z.object({
  bucket_name: z.string().optional(),
  file_prefix_name: z.string().optional(),
  is_obs_created: z.boolean().optional(),
  is_authorized_bucket: z.boolean().optional(),
  bucket_lifecycle: z.number().int().optional(),
  compress_type: z.string().optional(),
  is_sort_by_service: z.boolean().optional(),
});

/** `data_bucket` block of a data tracker as returned: the OBS bucket whose operations are tracked. */
export const dataBucketSchema = z.object({
  data_bucket_name: z.string().optional(),
  search_enabled: z.boolean().optional(),
  data_event: z.array(z.string()).optional(),
});

/** `management_event_selector` block: services whose traces are not transferred. */
export const managementEventSelectorSchema = z.object({
  exclude_service: z.array(z.string()).optional(),
});

/** A tracker as CreateTracker (201) and ListTrackers return it. */
export const trackerSchema = z.object({
  id: z.string(),
  create_time: z.number().int().optional(),
  tracker_type: z.string(),
  tracker_name: z.string(),
  /** `enabled`, `disabled`, `error`, or values the SDK enums do not list yet. */
  status: cloudWords.optional(),
  /** Why a tracker is in `error`: `bucketPolicyError`, `noBucket`, `arrears`, or others. */
  detail: cloudWords.optional(),
  domain_id: z.string().optional(),
  project_id: z.string().optional(),
  lts: ltsSchema.optional(),
  obs_info: obsInfoSchema.optional(),
  data_bucket: dataBucketSchema.optional(),
  kms_id: z.string().optional(),
  is_support_trace_files_encryption: z.boolean().optional(),
  is_support_validate: z.boolean().optional(),
  is_organization_tracker: z.boolean().optional(),
  management_event_selector: managementEventSelectorSchema.optional(),
  agency_name: z.string().optional(),
  group_id: z.string().optional(),
  stream_id: z.string().optional(),
});

/** ListTrackers 200 body. */
export const listTrackersResponseSchema = z.object({
  trackers: z.array(trackerSchema),
});

/** Error body of CTS (`CTS.xxxx`) and of the API gateway (`APIGW.xxxx`, which adds `request_id`). */
export const ctsErrorBodySchema = z.object({
  // An identifier (`CTS.0201`): URLs go, dotted names stay (shown with cloudCode).
  error_code: z.string().transform((v) => withoutLinks(v, undefined, { keepHosts: true })),
  error_msg: cloudWords.optional(),
  request_id: z.string().optional(),
});

/** A tracker as returned by CTS. */
export type Tracker = z.infer<typeof trackerSchema>;
/** ListTrackers response body. */
export type ListTrackersResponse = z.infer<typeof listTrackersResponseSchema>;
/** CTS / API gateway error body. */
export type CtsErrorBody = z.infer<typeof ctsErrorBodySchema>;

/** Tracker types CreateTracker accepts. */
export type TrackerType = 'system' | 'data';
/** Trace compression on the wire (lowercase). */
export type CompressType = 'gzip' | 'json';
/** Data tracker operations. */
export type DataEvent = 'READ' | 'WRITE';
/** Allowed `obs_info.bucket_lifecycle` values (days) for data trackers. */
export const BUCKET_LIFECYCLE_DAYS = [0, 30, 60, 90, 180, 1095] as const;
/** One of `BUCKET_LIFECYCLE_DAYS`. */
export type BucketLifecycle = (typeof BUCKET_LIFECYCLE_DAYS)[number];

/** `obs_info` of a CreateTracker request. */
export interface TrackerObsInfoRequest {
  bucket_name?: string;
  file_prefix_name?: string;
  is_obs_created?: boolean;
  bucket_lifecycle?: BucketLifecycle;
  compress_type?: CompressType;
  is_sort_by_service?: boolean;
}

/** CreateTracker request body (`POST /v3/{project_id}/tracker`). */
export interface CreateTrackerRequest {
  tracker_type: TrackerType;
  tracker_name: string;
  is_lts_enabled?: boolean;
  is_organization_tracker?: boolean;
  management_event_selector?: { exclude_service: 'KMS'[] };
  obs_info?: TrackerObsInfoRequest;
  is_support_trace_files_encryption?: boolean;
  kms_id?: string;
  is_support_validate?: boolean;
  data_bucket?: { data_bucket_name: string; data_event: DataEvent[] };
  agency_name?: 'cts_admin_trust';
}

/** Filters of ListTrackers (`GET /v3/{project_id}/trackers`). */
export interface ListTrackersFilter {
  trackerName?: string;
  trackerType?: TrackerType;
}

/** Returns a copy of parsed JSON with every `null` object value removed (arrays keep their elements). */
export function stripNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripNulls);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = stripNulls(v);
    return out;
  }
  return value;
}
