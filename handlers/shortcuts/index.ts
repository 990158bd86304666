import type { App } from '@slack/bolt';
import type { ModalView } from '@slack/types';
import { buildChangeModal } from '../../blocks/dms/change-modal.js';
import { buildExportModal } from '../../blocks/dms/export-modal.js';
import { ChangeIds, ExportIds } from '../../blocks/dms/ids.js';
import {
  buildShortcutChooser,
  SHORTCUT_FORMS,
  type ShortcutForm,
  ShortcutIds,
  withSourceNote,
} from '../../blocks/dms/shortcut-modal.js';
import type { ModalMetadata } from '../../blocks/kit/metadata.js';
import type { PolicyCommand } from '../../src/access/policy.js';
import type { Services } from '../../src/services.js';
import { ModalSeal } from '../../src/slack/click-origin.js';
import { sqlFromMessage } from '../../src/slack/message-sql.js';
import { gate, plainError } from '../kit/command-gate.js';
import { openModal } from '../kit/open-modal.js';

/** Each form a shortcut opens: its policy command, its callback id, and how it is drawn with (or without) SQL. */
const FORMS: Record<
  ShortcutForm,
  { command: PolicyCommand; kind: string; build(m: ModalMetadata, sql?: string): ModalView }
> = {
  export: { command: 'dms.export', kind: ExportIds.modal, build: (m, sql) => buildExportModal(m, sql) },
  change: {
    command: 'dms.change',
    kind: ChangeIds.modal,
    build: (m, sql) =>
      buildChangeModal(
        m,
        sql
          ? { databases: [], sql, rollbackSql: '', reason: '', execMode: 'COMMITOR', comment: '', relatedSlackIds: [] }
          : undefined,
      ),
  },
};

const MESSAGE_TS = /^\d{1,12}\.\d{1,8}$/;

/**
 * Shortcuts: "DMS data export/change" on a message opens that form with the message's first code block as its SQL,
 * sealed to the message (the ticket's root links to it, by the permalink Slack gives at submission); "File a DMS
 * ticket" in the lightning menu asks which form and where to post, then opens it. The forms then file exactly as
 * `/dms export` and `/dms change` do (handlers/kit/submit-ticket.ts): policy, rate limit, SQL review, audit.
 */
export function registerShortcuts(app: App, s: Services): void {
  const seal = new ModalSeal(s.config.SLACK_BOT_TOKEN);
  const metaFor = (form: ShortcutForm, userId: string, channelId: string, origin?: string): ModalMetadata => ({
    channelId,
    ...(origin ? { origin } : {}),
    seal: seal.seal({ kind: FORMS[form].kind, userId, channelId, origin }),
  });

  for (const [callbackId, form] of [
    [ShortcutIds.exportFromMessage, 'export'],
    [ShortcutIds.changeFromMessage, 'change'],
  ] as const) {
    app.shortcut({ callback_id: callbackId, type: 'message_action' }, async ({ shortcut, ack, client, respond }) => {
      const receivedAt = Date.now();
      const userId = shortcut.user.id;
      const channelId = shortcut.channel.id;
      const log = s.logger.child({ shortcut: callbackId, user: userId, channel: channelId });
      // As `/dms export`: acknowledged at once, the policy and rate limit checked, then the form opened (3 s trigger).
      await ack();
      const refusal = await gate(s, FORMS[form].command, { userId, channelId }, { creates: true });
      if (refusal) {
        await respond({ response_type: 'ephemeral', text: refusal }).catch((err: unknown) =>
          log.warn({ err: String(err) }, 'could not send the refusal'),
        );
        return;
      }
      // Pure and quick, before the open: the SQL comes from the payload, nothing is fetched.
      const found = sqlFromMessage(shortcut.message);
      const origin = MESSAGE_TS.test(shortcut.message.ts) ? shortcut.message.ts : undefined;
      const view = withSourceNote(
        FORMS[form].build(metaFor(form, userId, channelId, origin), found.sql),
        found.sql === undefined ? found.note : undefined,
      );
      await openModal({ ack: async () => undefined, client, respond, command: shortcut, log, receivedAt }, view);
    });
  }

  // The lightning menu has no channel: the first step asks where to post (and which form).
  app.shortcut({ callback_id: ShortcutIds.fileTicket, type: 'shortcut' }, async ({ shortcut, ack, client }) => {
    const receivedAt = Date.now();
    const userId = shortcut.user.id;
    const log = s.logger.child({ shortcut: ShortcutIds.fileTicket, user: userId });
    // No response URL here: a failure to open is told by DM.
    const respond = (m: { text: string }) => s.messenger.dm(userId, { text: m.text });
    await openModal({ ack, client, respond, command: shortcut, log, receivedAt }, buildShortcutChooser());
  });

  app.view(ShortcutIds.chooserModal, async ({ ack, body, view }) => {
    const userId = body.user.id;
    const values = view.state.values;
    const picked = values[ShortcutIds.kindBlock]?.[ShortcutIds.kindRadio]?.selected_option?.value;
    const form = SHORTCUT_FORMS.find((f) => f.value === picked)?.value;
    // The envelope check already holds the conversation id to Slack's spelling (src/slack/envelope.ts).
    const channelId = values[ShortcutIds.channelBlock]?.[ShortcutIds.channelSelect]?.selected_conversation;
    if (!form) {
      await ack({ response_action: 'errors', errors: { [ShortcutIds.kindBlock]: 'Choose the kind of ticket.' } });
      return;
    }
    if (!channelId || !/^[CG]/.test(channelId)) {
      await ack({
        response_action: 'errors',
        errors: { [ShortcutIds.channelBlock]: 'Choose a channel (public or private) for the ticket’s messages.' },
      });
      return;
    }
    const refusal = await gate(s, FORMS[form].command, { userId, channelId }, { creates: true });
    if (refusal) {
      await ack({ response_action: 'errors', errors: { [ShortcutIds.channelBlock]: plainError(refusal) } });
      return;
    }
    await ack({ response_action: 'update', view: FORMS[form].build(metaFor(form, userId, channelId)) });
  });
}
