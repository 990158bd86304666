import { afterEach, describe, expect, it } from 'vitest';
import { ChangeIds, ExportIds } from '../../blocks/dms/ids.js';
import { ShortcutIds } from '../../blocks/dms/shortcut-modal.js';
import { decodeMetadata, encodeMetadata } from '../../blocks/kit/metadata.js';
import { exportValues, seedPeople, submit } from '../support/flows.js';
import { type Harness, policyFiles, startHarness } from '../support/harness.js';
import { globalShortcut, messageShortcut } from '../support/slack-events.js';

const policyFile = policyFiles('shortcuts-flow-');
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function start(env: Record<string, string> = {}): Promise<Harness> {
  h = await startHarness({ env });
  seedPeople(h);
  return h;
}

/** Sends an interaction and returns the modal the app opened for it. */
async function opened(h: Harness, payload: Record<string, unknown>): Promise<Record<string, unknown>> {
  const before = h.slack.callsTo('views.open').length;
  const res = await h.interaction(payload);
  expect(res.status).toBe(200);
  const call = await h.slack.waitFor('views.open', () => h.slack.callsTo('views.open').length > before);
  return call.response!['view'] as Record<string, unknown>;
}

const sqlInputOf = (view: Record<string, unknown>, block: string) =>
  (view['blocks'] as { block_id?: string; element?: { initial_value?: string } }[]).find((b) => b.block_id === block)
    ?.element?.initial_value;
const contextOf = (view: Record<string, unknown>) => JSON.stringify((view['blocks'] as unknown[])[0]);

const MESSAGE_TS = '1700000000.000042';

describe('message shortcut: a DMS ticket from a message', () => {
  it('opens the export form with the message’s first code block (as typed, unescaped), files it through the usual flow, and the root links to the message by Slack’s permalink', async () => {
    const h = await start();
    const text =
      "Can someone export this? <https://evil.example/x|the query>\n```SELECT id FROM orders WHERE total &gt; 10 AND note &lt;&gt; 'a&amp;b'```\nthanks";
    const view = await opened(
      h,
      messageShortcut(ShortcutIds.exportFromMessage, { ts: MESSAGE_TS, text }, { responseUrl: h.slack.responseUrl }),
    );
    expect(view['callback_id']).toBe(ExportIds.modal);
    expect(sqlInputOf(view, ExportIds.sqlBlock)).toBe("SELECT id FROM orders WHERE total > 10 AND note <> 'a&b'");
    expect(contextOf(view)).toContain('Filled in from a message');
    // Sealed to the message: the origin is in the metadata, and the seal covers it.
    expect(decodeMetadata(String(view['private_metadata']))).toMatchObject({
      channelId: 'C0EXPORTS',
      origin: MESSAGE_TS,
    });

    const sql = sqlInputOf(view, ExportIds.sqlBlock)!;
    await submit(
      h,
      view,
      exportValues({ [ExportIds.sqlBlock]: { [ExportIds.sqlInput]: { type: 'plain_text_input', value: sql } } }),
    );
    await h.slack.waitFor('views.update', (c) => JSON.stringify(c.args['view']).includes('is filed'));
    expect(h.dms.calls('CreateOrder')).toHaveLength(1);
    const permalink = h.slack.callsTo('chat.getPermalink');
    expect(permalink.map((c) => [c.args['channel'], c.args['message_ts']])).toEqual([['C0EXPORTS', MESSAGE_TS]]);
    const root = h.slack.callsTo('chat.postMessage').find((c) => c.args['thread_ts'] === undefined)!;
    const blocks = JSON.stringify(root.args['blocks']);
    expect(blocks).toContain('<https://acme.slack.com/archives/C0EXPORTS/p1700000000000042|this message>');
    // Never a link taken from the message text.
    expect(blocks).not.toContain('evil.example');
    // The same audit line as the slash-command form.
    const audit = await h.app.services.store.listAudit({});
    expect(audit.filter((a) => a.action === 'dms.export.create').map((a) => a.decision)).toEqual(['done']);
  });

  it('the change shortcut opens the change form with the SQL from the message’s rich-text code block; it is reviewed as typed SQL', async () => {
    const h = await start();
    const blocks = [
      {
        type: 'rich_text',
        elements: [
          { type: 'rich_text_section', elements: [{ type: 'text', text: 'fix please' }] },
          { type: 'rich_text_preformatted', elements: [{ type: 'text', text: 'UPDATE orders SET status = 1' }] },
        ],
      },
    ];
    const view = await opened(
      h,
      messageShortcut(
        ShortcutIds.changeFromMessage,
        { ts: MESSAGE_TS, text: 'fix please ```something else```', blocks },
        { responseUrl: h.slack.responseUrl },
      ),
    );
    expect(view['callback_id']).toBe(ChangeIds.modal);
    expect(sqlInputOf(view, ChangeIds.sqlBlock)).toBe('UPDATE orders SET status = 1');
  });

  it('a message without a code block opens the form with an empty SQL field and says why; a code block with a control character is not filled in', async () => {
    const h = await start();
    const plain = await opened(
      h,
      messageShortcut(
        ShortcutIds.exportFromMessage,
        { ts: MESSAGE_TS, text: 'no code here' },
        { responseUrl: h.slack.responseUrl },
      ),
    );
    expect(sqlInputOf(plain, ExportIds.sqlBlock)).toBeUndefined();
    expect(contextOf(plain)).toContain('no code block');
    const broken = await opened(
      h,
      messageShortcut(
        ShortcutIds.exportFromMessage,
        { ts: MESSAGE_TS, text: '```SELECT 1\u0007```' },
        { responseUrl: h.slack.responseUrl, triggerId: 'trigger-2' },
      ),
    );
    expect(sqlInputOf(broken, ExportIds.sqlBlock)).toBeUndefined();
    expect(contextOf(broken)).toContain('U+0007');
  });

  it('a submission whose metadata names another message (or drops it) does not verify: nothing is filed', async () => {
    const h = await start();
    const view = await opened(
      h,
      messageShortcut(
        ShortcutIds.exportFromMessage,
        { ts: MESSAGE_TS, text: '```SELECT 1```' },
        { responseUrl: h.slack.responseUrl },
      ),
    );
    const meta = decodeMetadata(String(view['private_metadata']))!;
    for (const forged of [
      { ...meta, origin: '1700000000.000099' },
      { ...meta, origin: undefined },
    ]) {
      const answer = await submit(h, { ...view, private_metadata: encodeMetadata(forged) }, exportValues());
      expect(answer.errors?.[ExportIds.dbBlock]).toContain('lost track of its channel');
    }
    expect(h.dms.calls('CreateOrder')).toHaveLength(0);
  });

  it('the policy is checked before the form opens: a refusal goes to the person only, and no form opens', async () => {
    const h = await start({
      POLICY_FILE: policyFile([
        'rules:',
        '  - name: no-exports-here',
        '    deny: [dms.export]',
        '    channels: [C0EXPORTS]',
      ]),
    });
    const res = await h.interaction(
      messageShortcut(
        ShortcutIds.exportFromMessage,
        { ts: MESSAGE_TS, text: '```SELECT 1```' },
        { responseUrl: h.slack.responseUrl },
      ),
    );
    expect(res.status).toBe(200);
    const answer = await h.slack.waitFor('response_url');
    expect(answer.args['response_type']).toBe('ephemeral');
    expect(String(answer.args['text'])).toContain('no-exports-here');
    expect(h.slack.callsTo('views.open')).toHaveLength(0);
  });
});

describe('global shortcut: File a DMS ticket from the lightning menu', () => {
  const chooserValues = (kind: string, channel: string | null) => ({
    [ShortcutIds.kindBlock]: {
      [ShortcutIds.kindRadio]: {
        type: 'radio_buttons',
        selected_option: { value: kind, text: { type: 'plain_text', text: kind } },
      },
    },
    [ShortcutIds.channelBlock]: {
      [ShortcutIds.channelSelect]: { type: 'conversations_select', selected_conversation: channel },
    },
  });

  it('asks which form and where to post, then shows that form sealed to the chosen channel; the ticket is followed there', async () => {
    const h = await start();
    const chooser = await opened(h, globalShortcut(ShortcutIds.fileTicket));
    expect(chooser['callback_id']).toBe(ShortcutIds.chooserModal);
    const next = await submit(h, chooser, chooserValues('export', 'C0OPS'));
    expect(next.response_action).toBe('update');
    expect(next.view?.['callback_id']).toBe(ExportIds.modal);
    expect(decodeMetadata(String(next.view?.['private_metadata']))?.channelId).toBe('C0OPS');

    await submit(h, { ...next.view!, id: chooser['id'] }, exportValues());
    await h.slack.waitFor('views.update', (c) => JSON.stringify(c.args['view']).includes('is filed'));
    const root = h.slack.callsTo('chat.postMessage').find((c) => c.args['thread_ts'] === undefined)!;
    expect(root.args['channel']).toBe('C0OPS');
    // Not filed from a message: no permalink asked for, none shown.
    expect(h.slack.callsTo('chat.getPermalink')).toHaveLength(0);
    expect(JSON.stringify(root.args['blocks'])).not.toContain('Filed from');
  });

  it('no channel chosen, a DM, or a channel the policy keeps the form from: answered at the field, no form', async () => {
    const h = await start({
      POLICY_FILE: policyFile([
        'rules:',
        '  - name: no-changes-in-general',
        '    deny: [dms.change]',
        '    channels: [C0GENERAL]',
      ]),
    });
    const chooser = await opened(h, globalShortcut(ShortcutIds.fileTicket));
    for (const [channel, words] of [
      [null, 'Choose a channel'],
      ['D0ALICE', 'Choose a channel'],
      ['C0GENERAL', 'no-changes-in-general'],
    ] as const) {
      const answer = await submit(h, chooser, chooserValues('change', channel));
      expect(answer.response_action).toBe('errors');
      expect(answer.errors?.[ShortcutIds.channelBlock]).toContain(words);
    }
    const ok = await submit(h, chooser, chooserValues('change', 'C0OPS'));
    expect(ok.view?.['callback_id']).toBe(ChangeIds.modal);
  });
});
