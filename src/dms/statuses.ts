/** How a status reads to a person, and whether it ends the ticket's story. */
export interface StatusInfo {
  emoji: string;
  label: string;
  final: boolean;
  /** One sentence on what happens next, for the thread. */
  hint?: string;
}

/** Data export `JobStatus` values (GetDataExportOrderDetail), in their usual order. */
export const EXPORT_STATUSES: Record<string, StatusInfo> = {
  PRE_CHECKING: { emoji: ':hourglass_flowing_sand:', label: 'Pre-checking', final: false, hint: 'DMS is checking the SQL and the estimated rows.' },
  PRE_CHECK_SUCCESS: { emoji: ':white_check_mark:', label: 'Pre-check passed', final: false, hint: 'Next: submit the ticket for approval.' },
  PRE_CHECK_FAIL: { emoji: ':x:', label: 'Pre-check failed', final: true, hint: 'Fix the SQL or the estimate in the DMS console and re-run the pre-check, or file a new ticket.' },
  WAITING_APPLY_AUDIT: { emoji: ':inbox_tray:', label: 'Waiting to be submitted for approval', final: false },
  APPLY_AUDIT_SUCCESS: { emoji: ':eyes:', label: 'Submitted for approval', final: false, hint: 'Waiting for the approvers.' },
  ENABLE_EXPORT: { emoji: ':unlock:', label: 'Approved: ready to export', final: false, hint: 'The export can be started now.' },
  WAITING_EXPORT: { emoji: ':clock3:', label: 'Export scheduled', final: false },
  DOING_EXPORT: { emoji: ':gear:', label: 'Exporting', final: false },
  EXPORT_FAIL: { emoji: ':x:', label: 'Export failed', final: true, hint: 'See the ticket in the DMS console for the failure reason.' },
  EXPORT_SUCCESS: { emoji: ':tada:', label: 'Export finished', final: true, hint: 'The requester can download the result from DMS.' },
};

/** Status info for any value, including ones DMS adds later (shown verbatim, never treated as final). */
export function exportStatusInfo(status: string | null): StatusInfo {
  if (status === null) return { emoji: ':outbox_tray:', label: 'Submitted to DMS', final: false };
  return EXPORT_STATUSES[status] ?? { emoji: ':grey_question:', label: status, final: false };
}
