/** DMS data tracking tickets (DATA_TRACK): create and detail. */
import {
  BusinessError,
  checkTid,
  invalidParameter,
  isRecord,
  type Params,
  parseDmsTime,
  parseJson,
  readString,
  readStringArray,
  readStringDbId,
  rejectWrongCaseKeys,
} from './params.js';
import type { DmsAction, DmsState } from './state.js';
import { JOB_STATUS_DESC } from './statuses.js';

/** CreateDataTrackOrder: a window, tables and operation types on a physical database. */
function createDataTrackOrder(state: DmsState, params: Params): Record<string, unknown> {
  checkTid(params);
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
  const db = state.requireDatabase(dbId, undefined);
  if (db.Logic) {
    throw new BusinessError(
      'UnsupportedLogicDatabase',
      `Data tracking tickets can only be created for physical databases; DbId=${dbId} is a logical database.`,
    );
  }
  const order = state.storeOrder({
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
/** GetDataTrackOrderDetail: the job status and what the ticket asked for. */
function getDataTrackOrderDetail(state: DmsState, params: Params): Record<string, unknown> {
  checkTid(params);
  const order = state.pollOrder(params, 'Q', 'DATA_TRACK');
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
/** The data tracking actions, by action name. */
export const TRACK_ACTIONS: Readonly<Record<string, DmsAction>> = {
  CreateDataTrackOrder: createDataTrackOrder,
  GetDataTrackOrderDetail: getDataTrackOrderDetail,
};
