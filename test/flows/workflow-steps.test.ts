import { afterEach, describe, expect, it } from 'vitest';
import { STEP_OUTPUTS, STEPS, type StepKind } from '../../handlers/functions/steps.js';
import type { SlackCall } from '../support/fake-slack.js';
import { seedPeople } from '../support/flows.js';
import { type Harness, policyFiles, startHarness } from '../support/harness.js';
import { eventCallback, functionExecuted } from '../support/slack-events.js';

const policyFile = policyFiles('workflow-steps-');
const WORKFLOW_TOKEN = 'xwfp-workflow-token-SECRET-42';
let h: Harness | undefined;
afterEach(async () => {
  if (h) expect(h.logs.filter((l) => l.includes(WORKFLOW_TOKEN))).toEqual([]);
  await h?.close();
  h = undefined;
});

async function start(env: Record<string, string> = {}): Promise<Harness> {
  h = await startHarness({ env });
  seedPeople(h);
  return h;
}

let deliveries = 0;
/** Slack runs a step: the fake learns the run (its token and declared outputs), then the event is delivered. */
async function run(h: Harness, kind: StepKind, executionId: string, inputs: Record<string, unknown>): Promise<void> {
  if (!h.slack.executions.has(executionId))
    h.slack.executions.set(executionId, {
      token: WORKFLOW_TOKEN,
      outputs: STEP_OUTPUTS.map((o) => ({ name: o.name, type: o.type, required: o.required })),
    });
  const event = functionExecuted({ callbackId: STEPS[kind].callbackId, executionId, inputs, token: WORKFLOW_TOKEN });
  const res = await h.post(JSON.stringify(eventCallback(event, `Ev0STEP${++deliveries}`)), {
    contentType: 'application/json',
  });
  expect(res.status).toBe(200);
}

/** How a run ended: functions.completeSuccess or completeError, as Slack received it. */
function ended(h: Harness, executionId: string): Promise<SlackCall> {
  return h.slack.waitFor(
    'functions.completeSuccess',
    (c) => c.args['function_execution_id'] === executionId,
  ) as Promise<SlackCall>;
}
function failed(h: Harness, executionId: string): Promise<SlackCall> {
  return h.slack.waitFor('functions.completeError', (c) => c.args['function_execution_id'] === executionId);
}

const exportInputs = (over: Record<string, unknown> = {}) => ({
  requester: 'U0ALICE',
  channel: 'C0EXPORTS',
  database_id: '1001',
  sql: "SELECT id, status FROM orders WHERE created_at > '2026-01-01'",
  reason: 'Weekly report',
  estimated_rows: 1200,
  ...over,
});

describe('Workflow Builder step: File DMS data export', () => {
  it('files through the same services as the form (root in the channel, audit), completes with ticket id, status and thread permalink — once, however often Slack delivers the run', async () => {
    const h = await start();
    await run(h, 'export', 'Fx0EXPORT1', exportInputs());
    const done = await ended(h, 'Fx0EXPORT1');
    expect(done.token).toBe(WORKFLOW_TOKEN);
    const create = h.dms.calls('CreateOrder');
    expect(create).toHaveLength(1);
    const orderId = String(
      (create[0]!.response as { CreateOrderResult: { OrderIds: number[] } }).CreateOrderResult.OrderIds[0],
    );
    const root = h.slack.callsTo('chat.postMessage').find((c) => c.args['thread_ts'] === undefined)!;
    expect(root.args['channel']).toBe('C0EXPORTS');
    expect(done.args['outputs']).toEqual({
      ticket_id: orderId,
      status: expect.any(String),
      thread_permalink: `https://acme.slack.com/archives/C0EXPORTS/p${String(root.response!['ts']).replace('.', '')}`,
    });
    const audit = await h.app.services.store.listAudit({});
    expect(audit.filter((a) => a.action === 'dms.export.create').map((a) => [a.decision, a.actorSlackId])).toEqual([
      ['done', 'U0ALICE'],
    ]);

    // Slack redelivers the same run (a retry, another replica's socket): nothing more is filed or completed.
    await run(h, 'export', 'Fx0EXPORT1', exportInputs());
    await run(h, 'export', 'Fx0EXPORT1', exportInputs());
    await new Promise((r) => setTimeout(r, 300));
    expect(h.dms.calls('CreateOrder')).toHaveLength(1);
    expect(h.slack.callsTo('functions.completeSuccess')).toHaveLength(1);
    expect(h.slack.callsTo('functions.completeError')).toHaveLength(0);
  });

  it('bad inputs end the run with a clear error naming the input, and nothing is filed', async () => {
    const h = await start();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ database_id: '10O1' }, /DMS database id: .*digits 0–9/],
      [{ reason: '   ' }, /Reason: /],
      [{ estimated_rows: 'many' }, /Estimated rows: /],
      [{ sql: 'UPDATE orders SET status = 1' }, /SQL to export: /],
      [{ channel: 'D0ALICE' }, /Channel must be a public or private channel/],
    ];
    for (const [i, [over, words]] of cases.entries()) {
      const id = `Fx0BAD${i}`;
      await run(h, 'export', id, exportInputs(over));
      const error = String((await failed(h, id)).args['error']);
      expect(error, JSON.stringify(over)).toMatch(words);
      expect(error).not.toMatch(/[*`]|:[a-z_]+:/);
    }
    // An id not in Slack's spelling is no event Slack sends: refused at the door (src/slack/envelope.ts), never run.
    h.slack.executions.set('Fx0FORGED', { token: WORKFLOW_TOKEN, outputs: [] });
    const forged = functionExecuted({
      callbackId: STEPS.export.callbackId,
      executionId: 'Fx0FORGED',
      inputs: exportInputs({ requester: 'u0alice' }),
      token: WORKFLOW_TOKEN,
    });
    const res = await h.post(JSON.stringify(eventCallback(forged, 'Ev0FORGED')), { contentType: 'application/json' });
    expect(res.status).toBe(400);
    expect(h.dms.calls('CreateOrder')).toHaveLength(0);
  });

  it('the policy and the rate limit hold for the requester in the channel, as for the form', async () => {
    const h = await start({
      POLICY_FILE: policyFile([
        'rules:',
        '  - name: no-exports-in-ops',
        '    deny: [dms.export]',
        '    channels: [C0OPS]',
      ]),
      RATE_LIMIT_PER_USER_PER_HOUR: '1',
    });
    await run(h, 'export', 'Fx0POLICY', exportInputs({ channel: 'C0OPS' }));
    expect(String((await failed(h, 'Fx0POLICY')).args['error'])).toContain('no-exports-in-ops');
    await run(h, 'export', 'Fx0FIRST', exportInputs());
    await ended(h, 'Fx0FIRST');
    await run(h, 'export', 'Fx0SECOND', exportInputs());
    expect(String((await failed(h, 'Fx0SECOND')).args['error'])).toMatch(/limit|per hour/i);
    expect(h.dms.calls('CreateOrder')).toHaveLength(1);
  });
});

describe('Workflow Builder steps: File DMS data change and data tracking', () => {
  it('a change whose review warns (an UPDATE without WHERE) is refused with the review’s words; a clean one is filed', async () => {
    const h = await start();
    const change = (sql: string) => ({
      requester: 'U0ALICE',
      channel: 'C0EXPORTS',
      database_ids: '1001, 1002',
      sql,
      reason: 'Fix statuses',
    });
    await run(h, 'change', 'Fx0CHANGE1', change('UPDATE orders SET status = 1'));
    expect(String((await failed(h, 'Fx0CHANGE1')).args['error'])).toMatch(/review did not pass.*WHERE/);
    await run(h, 'change', 'Fx0CHANGE2', change('UPDATE orders SET status = 1 WHERE id = 7'));
    const done = await ended(h, 'Fx0CHANGE2');
    expect((done.args['outputs'] as { ticket_id: string }).ticket_id).toMatch(/^\d+$/);
    expect(h.dms.calls('CreateFreeLockCorrectOrder')).toHaveLength(1);
  });

  it('tracking: tables, operations and a window as UNIX times, read by the form’s own rules', async () => {
    const h = await start();
    const now = Math.floor(h.clock.now() / 1000);
    const track = (over: Record<string, unknown>) => ({
      requester: 'U0ALICE',
      channel: 'C0EXPORTS',
      database_id: '1001',
      tables: 'orders, order_items',
      operations: 'delete,update',
      window_start: now - 7200,
      window_end: now - 600,
      reason: 'Who deleted order 4711?',
      ...over,
    });
    await run(h, 'track', 'Fx0TRACK1', track({ window_end: now - 7300 }));
    expect(String((await failed(h, 'Fx0TRACK1')).args['error'])).toMatch(/Window (start|end): /);
    await run(h, 'track', 'Fx0TRACK2', track({}));
    await ended(h, 'Fx0TRACK2');
    expect(h.dms.calls('CreateDataTrackOrder')).toHaveLength(1);
  });
});
