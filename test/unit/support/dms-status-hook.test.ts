import OpenApiModule, { $OpenApiUtil } from '@alicloud/openapi-core';
import { RuntimeOptions } from '@darabonba/typescript';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { DmsEmulator, type DmsStatusChange } from '../../support/dms-emulator.js';

// openapi-core is CommonJS: under vitest the default import is the class, under plain Node ESM `.default` (see
// dms-emulator.test.ts).
type OpenApiClientCtor = typeof OpenApiModule.default;
const openApiDefault: unknown = OpenApiModule;
const OpenApiClient: OpenApiClientCtor =
  typeof openApiDefault === 'function' ? (openApiDefault as OpenApiClientCtor) : OpenApiModule.default;

let emu: DmsEmulator;
let changes: DmsStatusChange[];
// The emulator's clock (signature freshness too): fixed at the start of each test.
let t0: number;

async function call(action: string, query: Record<string, string>, body?: Record<string, string>) {
  const client = new OpenApiClient(
    new $OpenApiUtil.Config({
      accessKeyId: emu.accessKeyId,
      accessKeySecret: emu.accessKeySecret,
      endpoint: emu.endpoint.replace(/^http:\/\//, ''),
      protocol: 'http',
      regionId: 'cn-hangzhou',
    }),
  );
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
  return res.body as Record<string, unknown>;
}

const createExport = () =>
  call(
    'CreateOrder',
    { Comment: 'export', PluginType: 'DATA_EXPORT' },
    {
      PluginParam: JSON.stringify({
        classify: 'ops',
        dbId: 1001,
        exeSQL: 'select 1',
        logic: false,
        ignoreAffectRows: false,
        affectRows: 1,
        ignoreAffectRowsReason: '',
      }),
    },
  );

beforeEach(async () => {
  t0 = Date.now();
  emu = await DmsEmulator.start({ now: () => t0 });
  emu.addDatabase({ DatabaseId: '1001', SearchName: 'orders_prod' });
  changes = [];
  emu.onStatusChange((c) => changes.push(c));
});

afterEach(async () => {
  await emu.close();
});

const seen = () =>
  changes.map((c) => [c.order.orderId, c.previousStatus, c.status, c.previousStatusCode, c.statusCode]);

// Issue 16's push sender hangs off this one moment, whatever moved the ticket.
it('onStatusChange: one call per change, from a poll, an action, advance() and setStatus(), with what it was before', async () => {
  await createExport();
  expect(changes).toEqual([]); // filing is not a change
  emu.autoAdvanceEvery = 1;
  await call('GetDataExportOrderDetail', {}, { OrderId: '100001' });
  emu.autoAdvanceEvery = null;
  await call('SubmitOrderApproval', { OrderId: '100001' });
  emu.advance(100001);
  emu.setStatus(100001, 'EXPORT_FAIL');
  expect(seen()).toEqual([
    [100001, 'PRE_CHECKING', 'PRE_CHECK_SUCCESS', 'new', 'new'],
    [100001, 'PRE_CHECK_SUCCESS', 'APPLY_AUDIT_SUCCESS', 'new', 'toaudit'],
    [100001, 'APPLY_AUDIT_SUCCESS', 'ENABLE_EXPORT', 'toaudit', 'Approved'],
    [100001, 'ENABLE_EXPORT', 'EXPORT_FAIL', 'Approved', 'closed'],
  ]);
  expect(changes[0]!.at).toBe(t0);
  // Unchanged: a poll without auto-advance, and advance() at the end of the script.
  await call('GetDataExportOrderDetail', {}, { OrderId: '100001' });
  expect(changes).toHaveLength(4);
});

it('onStatusChange: a cancelled approval changes only the StatusCode (closed), and is a change too; unsubscribing stops it', async () => {
  await createExport();
  emu.setStatus(100001, 'PRE_CHECK_SUCCESS');
  await call('SubmitOrderApproval', { OrderId: '100001' });
  const order = emu.getOrder(100001)!;
  await call('ApproveOrder', { WorkflowInstanceId: String(order.workflowInstanceId), ApprovalType: 'CANCEL' });
  const last = changes.at(-1)!;
  expect(last.previousStatusCode).toBe('toaudit');
  expect(last).toMatchObject({
    previousStatus: 'APPLY_AUDIT_SUCCESS',
    status: 'APPLY_AUDIT_SUCCESS',
    statusCode: 'closed',
  });
  const count = changes.length;
  const stop = emu.onStatusChange(() => {
    throw new Error('removed listener called');
  });
  stop();
  emu.setStatus(100001, 'EXPORT_SUCCESS');
  expect(changes).toHaveLength(count + 1);
});
