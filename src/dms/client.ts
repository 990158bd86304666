import CredentialModule, * as Credentials from '@alicloud/credentials';
import OpenApiModule, * as OpenApi from '@alicloud/openapi-core';
import * as Dara from '@darabonba/typescript';
import pRetry from 'p-retry';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Endpoint } from '../config.js';
import { withDeadline } from '../core/deadline.js';
import { answerOutcome, CloudApiError } from '../core/errors.js';
import { type DbId, dbIdOnWire, dbIdOrUndefined } from '../core/ids.js';
import type { CloudCallObserver } from '../core/metrics.js';
import * as S from './schemas.js';

// Both packages are CommonJS with `exports.default = Class`. Node's ESM loader hands us module.exports (class at
// `.default`); vitest's loader hands us the class itself. Accept either.
const OpenApiClient = cjsDefault<typeof OpenApiModule.default>(OpenApiModule);
const Credential = cjsDefault<typeof CredentialModule.default>(CredentialModule);

function cjsDefault<T>(mod: unknown): T {
  return (typeof mod === 'function' ? mod : (mod as { default: unknown }).default) as T;
}
type CredentialInstance = InstanceType<typeof Credential>;

/** Static keys for tests and sandbox; production uses the default credential chain. */
export interface StaticCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

export interface DmsClientOptions {
  endpoint?: Endpoint;
  regionId: string;
  tid?: string;
  /** Omit to use `@alicloud/credentials`' default chain (env vars, profile, RAM role, OIDC). */
  credentials?: StaticCredentials;
  timeoutMs: number;
  logger: Logger;
  /** Retries for read calls (throttling, 5xx, network). Creates are never retried. */
  retries?: number;
  /** Base back-off for retries, in ms (tests make it small). */
  retryMinTimeoutMs?: number;
}

/** Where a parameter travels: the query string or the form body (reference/dms.md is exact about this). */
interface CallParams {
  query?: Record<string, string | undefined>;
  body?: Record<string, string | undefined>;
}

interface CallOptions {
  /** true: safe to retry (reads); 'throttled': retry only answers that prove nothing happened (throttling). */
  retry: boolean | 'throttled';
  timeoutMs?: number;
  /** What the person gave, before encoding: a string that cannot be encoded means the request is never sent. */
  inputs?: Record<string, unknown>;
}

export const DMS_VERSION = '2018-11-01';

/** The default public endpoint for a region. */
export function defaultDmsEndpoint(regionId: string): Endpoint {
  return { host: `dms-enterprise.${regionId}.aliyuncs.com`, protocol: 'https' };
}

export interface DataExportInput {
  dbId: DbId;
  logic: boolean;
  sql: string;
  classify: string;
  affectRows: number;
  ignoreAffectRows: boolean;
  ignoreAffectRowsReason: string;
  comment: string;
  relatedUserIds: string[];
}

export interface DataTrackInput {
  dbId: DbId;
  /** `yyyy-MM-dd HH:mm:ss` in the DMS instance's time zone. */
  startTime: string;
  endTime: string;
  tables: string[];
  trackTypes: ('INSERT' | 'UPDATE' | 'DELETE')[];
  comment: string;
  relatedUserIds: string[];
}

export type ExecMode = 'COMMITOR' | 'AUTO' | 'LAST_AUDITOR';

export interface FreeLockCorrectInput {
  databases: { dbId: DbId; logic: boolean }[];
  sql: string;
  rollbackSql?: string;
  classify: string;
  execMode: ExecMode;
  comment: string;
  relatedUserIds: string[];
}

/** A failed precheck step, with DMS's advice. */
export interface PrecheckProblem {
  step: string;
  tip: string;
}

export interface DatabaseSummary {
  id: DbId;
  name: string;
  schemaName?: string;
  dbType?: string;
  envType?: string;
  logic: boolean;
}

export interface DmsUser {
  userId: string;
  uid?: string;
  nickName?: string;
  email?: string;
}

/** Typed DMS Enterprise client on the official generic `callApi`, with zod-checked responses and safe retries. */
export class DmsClient {
  private readonly client: InstanceType<typeof OpenApiClient>;
  private readonly opts: DmsClientOptions;
  private readonly observers: CloudCallObserver[] = [];

  /** Reports every call's action, outcome and duration (metrics). */
  observe(observer: CloudCallObserver): void {
    this.observers.push(observer);
  }

  private report(action: string, outcome: Parameters<CloudCallObserver>[0]['outcome'], started: number): void {
    for (const o of this.observers) o({ service: 'DMS', action, outcome, ms: Date.now() - started });
  }

  constructor(opts: DmsClientOptions) {
    this.opts = opts;
    const endpoint = opts.endpoint ?? defaultDmsEndpoint(opts.regionId);
    const credential: CredentialInstance = opts.credentials
      ? new Credential(
          new Credentials.Config(
            opts.credentials.securityToken
              ? { type: 'sts', ...opts.credentials }
              : {
                  type: 'access_key',
                  accessKeyId: opts.credentials.accessKeyId,
                  accessKeySecret: opts.credentials.accessKeySecret,
                },
          ),
        )
      : new Credential();
    this.client = new OpenApiClient(
      new OpenApi.$OpenApiUtil.Config({
        credential,
        endpoint: endpoint.host,
        protocol: endpoint.protocol,
        regionId: opts.regionId,
      }),
    );
  }

  /** Calls one action; maps every failure to CloudApiError; checks `Success` and the response shape. */
  private async call<T extends z.ZodType>(
    action: string,
    params: CallParams,
    schema: T,
    options: CallOptions,
  ): Promise<z.output<T> & { RequestId?: string }> {
    const attempt = () =>
      this.callOnce(action, params, schema, options.timeoutMs ?? this.opts.timeoutMs, options.inputs);
    if (!options.retry) return attempt();
    return pRetry(attempt, {
      retries: this.opts.retries ?? 4,
      minTimeout: this.opts.retryMinTimeoutMs ?? 500,
      maxTimeout: 20_000,
      randomize: true,
      shouldRetry: ({ error }) =>
        error instanceof CloudApiError &&
        error.details.retryable &&
        (options.retry === true || error.details.notSent === true || /Throttling/.test(error.details.errorCode)),
      onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
        const details = error instanceof CloudApiError ? error.details : undefined;
        this.opts.logger.warn(
          { action, attemptNumber, retriesLeft, errorCode: details?.errorCode, requestId: details?.requestId },
          'DMS call failed',
        );
        // Honour the server's advised wait on top of p-retry's own back-off.
        if (details?.retryAfterMs && retriesLeft > 0)
          await new Promise((r) => setTimeout(r, Math.min(details.retryAfterMs!, 30_000)));
      },
    });
  }

  private async callOnce<T extends z.ZodType>(
    action: string,
    params: CallParams,
    schema: T,
    timeoutMs: number,
    inputs?: Record<string, unknown>,
  ): Promise<z.output<T> & { RequestId?: string }> {
    const started = Date.now();
    const broken = illFormedField({ ...inputs, ...params.query, ...params.body });
    if (broken) {
      this.report(action, 'error', started);
      this.opts.logger.info({ action, outcome: 'not_sent', field: broken }, 'DMS call');
      throw new CloudApiError(
        {
          service: 'DMS',
          action,
          errorCode: 'EncodingError',
          errorMessage: `"${broken}" contains a broken character (a lone UTF-16 surrogate) that cannot be sent`,
          retryable: false,
          notSent: true,
          outcome: 'not_sent',
        },
        `Nothing was sent to DMS: ${fieldWords(broken)} contains a broken character (half of an emoji or similar) that cannot be encoded. Retype that text and try again.`,
      );
    }
    const query = compact({ ...params.query, Tid: this.opts.tid });
    const body = params.body ? compact(params.body) : undefined;
    const request = new OpenApi.$OpenApiUtil.OpenApiRequest(body ? { query, body } : { query });
    const apiParams = new OpenApi.$OpenApiUtil.Params({
      action,
      version: DMS_VERSION,
      protocol: 'HTTPS',
      pathname: '/',
      method: 'POST',
      authType: 'AK',
      style: 'RPC',
      reqBodyType: 'formData',
      bodyType: 'json',
    });
    const runtime = new Dara.RuntimeOptions({
      autoretry: false,
      readTimeout: timeoutMs,
      connectTimeout: Math.min(timeoutMs, 5_000),
    });
    let raw: unknown;
    try {
      // Bounds the call even when the transport's own timeouts do not fire.
      const response = await withDeadline(this.client.callApi(apiParams, request, runtime), timeoutMs + 500, () =>
        Object.assign(new Error(`${action} timed out after ${timeoutMs} ms`), { code: 'Timeout' }),
      );
      raw = response['body'];
    } catch (err) {
      const mapped = mapTransportError(action, err);
      this.report(action, 'error', started);
      this.opts.logger.info(
        {
          action,
          outcome: 'error',
          errorCode: mapped.details.errorCode,
          httpStatus: mapped.details.httpStatus,
          requestId: mapped.details.requestId,
          ms: Date.now() - started,
        },
        'DMS call',
      );
      throw mapped;
    }
    const envelope = S.dmsEnvelope.safeParse(raw);
    const requestId = envelope.success ? envelope.data.RequestId : undefined;
    if (envelope.success && envelope.data.Success === false) {
      this.report(action, 'business_error', started);
      this.opts.logger.info(
        { action, outcome: 'business_error', errorCode: envelope.data.ErrorCode, requestId, ms: Date.now() - started },
        'DMS call',
      );
      throw new CloudApiError({
        service: 'DMS',
        action,
        errorCode: envelope.data.ErrorCode ?? 'UnknownError',
        errorMessage: envelope.data.ErrorMessage ?? 'DMS reported a failure without a message',
        httpStatus: 200,
        requestId,
        retryable: false,
        // A refusal only when DMS names its error; `Success:false` alone may be a mangled answer to a done request.
        outcome: answerOutcome(200, envelope.data.ErrorCode),
      });
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      this.report(action, 'malformed', started);
      this.opts.logger.warn(
        {
          action,
          outcome: 'malformed',
          requestId,
          issues: parsed.error.issues.slice(0, 5).map((i) => i.path.join('.')),
        },
        'DMS call',
      );
      throw new CloudApiError({
        service: 'DMS',
        action,
        errorCode: 'MalformedResponse',
        errorMessage: 'DMS answered in a shape the bot does not understand',
        httpStatus: 200,
        requestId,
        retryable: false,
        // The request was processed; what it did cannot be read from the answer.
        outcome: 'unknown',
      });
    }
    this.report(action, 'ok', started);
    this.opts.logger.debug({ action, outcome: 'ok', requestId, ms: Date.now() - started }, 'DMS call');
    return Object.assign(parsed.data as object, { RequestId: requestId }) as z.output<T> & { RequestId?: string };
  }

  /** CreateOrder with PluginType=DATA_EXPORT. Never retried: a lost response may still have created the ticket. */
  async createDataExportOrder(input: DataExportInput): Promise<{ orderId: string; requestId?: string }> {
    const pluginParam = {
      classify: input.classify,
      dbId: dbIdOnWire('CreateOrder', input.dbId),
      exeSQL: input.sql,
      logic: input.logic,
      ignoreAffectRows: input.ignoreAffectRows,
      affectRows: input.affectRows,
      ignoreAffectRowsReason: input.ignoreAffectRowsReason,
    };
    const res = await this.call(
      'CreateOrder',
      {
        query: {
          Comment: input.comment,
          PluginType: 'DATA_EXPORT',
          RelatedUserList: input.relatedUserIds.join(','),
        },
        body: { PluginParam: JSON.stringify(pluginParam) },
      },
      createAnswer,
      { retry: false, inputs: { ...input } },
    );
    return { orderId: createdOrderId('CreateOrder', res), requestId: res.RequestId };
  }

  /** CreateDataTrackOrder: `Param` JSON in the query (its DbId a string); RelatedUserList a JSON array of strings. Never retried. */
  async createDataTrackOrder(input: DataTrackInput): Promise<{ orderId: string; requestId?: string }> {
    const param = {
      DbId: dbIdOnWire('CreateDataTrackOrder', input.dbId),
      JobStartTime: input.startTime,
      JobEndTime: input.endTime,
      TableNames: input.tables,
      TrackTypes: input.trackTypes,
    };
    const res = await this.call(
      'CreateDataTrackOrder',
      {
        query: {
          Comment: input.comment,
          Param: JSON.stringify(param),
          RelatedUserList: input.relatedUserIds.length ? JSON.stringify(input.relatedUserIds) : undefined,
        },
      },
      createAnswer,
      { retry: false, inputs: { ...input } },
    );
    return { orderId: createdOrderId('CreateDataTrackOrder', res), requestId: res.RequestId };
  }

  /** CreateFreeLockCorrectOrder: PascalCase `Param` JSON in the query; RelatedUserList a JSON array of numbers. Never retried. */
  async createFreeLockCorrectOrder(input: FreeLockCorrectInput): Promise<{ orderId: string; requestId?: string }> {
    const param: Record<string, unknown> = {
      DbItemList: input.databases.map((d) => ({
        DbId: dbIdOnWire('CreateFreeLockCorrectOrder', d.dbId),
        Logic: d.logic,
      })),
      ExecSQL: input.sql,
      SqlType: 'TEXT',
      ExecMode: input.execMode,
      Classify: input.classify,
    };
    if (input.rollbackSql) {
      param['RollbackSQL'] = input.rollbackSql;
      param['RollbackSqlType'] = 'TEXT';
    }
    const res = await this.call(
      'CreateFreeLockCorrectOrder',
      {
        query: {
          Comment: input.comment,
          Param: JSON.stringify(param),
          RelatedUserList: input.relatedUserIds.length ? JSON.stringify(input.relatedUserIds.map(Number)) : undefined,
        },
      },
      createAnswer,
      { retry: false, inputs: { ...input } },
    );
    return { orderId: createdOrderId('CreateFreeLockCorrectOrder', res), requestId: res.RequestId };
  }

  /** GetDataTrackOrderDetail: the tracking job's status and what it tracks. */
  async getDataTrackOrderDetail(orderId: string): Promise<{
    jobStatus: string;
    statusDesc?: string;
    dbId?: DbId;
    startTime?: string;
    endTime?: string;
    tables: string[];
    trackTypes: string[];
  }> {
    const res = await this.call(
      'GetDataTrackOrderDetail',
      { query: { OrderId: orderId } },
      S.dataTrackOrderDetailResponse,
      { retry: true },
    );
    const d = res.DataTrackOrderDetail;
    return {
      jobStatus: d.JobStatus,
      statusDesc: d.StatusDesc,
      dbId: dbIdOrUndefined(d.DbId),
      startTime: d.JobStartTime,
      endTime: d.JobEndTime,
      tables: d.TableNames ?? [],
      trackTypes: d.TrackTypes ?? [],
    };
  }

  /** GetDataCorrectOrderDetail: a lock-free change's status, its failed precheck steps and what it runs. */
  async getDataCorrectOrderDetail(orderId: string): Promise<{
    status: string;
    precheckProblems: PrecheckProblem[];
    execMode?: string;
    databases: string[];
    dbIds: (DbId | undefined)[];
    sql?: string;
    rollbackSql?: string;
    reason?: string;
  }> {
    const res = await this.call(
      'GetDataCorrectOrderDetail',
      { query: { OrderId: orderId } },
      S.dataCorrectOrderDetailResponse,
      { retry: true },
    );
    const d = res.DataCorrectOrderDetail;
    const problems = (d.PreCheckDetail?.TaskCheckDO ?? [])
      .filter((t) => t.CheckStatus && /^(fail|failed|error)$/i.test(t.CheckStatus))
      .map((t) => ({ step: t.CheckStep ?? 'precheck', tip: t.UserTip ?? t.CheckStatus ?? '' }));
    return {
      status: d.Status,
      precheckProblems: problems,
      execMode: d.ExecMode,
      databases: (d.DatabaseList?.Database ?? []).map((db) => db.SearchName || String(db.DbId ?? '?')),
      // undefined where DMS names a database the bot cannot read as an id: policy checks then fail closed.
      dbIds: (d.DatabaseList?.Database ?? []).map((db) => dbIdOrUndefined(db.DbId)),
      sql: d.OrderDetail?.ExeSQL,
      rollbackSql: d.OrderDetail?.RbSQL || undefined,
      reason: d.OrderDetail?.Classify,
    };
  }

  /** GetDataExportOrderDetail: the export job's status and what it exports. */
  async getDataExportOrderDetail(orderId: string): Promise<{
    jobStatus: string;
    database?: string;
    dbId?: DbId;
    envType?: string;
    sql?: string;
    reason?: string;
    affectRows?: number;
    requestId?: string;
  }> {
    const res = await this.call(
      'GetDataExportOrderDetail',
      { body: { OrderId: orderId } },
      S.dataExportOrderDetailResponse,
      { retry: true },
    );
    const d = res.DataExportOrderDetail;
    const rows = d.OrderDetail?.ActualAffectRows;
    return {
      jobStatus: d.KeyInfo.JobStatus,
      database: d.OrderDetail?.Database,
      dbId: dbIdOrUndefined(d.OrderDetail?.DbId),
      envType: d.OrderDetail?.EnvType,
      sql: d.OrderDetail?.ExeSQL,
      reason: d.OrderDetail?.Classify,
      affectRows: rows === undefined || rows === null || Number.isNaN(Number(rows)) ? undefined : Number(rows),
      requestId: res.RequestId,
    };
  }

  /** GetOrderBaseInfo: any ticket's kind and general status. */
  async getOrderBaseInfo(orderId: string) {
    const res = await this.call('GetOrderBaseInfo', { query: { OrderId: orderId } }, S.orderBaseInfoResponse, {
      retry: true,
    });
    return { ...res.OrderBaseInfo, requestId: res.RequestId };
  }

  /** SubmitOrderApproval. A throttled call did nothing and is retried; anything else is not (it may have happened). */
  async submitOrderApproval(orderId: string): Promise<{ requestId?: string }> {
    const res = await this.call('SubmitOrderApproval', { query: { OrderId: orderId } }, confirmedAnswer, {
      retry: 'throttled',
    });
    return { requestId: res.RequestId };
  }

  /** ApproveOrder on the ticket's approval workflow (AGREE or REJECT), with a comment naming the real approver. */
  async approveOrder(input: {
    workflowInstanceId: string;
    approvalType: 'AGREE' | 'REJECT';
    comment: string;
  }): Promise<{ requestId?: string }> {
    const res = await this.call(
      'ApproveOrder',
      {
        query: {
          WorkflowInstanceId: input.workflowInstanceId,
          ApprovalType: input.approvalType,
          Comment: input.comment,
        },
      },
      confirmedAnswer,
      { retry: 'throttled', inputs: { ...input } },
    );
    return { requestId: res.RequestId };
  }

  /** ExecuteDataExport with the chosen file type and encoding. */
  async executeDataExport(input: {
    orderId: string;
    fileType: string;
    encoding: string;
  }): Promise<{ requestId?: string }> {
    const actionDetail = { mode: 'FAST', fileType: input.fileType, encoding: input.encoding };
    const res = await this.call(
      'ExecuteDataExport',
      { query: { OrderId: input.orderId, ActionDetail: JSON.stringify(actionDetail) } },
      confirmedAnswer,
      { retry: 'throttled', inputs: { ...input } },
    );
    return { requestId: res.RequestId };
  }

  /** GetDataExportDownloadURL. The URL grants access to the data: never log it, never post it in a channel. */
  async getDataExportDownloadUrl(
    orderId: string,
  ): Promise<{ hasResult: boolean; tipMessage?: string; url?: string; requestId?: string }> {
    const res = await this.call('GetDataExportDownloadURL', { query: { OrderId: orderId } }, S.downloadUrlResponse, {
      retry: true,
    });
    const r = res.DownloadURLResult;
    return {
      hasResult: r.HasResult && !!r.URL,
      tipMessage: r.TipMessage,
      url: r.URL || undefined,
      requestId: res.RequestId,
    };
  }

  /** ListOrders filtered by comment text (we search by the unique marker the bot puts in each comment). */
  async findOrdersByComment(
    searchContent: string,
  ): Promise<{ orderId: string; comment?: string; pluginType?: string }[]> {
    const res = await this.call(
      'ListOrders',
      { query: { OrderStatus: 'ALL', SearchContent: searchContent, PageNumber: '1', PageSize: '20' } },
      S.listOrdersResponse,
      { retry: true },
    );
    return (res.Orders?.Order ?? []).map((o) => ({
      orderId: o.OrderId,
      comment: o.Comment ?? undefined,
      pluginType: o.PluginType ?? undefined,
    }));
  }

  /** SearchDatabase for the modal's type-ahead; time-boxed by the caller's budget, no retries. */
  async searchDatabases(
    searchKey: string,
    opts: { pageSize?: number; timeoutMs?: number } = {},
  ): Promise<DatabaseSummary[]> {
    const res = await this.call(
      'SearchDatabase',
      { query: { SearchKey: searchKey, PageNumber: '1', PageSize: String(opts.pageSize ?? 50) } },
      S.searchDatabaseResponse,
      { retry: false, timeoutMs: opts.timeoutMs },
    );
    const out: DatabaseSummary[] = [];
    for (const d of res.SearchDatabaseList?.SearchDatabase ?? []) {
      // Canonical ids only: a database the bot cannot name exactly is never offered (policy compares ids).
      const id = dbIdOrUndefined(d.DatabaseId);
      if (!id) {
        this.opts.logger.warn(
          { action: 'SearchDatabase' },
          'DMS listed a database whose id is not a canonical id; not offered',
        );
        continue;
      }
      out.push({
        id,
        name: d.SearchName ?? d.SchemaName ?? id,
        schemaName: d.SchemaName ?? undefined,
        dbType: d.DbType ?? undefined,
        envType: d.EnvType ?? undefined,
        logic: d.Logic ?? false,
      });
    }
    return out;
  }

  /** ListUsers by search key (we search by email). */
  async listUsers(searchKey: string): Promise<DmsUser[]> {
    const res = await this.call(
      'ListUsers',
      { query: { SearchKey: searchKey, PageNumber: '1', PageSize: '50' } },
      S.listUsersResponse,
      { retry: true },
    );
    return (res.UserList?.User ?? []).map((u) => ({
      userId: u.UserId,
      uid: u.Uid == null ? undefined : String(u.Uid),
      nickName: u.NickName ?? undefined,
      email: u.Email ?? undefined,
    }));
  }
}

/** A create's answer, ids unparsed: {@link createdOrderId} decides whether they are real. */
const createAnswer = z.looseObject({
  CreateOrderResult: z.union([z.looseObject({ OrderIds: z.array(z.unknown()) }), z.array(z.unknown())]).nullish(),
});

/** An action is done only when DMS says so (`Success: true`); an answer without it proves nothing. */
const confirmedAnswer = z.looseObject({ Success: z.literal(true) });

const MAX_LONG = 9_223_372_036_854_775_807n;

/** A DMS order id as DMS stores it (a Java long > 0), as digits; undefined for anything else (0, -1, '', 1.5, 2^63, 2^53+1 as a number). */
export function validOrderId(raw: unknown): string | undefined {
  if (typeof raw === 'number') return Number.isSafeInteger(raw) && raw > 0 ? String(raw) : undefined;
  if (typeof raw !== 'string' || !/^[1-9][0-9]{0,18}$/.test(raw)) return undefined;
  return BigInt(raw) <= MAX_LONG ? raw : undefined;
}

/**
 * The order id a create answered. HTTP 200 with no valid id means DMS processed the create but the bot cannot tell
 * which ticket it made: the outcome is unknown (the caller looks for the ticket by its marker), never "not filed".
 */
function createdOrderId(action: string, res: z.output<typeof createAnswer> & { RequestId?: string }): string {
  const ids = Array.isArray(res.CreateOrderResult) ? res.CreateOrderResult : res.CreateOrderResult?.OrderIds;
  const id = validOrderId(ids?.[0]);
  if (id) return id;
  throw new CloudApiError({
    service: 'DMS',
    action,
    errorCode: 'InvalidOrderId',
    errorMessage: 'DMS answered without a valid ticket id',
    httpStatus: 200,
    requestId: res.RequestId,
    retryable: false,
    outcome: 'unknown',
  });
}

// A UTF-16 surrogate without its partner: encodeURIComponent throws on it, and DMS could not store it.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const FIELD_WORDS: Record<string, string> = {
  sql: 'the SQL',
  rollbackSql: 'the rollback SQL',
  classify: 'the reason',
  ignoreAffectRowsReason: 'the reason for skipping the check',
  comment: 'the comment (your words and your Slack name)',
  Comment: 'the comment (your words and your Slack name)',
  tables: 'a table name',
  reason: 'the reason',
};

/** A parameter path in words for the person ("the SQL"). */
function fieldWords(path: string): string {
  return FIELD_WORDS[path.replace(/[.[].*$/, '')] ?? 'a field of the request';
}

/** The name of the first field (nested: `a.b[0]`) holding a string that cannot be encoded, if any. */
export function illFormedField(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return LONE_SURROGATE.test(value) ? path || 'value' : undefined;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const found = illFormedField(v, `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const found = illFormedField(v, path ? `${path}.${k}` : k);
      if (found) return found;
    }
  }
  return undefined;
}

function compact(record: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(record)) if (v !== undefined) out[k] = v;
  return out;
}

// Failures that happen before a single byte reaches DMS: a create that failed this way certainly did not happen.
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ERR_INVALID_URL',
]);

const RETRYABLE_CODE = /^(Throttling|Rejected\.Throttling|ServiceUnavailable|InternalError)/;

/** Turns whatever openapi-core or the socket threw into a CloudApiError with a retry verdict. */
export function mapTransportError(action: string, err: unknown): CloudApiError {
  if (err instanceof CloudApiError) return err;
  if (err instanceof OpenApi.AlibabaCloudError) {
    const statusCode = err.statusCode;
    const code = err.code || 'UnknownError';
    const retryAfter = err instanceof OpenApi.ThrottlingError ? err.retryAfter : undefined;
    const message = (err.message || '').replace(/^code: \d+, /, '').replace(/ request id: .*$/, '');
    return new CloudApiError(
      {
        service: 'DMS',
        action,
        errorCode: code,
        errorMessage: message,
        httpStatus: statusCode,
        // openapi-core raises its own errors without a status before sending (e.g. no credentials).
        notSent: statusCode === undefined,
        // A 4xx is a refusal only with a recognised client-error code; a 408, 499 or `InternalError` may follow the effect.
        outcome: statusCode === undefined ? 'not_sent' : answerOutcome(statusCode, err.code),
        requestId: err.requestId && err.requestId !== 'undefined' ? err.requestId : undefined,
        retryable: RETRYABLE_CODE.test(code) || (statusCode !== undefined && statusCode >= 500),
        retryAfterMs: retryAfter,
      },
      undefined,
      { cause: err },
    );
  }
  const e = err as { code?: unknown; message?: unknown; name?: unknown };
  const code = typeof e.code === 'string' ? e.code : typeof e.name === 'string' ? e.name : 'NetworkError';
  // URIError: the SDK could not encode a parameter, before anything was sent.
  const notSent = NOT_SENT_CODES.has(code) || err instanceof URIError;
  return new CloudApiError(
    {
      service: 'DMS',
      action,
      errorCode: code,
      errorMessage: typeof e.message === 'string' ? e.message.slice(0, 300) : 'network failure',
      retryable: !(err instanceof URIError),
      notSent,
      outcome: notSent ? 'not_sent' : 'unknown',
    },
    undefined,
    { cause: err },
  );
}
