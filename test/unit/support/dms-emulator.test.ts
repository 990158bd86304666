import { request as httpRequest } from 'node:http';
import { stringify } from 'node:querystring';
// openapi-core is CommonJS (`exports.default = Client` plus named exports). Under plain Node ESM (and for tsc) the
// default import is the whole `module.exports`, so the class is `.default`; under vitest (deps.interopDefault) the
// default import is already the class. Resolve both. Named exports ($OpenApiUtil, error classes) import directly.
import OpenApiModule, {
  $OpenApiUtil,
  AlibabaCloudError,
  ClientError,
  ServerError,
  ThrottlingError,
} from '@alicloud/openapi-core';
// RuntimeOptions lives in openapi-core's own dependency (the type its callApi signature names).
import { RuntimeOptions } from '@darabonba/typescript';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EMPTY_BODY_SHA256, signAcs3Request } from '../../support/acs3.js';
import { DmsEmulator } from '../../support/dms-emulator.js';

type OpenApiClientCtor = typeof OpenApiModule.default;
const openApiDefault: unknown = OpenApiModule;
const OpenApiClient: OpenApiClientCtor =
  typeof openApiDefault === 'function' ? (openApiDefault as OpenApiClientCtor) : OpenApiModule.default;
type OpenApiClientInstance = InstanceType<typeof OpenApiClient>;

function makeClient(
  emu: DmsEmulator,
  overrides: { accessKeyId?: string; accessKeySecret?: string; securityToken?: string } = {},
): OpenApiClientInstance {
  return new OpenApiClient(
    new $OpenApiUtil.Config({
      accessKeyId: overrides.accessKeyId ?? emu.accessKeyId,
      accessKeySecret: overrides.accessKeySecret ?? emu.accessKeySecret,
      securityToken: overrides.securityToken,
      endpoint: emu.endpoint.replace(/^http:\/\//, ''),
      protocol: 'http',
      regionId: 'cn-hangzhou',
    }),
  );
}

async function call(
  client: OpenApiClientInstance,
  action: string,
  query: Record<string, string> = {},
  body?: Record<string, string>,
): Promise<Record<string, unknown>> {
  const params = new $OpenApiUtil.Params({
    action,
    version: '2018-11-01',
    protocol: 'HTTP',
    pathname: '/',
    method: 'POST',
    authType: 'AK',
    style: 'RPC',
    reqBodyType: 'formData',
    bodyType: 'json',
  });
  const req = new $OpenApiUtil.OpenApiRequest(body === undefined ? { query } : { query, body });
  const res = await client.callApi(params, req, new RuntimeOptions({ autoretry: false }));
  const resBody: unknown = res.body;
  if (typeof resBody !== 'object' || resBody === null) throw new Error('expected a JSON object body');
  return resBody as Record<string, unknown>;
}

async function callError(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

const exportParam = {
  classify: 'ops',
  dbId: 1001,
  exeSQL: 'select * from orders limit 10',
  logic: false,
  ignoreAffectRows: false,
  affectRows: 10,
  ignoreAffectRowsReason: '',
};

const trackParam = {
  DbId: '1001',
  JobStartTime: '2024-05-01 00:00:00',
  JobEndTime: '2024-05-01 06:00:00',
  TableNames: ['orders'],
  TrackTypes: ['UPDATE', 'DELETE'],
};

const freeLockParam = {
  DbItemList: [{ DbId: 1001, Logic: false }],
  ExecSQL: 'update orders set state = 1 where id = 7;',
  SqlType: 'TEXT',
  ExecMode: 'COMMITOR',
  Classify: 'fix',
};

let emu: DmsEmulator;
let client: OpenApiClientInstance;

beforeEach(async () => {
  emu = await DmsEmulator.start();
  emu.addDatabase({
    DatabaseId: '1001',
    SearchName: 'shop@db1.internal:3306【shop-prod】',
    SchemaName: 'shop',
    EnvType: 'product',
  });
  emu.addDatabase({
    DatabaseId: '1002',
    SearchName: 'shop_test@db2.internal:3306',
    SchemaName: 'shop_test',
    EnvType: 'test',
  });
  emu.addDatabase({ DatabaseId: '2001', SearchName: 'shop_logic', SchemaName: 'shop_logic', Logic: true });
  emu.addUser({ UserId: '51', Uid: '2800000051', NickName: 'alice', Email: 'alice@example.com' });
  emu.addUser({ UserId: '52', NickName: 'bob', Email: 'bob@example.com' });
  client = makeClient(emu);
});

afterEach(async () => {
  await emu.close();
});

function createExport(comment = 'export for INC-1', related = '51,52'): Promise<Record<string, unknown>> {
  return call(
    client,
    'CreateOrder',
    { Comment: comment, PluginType: 'DATA_EXPORT', RelatedUserList: related },
    { PluginParam: JSON.stringify(exportParam) },
  );
}

describe('DmsEmulator signatures (through @alicloud/openapi-core)', () => {
  it('accepts a correctly signed request and records it', async () => {
    const res = await call(client, 'SearchDatabase', { SearchKey: 'SHOP_test' });
    expect(res['Success']).toBe(true);
    expect(typeof res['RequestId']).toBe('string');
    expect(res['TotalCount']).toBe(1);
    expect(res['SearchDatabaseList']).toEqual({
      SearchDatabase: [
        {
          DatabaseId: '1002',
          SearchName: 'shop_test@db2.internal:3306',
          SchemaName: 'shop_test',
          DbType: 'mysql',
          EnvType: 'test',
          Host: '10.0.0.10',
          Port: 3306,
          Logic: false,
        },
      ],
    });
    const [rec] = emu.calls('SearchDatabase');
    expect(rec).toMatchObject({
      action: 'SearchDatabase',
      version: '2018-11-01',
      method: 'POST',
      signature: 'valid',
      status: 200,
    });
    expect(rec?.query).toEqual({ SearchKey: 'SHOP_test' });
    expect(rec?.headers['authorization']).toMatch(/^ACS3-HMAC-SHA256 Credential=test-ak,/);
  });

  it('rejects a wrong secret with SignatureDoesNotMatch (ClientError, 400)', async () => {
    const bad = makeClient(emu, { accessKeySecret: 'not-the-secret' });
    const err = await callError(call(bad, 'SearchDatabase', { SearchKey: 'shop' }));
    expect(err).toBeInstanceOf(ClientError);
    expect(err).toMatchObject({ code: 'SignatureDoesNotMatch', statusCode: 400 });
    expect((err as ClientError).requestId).toMatch(/^[0-9A-F-]{36}$/);
    expect(emu.requests[0]?.signature).toBe('SignatureDoesNotMatch');
  });

  it('rejects an unknown AccessKey id with InvalidAccessKeyId.NotFound (404)', async () => {
    const err = await callError(call(makeClient(emu, { accessKeyId: 'nobody' }), 'SearchDatabase'));
    expect(err).toBeInstanceOf(ClientError);
    expect(err).toMatchObject({ code: 'InvalidAccessKeyId.NotFound', statusCode: 404 });
  });

  it('rejects a timestamp more than 15 minutes off the emulator clock', async () => {
    const skewed = await DmsEmulator.start({ now: () => Date.now() + 20 * 60 * 1000 });
    try {
      const err = await callError(call(makeClient(skewed), 'SearchDatabase'));
      expect(err).toMatchObject({ code: 'InvalidTimeStamp.Expired', statusCode: 400 });
    } finally {
      await skewed.close();
    }
  });

  it('accepts STS credentials and records the security token', async () => {
    const sts = makeClient(emu, { securityToken: 'sts-token-value' });
    const res = await call(sts, 'ListUsers', { SearchKey: 'alice' });
    expect(res['UserList']).toEqual({
      User: [{ UserId: '51', Uid: '2800000051', NickName: 'alice', Email: 'alice@example.com', State: 'NORMAL' }],
    });
    expect(emu.requests[0]?.securityToken).toBe('sts-token-value');
  });

  it('answers an unknown action with InvalidAction.NotFound (404)', async () => {
    const err = await callError(call(client, 'DescribeNothing'));
    expect(err).toBeInstanceOf(ClientError);
    expect(err).toMatchObject({ code: 'InvalidAction.NotFound', statusCode: 404 });
  });
});

describe('DmsEmulator ticket creation', () => {
  it('returns the three real CreateOrderResult shapes', async () => {
    const a = await createExport();
    const b = await call(client, 'CreateDataTrackOrder', {
      Comment: 'who deleted rows',
      Param: JSON.stringify(trackParam),
      RelatedUserList: JSON.stringify(['51']),
    });
    const c = await call(client, 'CreateFreeLockCorrectOrder', {
      Comment: 'fix state',
      Param: JSON.stringify(freeLockParam),
      RelatedUserList: JSON.stringify([51, 52]),
    });
    expect(a).toMatchObject({ Success: true, CreateOrderResult: { OrderIds: [100001] } });
    expect(b).toMatchObject({ Success: true, CreateOrderResult: [100002] });
    expect(c).toMatchObject({ Success: true, CreateOrderResult: [100003] });

    expect(emu.getOrder(100001)).toMatchObject({
      pluginType: 'DATA_EXPORT',
      comment: 'export for INC-1',
      params: exportParam,
      relatedUserIds: ['51', '52'],
      committer: 'chatops-bot',
      status: 'PRE_CHECKING',
    });
    expect(emu.getOrder(100002)).toMatchObject({ pluginType: 'DATA_TRACK', relatedUserIds: ['51'], status: 'INIT' });
    expect(emu.getOrder(100003)).toMatchObject({
      pluginType: 'FREE_LOCK_CORRECT',
      relatedUserIds: ['51', '52'],
      status: 'new',
    });
  });

  it('enforces parameter locations: PluginParam in the query is MissingParameter', async () => {
    const err = await callError(
      call(client, 'CreateOrder', {
        Comment: 'c',
        PluginType: 'DATA_EXPORT',
        PluginParam: JSON.stringify(exportParam),
      }),
    );
    expect(err).toBeInstanceOf(ClientError);
    expect(err).toMatchObject({ code: 'MissingParameter', statusCode: 400 });
    expect((err as Error).message).toContain('"PluginParam"');
    expect(emu.getOrder(100001)).toBeUndefined();
  });

  it('enforces parameter locations: Comment in the body is MissingParameter', async () => {
    const err = await callError(
      call(
        client,
        'CreateOrder',
        { PluginType: 'DATA_EXPORT' },
        { Comment: 'c', PluginParam: JSON.stringify(exportParam) },
      ),
    );
    expect(err).toMatchObject({ code: 'MissingParameter' });
    expect((err as Error).message).toContain('"Comment"');
  });

  it('enforces parameter locations: GetDataExportOrderDetail wants OrderId in the body', async () => {
    await createExport();
    const err = await callError(call(client, 'GetDataExportOrderDetail', { OrderId: '100001' }));
    expect(err).toMatchObject({ code: 'MissingParameter' });
    const ok = await call(client, 'GetDataExportOrderDetail', {}, { OrderId: '100001' });
    expect(ok['Success']).toBe(true);
  });

  it('rejects PascalCase PluginParam keys and invalid JSON with InvalidParameter', async () => {
    const pascal = { ...exportParam, DbId: 1001 };
    const err1 = await callError(
      call(client, 'CreateOrder', { Comment: 'c', PluginType: 'DATA_EXPORT' }, { PluginParam: JSON.stringify(pascal) }),
    );
    expect(err1).toMatchObject({ code: 'InvalidParameter', statusCode: 400 });
    expect((err1 as Error).message).toContain('PluginParam.DbId');

    const err2 = await callError(
      call(client, 'CreateOrder', { Comment: 'c', PluginType: 'DATA_EXPORT' }, { PluginParam: '{not json' }),
    );
    expect(err2).toMatchObject({ code: 'InvalidParameter' });

    const err3 = await callError(
      call(
        client,
        'CreateOrder',
        { Comment: 'c', PluginType: 'DATA_EXPORT', RelatedUserList: '["51"]' },
        { PluginParam: JSON.stringify(exportParam) },
      ),
    );
    expect(err3).toMatchObject({ code: 'InvalidParameter' });
    expect((err3 as Error).message).toContain('RelatedUserList');
  });

  it('holds every JSON field to the type its API page declares (String vs Long vs Boolean vs Array)', async () => {
    const refused: Array<[string, Record<string, string>, Record<string, string> | undefined, string]> = [
      [
        'CreateOrder',
        { Comment: 'c', PluginType: 'DATA_EXPORT' },
        { PluginParam: JSON.stringify({ ...exportParam, dbId: '1001' }) },
        'PluginParam.dbId',
      ],
      [
        'CreateOrder',
        { Comment: 'c', PluginType: 'DATA_EXPORT' },
        { PluginParam: JSON.stringify({ ...exportParam, logic: 'false' }) },
        'PluginParam.logic',
      ],
      [
        'CreateOrder',
        { Comment: 'c', PluginType: 'DATA_EXPORT' },
        { PluginParam: JSON.stringify({ ...exportParam, affectRows: '10' }) },
        'PluginParam.affectRows',
      ],
      [
        'CreateOrder',
        { Comment: 'c', PluginType: 'DATA_EXPORT' },
        { PluginParam: JSON.stringify({ ...exportParam, affectRows: 1.5 }) },
        'PluginParam.affectRows',
      ],
      [
        'CreateOrder',
        { Comment: 'c', PluginType: 'DATA_EXPORT' },
        { PluginParam: JSON.stringify({ ...exportParam, classify: 7 }) },
        'PluginParam.classify',
      ],
      [
        'CreateDataTrackOrder',
        { Comment: 'c', Param: JSON.stringify({ ...trackParam, DbId: 1001 }) },
        undefined,
        'Param.DbId',
      ],
      [
        'CreateDataTrackOrder',
        { Comment: 'c', Param: JSON.stringify({ ...trackParam, TableNames: 'orders' }) },
        undefined,
        'Param.TableNames',
      ],
      [
        'CreateDataTrackOrder',
        { Comment: 'c', Param: JSON.stringify({ ...trackParam, TableNames: [7] }) },
        undefined,
        'Param.TableNames[0]',
      ],
      [
        'CreateDataTrackOrder',
        { Comment: 'c', Param: JSON.stringify({ ...trackParam, JobStartTime: 1714521600 }) },
        undefined,
        'Param.JobStartTime',
      ],
      [
        'CreateFreeLockCorrectOrder',
        { Comment: 'c', Param: JSON.stringify({ ...freeLockParam, DbItemList: [{ DbId: '1001', Logic: false }] }) },
        undefined,
        'Param.DbItemList[0].DbId',
      ],
      [
        'CreateFreeLockCorrectOrder',
        { Comment: 'c', Param: JSON.stringify({ ...freeLockParam, DbItemList: [{ DbId: 1001, Logic: 0 }] }) },
        undefined,
        'Param.DbItemList[0].Logic',
      ],
      [
        'CreateFreeLockCorrectOrder',
        { Comment: 'c', Param: JSON.stringify({ ...freeLockParam, Classify: ['x'] }) },
        undefined,
        'Param.Classify',
      ],
      [
        'CreateFreeLockCorrectOrder',
        { Comment: 'c', Param: JSON.stringify({ ...freeLockParam, RollbackAttachmentName: 1 }) },
        undefined,
        'Param.RollbackAttachmentName',
      ],
    ];
    for (const [action, query, body, field] of refused) {
      const err = await callError(call(client, action, query, body));
      expect(err, `${action} ${field}`).toMatchObject({ code: 'InvalidParameter', statusCode: 400 });
      expect((err as Error).message, `${action} ${field}`).toContain(`"${field}"`);
    }
    expect(emu.allOrders()).toHaveLength(0);
  });

  it('validates CreateDataTrackOrder and CreateFreeLockCorrectOrder shapes', async () => {
    const badTime = await callError(
      call(client, 'CreateDataTrackOrder', {
        Comment: 'c',
        Param: JSON.stringify({ ...trackParam, JobStartTime: '2024-05-01T00:00:00Z' }),
      }),
    );
    expect(badTime).toMatchObject({ code: 'InvalidParameter' });
    const badType = await callError(
      call(client, 'CreateDataTrackOrder', {
        Comment: 'c',
        Param: JSON.stringify({ ...trackParam, TrackTypes: ['SELECT'] }),
      }),
    );
    expect(badType).toMatchObject({ code: 'InvalidParameter' });
    const numericUsers = await callError(
      call(client, 'CreateDataTrackOrder', {
        Comment: 'c',
        Param: JSON.stringify(trackParam),
        RelatedUserList: '[51]',
      }),
    );
    expect(numericUsers).toMatchObject({ code: 'InvalidParameter' });
    const stringUsers = await callError(
      call(client, 'CreateFreeLockCorrectOrder', {
        Comment: 'c',
        Param: JSON.stringify(freeLockParam),
        RelatedUserList: '["51"]',
      }),
    );
    expect(stringUsers).toMatchObject({ code: 'InvalidParameter' });
    const badSqlType = await callError(
      call(client, 'CreateFreeLockCorrectOrder', {
        Comment: 'c',
        Param: JSON.stringify({ ...freeLockParam, SqlType: 'SQL' }),
      }),
    );
    expect(badSqlType).toMatchObject({ code: 'InvalidParameter' });
    const camel = await callError(
      call(client, 'CreateFreeLockCorrectOrder', {
        Comment: 'c',
        Param: JSON.stringify({ ...freeLockParam, execSQL: 'x' }),
      }),
    );
    expect(camel).toMatchObject({ code: 'InvalidParameter' });
    const noParam = await callError(call(client, 'CreateDataTrackOrder', { Comment: 'c' }));
    expect(noParam).toMatchObject({ code: 'MissingParameter' });
    expect(emu.allOrders()).toHaveLength(0);
  });

  it('answers an unknown DbId or a logical database for data tracking with Success:false', async () => {
    const unknownDb = await call(
      client,
      'CreateOrder',
      { Comment: 'c', PluginType: 'DATA_EXPORT' },
      { PluginParam: JSON.stringify({ ...exportParam, dbId: 9999 }) },
    );
    expect(unknownDb).toMatchObject({ Success: false, ErrorCode: 'InvalidDbId' });
    expect(typeof unknownDb['ErrorMessage']).toBe('string');
    const logic = await call(client, 'CreateDataTrackOrder', {
      Comment: 'c',
      Param: JSON.stringify({ ...trackParam, DbId: '2001' }),
    });
    expect(logic['Success']).toBe(false);
    expect(emu.allOrders()).toHaveLength(0);
  });
});

describe('DmsEmulator faults', () => {
  it('throttle faults surface as openapi-core ThrottlingError with retryAfter in ms', async () => {
    emu.failNext('SearchDatabase', { kind: 'throttle', retryAfterSeconds: 2 });
    const err = await callError(call(client, 'SearchDatabase'));
    expect(err).toBeInstanceOf(ThrottlingError);
    expect(err).toBeInstanceOf(AlibabaCloudError);
    const t = err as ThrottlingError;
    expect(t.name).toBe('ThrottlingError');
    expect(t.code).toBe('Throttling.User');
    expect(t.statusCode).toBe(400);
    expect(t.retryAfter).toBe(2000);
    expect(t.requestId).toMatch(/^[0-9A-F-]{36}$/);
    expect(t.data).toMatchObject({ Code: 'Throttling.User' });
    expect(emu.requests[0]?.fault).toEqual({ kind: 'throttle', retryAfterSeconds: 2 });
    // Only one fault was queued.
    expect((await call(client, 'SearchDatabase'))['Success']).toBe(true);
  });

  it('server faults surface as ServerError (503 ServiceUnavailable) and can repeat', async () => {
    emu.failNext('*', { kind: 'server' }, 2);
    for (let i = 0; i < 2; i++) {
      const err = await callError(call(client, 'ListUsers'));
      expect(err).toBeInstanceOf(ServerError);
      expect(err).toMatchObject({ code: 'ServiceUnavailable', statusCode: 503 });
    }
    expect((await call(client, 'ListUsers'))['Success']).toBe(true);
  });

  it('business faults come back as HTTP 200 Success:false', async () => {
    emu.failNext('CreateOrder', { kind: 'business', code: 'InvalidTid', message: 'bad tenant' });
    const res = await createExport();
    expect(res).toMatchObject({ Success: false, ErrorCode: 'InvalidTid', ErrorMessage: 'bad tenant' });
    expect(emu.allOrders()).toHaveLength(0);
  });

  it('dropResponseNext creates the ticket but the client sees a socket error', async () => {
    emu.dropResponseNext('CreateOrder');
    const err = await callError(createExport('export INC-9 [m:abc123]'));
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(AlibabaCloudError);
    expect(String((err as { code?: unknown }).code)).toMatch(/ECONNRESET|socket hang up/i);
    expect(emu.getOrder(100001)?.comment).toBe('export INC-9 [m:abc123]');
    expect(emu.calls('CreateOrder')[0]).toMatchObject({ dropped: true, status: 200 });
    // Reconciliation by marker works, and the next create is answered normally.
    const listed = await call(client, 'ListOrders', { SearchContent: '[m:abc123]', PluginType: 'DATA_EXPORT' });
    expect(listed).toMatchObject({
      TotalCount: 1,
      Orders: { Order: [{ OrderId: 100001, Comment: 'export INC-9 [m:abc123]' }] },
    });
    expect(await createExport()).toMatchObject({ CreateOrderResult: { OrderIds: [100002] } });
  });

  it('calls the latency function with the action', async () => {
    const seen: string[] = [];
    emu.latencyMs = (action) => {
      seen.push(action);
      return 0;
    };
    await call(client, 'ListUsers');
    expect(seen).toEqual(['ListUsers']);
  });
});

describe('DmsEmulator ticket progress', () => {
  it('advances a data export ticket along its status script', async () => {
    await createExport();
    const detail = async () => {
      const res = await call(client, 'GetDataExportOrderDetail', {}, { OrderId: '100001' });
      return res['DataExportOrderDetail'] as { KeyInfo: { JobStatus: string }; OrderDetail: Record<string, unknown> };
    };
    const base = async () =>
      (await call(client, 'GetOrderBaseInfo', { OrderId: '100001' }))['OrderBaseInfo'] as Record<string, unknown>;

    const first = await detail();
    expect(first.KeyInfo.JobStatus).toBe('PRE_CHECKING');
    expect(first.OrderDetail).toMatchObject({
      DbId: 1001,
      Database: 'shop@10.0.0.10:3306',
      ExeSQL: exportParam.exeSQL,
      Logic: false,
      EnvType: 'product',
    });
    expect(await base()).toMatchObject({
      OrderId: 100001,
      PluginType: 'DATA_EXPORT',
      StatusCode: 'new',
      Committer: 'chatops-bot',
      RelatedUserList: { UserIds: ['51', '52'] },
    });

    expect(emu.advance(100001)).toBe('PRE_CHECK_SUCCESS');
    expect(emu.advance(100001, 2)).toBe('APPLY_AUDIT_SUCCESS');
    expect((await detail()).KeyInfo.JobStatus).toBe('APPLY_AUDIT_SUCCESS');
    expect((await base())['StatusCode']).toBe('toaudit');
    expect(emu.advance(100001, 99)).toBe('EXPORT_SUCCESS');
    expect((await base())['StatusCode']).toBe('success');
    expect(emu.getOrder(100001)?.statusHistory).toEqual([
      'PRE_CHECKING',
      'PRE_CHECK_SUCCESS',
      'APPLY_AUDIT_SUCCESS',
      'EXPORT_SUCCESS',
    ]);
  });

  it('uses a custom script for new tickets and can force any status', async () => {
    emu.setStatusScript('DATA_EXPORT', ['PRE_CHECKING', 'PRE_CHECK_FAIL']);
    await createExport();
    expect(emu.advance(100001)).toBe('PRE_CHECK_FAIL');
    expect((await call(client, 'GetOrderBaseInfo', { OrderId: '100001' }))['OrderBaseInfo']).toMatchObject({
      StatusCode: 'closed',
    });
    emu.setStatus(100001, 'EXPORT_FAIL');
    expect(emu.getOrder(100001)?.status).toBe('EXPORT_FAIL');
  });

  it('auto-advances every Nth detail poll when autoAdvanceEvery is set', async () => {
    await call(client, 'CreateDataTrackOrder', { Comment: 'track', Param: JSON.stringify(trackParam) });
    emu.autoAdvanceEvery = 2;
    const statuses: string[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await call(client, 'GetDataTrackOrderDetail', { OrderId: '100001' });
      statuses.push((res['DataTrackOrderDetail'] as { JobStatus: string }).JobStatus);
    }
    expect(statuses).toEqual(['INIT', 'LISTING', 'LISTING', 'LIST_SUCCESS']);
    const res = await call(client, 'GetDataTrackOrderDetail', { OrderId: '100001' });
    expect(res['DataTrackOrderDetail']).toMatchObject({
      DbId: 1001,
      TableNames: ['orders'],
      TrackTypes: ['UPDATE', 'DELETE'],
      JobStartTime: trackParam.JobStartTime,
    });
  });

  it('reports a failed precheck step for lock-free change tickets', async () => {
    await call(client, 'CreateFreeLockCorrectOrder', { Comment: 'fix', Param: JSON.stringify(freeLockParam) });
    emu.setStatus(100001, 'precheckFailed');
    const order = emu.getOrder(100001);
    if (order) order.precheckUserTip = 'Table orders has no primary key.';
    const res = await call(client, 'GetDataCorrectOrderDetail', { OrderId: '100001' });
    const detail = res['DataCorrectOrderDetail'] as {
      Status: string;
      ExecMode: string;
      PreCheckDetail: { TaskCheckDO: Array<Record<string, unknown>> };
    };
    expect(detail.Status).toBe('precheckFailed');
    expect(detail.ExecMode).toBe('COMMITOR');
    expect(detail.PreCheckDetail.TaskCheckDO).toContainEqual({
      CheckStep: 'SQL_PARSE',
      CheckStatus: 'FAIL',
      UserTip: 'Table orders has no primary key.',
    });
  });

  it('answers an unknown order with Success:false InvalidOrderId', async () => {
    const res = await call(client, 'GetOrderBaseInfo', { OrderId: '424242' });
    expect(res).toMatchObject({ Success: false, ErrorCode: 'InvalidOrderId' });
  });

  it('runs the export lifecycle: submit, approve, execute, download', async () => {
    await createExport();
    emu.advance(100001);
    await call(client, 'SubmitOrderApproval', { OrderId: '100001' });
    const info = (await call(client, 'GetOrderBaseInfo', { OrderId: '100001' }))['OrderBaseInfo'] as Record<
      string,
      unknown
    >;
    expect(info['StatusCode']).toBe('toaudit');
    const notYet = await call(client, 'ExecuteDataExport', { OrderId: '100001' });
    expect(notYet).toMatchObject({ Success: false, ErrorCode: 'IllegalOrderStatus' });
    await call(client, 'ApproveOrder', {
      WorkflowInstanceId: String(info['WorkflowInstanceId']),
      ApprovalType: 'AGREE',
      Comment: 'ok',
    });
    expect(emu.getOrder(100001)?.status).toBe('ENABLE_EXPORT');
    await call(client, 'ExecuteDataExport', {
      OrderId: '100001',
      ActionDetail: JSON.stringify({ mode: 'FAST', fileType: 'CSV', encoding: 'UTF8' }),
    });
    expect(emu.getOrder(100001)?.exportActionDetail).toEqual({ mode: 'FAST', fileType: 'CSV', encoding: 'UTF8' });
    const pending = await call(client, 'GetDataExportDownloadURL', { OrderId: '100001' });
    expect(pending['DownloadURLResult']).toMatchObject({ HasResult: false });
    emu.advance(100001, 99);
    const done = await call(client, 'GetDataExportDownloadURL', { OrderId: '100001' });
    expect(done['DownloadURLResult']).toMatchObject({ HasResult: true, TipMessage: '' });
    const finished = await call(client, 'ListOrders', { OrderStatus: 'FINISHED' });
    expect(finished['TotalCount']).toBe(1);
  });

  it('pages SearchDatabase results and filters by EnvType', async () => {
    const page1 = await call(client, 'SearchDatabase', { SearchKey: 'shop', PageNumber: '1', PageSize: '2' });
    const page2 = await call(client, 'SearchDatabase', { SearchKey: 'shop', PageNumber: '2', PageSize: '2' });
    expect(page1['TotalCount']).toBe(3);
    expect((page1['SearchDatabaseList'] as { SearchDatabase: unknown[] }).SearchDatabase).toHaveLength(2);
    expect((page2['SearchDatabaseList'] as { SearchDatabase: unknown[] }).SearchDatabase).toHaveLength(1);
    const prod = await call(client, 'SearchDatabase', { SearchKey: 'shop', EnvType: 'product' });
    expect(prod['TotalCount']).toBe(2);
  });
});

describe('DmsEmulator raw HTTP', () => {
  function rawPost(
    path: string,
    headers: Record<string, string>,
    chunks: string[],
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    return new Promise((resolve, reject) => {
      const url = new URL(emu.endpoint);
      const req = httpRequest({ host: url.hostname, port: url.port, method: 'POST', path, headers }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => {
          try {
            resolve({
              status: res.statusCode ?? 0,
              body: JSON.parse(Buffer.concat(parts).toString('utf8')) as Record<string, unknown>,
            });
          } catch (e) {
            reject(e instanceof Error ? e : new Error(String(e)));
          }
        });
      });
      req.on('error', reject);
      for (const c of chunks) req.write(c);
      req.end();
    });
  }

  function acsDate(ms: number): string {
    return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  it('accepts a chunked form body and querystring-style raw ()! in the query; rejects a replayed nonce', async () => {
    const query = { Comment: 'export (daily)! INC-7', PluginType: 'DATA_EXPORT', RelatedUserList: '51' };
    const body = stringify({ PluginParam: JSON.stringify(exportParam) });
    const headers = signAcs3Request({
      method: 'POST',
      path: '/',
      query,
      headers: {
        host: new URL(emu.endpoint).host,
        'content-type': 'application/x-www-form-urlencoded',
        'x-acs-action': 'CreateOrder',
        'x-acs-version': '2018-11-01',
        'x-acs-date': acsDate(Date.now()),
        'x-acs-signature-nonce': 'raw-nonce-1',
      },
      body,
      accessKeyId: emu.accessKeyId,
      accessKeySecret: emu.accessKeySecret,
    });
    const path = `/?${stringify(query)}`;
    expect(path).toContain('(daily)!');
    const half = Math.floor(body.length / 2);
    const res = await rawPost(path, headers, [body.slice(0, half), body.slice(half)]);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ Success: true, CreateOrderResult: { OrderIds: [100001] } });
    const rec = emu.calls('CreateOrder')[0];
    expect(rec?.headers['transfer-encoding']).toBe('chunked');
    expect(rec?.body).toEqual({ PluginParam: JSON.stringify(exportParam) });
    expect(emu.getOrder(100001)?.comment).toBe('export (daily)! INC-7');

    const replay = await rawPost(path, headers, [body]);
    expect(replay.status).toBe(400);
    expect(replay.body).toMatchObject({ Code: 'SignatureNonceUsed' });
  });

  it('answers an unsigned request with IncompleteSignature and no-body hash mismatch with SignatureDoesNotMatch', async () => {
    const unsigned = await rawPost('/', { 'x-acs-action': 'ListUsers', 'x-acs-version': '2018-11-01' }, []);
    expect(unsigned.status).toBe(400);
    expect(unsigned.body).toMatchObject({ Code: 'IncompleteSignature' });
    expect(typeof unsigned.body['RequestId']).toBe('string');

    const headers = signAcs3Request({
      method: 'POST',
      path: '/',
      query: {},
      headers: {
        host: new URL(emu.endpoint).host,
        'x-acs-action': 'ListUsers',
        'x-acs-version': '2018-11-01',
        'x-acs-date': acsDate(Date.now()),
        'x-acs-signature-nonce': 'raw-nonce-2',
        'x-acs-content-sha256': EMPTY_BODY_SHA256,
      },
      body: '',
      accessKeyId: emu.accessKeyId,
      accessKeySecret: emu.accessKeySecret,
    });
    const mismatch = await rawPost('/', headers, ['SearchKey=x']);
    expect(mismatch.body).toMatchObject({ Code: 'SignatureDoesNotMatch' });
  });
});
