/**
 * A burst of DMS pushes against the real app over HTTP (issue 16, "Measured"): `pushes` followed tickets each move
 * once in the emulated DMS, and their signed pushes are POSTed to /dms/events/<token> within one second. Measures
 * every answer (status, time), that every ticket's change reached its thread (none lost), and that the watcher's
 * DMS checks never exceeded the quota Q in any 1-s window. Real clock, real watcher loop, fake Slack, DMS emulator.
 */
import type { DbId } from '../../src/core/ids.js';
import { followedExportQuiet, startPushHarness, until } from '../../test/support/dms-push.js';
import { FakeClock } from '../../test/support/harness.js';
import { maxInWindow, quantile } from './options.js';

export interface PushBurstOptions {
  pushes: number;
  quota: number;
  /** Spread the pushes over this long (ms); default 1,000. */
  spreadMs?: number;
  /** Give up waiting for the threads after this long (ms); default pushes / quota × 3 s + 30 s. */
  timeoutMs?: number;
}

export interface PushBurstResult {
  pushes: number;
  quota: number;
  sentOverMs: number;
  answered2xx: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Tickets whose change reached their thread, and how long the last one took after the first push (s). */
  posted: number;
  lost: number;
  allPostedAfterS: number;
  /** DMS status checks made, the most the bot sent in any 1-s window, and the most DMS received in one (jitter). */
  checks: number;
  maxChecksInAnySecond: number;
  maxReceivedInAnySecond: number;
}

/** The real wall clock, where the harness expects its clock. */
class WallClock extends FakeClock {
  override now(): number {
    return Date.now();
  }
}

/** Runs the burst; the harness is closed before it returns. */
export async function runPushBurst(o: PushBurstOptions): Promise<PushBurstResult> {
  const spreadMs = o.spreadMs ?? 1_000;
  const { h, sender } = await startPushHarness({
    clock: new WallClock(),
    env: { WATCH_MAX_CALLS_PER_SECOND: String(o.quota), LOG_LEVEL: 'warn' },
  });
  try {
    h.dms.addDatabase({ DatabaseId: '1001', SearchName: 'orders_prod', SchemaName: 'orders' });
    const checkTimes: number[] = [];
    const receiveTimes: number[] = [];
    const tickets: { id: number; orderId: number }[] = [];
    for (let i = 0; i < o.pushes; i++) {
      const t = await followedExportQuiet(h, '1001' as DbId);
      tickets.push({ id: t.id, orderId: Number(t.externalId) });
    }
    // When the bot sends each status check (what its quota limiter governs), and when DMS receives it (plus jitter).
    const client = h.app.services.dms;
    const send = client.getDataExportOrderDetail.bind(client);
    client.getDataExportOrderDetail = (orderId) => {
      checkTimes.push(Date.now());
      return send(orderId);
    };
    h.dms.latencyMs = (action) => {
      if (action === 'GetDataExportOrderDetail') receiveTimes.push(Date.now());
      return 0;
    };
    h.app.watcher.start();
    sender.hold = true;
    for (const t of tickets) h.dms.setStatus(t.orderId, 'DOING_EXPORT');
    const held = sender.held.splice(0);
    const started = Date.now();
    // Paced: push i leaves at started + i × spread / pushes.
    await Promise.all(
      held.map(
        (push, i) =>
          new Promise<void>((resolve) => {
            setTimeout(
              () => {
                void sender.deliver(push).then(() => resolve());
              },
              Math.floor((i * spreadMs) / held.length),
            );
          }),
      ),
    );
    const sentOverMs = Date.now() - started;
    const timeoutMs = o.timeoutMs ?? (o.pushes / o.quota) * 3_000 + 30_000;
    const postedCount = async () => {
      let n = 0;
      for (const t of tickets) if ((await h.app.services.store.listUpdates(t.id)).length > 0) n++;
      return n;
    };
    let posted = 0;
    await until(
      async () => {
        posted = await postedCount();
        return posted === tickets.length;
      },
      'every thread',
      timeoutMs,
    ).catch(() => undefined);
    const allPostedAfterS = (Date.now() - started) / 1000;
    const ms = sender.sent.map((s) => s.ms).sort((a, b) => a - b);
    return {
      pushes: held.length,
      quota: o.quota,
      sentOverMs,
      answered2xx: sender.sent.filter((s) => s.status >= 200 && s.status < 300).length,
      p50Ms: quantile(ms, 0.5),
      p99Ms: quantile(ms, 0.99),
      maxMs: ms.at(-1) ?? 0,
      posted,
      lost: tickets.length - posted,
      allPostedAfterS,
      checks: checkTimes.length,
      maxChecksInAnySecond: maxInWindow(checkTimes),
      maxReceivedInAnySecond: maxInWindow(receiveTimes),
    };
  } finally {
    await h.close();
  }
}
