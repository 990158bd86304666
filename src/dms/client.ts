import { type DbId, dbIdOnWire, dbIdOrUndefined } from '../core/ids.js';
import { confirmedAnswer, createAnswer, createdOrderId } from './answers.js';
import { type ApprovalDetail, approvalDetailFrom } from './approval.js';
import * as S from './schemas.js';
import { DmsTransport } from './transport.js';

export { validOrderId } from './answers.js';
export {
  DMS_VERSION,
  type DmsClientOptions,
  defaultDmsEndpoint,
  illFormedField,
  mapTransportError,
  type StaticCredentials,
} from './transport.js';

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

/** Typed DMS Enterprise client: one method per action, on the transport's checked, bounded calls (src/dms/transport.ts). */
export class DmsClient extends DmsTransport {
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

  /** GetApprovalDetail: the approval nodes and current handlers of a ticket's workflow (WorkflowInstanceId from GetOrderBaseInfo). */
  async getApprovalDetail(workflowInstanceId: string): Promise<ApprovalDetail> {
    const res = await this.call(
      'GetApprovalDetail',
      { query: { WorkflowInstanceId: workflowInstanceId } },
      S.approvalDetailResponse,
      { retry: true },
    );
    return approvalDetailFrom(res);
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
