import { withoutLinks } from '../../blocks/kit/text.js';
/** How a status reads to a person, and whether it ends the ticket's story. */
export interface StatusInfo {
  emoji: string;
  label: string;
  final: boolean;
  /** One sentence on what happens next, for the thread. */
  hint?: string;
}

type Catalog = Record<string, StatusInfo>;

/** Data export `JobStatus` values (GetDataExportOrderDetail), in their usual order. */
export const EXPORT_STATUSES: Catalog = {
  PRE_CHECKING: {
    emoji: ':hourglass_flowing_sand:',
    label: 'Pre-checking',
    final: false,
    hint: 'DMS is checking the SQL and the estimated rows.',
  },
  PRE_CHECK_SUCCESS: {
    emoji: ':white_check_mark:',
    label: 'Pre-check passed',
    final: false,
    hint: 'Next: submit the ticket for approval.',
  },
  PRE_CHECK_FAIL: {
    emoji: ':x:',
    label: 'Pre-check failed',
    final: true,
    hint: 'Fix the SQL or the estimate in the DMS console and re-run the pre-check, or file a new ticket.',
  },
  WAITING_APPLY_AUDIT: { emoji: ':inbox_tray:', label: 'Waiting to be submitted for approval', final: false },
  APPLY_AUDIT_SUCCESS: {
    emoji: ':eyes:',
    label: 'Submitted for approval',
    final: false,
    hint: 'Waiting for the approvers.',
  },
  ENABLE_EXPORT: {
    emoji: ':unlock:',
    label: 'Approved: ready to export',
    final: false,
    hint: 'The export can be started now.',
  },
  WAITING_EXPORT: { emoji: ':clock3:', label: 'Export scheduled', final: false },
  DOING_EXPORT: { emoji: ':gear:', label: 'Exporting', final: false },
  EXPORT_FAIL: {
    emoji: ':x:',
    label: 'Export failed',
    final: true,
    hint: 'See the ticket in the DMS console for the failure reason.',
  },
  EXPORT_SUCCESS: {
    emoji: ':tada:',
    label: 'Export finished',
    final: true,
    hint: 'The download link goes privately to the requester.',
  },
};

/** General ticket `StatusCode` (GetOrderBaseInfo), keyed lower-case (docs disagree on `Approved`/`approved`). */
export const ORDER_STATUSES: Catalog = {
  new: { emoji: ':outbox_tray:', label: 'Submitted', final: false },
  toaudit: { emoji: ':eyes:', label: 'Waiting for approval', final: false, hint: 'Waiting for the approvers.' },
  approved: { emoji: ':unlock:', label: 'Approved', final: false },
  reject: {
    emoji: ':no_entry:',
    label: 'Rejected',
    final: true,
    hint: 'An approver rejected the ticket; see the DMS console for their comment.',
  },
  processing: { emoji: ':gear:', label: 'Processing', final: false },
  success: { emoji: ':tada:', label: 'Finished', final: true },
  closed: { emoji: ':lock:', label: 'Closed', final: true, hint: 'The ticket was closed in DMS.' },
  cancel: { emoji: ':lock:', label: 'Cancelled', final: true, hint: 'The ticket was cancelled in DMS.' },
};

/** Data tracking `JobStatus` values (GetDataTrackOrderDetail). */
export const TRACK_STATUSES: Catalog = {
  INIT: { emoji: ':outbox_tray:', label: 'Created', final: false },
  LISTING: { emoji: ':mag:', label: 'Listing binary logs', final: false },
  LIST_SUCCESS: { emoji: ':page_facing_up:', label: 'Binary logs listed', final: false },
  DOWNLOADING: { emoji: ':arrow_down:', label: 'Downloading binary logs', final: false },
  DOWNLOAD_FAIL: {
    emoji: ':x:',
    label: 'Download failed',
    final: true,
    hint: 'DMS could not fetch the binary logs for the window (they may have expired). See the DMS console.',
  },
  DOWNLOAD_SUCCESS: { emoji: ':white_check_mark:', label: 'Binary logs downloaded', final: false },
  FILTERING: { emoji: ':gear:', label: 'Filtering changes', final: false },
  FILTER_FAIL: {
    emoji: ':x:',
    label: 'Filtering failed',
    final: true,
    hint: 'See the ticket in the DMS console for the reason.',
  },
  FILTER_SUCCESS: {
    emoji: ':tada:',
    label: 'Tracking finished',
    final: true,
    hint: 'Open the ticket in the DMS console to browse the tracked changes and their rollback SQL.',
  },
};

/** Lock-free data change `Status` values (GetDataCorrectOrderDetail). */
export const CHANGE_STATUSES: Catalog = {
  new: { emoji: ':outbox_tray:', label: 'Submitted', final: false },
  precheck: { emoji: ':hourglass_flowing_sand:', label: 'Pre-checking', final: false },
  precheckFailed: {
    emoji: ':x:',
    label: 'Pre-check failed',
    final: true,
    hint: 'Fix what the pre-check reports in the DMS console, or file a new ticket.',
  },
  precheck_success: { emoji: ':white_check_mark:', label: 'Pre-check passed', final: false },
  toaudit: { emoji: ':eyes:', label: 'Waiting for approval', final: false },
  approved: { emoji: ':unlock:', label: 'Approved', final: false },
  reject: { emoji: ':no_entry:', label: 'Rejected', final: true },
  waiting: { emoji: ':clock3:', label: 'Waiting to run', final: false },
  processing: { emoji: ':gear:', label: 'Running', final: false },
  success: { emoji: ':tada:', label: 'Change applied', final: true },
};

/** The status as it reads in a catalog; unknown values (DMS adds some) are shown verbatim and never final. */
export function statusInfoIn(catalog: Catalog, status: string | null): StatusInfo {
  if (status === null) return { emoji: ':outbox_tray:', label: 'Submitted to DMS', final: false };
  // An unknown status is cloud text shown as it came, minus any link in it.
  return (
    catalog[status] ??
    catalog[status.toLowerCase()] ?? { emoji: ':grey_question:', label: withoutLinks(status), final: false }
  );
}

/** Status info for a data export JobStatus (or `order:<StatusCode>` when the general ticket ended it). */
export function exportStatusInfo(status: string | null): StatusInfo {
  return jobOrOrderStatusInfo(EXPORT_STATUSES, status);
}

/** Prefix for a composite status taken from GetOrderBaseInfo while the job itself has not started. */
export const ORDER_STATUS_PREFIX = 'order:';

/** Status info for a status that may be a job status or `order:<StatusCode>`. */
export function jobOrOrderStatusInfo(catalog: Catalog, status: string | null): StatusInfo {
  if (status?.startsWith(ORDER_STATUS_PREFIX))
    return statusInfoIn(ORDER_STATUSES, status.slice(ORDER_STATUS_PREFIX.length));
  return statusInfoIn(catalog, status);
}
