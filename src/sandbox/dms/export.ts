/** DMS data export tickets (DATA_EXPORT): create, detail, execute, download link. */
import {
  BusinessError,
  checkTid,
  invalidParameter,
  isRecord,
  type Params,
  parseJson,
  readBoolean,
  readLong,
  readLongDbId,
  readString,
  rejectWrongCaseKeys,
} from './params.js';
import type { DmsAction, DmsState } from './state.js';

/** CreateOrder (PluginType DATA_EXPORT): PluginParam checked key by key, as the API page declares it. */
function createOrder(state: DmsState, params: Params): Record<string, unknown> {
  checkTid(params);
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
  state.requireDatabase(dbId, logic);
  const order = state.storeOrder({
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
/** GetDataExportOrderDetail: the job status and what the ticket asked for. */
function getDataExportOrderDetail(state: DmsState, params: Params): Record<string, unknown> {
  checkTid(params);
  const order = state.pollOrder(params, 'B', 'DATA_EXPORT');
  const p = order.params;
  const db = state.databases.get(String(order.dbId));
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
/** ExecuteDataExport: an approved export starts (WAITING_EXPORT). */
function executeDataExport(state: DmsState, params: Params): Record<string, unknown> {
  checkTid(params);
  const order = state.findOrder(params, 'Q');
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
    throw state.illegalStatus(order, 'ExecuteDataExport');
  order.exportActionDetail = detail;
  state.changeStatus(order, 'WAITING_EXPORT');
  return {};
}
/** GetDataExportDownloadURL: the link once exported (or a tip why there is none). */
function getDataExportDownloadUrl(state: DmsState, params: Params): Record<string, unknown> {
  checkTid(params);
  const order = state.findOrder(params, 'Q');
  if (order.pluginType !== 'DATA_EXPORT')
    throw new BusinessError('InvalidOrderId', `The ticket (OrderId=${order.orderId}) is not a data export ticket.`);
  const tip = state.noResultTips.get(order.orderId);
  if (tip !== undefined) return { DownloadURLResult: { HasResult: false, TipMessage: tip, URL: '' } };
  if (order.status !== 'EXPORT_SUCCESS') {
    return { DownloadURLResult: { HasResult: false, TipMessage: 'The export has not finished yet.', URL: '' } };
  }
  return {
    DownloadURLResult: {
      HasResult: true,
      TipMessage: '',
      URL: `${state.endpoint}/download/${order.orderId}.zip?Expires=3600`,
    },
  };
}
/** The data export actions, by action name. */
export const EXPORT_ACTIONS: Readonly<Record<string, DmsAction>> = {
  CreateOrder: createOrder,
  GetDataExportOrderDetail: getDataExportOrderDetail,
  ExecuteDataExport: executeDataExport,
  GetDataExportDownloadURL: getDataExportDownloadUrl,
};
