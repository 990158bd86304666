/** The notes under the ack bench's tables: how each figure was measured, in words. */
import { type AckBenchResult, KEEPS_UP } from './types.js';

/** How the run measured what it reports (driver, rounds, apps, fake Slack, trigger budget, open loop, capacity). */
export function ackBenchNotes(options: AckBenchResult['options']): string[] {
  const ol = options.openLoop;
  return [
    'Driver: a worker thread in the same process (own event loop), keep-alive connections, one freshly signed `/dms export` per request (unique trigger_id); latency = send → response end (performance.now()).',
    `Rounds per level: ${options.rounds}, interleaved (floor, ours${options.info ? ', ours@info' : ''}, then reversed); each round is one continuous run whose first max(${options.warmup}, c) requests are not measured (opening burst, connection set-up), so measured requests see steady state.`,
    "Ours: the test harness app (HTTP mode, SQLite store, DMS emulator, FakeClock), LOG_LEVEL warn; ours@info: the same at LOG_LEVEL info (the production default). Log lines go to the harness's in-memory sink, not stdout.",
    "Fake Slack: every FakeSlack (each app's) runs in one worker thread of its own (FakeSlackWorker), not on the app's event loop, so what it spends answering views.open is not charged to ours (Slack is remote in production). The machine's cores are shared by the app, the driver thread and the fake's thread. The floor makes no Slack call.",
    'Trigger budget: views.open `at` at the FakeSlack (Date.now(), whole ms) − client send time (Date.now() just before the request is written): includes the client→server hop; ±1 ms resolution. After each run the bench waits until every request not answered "busy" reached views.open, or no Slack call came for 1 s.',
    "Closed loop: with c requests always in flight, latency ≈ c / throughput once the server is saturated, so the ratio reflects each app's CPU per request (work after the ack included).",
    'req/s counts answers (acks, our immediate "busy" answers included: they are cheap, so shedding lowers ours\' ack latency at high c); completed/s counts requests whose views.open reached Slack. missing = shed ("busy", MAX_IN_FLIGHT) + forms not opened because the trigger was too old (told through response_url).',
    ...(ol
      ? [
          `Open loop: ${ol.arrivals === 'poisson' ? 'Poisson' : 'evenly spaced'} arrivals at a fixed rate whatever the answers (up to 1000 connections); ${ol.seconds} s measured per app and rate after ${ol.warmupSeconds} s unmeasured; latency from the scheduled send (a late send counts against the app). Floor and ours (LOG_LEVEL warn), alternating which goes first.`,
          ...(ol.capacity
            ? [
                `Capacity: offered rates from ${ol.capacity.start} req/s ×${ol.capacity.factor} (${ol.capacity.seconds} s each) until a run falls behind, then one rate between. Keeps up: every request answered 200 and none shed, acks (ours: and opened forms) per second ≥ ${KEEPS_UP.throughputShare * 100}% of the rate the sends were scheduled at, ack p99 ≤ ${KEEPS_UP.ackP99Ms} ms, ours: trigger p99 ≤ ${KEEPS_UP.triggerP99Ms} ms.`,
              ]
            : []),
        ]
      : []),
  ];
}
