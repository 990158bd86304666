/** The DMS emulator's public shapes: options, databases, users, tickets, faults, recorded requests. */

import type { EmulatedWorkflow } from './approvals.js';

/** The API version the emulator serves. */
export const DMS_API_VERSION = '2018-11-01';

/** Options for {@link DmsEmulator.start}. */
export interface DmsEmulatorOptions {
  /** Default `test-ak`. */
  accessKeyId?: string;
  /** Default `test-sk-secret-value`. */
  accessKeySecret?: string;
  /** The emulator's clock (signature freshness, ticket times). Default `Date.now`. */
  now?: () => number;
  /** Who files the tickets (the AccessKey's DMS user). Default `{ UserId: '200001', NickName: 'chatops-bot' }`. */
  committer?: { UserId: string; NickName: string };
}

/** A database known to the emulator (shape of SearchDatabase's items). */
export interface EmulatedDatabase {
  DatabaseId: string;
  SearchName: string;
  SchemaName: string;
  DbType: string;
  EnvType: string;
  Host: string;
  Port: number;
  Logic: boolean;
}

/** A DMS user known to the emulator (shape of ListUsers' items). */
export interface EmulatedUser {
  UserId: string;
  Uid: string;
  NickName: string;
  Email?: string;
}

/** The three ticket kinds the emulator models. */
export type DmsPluginType = 'DATA_EXPORT' | 'DATA_TRACK' | 'FREE_LOCK_CORRECT';

/** Create actions, by ticket kind. */
export type DmsCreateAction = 'CreateOrder' | 'CreateDataTrackOrder' | 'CreateFreeLockCorrectOrder';

/** A ticket held by the emulator; `getOrder` returns the live object, so tests may tweak it. */
export interface EmulatedOrder {
  orderId: number;
  pluginType: DmsPluginType;
  createdBy: DmsCreateAction;
  comment: string;
  /** Parsed PluginParam (CreateOrder) or Param (the other two). */
  params: Record<string, unknown>;
  /** RelatedUserList exactly as received (string for CreateOrder, JSON text for the others), if sent. */
  relatedUserListRaw?: string;
  /** Related user ids, as strings. */
  relatedUserIds: string[];
  committer: string;
  committerId: string;
  /** DbId the ticket is about (first DbItemList entry for lock-free changes). */
  dbId: number;
  /** Current job status (DATA_EXPORT JobStatus, DATA_TRACK JobStatus, FREE_LOCK_CORRECT Status). */
  status: string;
  /** Status progression copied from the script when the ticket was created. */
  script: string[];
  /** Every status the ticket has had, oldest first. */
  statusHistory: string[];
  /** Set by ApproveOrder REJECT/CANCEL; overrides the StatusCode derived from `status` until the status changes. */
  statusCodeOverride?: string;
  workflowInstanceId: number;
  jobId: number;
  preCheckId: number;
  createTime: string;
  lastModifyTime: string;
  /** Number of detail polls (any Get*Detail / GetOrderBaseInfo) seen for this ticket. */
  detailPolls: number;
  /** UserTip reported for the failed precheck step (FREE_LOCK_CORRECT precheckFailed). */
  precheckUserTip: string;
  submittedForApproval: boolean;
  approvals: Array<{ approvalType: string; comment?: string }>;
  /** The approval nodes and where the ticket is among them (see approvals.ts). */
  workflow: EmulatedWorkflow;
  /** When it was submitted for approval (DMS time text). */
  submittedAt?: string;
  /** Parsed ExecuteDataExport ActionDetail, once executed. */
  exportActionDetail?: Record<string, unknown>;
}

/** A fault to inject with {@link DmsEmulator.failNext}. */
export type DmsFault =
  | { kind: 'throttle'; code?: string; retryAfterSeconds?: number }
  | { kind: 'server'; status?: number; code?: string }
  | { kind: 'business'; code: string; message: string }
  /**
   * The request takes effect, then its answer is replaced: `status` (default 200; any other status answers an error
   * body whose `Code` is `code`, default `ServiceUnavailable` for a 503 and `InternalError` otherwise, `''` for none)
   * and, for a 200, `patch` over the real answer's fields (a field set to null is removed), e.g. a create answered
   * without an order id (`{ CreateOrderResult: null }`) or with a bad one (`{ CreateOrderResult: { OrderIds: [0] } }`).
   */
  | { kind: 'answer'; status?: number; code?: string; patch?: Record<string, unknown> };

/** One request as the emulator saw and answered it. */
export interface RecordedDmsRequest {
  action: string;
  version: string;
  method: string;
  /** Decoded query parameters. */
  query: Record<string, string>;
  /** Decoded form body parameters (empty unless the content type is application/x-www-form-urlencoded). */
  body: Record<string, string>;
  rawBody: string;
  /** Lower-case header names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  /** `'valid'` or the failure code (e.g. `SignatureDoesNotMatch`). */
  signature: 'valid' | string;
  /** Explanation of a signature failure (includes the server's string to sign). */
  signatureMessage?: string;
  /** The x-acs-security-token header, when sent. */
  securityToken?: string;
  /** HTTP status sent (or that would have been sent, when dropped). */
  status: number;
  /** Parsed JSON response body (or what would have been sent, when dropped). */
  response: unknown;
  /** True when dropResponseNext destroyed the socket instead of answering. */
  dropped: boolean;
  /** The fault injected into this request, if any. */
  fault?: DmsFault;
}

/** The ticket kinds the emulator models, for iteration in tests. */
export const DMS_PLUGIN_TYPES: readonly DmsPluginType[] = ['DATA_EXPORT', 'DATA_TRACK', 'FREE_LOCK_CORRECT'];
