/** DMS lock-free change tickets (FREE_LOCK_CORRECT): create, and detail with its precheck steps. */
import {
  checkTid,
  invalidParameter,
  isRecord,
  type Params,
  parseJson,
  readBoolean,
  readLongDbId,
  readString,
  rejectWrongCaseKeys,
} from './params.js';
import type { DmsAction, DmsState } from './state.js';
import type { EmulatedOrder } from './types.js';

/** CreateFreeLockCorrectOrder: SQL (text or attachment) on one or more databases. */
function createFreeLockCorrectOrder(state: DmsState, params: Params): Record<string, unknown> {
  checkTid(params);
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
  for (const item of dbItems) state.requireDatabase(item.dbId, item.logic);
  const first = dbItems[0];
  const order = state.storeOrder({
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
/** GetDataCorrectOrderDetail: the status, the databases, the SQL and the precheck steps. */
function getDataCorrectOrderDetail(state: DmsState, params: Params): Record<string, unknown> {
  checkTid(params);
  const order = state.pollOrder(params, 'Q', 'FREE_LOCK_CORRECT');
  const p = order.params;
  const items = Array.isArray(p['DbItemList']) ? (p['DbItemList'] as unknown[]) : [];
  const databases = items.filter(isRecord).map((item) => {
    const db = state.databases.get(String(item['DbId']));
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
      PreCheckDetail: { TaskCheckDO: precheckSteps(order) },
    },
  };
}
/** The precheck steps as the ticket's status implies them. */
function precheckSteps(order: EmulatedOrder): Array<{ CheckStatus: string; CheckStep: string; UserTip: string }> {
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
/** The lock-free change actions, by action name. */
export const CHANGE_ACTIONS: Readonly<Record<string, DmsAction>> = {
  CreateFreeLockCorrectOrder: createFreeLockCorrectOrder,
  GetDataCorrectOrderDetail: getDataCorrectOrderDetail,
};
