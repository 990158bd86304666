/** Ticket statuses the DMS emulator models: default scripts, StatusCode per job status, descriptions. */
import type { DmsPluginType } from './types.js';

/** Default status progressions for new tickets. */
export const DEFAULT_STATUS_SCRIPTS: Readonly<Record<DmsPluginType, readonly string[]>> = {
  DATA_EXPORT: [
    'PRE_CHECKING',
    'PRE_CHECK_SUCCESS',
    'WAITING_APPLY_AUDIT',
    'APPLY_AUDIT_SUCCESS',
    'ENABLE_EXPORT',
    'WAITING_EXPORT',
    'DOING_EXPORT',
    'EXPORT_SUCCESS',
  ],
  DATA_TRACK: ['INIT', 'LISTING', 'LIST_SUCCESS', 'DOWNLOADING', 'DOWNLOAD_SUCCESS', 'FILTERING', 'FILTER_SUCCESS'],
  FREE_LOCK_CORRECT: ['new', 'precheck', 'precheck_success', 'toaudit', 'Approved', 'waiting', 'processing', 'Success'],
};

/** General ticket StatusCode (GetOrderBaseInfo/ListOrders) for each job status; unknown statuses map to `processing`. */
export const STATUS_CODE: Readonly<Record<DmsPluginType, Readonly<Record<string, string>>>> = {
  DATA_EXPORT: {
    PRE_CHECKING: 'new',
    PRE_CHECK_SUCCESS: 'new',
    PRE_CHECK_FAIL: 'closed',
    WAITING_APPLY_AUDIT: 'toaudit',
    APPLY_AUDIT_SUCCESS: 'toaudit',
    ENABLE_EXPORT: 'Approved',
    WAITING_EXPORT: 'processing',
    DOING_EXPORT: 'processing',
    EXPORT_SUCCESS: 'success',
    EXPORT_FAIL: 'closed',
  },
  DATA_TRACK: {
    INIT: 'new',
    LISTING: 'processing',
    LIST_SUCCESS: 'processing',
    DOWNLOADING: 'processing',
    DOWNLOAD_SUCCESS: 'processing',
    DOWNLOAD_FAIL: 'closed',
    FILTERING: 'processing',
    FILTER_SUCCESS: 'success',
    FILTER_FAIL: 'closed',
  },
  FREE_LOCK_CORRECT: {
    new: 'new',
    precheck: 'new',
    precheckFailed: 'closed',
    precheck_success: 'new',
    toaudit: 'toaudit',
    Approved: 'Approved',
    reject: 'reject',
    waiting: 'processing',
    processing: 'processing',
    Success: 'success',
  },
};

/** StatusDesc for each general StatusCode. */
export const STATUS_CODE_DESC: Readonly<Record<string, string>> = {
  new: 'New',
  toaudit: 'Pending approval',
  Approved: 'Approved',
  reject: 'Rejected',
  processing: 'Processing',
  success: 'Succeeded',
  closed: 'Closed',
};

/** StatusDesc for each job status (data tracking details). */
export const JOB_STATUS_DESC: Readonly<Record<string, string>> = {
  PRE_CHECKING: 'Prechecking',
  PRE_CHECK_SUCCESS: 'Precheck passed',
  PRE_CHECK_FAIL: 'Precheck failed',
  WAITING_APPLY_AUDIT: 'Waiting to be submitted for approval',
  APPLY_AUDIT_SUCCESS: 'Submitted for approval',
  ENABLE_EXPORT: 'Approved, ready to export',
  WAITING_EXPORT: 'Waiting to be scheduled for export',
  DOING_EXPORT: 'Exporting',
  EXPORT_SUCCESS: 'Exported',
  EXPORT_FAIL: 'Export failed',
  INIT: 'Initialising',
  LISTING: 'Listing binary logs',
  LIST_SUCCESS: 'Binary logs listed',
  DOWNLOADING: 'Downloading binary logs',
  DOWNLOAD_SUCCESS: 'Binary logs downloaded',
  DOWNLOAD_FAIL: 'Download failed',
  FILTERING: 'Filtering',
  FILTER_SUCCESS: 'Tracking finished',
  FILTER_FAIL: 'Filtering failed',
};

/** Statuses whose StatusCode counts as finished for ListOrders OrderStatus=FINISHED. */
export const FINISHED_STATUS_CODES = new Set(['success', 'closed', 'reject']);
