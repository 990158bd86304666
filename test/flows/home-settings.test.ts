import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SlackCall } from '../support/fake-slack.js';
import {
  buttonsOf,
  clickButton,
  fileExport,
  latestRoot,
  openHome,
  openModal,
  seedPeople,
  submit,
  tick,
} from '../support/flows.js';
import { type Harness, startHarness } from '../support/harness.js';

const CHANNEL = 'C0EXPORTS';
const EXPORT_STATUSES = [
  'PRE_CHECKING',
  'PRE_CHECK_SUCCESS',
  'WAITING_APPLY_AUDIT',
  'APPLY_AUDIT_SUCCESS',
  'ENABLE_EXPORT',
  'WAITING_EXPORT',
  'DOING_EXPORT',
  'EXPORT_SUCCESS',
];
const EXPORT_LABELS: Record<string, string> = {
  PRE_CHECKING: 'Pre-checking',
  PRE_CHECK_SUCCESS: 'Pre-check passed',
  WAITING_APPLY_AUDIT: 'Waiting to be submitted for approval',
  APPLY_AUDIT_SUCCESS: 'Submitted for approval',
  ENABLE_EXPORT: 'Approved: ready to export',
  WAITING_EXPORT: 'Export scheduled',
  DOING_EXPORT: 'Exporting',
  EXPORT_SUCCESS: 'Export finished',
};

type Block = {
  type: string;
  text?: { text: string };
  elements?: { type: string; action_id?: string; value?: string; text?: string | { text: string } }[];
  fields?: { text: string }[];
};

/** The blocks of a views.publish call (the fake parses the JSON-encoded view). */
function homeBlocks(c: SlackCall): Block[] {
  return ((c.args['view'] as { blocks?: Block[] } | undefined)?.blocks ?? []) as Block[];
}

/** Every readable text of one block. */
function blockText(b: Block): string {
  const parts: string[] = [];
  if (b.text?.text) parts.push(b.text.text);
  for (const f of b.fields ?? []) parts.push(f.text);
  for (const e of b.elements ?? []) {
    if (typeof e.text === 'string') parts.push(e.text);
    else if (e.text?.text) parts.push(e.text.text);
  }
  return parts.join('\n');
}

/** Index of the section block naming a ticket ("… ticket <orderId>*"). */
function cardIndex(blocks: Block[], orderId: number): number {
  return blocks.findIndex((b) => b.type === 'section' && new RegExp(`ticket ${orderId}\\*`).test(b.text?.text ?? ''));
}

function headerIndex(blocks: Block[], title: string): number {
  return blocks.findIndex((b) => b.type === 'header' && b.text?.text === title);
}

const publishesFor = (h: Harness, user: string) =>
  h.slack.callsTo('views.publish').filter((c) => c.args['user_id'] === user);

/** A broadcast flag as the WebClient sends it in a form body (string) or JSON (boolean). */
const isBroadcast = (c: SlackCall) => c.args['reply_broadcast'] === true || c.args['reply_broadcast'] === 'true';

/** Thread replies under the root in the channel (DMs, such as the download link, are not counted). */
const channelReplies = (h: Harness, rootTs: string) =>
  h.slack.callsTo('chat.postMessage').filter((c) => c.args['channel'] === CHANNEL && c.args['thread_ts'] === rootTs);

/** Runs an export ticket through its whole script, one status per watcher pass; calls `each` after every pass. */
async function runToEnd(h: Harness, orderId: number, each?: (status: string, i: number) => void): Promise<void> {
  for (let i = 0; i < EXPORT_STATUSES.length; i++) {
    if (i > 0) expect(h.dms.advance(orderId)).toBe(EXPORT_STATUSES[i]);
    await tick(h);
    each?.(EXPORT_STATUSES[i]!, i);
  }
}

/** Saves `/dms settings` for the channel and waits for the confirmation (the mode is stored before it is sent). */
async function saveMode(h: Harness, mode: string, label: RegExp): Promise<void> {
  const view = await openModal(h, 'settings');
  const before = h.slack.callsTo('chat.postEphemeral').length;
  const ack = await submit(h, view, {
    thread_mode: { mode: { type: 'radio_buttons', selected_option: { value: mode } } },
  });
  expect(ack.response_action).toBeUndefined();
  expect(ack.errors).toBeUndefined();
  const eph = await h.slack.waitFor(
    'chat.postEphemeral',
    (c) => h.slack.callsTo('chat.postEphemeral').indexOf(c) >= before && String(c.args['text']).startsWith(':gear:'),
  );
  expect(eph.args['user']).toBe('U0ALICE');
  expect(eph.args['channel']).toBe(CHANNEL);
  expect(String(eph.args['text'])).toMatch(label);
}

const initialMode = (view: Record<string, unknown>) => {
  const blocks = view['blocks'] as {
    block_id?: string;
    element?: { action_id?: string; initial_option?: { value: string } };
  }[];
  const input = blocks.find((b) => b.block_id === 'thread_mode');
  expect(input?.element?.action_id).toBe('mode');
  return input?.element?.initial_option?.value;
};

describe('App Home tab', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    seedPeople(h);
  });
  afterEach(async () => {
    await h.close();
  });

  it('publishes the person their own tickets, open first with status, channel and buttons, then finished ones, and the how-to', async () => {
    const finished = await fileExport(h, { user: 'U0ALICE' });
    await runToEnd(h, finished.orderId);
    expect((await h.app.services.store.getTicket(finished.ticketId))!.done).toBe(true);
    const open = await fileExport(h, { user: 'U0ALICE' });
    const bobs = await fileExport(h, { user: 'U0BOB' });
    await tick(h); // both open tickets are now Pre-checking
    expect(h.slack.callsTo('views.publish')).toHaveLength(0);

    const res = await openHome(h, 'U0ALICE');
    expect(res.status).toBe(200);
    const pub = await h.slack.waitFor('views.publish', (c) => c.args['user_id'] === 'U0ALICE');
    expect((pub.args['view'] as { type: string }).type).toBe('home');
    const blocks = homeBlocks(pub);

    // Only Alice's tickets.
    expect(cardIndex(blocks, bobs.orderId)).toBe(-1);
    const openAt = cardIndex(blocks, open.orderId);
    const doneAt = cardIndex(blocks, finished.orderId);
    expect(openAt).toBeGreaterThan(-1);
    expect(doneAt).toBeGreaterThan(-1);

    // Open first, under "Your tickets"; the finished one under "Recently finished".
    const yours = headerIndex(blocks, 'Your tickets');
    const recent = headerIndex(blocks, 'Recently finished');
    expect(yours).toBeGreaterThan(-1);
    expect(yours).toBeLessThan(openAt);
    expect(openAt).toBeLessThan(recent);
    expect(recent).toBeLessThan(doneAt);

    const openText = blocks[openAt]!.text!.text;
    expect(openText).toContain(`Data export ticket ${open.orderId}`);
    expect(openText).toContain(EXPORT_LABELS['PRE_CHECKING']);
    expect(openText).toContain(`<#${CHANNEL}>`);
    expect(blocks[doneAt]!.text!.text).toContain(EXPORT_LABELS['EXPORT_SUCCESS']);

    // The open ticket's buttons, as on its root message, carrying its internal id.
    const openActions = blocks[openAt + 1]!;
    expect(openActions.type).toBe('actions');
    expect(buttonsOf([openActions])).toEqual(['ticket:refresh', 'ticket:stop']);
    expect(openActions.elements!.every((e) => e.value === String(open.ticketId))).toBe(true);
    const rootButtons = buttonsOf(latestRoot(h, CHANNEL, open.rootTs)!.args['blocks']);
    expect(buttonsOf([openActions])).toEqual(rootButtons);
    // The finished export keeps its download button.
    expect(buttonsOf([blocks[doneAt + 1]!])).toEqual(['ticket:download']);
    expect(blocks[doneAt + 1]!.elements![0]!.value).toBe(String(finished.ticketId));

    // The how-to.
    const howTo = headerIndex(blocks, 'How to use me');
    expect(howTo).toBeGreaterThan(doneAt);
    const howToText = blocks.slice(howTo).map(blockText).join('\n');
    expect(howToText).toContain('`/dms export`');
    expect(howToText).toContain('`/dms settings`');
    expect(howToText).toContain('never into a channel');

    // Nobody else's Home was published.
    expect(h.slack.callsTo('views.publish').every((c) => c.args['user_id'] === 'U0ALICE')).toBe(true);
  });

  it('shows an empty state to someone with no tickets', async () => {
    await openHome(h, 'U0CAROL');
    const pub = await h.slack.waitFor('views.publish', (c) => c.args['user_id'] === 'U0CAROL');
    const blocks = homeBlocks(pub);
    expect(blocks.map(blockText).join('\n')).toContain('No open tickets');
    expect(buttonsOf(blocks)).toEqual([]);
    expect(headerIndex(blocks, 'Recently finished')).toBe(-1);
  });

  it("re-publishes a Home viewer's tab when one of their tickets changes, and never publishes for someone who never opened it", async () => {
    const alice = await fileExport(h, { user: 'U0ALICE' });
    const bob = await fileExport(h, { user: 'U0BOB' });
    await tick(h); // both Pre-checking
    await openHome(h, 'U0ALICE');
    await h.slack.waitFor('views.publish', (c) => c.args['user_id'] === 'U0ALICE');
    const seen = publishesFor(h, 'U0ALICE').length;

    // Bob's ticket changes first: Bob never opened Home.
    h.dms.advance(bob.orderId);
    await tick(h);
    await h.app.services.home.settle();

    // Then Alice's: her Home follows with the new status.
    h.dms.advance(alice.orderId);
    await tick(h);
    const again = await h.slack.waitFor(
      'views.publish',
      (c) =>
        c.args['user_id'] === 'U0ALICE' &&
        publishesFor(h, 'U0ALICE').indexOf(c) >= seen &&
        homeBlocks(c).some((b) => (b.text?.text ?? '').includes(EXPORT_LABELS['PRE_CHECK_SUCCESS']!)),
    );
    const blocks = homeBlocks(again);
    const at = cardIndex(blocks, alice.orderId);
    expect(blocks[at]!.text!.text).toContain(EXPORT_LABELS['PRE_CHECK_SUCCESS']);
    // PRE_CHECK_SUCCESS offers Submit, as the root message does.
    expect(buttonsOf([blocks[at + 1]!])).toEqual(buttonsOf(latestRoot(h, CHANNEL, alice.rootTs)!.args['blocks']));
    expect(buttonsOf([blocks[at + 1]!])).toContain('ticket:submit');
    expect(cardIndex(blocks, bob.orderId)).toBe(-1);
    await h.app.services.home.settle();

    expect(publishesFor(h, 'U0BOB')).toHaveLength(0);
    expect(h.slack.callsTo('views.publish').every((c) => c.args['user_id'] === 'U0ALICE')).toBe(true);
  });

  it('answers a Refresh pressed on the Home tab by re-publishing Home with a notice on top, not ephemerally', async () => {
    const t = await fileExport(h, { user: 'U0ALICE' });
    await tick(h); // Pre-checking
    await openHome(h, 'U0ALICE');
    await h.slack.waitFor('views.publish', (c) => c.args['user_id'] === 'U0ALICE');
    const ephemerals = h.slack.callsTo('chat.postEphemeral').length;

    h.dms.advance(t.orderId); // DMS moved on; the click finds out
    await clickButton(h, { action: 'refresh', value: String(t.ticketId), home: true });
    const answered = await h.slack.waitFor(
      'views.publish',
      (c) => c.args['user_id'] === 'U0ALICE' && /arrows_counterclockwise/.test(homeBlocks(c)[0]?.text?.text ?? ''),
    );
    const blocks = homeBlocks(answered);
    expect(blocks[0]!.type).toBe('section');
    expect(blocks[0]!.text!.text).toBe(
      `:arrows_counterclockwise: Data export ticket ${t.orderId} is now *${EXPORT_LABELS['PRE_CHECK_SUCCESS']}* (see the thread).`,
    );
    expect(blocks[1]!.type).toBe('divider');
    expect(blocks[2]).toMatchObject({ type: 'header', text: { text: 'Your tickets' } });
    // The rest is the person's Home, already showing the new status.
    expect(blocks[cardIndex(blocks, t.orderId)]!.text!.text).toContain(EXPORT_LABELS['PRE_CHECK_SUCCESS']);
    // The refresh really happened (thread reply) and nothing went to the channel as an ephemeral.
    expect(
      channelReplies(h, t.rootTs)
        .map((c) => JSON.stringify(c.args['blocks']))
        .at(-1),
    ).toContain('PRE_CHECK_SUCCESS');
    await h.app.services.home.settle();
    expect(h.slack.callsTo('chat.postEphemeral')).toHaveLength(ephemerals);
  });
});

describe('/dms settings: thread noise control', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    seedPeople(h);
  });
  afterEach(async () => {
    await h.close();
  });

  it('opens the settings modal for the channel with the current mode preselected', async () => {
    const first = await openModal(h, 'settings');
    expect(first['callback_id']).toBe('channel-settings');
    expect(JSON.parse(String(first['private_metadata']))).toEqual({
      c: CHANNEL,
      s: expect.stringMatching(/^[\w-]{32}$/),
    });
    expect(initialMode(first)).toBe('threads');
    const input = (first['blocks'] as { block_id?: string; element?: { options?: { value: string }[] } }[]).find(
      (b) => b.block_id === 'thread_mode',
    )!;
    expect(input.element!.options!.map((o) => o.value)).toEqual(['threads', 'broadcast_final', 'root_only']);

    await saveMode(h, 'root_only', /Root message updates only/);
    expect(initialMode(await openModal(h, 'settings'))).toBe('root_only');
    await saveMode(h, 'broadcast_final', /Also post final states to the channel/);
    expect(initialMode(await openModal(h, 'settings'))).toBe('broadcast_final');
    // Per channel: another channel still has the default.
    expect(initialMode(await openModal(h, 'settings', 'C0OTHER'))).toBe('threads');
  });

  it("redraws the open tickets' messages in the channel at once, so they say where updates go now", async () => {
    // Filed first: redraws go oldest first, so a wrong redraw of it would come before the one awaited below.
    const elsewhere = await fileExport(h, { channel: 'C0OTHER' });
    const t = await fileExport(h);
    expect(JSON.stringify(t.root.args['blocks'])).toContain('Status changes are posted in the thread');
    const updatesBefore = h.slack.callsTo('chat.update').length;
    await saveMode(h, 'root_only', /Root message updates only/);
    const redrawn = await h.slack.waitFor(
      'chat.update',
      (c) => h.slack.callsTo('chat.update').indexOf(c) >= updatesBefore && c.args['ts'] === t.rootTs,
    );
    expect(JSON.stringify(redrawn.args['blocks'])).toContain('no thread replies in this channel');
    // The ticket in another channel is left alone.
    expect(
      h.slack
        .callsTo('chat.update')
        .slice(updatesBefore)
        .filter((c) => c.args['ts'] === elsewhere.rootTs),
    ).toHaveLength(0);
  });

  it('threads: every status change is a thread reply, none broadcast', async () => {
    await saveMode(h, 'broadcast_final', /Also post final states/);
    await saveMode(h, 'threads', /Thread replies only/);
    const t = await fileExport(h);
    expect(JSON.stringify(t.root.args['blocks'])).toContain('Status changes are posted in the thread');
    await runToEnd(h, t.orderId, (status, i) => {
      const replies = channelReplies(h, t.rootTs);
      expect(replies).toHaveLength(i + 1);
      expect(JSON.stringify(replies[i]!.args['blocks'])).toContain(`\`${status}\``);
    });
    const replies = channelReplies(h, t.rootTs);
    expect(replies).toHaveLength(EXPORT_STATUSES.length);
    expect(replies.filter(isBroadcast)).toHaveLength(0);
    // The download link went by DM, not into the thread.
    expect(h.slack.callsTo('chat.postMessage').filter((c) => c.args['channel'] === 'U0ALICE')).toHaveLength(1);
  });

  it('broadcast_final: only the final status reply is also sent to the channel', async () => {
    await saveMode(h, 'broadcast_final', /Also post final states/);
    const t = await fileExport(h);
    expect(JSON.stringify(t.root.args['blocks'])).toContain('the final one also in the channel');
    await runToEnd(h, t.orderId);
    const replies = channelReplies(h, t.rootTs);
    expect(replies).toHaveLength(EXPORT_STATUSES.length);
    expect(replies.map(isBroadcast)).toEqual([...Array<boolean>(EXPORT_STATUSES.length - 1).fill(false), true]);
    expect(JSON.stringify(replies.at(-1)!.args['blocks'])).toContain('`EXPORT_SUCCESS`');
    // Nothing else was broadcast, anywhere.
    expect(h.slack.callsTo('chat.postMessage').filter(isBroadcast)).toHaveLength(1);
  });

  it('root_only: no thread replies in the channel; the root message is updated to each status', async () => {
    await saveMode(h, 'root_only', /Root message updates only/);
    const t = await fileExport(h);
    expect(JSON.stringify(t.root.args['blocks'])).toContain('Status changes update this message');
    await runToEnd(h, t.orderId, (status) => {
      const root = latestRoot(h, CHANNEL, t.rootTs)!;
      expect(root.method).toBe('chat.update');
      expect(String(root.args['text'])).toBe(`Data export ticket ${t.orderId}: ${EXPORT_LABELS[status]}`);
    });
    expect(
      h.slack
        .callsTo('chat.postMessage')
        .filter((c) => c.args['channel'] === CHANNEL && c.args['thread_ts'] !== undefined),
    ).toHaveLength(0);
    const updates = h.slack
      .callsTo('chat.update')
      .filter((c) => c.args['channel'] === CHANNEL && c.args['ts'] === t.rootTs);
    expect(updates).toHaveLength(EXPORT_STATUSES.length);
    const last = latestRoot(h, CHANNEL, t.rootTs)!;
    const json = JSON.stringify(last.args['blocks']);
    expect(json).toContain(EXPORT_LABELS['EXPORT_SUCCESS']);
    // What the final reply would have said is on the root instead; the link itself went by DM only.
    expect(json).toContain('Result delivered privately to <@U0ALICE>');
    const dms = h.slack.callsTo('chat.postMessage').filter((c) => c.args['channel'] === 'U0ALICE');
    expect(dms).toHaveLength(1);
    expect(String(dms[0]!.args['text'])).toContain('download the result');
    expect(json).not.toContain('download the result>');
  });

  it('keeps the mode across a restart', async () => {
    await saveMode(h, 'root_only', /Root message updates only/);
    await h.stop();
    h = await startHarness({ slack: h.slack, dms: h.dms, dbPath: h.dbPath, clock: h.clock });

    expect(initialMode(await openModal(h, 'settings'))).toBe('root_only');
    const t = await fileExport(h);
    await tick(h);
    h.dms.advance(t.orderId);
    await tick(h);
    expect(channelReplies(h, t.rootTs)).toHaveLength(0);
    expect(String(latestRoot(h, CHANNEL, t.rootTs)!.args['text'])).toBe(
      `Data export ticket ${t.orderId}: ${EXPORT_LABELS['PRE_CHECK_SUCCESS']}`,
    );
  });

  it('refuses a submission with no option, or one that is not a mode, with an inline error and keeps the mode', async () => {
    await saveMode(h, 'broadcast_final', /Also post final states/);
    const ephemerals = h.slack.callsTo('chat.postEphemeral').length;
    for (const selected of [null, { value: 'loud' }]) {
      const view = await openModal(h, 'settings');
      const ack = await submit(h, view, {
        thread_mode: { mode: { type: 'radio_buttons', selected_option: selected } },
      });
      expect(ack.response_action).toBe('errors');
      expect(Object.keys(ack.errors ?? {})).toEqual(['thread_mode']);
      expect(ack.errors!['thread_mode']).toBe('Pick one of the options.');
    }
    expect(await h.app.services.store.getThreadMode(CHANNEL)).toBe('broadcast_final');
    expect(initialMode(await openModal(h, 'settings'))).toBe('broadcast_final');
    expect(h.slack.callsTo('chat.postEphemeral')).toHaveLength(ephemerals);
  });
});
