// The DMS wire exactly as the official SDK's models declare it, pinned by fixtures. Each fixture in
// test/fixtures/dms-wire/<Action>.json is the query and form body our client sent for that action (volatile headers
// masked). A JSON-encoded parameter is compared leaf by leaf, JSON type included, so `"DbId":"1001"` turning into
// `"DbId":1001` fails naming the action and the field. Regenerate after a deliberate change with
// `DMS_WIRE_UPDATE=1 npx vitest run test/unit/dms/wire.test.ts` and review the diff against the API pages.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpointSchema } from '../../../src/config.js';
import type { DbId } from '../../../src/core/ids.js';
import { DmsClient } from '../../../src/dms/client.js';
import { DmsEmulator, type RecordedDmsRequest } from '../../support/dms-emulator.js';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'dms-wire');
const UPDATE = process.env['DMS_WIRE_UPDATE'] === '1';
/** Parameters whose value is JSON text (the SDK serialises an object/array model under the plain name). */
const JSON_PARAMS: Record<string, readonly string[]> = {
  CreateOrder: ['PluginParam'],
  CreateDataTrackOrder: ['Param', 'RelatedUserList'],
  CreateFreeLockCorrectOrder: ['Param', 'RelatedUserList'],
  ExecuteDataExport: ['ActionDetail'],
};
/** Headers that differ on every request: their presence is pinned, their value masked. */
const VOLATILE_HEADERS = ['authorization', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-content-sha256'];
const PINNED_HEADERS = ['x-acs-action', 'x-acs-version', 'content-type'];

interface WireFixture {
  action: string;
  method: string;
  headers: Record<string, string>;
  query: Record<string, unknown>;
  body: Record<string, unknown>;
}

/** A recorded request as a fixture: JSON parameters parsed (so their types show), volatile headers masked. */
function toFixture(r: RecordedDmsRequest): WireFixture {
  const decode = (params: Record<string, string>): Record<string, unknown> =>
    Object.fromEntries(
      Object.keys(params)
        .sort()
        .map((k) => [
          k,
          (JSON_PARAMS[r.action] ?? []).includes(k) ? { json: JSON.parse(params[k]!) as unknown } : params[k],
        ]),
    );
  const headers: Record<string, string> = {};
  for (const h of PINNED_HEADERS) if (r.headers[h] !== undefined) headers[h] = r.headers[h];
  for (const h of VOLATILE_HEADERS) if (r.headers[h] !== undefined) headers[h] = '<masked>';
  return { action: r.action, method: r.method, headers, query: decode(r.query), body: decode(r.body) };
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'Array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'Long' : 'Double';
  if (typeof v === 'string') return 'String';
  if (typeof v === 'boolean') return 'Boolean';
  if (v === undefined) return 'absent';
  return 'Object';
}

/** Every difference between what the fixture pins and what was sent, as `<path>: expected …, sent …`. */
function differences(path: string, want: unknown, got: unknown, out: string[]): void {
  const wt = typeName(want);
  const gt = typeName(got);
  if (wt !== gt) {
    out.push(`${path}: expected ${wt} ${JSON.stringify(want)}, sent ${gt} ${JSON.stringify(got)}`);
    return;
  }
  if (wt === 'Array') {
    const w = want as unknown[];
    const g = got as unknown[];
    if (w.length !== g.length) out.push(`${path}: expected ${w.length} items, sent ${g.length}`);
    for (let i = 0; i < Math.min(w.length, g.length); i++) differences(`${path}[${i}]`, w[i], g[i], out);
    return;
  }
  if (wt === 'Object') {
    const w = want as Record<string, unknown>;
    const g = got as Record<string, unknown>;
    for (const k of new Set([...Object.keys(w), ...Object.keys(g)]))
      differences(path ? `${path}.${k}` : k, w[k], g[k], out);
    return;
  }
  if (want !== got) out.push(`${path}: expected ${JSON.stringify(want)}, sent ${JSON.stringify(got)}`);
}

const D1001 = '1001' as DbId;
const D2001 = '2001' as DbId;

/** Drives every action our client sends, with fixed inputs; returns what the emulator recorded, by action. */
async function drive(emu: DmsEmulator): Promise<Map<string, RecordedDmsRequest>> {
  const client = new DmsClient({
    endpoint: endpointSchema.parse(emu.endpoint),
    regionId: 'cn-hangzhou',
    tid: '3001',
    timeoutMs: 5000,
    credentials: { accessKeyId: emu.accessKeyId, accessKeySecret: emu.accessKeySecret },
    logger: pino({ level: 'silent' }),
    retries: 0,
  });
  const exp = await client.createDataExportOrder({
    dbId: D1001,
    logic: false,
    sql: 'select id, state from orders where id = 42',
    classify: 'INC-7 refund check',
    affectRows: 10,
    ignoreAffectRows: false,
    ignoreAffectRowsReason: '',
    comment: 'Export for INC-7',
    relatedUserIds: ['51', '52'],
  });
  const track = await client.createDataTrackOrder({
    dbId: D1001,
    startTime: '2026-03-09 17:00:00',
    endTime: '2026-03-09 19:00:00',
    tables: ['orders', 'order_items'],
    trackTypes: ['INSERT', 'DELETE'],
    comment: 'Who deleted order 42?',
    relatedUserIds: ['52'],
  });
  const change = await client.createFreeLockCorrectOrder({
    databases: [
      { dbId: D1001, logic: false },
      { dbId: D2001, logic: true },
    ],
    sql: 'update orders set state = 1 where id = 42;',
    rollbackSql: 'update orders set state = 0 where id = 42;',
    classify: 'INC-7 state fix',
    execMode: 'COMMITOR',
    comment: 'Fix order 42',
    relatedUserIds: ['51', '53'],
  });
  // The create answers' types as the pages declare them; our client reads each back as the same id.
  expect([exp.orderId, track.orderId, change.orderId]).toEqual(['100001', '100002', '100003']);
  await client.getDataExportOrderDetail(exp.orderId);
  await client.getDataTrackOrderDetail(track.orderId);
  await client.getDataCorrectOrderDetail(change.orderId);
  emu.advance(Number(exp.orderId));
  await client.submitOrderApproval(exp.orderId);
  const base = await client.getOrderBaseInfo(exp.orderId);
  await client.getApprovalDetail(String(base.WorkflowInstanceId));
  await client.approveOrder({
    workflowInstanceId: String(base.WorkflowInstanceId),
    approvalType: 'AGREE',
    comment: 'Approved in Slack by Bob',
  });
  await client.executeDataExport({ orderId: exp.orderId, fileType: 'CSV', encoding: 'UTF8' });
  await client.getDataExportDownloadUrl(exp.orderId);
  await client.findOrdersByComment('chatops:abc123');
  await client.searchDatabases('shop', { pageSize: 20 });
  await client.listUsers('alice@example.com');
  const byAction = new Map<string, RecordedDmsRequest>();
  for (const r of emu.requests) if (!byAction.has(r.action)) byAction.set(r.action, r);
  return byAction;
}

describe('DMS wire encodings (fixtures from the SDK models)', () => {
  let emu: DmsEmulator;
  let sent: Map<string, RecordedDmsRequest>;

  beforeAll(async () => {
    emu = await DmsEmulator.start();
    emu.addDatabase({
      DatabaseId: '1001',
      SearchName: 'shop@db1.internal:3306',
      SchemaName: 'shop',
      EnvType: 'product',
    });
    emu.addDatabase({ DatabaseId: '2001', SearchName: 'shop_logic', SchemaName: 'shop_logic', Logic: true });
    sent = await drive(emu);
    if (UPDATE) {
      mkdirSync(DIR, { recursive: true });
      for (const [action, r] of sent)
        writeFileSync(join(DIR, `${action}.json`), `${JSON.stringify(toFixture(r), null, 2)}\n`);
    }
  });
  afterAll(async () => {
    await emu.close();
  });

  const fixtures = readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .sort();

  it('has a fixture for every action the client sends, and every request passed the signature check', () => {
    expect([...sent.keys()].sort()).toEqual(fixtures.map((f) => f.replace(/\.json$/, '')));
    for (const r of sent.values()) expect(r.signature, r.action).toBe('valid');
  });

  it.each(fixtures)('%s: the client sends exactly the pinned query, body and headers', (file) => {
    const want = JSON.parse(readFileSync(join(DIR, file), 'utf8')) as WireFixture;
    const r = sent.get(want.action);
    expect(r, `${want.action} was not sent`).toBeDefined();
    const diffs: string[] = [];
    differences('', want, toFixture(r!), diffs);
    expect(diffs.map((d) => `${want.action} ${d}`)).toEqual([]);
  });

  it('names the action and the field when an encoding regresses', () => {
    const want = JSON.parse(readFileSync(join(DIR, 'CreateDataTrackOrder.json'), 'utf8')) as WireFixture;
    const regressed = structuredClone(want);
    (regressed.query['Param'] as { json: Record<string, unknown> }).json['DbId'] = 1001;
    const diffs: string[] = [];
    differences('', want, regressed, diffs);
    expect(diffs).toEqual(['query.Param.json.DbId: expected String "1001", sent Long 1001']);
  });

  it('pins the declared database-id types: String for CreateDataTrackOrder, Long for CreateOrder and CreateFreeLockCorrectOrder', () => {
    const json = (action: string, where: 'query' | 'body', name: string): Record<string, unknown> =>
      JSON.parse(sent.get(action)![where][name]!) as Record<string, unknown>;
    expect(json('CreateDataTrackOrder', 'query', 'Param')['DbId']).toBe('1001');
    expect(json('CreateOrder', 'body', 'PluginParam')['dbId']).toBe(1001);
    expect(json('CreateFreeLockCorrectOrder', 'query', 'Param')['DbItemList']).toEqual([
      { DbId: 1001, Logic: false },
      { DbId: 2001, Logic: true },
    ]);
    expect(sent.get('CreateFreeLockCorrectOrder')!.query['RelatedUserList']).toBe('[51,53]');
    expect(sent.get('CreateDataTrackOrder')!.query['RelatedUserList']).toBe('["52"]');
    expect(sent.get('CreateOrder')!.query['RelatedUserList']).toBe('51,52');
  });
});
