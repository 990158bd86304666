/**
 * Loopback emulator of Alibaba Cloud DMS Enterprise's RPC API (version 2018-11-01) for tests.
 *
 * Verifies ACS3-HMAC-SHA256 signatures, enforces the parameter locations of /work/shared/reference/dms.md (Q = query,
 * B = form body), keeps tickets in memory, moves them through scripted statuses, and injects faults on request.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { parseRawQuery, utcFromMatch, verifyAcs3Request } from './acs3.js';

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
const STATUS_CODE: Readonly<Record<DmsPluginType, Readonly<Record<string, string>>>> = {
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

const STATUS_CODE_DESC: Readonly<Record<string, string>> = {
  new: 'New',
  toaudit: 'Pending approval',
  Approved: 'Approved',
  reject: 'Rejected',
  processing: 'Processing',
  success: 'Succeeded',
  closed: 'Closed',
};

const JOB_STATUS_DESC: Readonly<Record<string, string>> = {
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
const FINISHED_STATUS_CODES = new Set(['success', 'closed', 'reject']);

/** The ticket kinds the emulator models, for iteration in tests. */
export const DMS_PLUGIN_TYPES: readonly DmsPluginType[] = ['DATA_EXPORT', 'DATA_TRACK', 'FREE_LOCK_CORRECT'];

/** An HTTP-level error answer (`{RequestId, Code, Message}`). */
class HttpApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** A business failure (HTTP 200, `Success:false`). */
class BusinessError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function missingParameter(name: string): HttpApiError {
  return new HttpApiError(
    400,
    'MissingParameter',
    `The input parameter "${name}" that is mandatory for processing this request is not supplied.`,
  );
}

function invalidParameter(name: string, why: string): HttpApiError {
  return new HttpApiError(400, 'InvalidParameter', `The specified parameter "${name}" is not valid: ${why}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** Formats ms since the epoch as DMS does in responses: `yyyy-MM-dd HH:mm:ss` (UTC here). */
function formatDmsTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
}

function parseDmsTime(value: string): number | undefined {
  return utcFromMatch(/^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(value));
}

/** Parameters of one request split by location, with strict lookup helpers. */
class Params {
  constructor(
    readonly query: Record<string, string>,
    readonly body: Record<string, string>,
  ) {}

  private source(where: 'Q' | 'B'): Record<string, string> {
    return where === 'Q' ? this.query : this.body;
  }

  /** A required parameter; missing or empty in its location → MissingParameter. */
  required(where: 'Q' | 'B', name: string): string {
    const value = this.source(where)[name];
    if (value === undefined || value === '') throw missingParameter(name);
    return value;
  }

  /** An optional parameter; only its own location is consulted. */
  optional(where: 'Q' | 'B', name: string): string | undefined {
    return this.source(where)[name];
  }

  /** A required JSON parameter; malformed JSON → InvalidParameter. */
  requiredJson(where: 'Q' | 'B', name: string): unknown {
    return parseJson(name, this.required(where, name));
  }

  /** An optional long (digits); malformed → InvalidParameter. */
  optionalLong(where: 'Q' | 'B', name: string): number | undefined {
    const value = this.optional(where, name);
    if (value === undefined || value === '') return undefined;
    if (!/^-?\d+$/.test(value)) throw invalidParameter(name, `expected an integer, got "${value}".`);
    return Number(value);
  }

  /** A required long (digits). */
  requiredLong(where: 'Q' | 'B', name: string): number {
    const value = this.required(where, name);
    if (!/^\d+$/.test(value)) throw invalidParameter(name, `expected an integer, got "${value}".`);
    return Number(value);
  }
}

function parseJson(name: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw invalidParameter(name, 'the value is not valid JSON.');
  }
}

/** Rejects keys that are a known key in the wrong case (e.g. `DbId` where `dbId` is expected). */
function rejectWrongCaseKeys(name: string, obj: Record<string, unknown>, known: readonly string[]): void {
  for (const key of Object.keys(obj)) {
    if (known.includes(key)) continue;
    const match = known.find((k) => k.toLowerCase() === key.toLowerCase());
    if (match !== undefined) throw invalidParameter(`${name}.${key}`, `unknown key; did you mean "${match}"?`);
  }
}

/** The JSON type of a value, as an API page's field table would name it. */
function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'Array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'Long' : 'Double';
  if (typeof value === 'string') return 'String';
  if (typeof value === 'boolean') return 'Boolean';
  return 'Object';
}

/** A field the page declares Long: a JSON integer only (the SDK model's number), never a numeric string. */
function readLong(name: string, value: unknown, opts: { min?: number } = {}): number {
  if (value === undefined) throw invalidParameter(name, 'the key is required.');
  if (typeof value !== 'number' || !Number.isSafeInteger(value))
    throw invalidParameter(name, `expected a Long (a JSON number), got ${jsonTypeOf(value)} ${JSON.stringify(value)}.`);
  if (opts.min !== undefined && value < opts.min) throw invalidParameter(name, `must be at least ${opts.min}.`);
  return value;
}

/** A database id the page declares Long (CreateOrder's dbId, DbItemList[].DbId). */
function readLongDbId(name: string, value: unknown): number {
  return readLong(name, value, { min: 1 });
}

/** A database id the page declares String (CreateDataTrackOrder's Param.DbId, e.g. `"1001"`): never a JSON number. */
function readStringDbId(name: string, value: unknown): number {
  if (value === undefined) throw invalidParameter(name, 'the key is required.');
  if (typeof value !== 'string')
    throw invalidParameter(name, `expected a String (e.g. "1001"), got ${jsonTypeOf(value)} ${JSON.stringify(value)}.`);
  if (!/^[1-9]\d{0,18}$/.test(value)) throw invalidParameter(name, `expected a database id, got "${value}".`);
  return Number(value);
}

/** A field the page declares Array of String. */
function readStringArray(name: string, value: unknown): string[] {
  if (value === undefined) throw invalidParameter(name, 'the key is required.');
  if (!Array.isArray(value)) throw invalidParameter(name, `expected an Array of String, got ${jsonTypeOf(value)}.`);
  value.forEach((v: unknown, i) => {
    if (typeof v !== 'string') throw invalidParameter(`${name}[${i}]`, `expected a String, got ${jsonTypeOf(v)}.`);
  });
  return value as string[];
}

function readString(
  name: string,
  value: unknown,
  opts: { nonEmpty?: boolean; optional?: boolean } = {},
): string | undefined {
  if (value === undefined && opts.optional) return undefined;
  if (value === undefined) throw invalidParameter(name, 'the key is required.');
  if (typeof value !== 'string') throw invalidParameter(name, `expected a String, got ${jsonTypeOf(value)}.`);
  if (opts.nonEmpty && value.trim() === '') throw invalidParameter(name, 'must not be empty.');
  return value;
}

function readBoolean(name: string, value: unknown): boolean {
  if (value === undefined) throw invalidParameter(name, 'the key is required.');
  if (typeof value !== 'boolean')
    throw invalidParameter(name, `expected a Boolean, got ${jsonTypeOf(value)} ${JSON.stringify(value)}.`);
  return value;
}

function pageOf<T>(items: readonly T[], params: Params): T[] {
  const pageNumber = params.optionalLong('Q', 'PageNumber') ?? 1;
  const pageSize = params.optionalLong('Q', 'PageSize') ?? 20;
  if (pageNumber < 1) throw invalidParameter('PageNumber', 'must be at least 1.');
  if (pageSize < 1 || pageSize > 100) throw invalidParameter('PageSize', 'must be between 1 and 100.');
  return items.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
}

/** Outcome of handling one request, before it is written. */
interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

type Handler = (params: Params) => Record<string, unknown>;

/** In-memory DMS Enterprise RPC endpoint on 127.0.0.1 with ACS3 signature checks, ticket state and fault injection. */
export class DmsEmulator {
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  /** Every request in arrival order. */
  readonly requests: RecordedDmsRequest[] = [];
  /** When N, every Nth detail poll of a ticket advances it one step; null = manual only. */
  autoAdvanceEvery: number | null = null;
  /** Orders whose GetDataExportDownloadURL answers HasResult=false with this TipMessage, even after EXPORT_SUCCESS. */
  readonly noResultTips = new Map<number, string>();
  /**
   * Random faults for fault-injection runs: each request of a matching action is throttled (`Throttling.User`, HTTP
   * 400 with Retry-After) with probability `throttle`, else answered with a 5xx with probability `serverError`
   * (before it takes effect), and delayed up to `maxLatencyMs`. `random` makes runs repeatable.
   */
  chaos: {
    throttle: number;
    serverError: number;
    maxLatencyMs: number;
    actions?: (action: string) => boolean;
    random?: () => number;
  } | null = null;
  /** When true, ListUsers by an unknown email creates a DMS user for it (sandbox: every Slack user has an account). */
  autoUsers = false;
  /** Delay added before answering each request (ms), or a function of the action. */
  latencyMs: number | ((action: string) => number) = 0;

  private readonly server: Server;
  private readonly now: () => number;
  private readonly committer: { UserId: string; NickName: string };
  private readonly databases = new Map<string, EmulatedDatabase>();
  private readonly users = new Map<string, EmulatedUser>();
  private readonly orders = new Map<number, EmulatedOrder>();
  private readonly scripts: Record<DmsPluginType, string[]> = {
    DATA_EXPORT: [...DEFAULT_STATUS_SCRIPTS.DATA_EXPORT],
    DATA_TRACK: [...DEFAULT_STATUS_SCRIPTS.DATA_TRACK],
    FREE_LOCK_CORRECT: [...DEFAULT_STATUS_SCRIPTS.FREE_LOCK_CORRECT],
  };
  private readonly faults: Array<{ action: string; fault: DmsFault; remaining: number }> = [];
  private readonly drops = new Map<string, number>();
  private readonly seenNonces = new Set<string>();
  private readonly handlers: Record<string, Handler>;
  private nextOrderId = 100001;
  private nextWorkflowId = 500001;

  private constructor(server: Server, port: number, opts: DmsEmulatorOptions) {
    this.server = server;
    this.endpoint = `http://127.0.0.1:${port}`;
    this.accessKeyId = opts.accessKeyId ?? 'test-ak';
    this.accessKeySecret = opts.accessKeySecret ?? 'test-sk-secret-value';
    this.now = opts.now ?? (() => Date.now());
    this.committer = opts.committer ?? { UserId: '200001', NickName: 'chatops-bot' };
    this.handlers = {
      CreateOrder: (p) => this.createOrder(p),
      CreateDataTrackOrder: (p) => this.createDataTrackOrder(p),
      CreateFreeLockCorrectOrder: (p) => this.createFreeLockCorrectOrder(p),
      GetDataExportOrderDetail: (p) => this.getDataExportOrderDetail(p),
      GetOrderBaseInfo: (p) => this.getOrderBaseInfo(p),
      GetDataTrackOrderDetail: (p) => this.getDataTrackOrderDetail(p),
      GetDataCorrectOrderDetail: (p) => this.getDataCorrectOrderDetail(p),
      SubmitOrderApproval: (p) => this.submitOrderApproval(p),
      ApproveOrder: (p) => this.approveOrder(p),
      ExecuteDataExport: (p) => this.executeDataExport(p),
      GetDataExportDownloadURL: (p) => this.getDataExportDownloadUrl(p),
      ListOrders: (p) => this.listOrders(p),
      SearchDatabase: (p) => this.searchDatabase(p),
      ListUsers: (p) => this.listUsers(p),
    };
  }

  /** Starts an emulator on 127.0.0.1 with a random port. */
  static async start(opts: DmsEmulatorOptions = {}): Promise<DmsEmulator> {
    let emulator: DmsEmulator | undefined;
    const server = createServer((req, res) => {
      if (!emulator) {
        res.destroy();
        return;
      }
      emulator.handle(req, res).catch(() => {
        // The socket may already be gone (dropped response, client abort, close()); nothing left to answer.
        if (!res.headersSent) res.destroy();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const port = (server.address() as AddressInfo).port;
    emulator = new DmsEmulator(server, port, opts);
    return emulator;
  }

  /** Requests recorded for one action, in arrival order. */
  calls(action: string): RecordedDmsRequest[] {
    return this.requests.filter((r) => r.action === action);
  }

  /** Registers a database for SearchDatabase and DbId checks; unspecified fields get plausible defaults. */
  addDatabase(db: Partial<EmulatedDatabase> & { DatabaseId: string; SearchName: string }): void {
    const schema = db.SchemaName ?? db.SearchName.split('@')[0] ?? db.SearchName;
    this.databases.set(db.DatabaseId, {
      DatabaseId: db.DatabaseId,
      SearchName: db.SearchName,
      SchemaName: schema,
      DbType: db.DbType ?? 'mysql',
      EnvType: db.EnvType ?? 'product',
      Host: db.Host ?? '10.0.0.10',
      Port: db.Port ?? 3306,
      Logic: db.Logic ?? false,
    });
  }

  /** Registers a DMS user for ListUsers; Uid defaults to UserId. */
  addUser(user: { UserId: string; Uid?: string; NickName: string; Email?: string }): void {
    const stored: EmulatedUser = { UserId: user.UserId, Uid: user.Uid ?? user.UserId, NickName: user.NickName };
    if (user.Email !== undefined) stored.Email = user.Email;
    this.users.set(user.UserId, stored);
  }

  /** The live ticket object, or undefined. */
  getOrder(orderId: number): EmulatedOrder | undefined {
    return this.orders.get(orderId);
  }

  /** All tickets, oldest first. */
  allOrders(): EmulatedOrder[] {
    return [...this.orders.values()];
  }

  /** Sets the status progression used by tickets of that kind created from now on. */
  setStatusScript(pluginType: DmsPluginType, statuses: string[]): void {
    if (statuses.length === 0) throw new Error('a status script needs at least one status');
    this.scripts[pluginType] = [...statuses];
  }

  /** Moves a ticket `steps` statuses along its script (stopping at the end); returns the new status. */
  advance(orderId: number, steps = 1): string {
    const order = this.mustGetOrder(orderId);
    const index = order.script.indexOf(order.status);
    if (index === -1) {
      throw new Error(`order ${orderId} is in status "${order.status}", which is not part of its script`);
    }
    const target = Math.min(index + Math.max(0, steps), order.script.length - 1);
    const next = order.script[target];
    if (next !== undefined && next !== order.status) this.changeStatus(order, next);
    return order.status;
  }

  /** Forces a ticket into any status (e.g. EXPORT_FAIL, precheckFailed). */
  setStatus(orderId: number, status: string): void {
    this.changeStatus(this.mustGetOrder(orderId), status);
  }

  /** Queues a fault for the next `count` requests of `action` ('*' = any action); faults fire after signature checks. */
  failNext(action: string, fault: DmsFault, count = 1): void {
    if (count > 0) this.faults.push({ action, fault, remaining: count });
  }

  /** Performs the next request of `action`, then destroys the socket without answering. */
  dropResponseNext(action: string): void {
    this.drops.set(action, (this.drops.get(action) ?? 0) + 1);
  }

  /** Stops listening and drops open connections. */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  // ---------------------------------------------------------------------------------------------------------------
  // HTTP plumbing

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks);
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const query = Object.fromEntries(parseRawQuery(q === -1 ? '' : url.slice(q + 1)));
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headersDistinct)) {
      if (value !== undefined) headers[name] = value.join(', ');
    }
    const contentType = (headers['content-type'] ?? '').toLowerCase();
    const bodyText = rawBody.toString('utf8');
    const body = contentType.startsWith('application/x-www-form-urlencoded')
      ? Object.fromEntries(parseRawQuery(bodyText))
      : {};
    const action = headers['x-acs-action'] ?? '';
    const record: RecordedDmsRequest = {
      action,
      version: headers['x-acs-version'] ?? '',
      method: req.method ?? '',
      query,
      body,
      rawBody: bodyText,
      headers,
      signature: 'valid',
      status: 0,
      response: undefined,
      dropped: false,
    };
    if (headers['x-acs-security-token'] !== undefined) record.securityToken = headers['x-acs-security-token'];
    this.requests.push(record);

    const chaos = this.chaos && (!this.chaos.actions || this.chaos.actions(action)) ? this.chaos : null;
    const rnd = chaos?.random ?? Math.random;
    const latency =
      (typeof this.latencyMs === 'function' ? this.latencyMs(action) : this.latencyMs) +
      (chaos ? Math.floor(rnd() * chaos.maxLatencyMs) : 0);
    if (latency > 0) await delay(latency);
    if (chaos) {
      const roll = rnd();
      if (roll < chaos.throttle)
        this.failNext(action, { kind: 'throttle', code: 'Throttling.User', retryAfterSeconds: 1 });
      else if (roll < chaos.throttle + chaos.serverError)
        this.failNext(action, { kind: 'server', status: 503, code: 'ServiceUnavailable' });
    }

    let drop = false;
    let answer: Answer;
    try {
      answer = this.process(req, path, rawBody, record, new Params(query, body), () => {
        drop = true;
      });
    } catch (err) {
      answer = this.errorAnswer(err);
    }
    record.status = answer.status;
    record.response = answer.body;
    if (drop) {
      record.dropped = true;
      res.socket?.destroy();
      return;
    }
    const text = JSON.stringify(answer.body);
    res.writeHead(answer.status, {
      'content-type': 'application/json;charset=utf-8',
      'content-length': Buffer.byteLength(text),
      'x-acs-request-id': String(answer.body['RequestId']),
      ...answer.headers,
    });
    res.end(text);
  }

  private process(
    req: IncomingMessage,
    path: string,
    rawBody: Buffer,
    record: RecordedDmsRequest,
    params: Params,
    markDrop: () => void,
  ): Answer {
    if (req.method !== 'POST') {
      throw new HttpApiError(
        400,
        'UnsupportedHTTPMethod',
        `This action does not support the HTTP method "${req.method ?? ''}"; use POST.`,
      );
    }
    if (path !== '/') {
      throw new HttpApiError(
        404,
        'InvalidAction.NotFound',
        `Specified api is not found, please check your url and method (path "${path}").`,
      );
    }
    const verdict = verifyAcs3Request(
      { method: req.method, url: req.url ?? '/', headers: req.headersDistinct, body: rawBody },
      { lookupSecret: (ak) => (ak === this.accessKeyId ? this.accessKeySecret : undefined), now: this.now() },
    );
    if (!verdict.ok) {
      record.signature = verdict.code;
      record.signatureMessage = verdict.message;
      throw new HttpApiError(verdict.httpStatus, verdict.code, verdict.message);
    }
    const nonce = record.headers['x-acs-signature-nonce'] ?? '';
    if (this.seenNonces.has(nonce)) {
      record.signature = 'SignatureNonceUsed';
      throw new HttpApiError(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.');
    }
    this.seenNonces.add(nonce);

    const fault = this.takeFault(record.action);
    if (fault) record.fault = fault;
    if (fault && fault.kind !== 'answer') return this.faultAnswer(fault);
    if (record.version !== DMS_API_VERSION) {
      throw new HttpApiError(400, 'InvalidVersion', `Specified parameter Version is not valid: "${record.version}".`);
    }
    const handler = this.handlers[record.action];
    if (!handler) {
      throw new HttpApiError(
        404,
        'InvalidAction.NotFound',
        `Specified api is not found, please check your url and method (action "${record.action}").`,
      );
    }
    let answer: Answer;
    try {
      const result = handler(params);
      answer = { status: 200, body: { RequestId: this.requestId(), Success: true, ...result }, headers: {} };
    } catch (err) {
      if (!(err instanceof BusinessError)) throw err; // HTTP-level rejections are answered and do not consume a drop
      answer = {
        status: 200,
        body: { RequestId: this.requestId(), Success: false, ErrorCode: err.code, ErrorMessage: err.message },
        headers: {},
      };
    }
    if (fault?.kind === 'answer') answer = this.replacedAnswer(answer, fault);
    const pendingDrops = this.drops.get(record.action) ?? 0;
    if (pendingDrops > 0) {
      if (pendingDrops === 1) this.drops.delete(record.action);
      else this.drops.set(record.action, pendingDrops - 1);
      markDrop();
    }
    return answer;
  }

  private errorAnswer(err: unknown): Answer {
    if (err instanceof HttpApiError) {
      return {
        status: err.status,
        body: {
          RequestId: this.requestId(),
          HostId: 'dms-enterprise.cn-hangzhou.aliyuncs.com',
          Code: err.code,
          Message: err.message,
        },
        headers: err.headers,
      };
    }
    const message = err instanceof Error ? err.message : String(err);
    return {
      status: 500,
      body: {
        RequestId: this.requestId(),
        Code: 'InternalError',
        Message: `The request processing has failed due to some unknown error. (${message})`,
      },
      headers: {},
    };
  }

  private takeFault(action: string): DmsFault | undefined {
    const index = this.faults.findIndex((f) => f.action === action || f.action === '*');
    const entry = this.faults[index];
    if (!entry) return undefined;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.faults.splice(index, 1);
    return entry.fault;
  }

  private faultAnswer(fault: DmsFault): Answer {
    const requestId = this.requestId();
    switch (fault.kind) {
      case 'throttle': {
        const headers: Record<string, string> = {};
        if (fault.retryAfterSeconds !== undefined)
          headers['x-acs-retry-after'] = String(Math.round(fault.retryAfterSeconds * 1000));
        return {
          status: 400,
          body: {
            RequestId: requestId,
            Code: fault.code ?? 'Throttling.User',
            Message: 'Request was denied due to user flow control.',
          },
          headers,
        };
      }
      case 'server': {
        const status = fault.status ?? 503;
        const code = fault.code ?? (status === 503 ? 'ServiceUnavailable' : 'InternalError');
        return {
          status,
          body: {
            RequestId: requestId,
            Code: code,
            Message: 'The request has failed due to a temporary failure of the server.',
          },
          headers: {},
        };
      }
      case 'business':
        return {
          status: 200,
          body: { RequestId: requestId, Success: false, ErrorCode: fault.code, ErrorMessage: fault.message },
          headers: {},
        };
      case 'answer':
        throw new Error('an answer fault replaces a real answer');
    }
  }

  /** The answer of an `answer` fault: the request took effect; what goes back is not what happened. */
  private replacedAnswer(
    real: Answer,
    fault: { status?: number; code?: string; patch?: Record<string, unknown> },
  ): Answer {
    const status = fault.status ?? 200;
    if (status !== 200) {
      const code = fault.code ?? (status === 503 ? 'ServiceUnavailable' : 'InternalError');
      const message = 'The request has failed due to a temporary failure of the server.';
      return {
        status,
        body: { RequestId: real.body['RequestId'], ...(code === '' ? {} : { Code: code }), Message: message },
        headers: {},
      };
    }
    const body: Record<string, unknown> = { ...real.body };
    for (const [k, v] of Object.entries(fault.patch ?? {})) {
      if (v === null) delete body[k];
      else body[k] = v;
    }
    return { ...real, body };
  }

  private requestId(): string {
    return randomUUID().toUpperCase();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Ticket state

  private mustGetOrder(orderId: number): EmulatedOrder {
    const order = this.orders.get(orderId);
    if (!order) throw new Error(`no such order ${orderId}`);
    return order;
  }

  private changeStatus(order: EmulatedOrder, status: string): void {
    order.status = status;
    order.statusHistory.push(status);
    delete order.statusCodeOverride;
    order.lastModifyTime = formatDmsTime(this.now());
  }

  private statusCode(order: EmulatedOrder): string {
    return order.statusCodeOverride ?? STATUS_CODE[order.pluginType][order.status] ?? 'processing';
  }

  private requireDatabase(dbId: number, logic: boolean | undefined): EmulatedDatabase {
    const db = this.databases.get(String(dbId));
    if (!db || (logic !== undefined && db.Logic !== logic)) {
      throw new BusinessError(
        'InvalidDbId',
        `The database (DbId=${dbId}${logic ? ', logic' : ''}) does not exist or you have no permission on it.`,
      );
    }
    return db;
  }

  private storeOrder(init: {
    pluginType: DmsPluginType;
    createdBy: DmsCreateAction;
    comment: string;
    params: Record<string, unknown>;
    relatedUserListRaw: string | undefined;
    relatedUserIds: string[];
    dbId: number;
  }): EmulatedOrder {
    const orderId = this.nextOrderId++;
    const script = [...this.scripts[init.pluginType]];
    const first = script[0] ?? 'new';
    const time = formatDmsTime(this.now());
    const order: EmulatedOrder = {
      orderId,
      pluginType: init.pluginType,
      createdBy: init.createdBy,
      comment: init.comment,
      params: init.params,
      relatedUserIds: init.relatedUserIds,
      committer: this.committer.NickName,
      committerId: this.committer.UserId,
      dbId: init.dbId,
      status: first,
      script,
      statusHistory: [first],
      workflowInstanceId: this.nextWorkflowId++,
      jobId: 700000 + orderId,
      preCheckId: 800000 + orderId,
      createTime: time,
      lastModifyTime: time,
      detailPolls: 0,
      precheckUserTip: 'SQL syntax check failed: the statement cannot be parsed.',
      submittedForApproval: false,
      approvals: [],
    };
    if (init.relatedUserListRaw !== undefined) order.relatedUserListRaw = init.relatedUserListRaw;
    this.orders.set(orderId, order);
    return order;
  }

  /** Finds a ticket for a detail call, counting the poll and auto-advancing when configured. */
  private pollOrder(params: Params, where: 'Q' | 'B', expected?: DmsPluginType): EmulatedOrder {
    const orderId = params.requiredLong(where, 'OrderId');
    const order = this.orders.get(orderId);
    if (!order) throw new BusinessError('InvalidOrderId', `The ticket (OrderId=${orderId}) does not exist.`);
    if (expected !== undefined && order.pluginType !== expected) {
      throw new BusinessError('InvalidOrderId', `The ticket (OrderId=${orderId}) is not a ${expected} ticket.`);
    }
    order.detailPolls += 1;
    const every = this.autoAdvanceEvery;
    if (every !== null && every > 0 && order.detailPolls % every === 0) {
      const index = order.script.indexOf(order.status);
      const next = order.script[index + 1];
      if (index !== -1 && next !== undefined) this.changeStatus(order, next);
    }
    return order;
  }

  private findOrder(params: Params, where: 'Q' | 'B'): EmulatedOrder {
    const orderId = params.requiredLong(where, 'OrderId');
    const order = this.orders.get(orderId);
    if (!order) throw new BusinessError('InvalidOrderId', `The ticket (OrderId=${orderId}) does not exist.`);
    return order;
  }

  private checkTid(params: Params): void {
    params.optionalLong('Q', 'Tid');
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Create actions

  private createOrder(params: Params): Record<string, unknown> {
    this.checkTid(params);
    const comment = params.required('Q', 'Comment');
    const pluginType = params.required('Q', 'PluginType');
    const related = params.optional('Q', 'RelatedUserList');
    if (related !== undefined && !/^(\d+(,\d+)*)?$/.test(related)) {
      throw invalidParameter('RelatedUserList', 'expected comma-separated user ids, e.g. "51,52".');
    }
    const pluginParam = params.requiredJson('B', 'PluginParam');
    if (!isRecord(pluginParam)) throw invalidParameter('PluginParam', 'expected a JSON object.');
    if (pluginType !== 'DATA_EXPORT') {
      throw new BusinessError(
        'UnsupportedPluginType',
        `The emulator only models PluginType DATA_EXPORT for CreateOrder, got "${pluginType}".`,
      );
    }
    const known = ['classify', 'dbId', 'exeSQL', 'logic', 'ignoreAffectRows', 'affectRows', 'ignoreAffectRowsReason'];
    rejectWrongCaseKeys('PluginParam', pluginParam, known);
    for (const key of Object.keys(pluginParam)) {
      if (/^[A-Z]/.test(key))
        throw invalidParameter(`PluginParam.${key}`, 'unknown key (PluginParam keys are camelCase).');
    }
    const dbId = readLongDbId('PluginParam.dbId', pluginParam['dbId']);
    readString('PluginParam.exeSQL', pluginParam['exeSQL'], { nonEmpty: true });
    readString('PluginParam.classify', pluginParam['classify']);
    const logic = readBoolean('PluginParam.logic', pluginParam['logic']);
    readBoolean('PluginParam.ignoreAffectRows', pluginParam['ignoreAffectRows']);
    readLong('PluginParam.affectRows', pluginParam['affectRows'], { min: 0 });
    readString('PluginParam.ignoreAffectRowsReason', pluginParam['ignoreAffectRowsReason']);
    this.requireDatabase(dbId, logic);
    const order = this.storeOrder({
      pluginType: 'DATA_EXPORT',
      createdBy: 'CreateOrder',
      comment,
      params: pluginParam,
      relatedUserListRaw: related,
      relatedUserIds: related ? related.split(',') : [],
      dbId,
    });
    return { CreateOrderResult: { OrderIds: [order.orderId] } };
  }

  private createDataTrackOrder(params: Params): Record<string, unknown> {
    this.checkTid(params);
    const comment = params.required('Q', 'Comment');
    const param = params.requiredJson('Q', 'Param');
    if (!isRecord(param)) throw invalidParameter('Param', 'expected a JSON object.');
    rejectWrongCaseKeys('Param', param, ['DbId', 'JobStartTime', 'JobEndTime', 'TableNames', 'TrackTypes']);
    const dbId = readStringDbId('Param.DbId', param['DbId']);
    const start = readString('Param.JobStartTime', param['JobStartTime']) ?? '';
    const end = readString('Param.JobEndTime', param['JobEndTime']) ?? '';
    const startMs = parseDmsTime(start);
    const endMs = parseDmsTime(end);
    if (startMs === undefined) throw invalidParameter('Param.JobStartTime', 'expected yyyy-MM-dd HH:mm:ss.');
    if (endMs === undefined) throw invalidParameter('Param.JobEndTime', 'expected yyyy-MM-dd HH:mm:ss.');
    if (endMs <= startMs) throw invalidParameter('Param.JobEndTime', 'must be after JobStartTime.');
    const tables = readStringArray('Param.TableNames', param['TableNames']);
    if (tables.length === 0 || !tables.every((t) => t !== '')) {
      throw invalidParameter('Param.TableNames', 'expected a non-empty array of table names.');
    }
    const types = readStringArray('Param.TrackTypes', param['TrackTypes']);
    if (types.length === 0 || !types.every((t) => t === 'INSERT' || t === 'UPDATE' || t === 'DELETE')) {
      throw invalidParameter('Param.TrackTypes', 'expected a non-empty array of INSERT, UPDATE, DELETE.');
    }
    const relatedRaw = params.optional('Q', 'RelatedUserList');
    let relatedIds: string[] = [];
    if (relatedRaw !== undefined) {
      const related = parseJson('RelatedUserList', relatedRaw);
      if (!Array.isArray(related) || !related.every((u): u is string => typeof u === 'string')) {
        throw invalidParameter('RelatedUserList', 'expected a JSON array of strings.');
      }
      relatedIds = related;
    }
    const db = this.requireDatabase(dbId, undefined);
    if (db.Logic) {
      throw new BusinessError(
        'UnsupportedLogicDatabase',
        `Data tracking tickets can only be created for physical databases; DbId=${dbId} is a logical database.`,
      );
    }
    const order = this.storeOrder({
      pluginType: 'DATA_TRACK',
      createdBy: 'CreateDataTrackOrder',
      comment,
      params: param,
      relatedUserListRaw: relatedRaw,
      relatedUserIds: relatedIds,
      dbId,
    });
    return { CreateOrderResult: [order.orderId] };
  }

  private createFreeLockCorrectOrder(params: Params): Record<string, unknown> {
    this.checkTid(params);
    const comment = params.required('Q', 'Comment');
    const param = params.requiredJson('Q', 'Param');
    if (!isRecord(param)) throw invalidParameter('Param', 'expected a JSON object.');
    rejectWrongCaseKeys('Param', param, [
      'DbItemList',
      'ExecSQL',
      'SqlType',
      'ExecMode',
      'Classify',
      'RollbackSQL',
      'RollbackSqlType',
      'AttachmentName',
      'RollbackAttachmentName',
    ]);
    const items = param['DbItemList'];
    if (!Array.isArray(items) || items.length === 0)
      throw invalidParameter('Param.DbItemList', 'expected a non-empty array.');
    const dbItems = items.map((item: unknown, i) => {
      if (!isRecord(item)) throw invalidParameter(`Param.DbItemList[${i}]`, 'expected an object {DbId, Logic}.');
      rejectWrongCaseKeys(`Param.DbItemList[${i}]`, item, ['DbId', 'Logic']);
      return {
        dbId: readLongDbId(`Param.DbItemList[${i}].DbId`, item['DbId']),
        logic: readBoolean(`Param.DbItemList[${i}].Logic`, item['Logic']),
      };
    });
    const sqlType = readString('Param.SqlType', param['SqlType']);
    readString('Param.ExecSQL', param['ExecSQL'], { optional: true });
    readString('Param.AttachmentName', param['AttachmentName'], { optional: true });
    readString('Param.RollbackAttachmentName', param['RollbackAttachmentName'], { optional: true });
    if (sqlType !== 'TEXT' && sqlType !== 'ATTACHMENT')
      throw invalidParameter('Param.SqlType', 'expected TEXT or ATTACHMENT.');
    if (sqlType === 'TEXT') readString('Param.ExecSQL', param['ExecSQL'], { nonEmpty: true });
    else readString('Param.AttachmentName', param['AttachmentName'], { nonEmpty: true });
    const execMode = readString('Param.ExecMode', param['ExecMode'], { optional: true });
    if (execMode !== undefined && execMode !== 'COMMITOR' && execMode !== 'AUTO' && execMode !== 'LAST_AUDITOR') {
      throw invalidParameter('Param.ExecMode', 'expected COMMITOR, AUTO or LAST_AUDITOR.');
    }
    readString('Param.Classify', param['Classify'], { optional: true });
    readString('Param.RollbackSQL', param['RollbackSQL'], { optional: true });
    const rbType = readString('Param.RollbackSqlType', param['RollbackSqlType'], { optional: true });
    if (rbType !== undefined && rbType !== 'TEXT' && rbType !== 'ATTACHMENT') {
      throw invalidParameter('Param.RollbackSqlType', 'expected TEXT or ATTACHMENT.');
    }
    const relatedRaw = params.optional('Q', 'RelatedUserList');
    let relatedIds: string[] = [];
    if (relatedRaw !== undefined) {
      const related = parseJson('RelatedUserList', relatedRaw);
      if (
        !Array.isArray(related) ||
        !related.every((u): u is number => typeof u === 'number' && Number.isSafeInteger(u))
      ) {
        throw invalidParameter('RelatedUserList', 'expected a JSON array of numbers.');
      }
      relatedIds = related.map(String);
    }
    for (const item of dbItems) this.requireDatabase(item.dbId, item.logic);
    const first = dbItems[0];
    const order = this.storeOrder({
      pluginType: 'FREE_LOCK_CORRECT',
      createdBy: 'CreateFreeLockCorrectOrder',
      comment,
      params: param,
      relatedUserListRaw: relatedRaw,
      relatedUserIds: relatedIds,
      dbId: first ? first.dbId : 0,
    });
    // The page's field table: CreateOrderResult is Array of Long.
    return { CreateOrderResult: [order.orderId] };
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Detail actions

  private getDataExportOrderDetail(params: Params): Record<string, unknown> {
    this.checkTid(params);
    const order = this.pollOrder(params, 'B', 'DATA_EXPORT');
    const p = order.params;
    const db = this.databases.get(String(order.dbId));
    return {
      DataExportOrderDetail: {
        KeyInfo: { JobId: order.jobId, JobStatus: order.status, PreCheckId: order.preCheckId },
        OrderDetail: {
          DbId: order.dbId,
          Database: db ? `${db.SchemaName}@${db.Host}:${db.Port}` : '',
          Classify: p['classify'],
          ExeSQL: p['exeSQL'],
          Logic: p['logic'],
          ActualAffectRows: order.status === 'EXPORT_SUCCESS' ? p['affectRows'] : 0,
          IgnoreAffectRows: p['ignoreAffectRows'],
          IgnoreAffectRowsReason: p['ignoreAffectRowsReason'],
          EnvType: db?.EnvType ?? '',
        },
      },
    };
  }

  private getOrderBaseInfo(params: Params): Record<string, unknown> {
    this.checkTid(params);
    const order = this.pollOrder(params, 'Q');
    const code = this.statusCode(order);
    let workflowDesc = '';
    if (code === 'toaudit') workflowDesc = 'Pending approval';
    else if (code === 'reject') workflowDesc = 'Rejected';
    else if (['Approved', 'processing', 'success'].includes(code) && order.submittedForApproval)
      workflowDesc = 'Approved';
    return {
      OrderBaseInfo: {
        OrderId: order.orderId,
        PluginType: order.pluginType,
        StatusCode: code,
        StatusDesc: STATUS_CODE_DESC[code] ?? code,
        Comment: order.comment,
        Committer: order.committer,
        CommitterId: Number(order.committerId),
        CreateTime: order.createTime,
        LastModifyTime: order.lastModifyTime,
        WorkflowInstanceId: order.workflowInstanceId,
        WorkflowStatusDesc: workflowDesc,
        RelatedUserList: { UserIds: [...order.relatedUserIds] },
      },
    };
  }

  private getDataTrackOrderDetail(params: Params): Record<string, unknown> {
    this.checkTid(params);
    const order = this.pollOrder(params, 'Q', 'DATA_TRACK');
    const p = order.params;
    return {
      DataTrackOrderDetail: {
        DbId: order.dbId,
        JobStartTime: p['JobStartTime'],
        JobEndTime: p['JobEndTime'],
        JobStatus: order.status,
        StatusDesc: JOB_STATUS_DESC[order.status] ?? order.status,
        TableNames: p['TableNames'],
        TrackTypes: p['TrackTypes'],
      },
    };
  }

  private getDataCorrectOrderDetail(params: Params): Record<string, unknown> {
    this.checkTid(params);
    const order = this.pollOrder(params, 'Q', 'FREE_LOCK_CORRECT');
    const p = order.params;
    const items = Array.isArray(p['DbItemList']) ? (p['DbItemList'] as unknown[]) : [];
    const databases = items.filter(isRecord).map((item) => {
      const db = this.databases.get(String(item['DbId']));
      return {
        DbId: Number(item['DbId']),
        Logic: item['Logic'],
        SearchName: db?.SearchName ?? '',
        DbType: db?.DbType ?? '',
        EnvType: db?.EnvType ?? '',
      };
    });
    return {
      DataCorrectOrderDetail: {
        Status: order.status,
        ExecMode: p['ExecMode'] ?? 'COMMITOR',
        DatabaseList: { Database: databases },
        OrderDetail: {
          ExeSQL: p['ExecSQL'] ?? '',
          SqlType: p['SqlType'],
          Classify: p['Classify'] ?? '',
          RbSQL: p['RollbackSQL'] ?? '',
          RbSQLType: p['RollbackSqlType'] ?? '',
          AttachmentName: p['AttachmentName'] ?? '',
          RbAttachmentName: p['RollbackAttachmentName'] ?? '',
          EstimateAffectRows: 0,
          ActualAffectRows: 0,
          IgnoreAffectRows: false,
          IgnoreAffectRowsReason: '',
        },
        PreCheckDetail: { TaskCheckDO: this.precheckSteps(order) },
      },
    };
  }

  private precheckSteps(order: EmulatedOrder): Array<{ CheckStatus: string; CheckStep: string; UserTip: string }> {
    const steps = ['SQL_PARSE', 'SQL_TYPE_CHECK', 'PERMISSION_CHECK', 'ROW_CHECK'];
    if (order.status === 'new') return steps.map((s) => ({ CheckStep: s, CheckStatus: 'WAITING', UserTip: '' }));
    if (order.status === 'precheck') {
      return steps.map((s, i) => ({ CheckStep: s, CheckStatus: i === 0 ? 'RUNNING' : 'WAITING', UserTip: '' }));
    }
    if (order.status === 'precheckFailed') {
      return steps.map((s, i) => ({
        CheckStep: s,
        CheckStatus: i === 0 ? 'FAIL' : 'WAITING',
        UserTip: i === 0 ? order.precheckUserTip : '',
      }));
    }
    return steps.map((s) => ({ CheckStep: s, CheckStatus: 'SUCCESS', UserTip: '' }));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Lifecycle actions

  private illegalStatus(order: EmulatedOrder, action: string): BusinessError {
    return new BusinessError(
      'IllegalOrderStatus',
      `${action} is not allowed while ticket ${order.orderId} is in status ${order.status}.`,
    );
  }

  private submitOrderApproval(params: Params): Record<string, unknown> {
    this.checkTid(params);
    const order = this.findOrder(params, 'Q');
    if (order.pluginType === 'DATA_EXPORT') {
      if (order.status !== 'PRE_CHECK_SUCCESS' && order.status !== 'WAITING_APPLY_AUDIT')
        throw this.illegalStatus(order, 'SubmitOrderApproval');
      this.changeStatus(order, 'APPLY_AUDIT_SUCCESS');
    } else if (order.pluginType === 'FREE_LOCK_CORRECT') {
      if (order.status !== 'precheck_success') throw this.illegalStatus(order, 'SubmitOrderApproval');
      this.changeStatus(order, 'toaudit');
    }
    order.submittedForApproval = true;
    return {};
  }

  private approveOrder(params: Params): Record<string, unknown> {
    this.checkTid(params);
    const workflowId = params.requiredLong('Q', 'WorkflowInstanceId');
    const approvalType = params.required('Q', 'ApprovalType');
    if (!['AGREE', 'REJECT', 'CANCEL'].includes(approvalType)) {
      throw invalidParameter('ApprovalType', 'expected AGREE, REJECT or CANCEL.');
    }
    const comment = params.optional('Q', 'Comment');
    const order = [...this.orders.values()].find((o) => o.workflowInstanceId === workflowId);
    if (!order)
      throw new BusinessError(
        'InvalidWorkflowInstanceId',
        `The approval process (WorkflowInstanceId=${workflowId}) does not exist.`,
      );
    if (this.statusCode(order) !== 'toaudit') throw this.illegalStatus(order, 'ApproveOrder');
    order.approvals.push(comment === undefined ? { approvalType } : { approvalType, comment });
    if (approvalType === 'AGREE') {
      if (order.pluginType === 'DATA_EXPORT') this.changeStatus(order, 'ENABLE_EXPORT');
      else if (order.pluginType === 'FREE_LOCK_CORRECT') this.changeStatus(order, 'Approved');
    } else if (approvalType === 'REJECT' && order.pluginType === 'FREE_LOCK_CORRECT') {
      this.changeStatus(order, 'reject');
    } else {
      order.statusCodeOverride = approvalType === 'REJECT' ? 'reject' : 'closed';
      order.lastModifyTime = formatDmsTime(this.now());
    }
    return {};
  }

  private executeDataExport(params: Params): Record<string, unknown> {
    this.checkTid(params);
    const order = this.findOrder(params, 'Q');
    const detailRaw = params.optional('Q', 'ActionDetail');
    let detail: Record<string, unknown> = {};
    if (detailRaw !== undefined && detailRaw !== '') {
      const parsed = parseJson('ActionDetail', detailRaw);
      if (!isRecord(parsed)) throw invalidParameter('ActionDetail', 'expected a JSON object.');
      detail = parsed;
    }
    if (order.pluginType !== 'DATA_EXPORT')
      throw new BusinessError('InvalidOrderId', `The ticket (OrderId=${order.orderId}) is not a data export ticket.`);
    if (order.status !== 'ENABLE_EXPORT' || order.statusCodeOverride !== undefined)
      throw this.illegalStatus(order, 'ExecuteDataExport');
    order.exportActionDetail = detail;
    this.changeStatus(order, 'WAITING_EXPORT');
    return {};
  }

  private getDataExportDownloadUrl(params: Params): Record<string, unknown> {
    this.checkTid(params);
    const order = this.findOrder(params, 'Q');
    if (order.pluginType !== 'DATA_EXPORT')
      throw new BusinessError('InvalidOrderId', `The ticket (OrderId=${order.orderId}) is not a data export ticket.`);
    const tip = this.noResultTips.get(order.orderId);
    if (tip !== undefined) return { DownloadURLResult: { HasResult: false, TipMessage: tip, URL: '' } };
    if (order.status !== 'EXPORT_SUCCESS') {
      return { DownloadURLResult: { HasResult: false, TipMessage: 'The export has not finished yet.', URL: '' } };
    }
    return {
      DownloadURLResult: {
        HasResult: true,
        TipMessage: '',
        URL: `${this.endpoint}/download/${order.orderId}.zip?Expires=3600`,
      },
    };
  }

  private listOrders(params: Params): Record<string, unknown> {
    this.checkTid(params);
    const pluginType = params.optional('Q', 'PluginType');
    const orderStatus = params.optional('Q', 'OrderStatus') ?? 'ALL';
    if (!['ALL', 'FINISHED', 'RUNNING'].includes(orderStatus))
      throw invalidParameter('OrderStatus', 'expected ALL, FINISHED or RUNNING.');
    const search = params.optional('Q', 'SearchContent');
    const matches = [...this.orders.values()]
      .filter((o) => !pluginType || o.pluginType === pluginType)
      .filter((o) => {
        if (orderStatus === 'ALL') return true;
        const finished = FINISHED_STATUS_CODES.has(this.statusCode(o));
        return orderStatus === 'FINISHED' ? finished : !finished;
      })
      .filter((o) => !search || o.comment.includes(search))
      .sort((a, b) => b.orderId - a.orderId);
    const page = pageOf(matches, params).map((o) => {
      const code = this.statusCode(o);
      return {
        OrderId: o.orderId,
        PluginType: o.pluginType,
        StatusCode: code,
        StatusDesc: STATUS_CODE_DESC[code] ?? code,
        Comment: o.comment,
        Committer: o.committer,
        CommitterId: Number(o.committerId),
        CreateTime: o.createTime,
        LastModifyTime: o.lastModifyTime,
      };
    });
    return { TotalCount: matches.length, Orders: { Order: page } };
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Directory actions

  private searchDatabase(params: Params): Record<string, unknown> {
    this.checkTid(params);
    const key = (params.optional('Q', 'SearchKey') ?? '').toLowerCase();
    const envType = params.optional('Q', 'EnvType');
    const dbType = params.optional('Q', 'DbType');
    const matches = [...this.databases.values()].filter(
      (db) =>
        (key === '' ||
          db.SearchName.toLowerCase().includes(key) ||
          db.SchemaName.toLowerCase().includes(key) ||
          db.DatabaseId.toLowerCase().includes(key)) &&
        (!envType || db.EnvType === envType) &&
        (!dbType || db.DbType.toLowerCase() === dbType.toLowerCase()),
    );
    return {
      TotalCount: matches.length,
      SearchDatabaseList: { SearchDatabase: pageOf(matches, params).map((db) => ({ ...db })) },
    };
  }

  private listUsers(params: Params): Record<string, unknown> {
    this.checkTid(params);
    const key = (params.optional('Q', 'SearchKey') ?? '').toLowerCase();
    if (
      this.autoUsers &&
      /^[^@\s]+@[^@\s]+$/.test(key) &&
      ![...this.users.values()].some((u) => u.Email?.toLowerCase() === key)
    ) {
      const id = String(300000 + this.users.size + 1);
      this.addUser({ UserId: id, NickName: key.split('@')[0]!, Email: key });
    }
    const matches = [...this.users.values()].filter((u) => {
      if (key === '') return true;
      return [u.UserId, u.Uid, u.NickName, u.Email ?? ''].some((field) => field.toLowerCase().includes(key));
    });
    return {
      TotalCount: matches.length,
      UserList: { User: pageOf(matches, params).map((u) => ({ ...u, State: 'NORMAL' })) },
    };
  }
}
