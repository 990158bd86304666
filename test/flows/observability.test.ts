import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fileExport, seedPeople, tick } from '../support/flows.js';
import { type Harness, startHarness } from '../support/harness.js';

/** The value of one sample line of the Prometheus text format, or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[3] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (
      Object.entries(labels).every(([k, v]) => got[k] === v) &&
      Object.keys(got).length === Object.keys(labels).length
    )
      return Number(m[4]);
  }
  return undefined;
}

describe('observability: /metrics and /readyz', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    seedPeople(h);
  });
  afterEach(async () => {
    await h.close();
  });

  const get = (path: string) => fetch(`http://127.0.0.1:${h.port}${path}`);

  it('counts tickets, cloud calls with latency, ack latency, Slack errors and the watcher queue', async () => {
    await fileExport(h);
    h.slack.failNext('chat.postMessage', 'channel_not_found');
    h.dms.setStatus(h.dms.allOrders()[0]!.orderId, 'PRE_CHECK_SUCCESS');
    h.clock.advance(10_000);
    // Due now, not yet checked: the queue shows it and the lag is how overdue it is.
    let text = await (await get('/metrics')).text();
    expect(sample(text, 'chatops_watcher_queue_size')).toBe(1);
    expect(sample(text, 'chatops_watcher_lag_seconds')).toBe(9);
    await h.app.watcher.runDue();

    const res = await get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    text = await res.text();
    expect(sample(text, 'chatops_tickets_created_total', { kind: 'dms_export' })).toBe(1);
    expect(sample(text, 'chatops_cloud_calls_total', { service: 'DMS', action: 'CreateOrder', outcome: 'ok' })).toBe(1);
    expect(
      sample(text, 'chatops_cloud_calls_total', { service: 'DMS', action: 'GetDataExportOrderDetail', outcome: 'ok' }),
    ).toBe(1);
    expect(sample(text, 'chatops_cloud_call_duration_seconds_count', { service: 'DMS', action: 'CreateOrder' })).toBe(
      1,
    );
    // The slash command and the view submission were acknowledged over HTTP.
    expect(sample(text, 'chatops_ack_duration_seconds_count')).toBeGreaterThanOrEqual(2);
    expect(
      sample(text, 'chatops_slack_api_errors_total', { method: 'chat.postMessage', error: 'channel_not_found' }),
    ).toBe(1);
    expect(sample(text, 'chatops_watcher_queue_size')).toBe(0);
    expect(sample(text, 'chatops_watcher_lag_seconds')).toBe(0);
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('counts DMS failures by outcome', async () => {
    const { orderId } = await fileExport(h);
    h.dms.failNext('GetDataExportOrderDetail', { kind: 'business', code: 'InvalidOrderId', message: 'gone' });
    await tick(h);
    const text = await (await get('/metrics')).text();
    expect(
      sample(text, 'chatops_cloud_calls_total', {
        service: 'DMS',
        action: 'GetDataExportOrderDetail',
        outcome: 'business_error',
      }),
    ).toBe(1);
    expect(orderId).toBeGreaterThan(0);
  });

  it('is ready when the store answers and Slack accepted the token; not ready once the store is gone', async () => {
    const ok = await get('/readyz');
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ ready: true, store: 'ok', slack: 'ok' });
    expect((await get('/healthz')).status).toBe(200);
    await h.app.services.store.close();
    const down = await get('/readyz');
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ ready: false, store: 'unreachable', slack: 'ok' });
  });
});
