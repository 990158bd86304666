/**
 * Fault scenario 3, lost create response: DMS creates the ticket but the connection drops before the answer. The bot
 * must find it by its `chatops-…` marker (ListOrders) and follow it; when ListOrders cannot find it, the person must
 * be told the outcome is unknown and which marker to search for.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { SlackCall } from '../../test/support/fake-slack.js';
import { type Harness, startHarness } from '../../test/support/harness.js';
import { exportSubmission, FINAL_STATUS, modalText, replyStatus, seedPeople } from './support.js';
import type { LostCreateCase, LostCreateResult } from './types.js';

const env = { RATE_LIMIT_PER_USER_PER_HOUR: '10000', LOG_LEVEL: 'info' };

/** Submits the export modal once and waits (15 s at most) for the modal's final word. */
async function submitOnce(h: Harness, viewId: string): Promise<SlackCall | undefined> {
  const res = await h.interaction(exportSubmission(viewId, 0));
  await res.text();
  const answer = h.slack.waitFor(
    'views.update',
    (c) => c.args['view_id'] === viewId && /is filed|not filed|whether your/.test(JSON.stringify(c.args['view'])),
  );
  return Promise.race([answer, sleep(15_000).then(() => undefined)]);
}

/** The marker the create put in its comment. */
const markerOf = (h: Harness) =>
  /\[(chatops-[0-9a-f]{12})\]/.exec(h.dms.calls('CreateOrder')[0]?.query['Comment'] ?? '')?.[1];

/** What every case reports about the create and the search. */
function createFacts(h: Harness, marker: string | undefined) {
  return {
    createOrderCalls: h.dms.calls('CreateOrder').length,
    dropped: h.dms.calls('CreateOrder')[0]?.dropped === true,
    dmsOrders: h.dms.allOrders().length,
    listOrdersCalls: h.dms.calls('ListOrders').length,
    searchedMarker: !!marker && h.dms.calls('ListOrders').some((c) => c.query['SearchContent'] === marker),
  };
}

/** Found: DMS made the ticket, the answer was lost, ListOrders finds the marker; it is followed to the end. */
async function foundCase(): Promise<LostCreateCase> {
  const h = await startHarness({ env });
  try {
    seedPeople(h.slack, h.dms);
    h.dms.autoAdvanceEvery = 1;
    h.dms.dropResponseNext('CreateOrder');
    const answer = await submitOnce(h, 'VLOSTFOUND');
    const order = h.dms.allOrders()[0];
    const marker = markerOf(h);
    const store = h.app.services.store;
    const ticket = order ? await store.findTicketByExternalId('dms_export', String(order.orderId)) : undefined;
    // It goes on following the ticket it found, to the end.
    for (let k = 0; k < 40 && ticket; k++) {
      const t = await store.getTicket(ticket.id);
      if (t?.done) break;
      h.clock.advance(10_000);
      await h.app.watcher.runDue();
    }
    const after = ticket ? await store.getTicket(ticket.id) : undefined;
    const finalReply =
      !!after?.rootTs &&
      h.slack
        .callsTo('chat.postMessage')
        .some((c) => c.args['thread_ts'] === after.rootTs && replyStatus(c) === FINAL_STATUS);
    const text = modalText(answer);
    return {
      name: 'create answer lost, ticket found by its marker',
      ...createFacts(h, marker),
      followed: !!ticket && ticket.externalId === String(order?.orderId),
      finalReply,
      modalText: text,
      requesterTold: !!order && text.includes('is filed') && text.includes(String(order.orderId)),
    };
  } finally {
    await h.close();
  }
}

/** Not found: ListOrders keeps failing (503 on every attempt), so the bot cannot know; the person gets the marker. */
async function notFoundCase(): Promise<LostCreateCase> {
  const h = await startHarness({ env });
  try {
    seedPeople(h.slack, h.dms);
    h.dms.dropResponseNext('CreateOrder');
    // The harness client makes 3 attempts (retries: 2) at a read.
    h.dms.failNext('ListOrders', { kind: 'server', status: 503 }, 3);
    const answer = await submitOnce(h, 'VLOSTUNKNOWN');
    const marker = markerOf(h);
    const order = h.dms.allOrders()[0];
    const ticket = order
      ? await h.app.services.store.findTicketByExternalId('dms_export', String(order.orderId))
      : undefined;
    const text = modalText(answer);
    // The ephemeral (or DM) follows the modal update.
    const told = await Promise.race([
      h.slack
        .waitFor(
          'chat.postEphemeral',
          (c) => c.args['user'] === 'U0ALICE' && String(c.args['text']).includes(marker ?? '\u0000'),
        )
        .then(() => true),
      sleep(5_000).then(() => false),
    ]);
    return {
      name: 'create answer lost, ListOrders unavailable',
      ...createFacts(h, marker),
      followed: !!ticket,
      finalReply: false,
      modalText: text,
      requesterTold: !!marker && text.includes(marker) && /may or may not exist/.test(text) && told,
      saysNotFiled: /was not filed/.test(text),
    };
  } finally {
    await h.close();
  }
}

/** Runs both cases, one after the other. */
export async function runLostCreate(): Promise<LostCreateResult> {
  const found = await foundCase();
  const notFound = await notFoundCase();
  return { found, notFound };
}
