import type { App } from '@slack/bolt';
import { buildNoticeModal, decodeMetadata } from '../../blocks/export-modal.js';
import { ExportIds as Ids } from '../../blocks/ids.js';
import { codeBlock, escapeMrkdwn } from '../../blocks/text.js';
import { parseExportSubmission } from '../../src/export-input.js';
import type { Services } from '../../src/services.js';
import { timeBox, userMessageFor } from '../../src/user-errors.js';
import type { ResolvedUser } from '../../src/user-resolver.js';

const RESOLVE_BUDGET_MS = 2_000;

/** `/dms export` modal submission: validate, match people to DMS users, then file the ticket after the ack. */
export function registerExportSubmission(app: App, s: Services): void {
  app.view(Ids.modal, async ({ ack, body, view, client }) => {
    const userId = body.user.id;
    const log = s.logger.child({ view: Ids.modal, user: userId, viewId: view.id });
    const meta = decodeMetadata(view.private_metadata);
    if (!meta) {
      await ack({ response_action: 'errors', errors: { [Ids.dbBlock]: 'This form lost track of its channel. Close it and run /dms export again.' } });
      return;
    }
    const parsed = parseExportSubmission(view.state.values);
    if (!parsed.ok) {
      await ack({ response_action: 'errors', errors: parsed.errors });
      return;
    }
    const form = parsed.form;

    let people: ResolvedUser[];
    try {
      people = await timeBox(
        s.resolver.resolveAll([userId, ...form.relatedSlackIds]),
        RESOLVE_BUDGET_MS,
        'resolve_timeout',
        'Checking the related users took too long (Slack or DMS is slow). Submit again in a moment.',
      );
    } catch (err) {
      await ack({ response_action: 'errors', errors: { [Ids.relatedBlock]: plainError(userMessageFor(err, log)) } });
      return;
    }
    const [requester, ...related] = people as [ResolvedUser, ...ResolvedUser[]];
    const unresolved = related.filter((u) => !u.dmsUserId);
    if (unresolved.length) {
      await ack({ response_action: 'errors', errors: { [Ids.relatedBlock]: plainError(unresolved.map((u) => u.problem).join(' ')) } });
      return;
    }

    // A Slack retry or a double click of the same view must not file a second ticket.
    if (!(await s.store.claimSubmission(`view:${view.id}`, s.clock.now()))) {
      log.info('duplicate submission ignored');
      await ack();
      return;
    }
    await ack({ response_action: 'update', view: buildNoticeModal('Creating ticket…', ':hourglass_flowing_sand: Filing your data export ticket with DMS…') });

    try {
      const ticket = await s.exports.create({ form, channelId: meta.channelId, requester, related });
      await s.store.completeSubmission(`view:${view.id}`, ticket.id);
      const where = ticket.channelId === meta.channelId ? `<#${meta.channelId}>` : 'your DMs with me (I could not post in the channel)';
      await client.views
        .update({ view_id: view.id, view: buildNoticeModal('Ticket created', `:white_check_mark: DMS ticket *${ticket.externalId}* is filed. I'll post its status in ${where} as it moves.`) })
        .catch(() => undefined);
    } catch (err) {
      const message = userMessageFor(err, log, { step: 'create' });
      const text = `:x: Your data export ticket was not filed. ${message}`;
      await client.views
        .update({ view_id: view.id, view: buildNoticeModal('Ticket not created', text, [{ type: 'section', text: { type: 'mrkdwn', text: `Your SQL, so nothing is lost:\n${codeBlock(form.sql, 2900)}` } }]) })
        .catch(() => undefined);
      await s.messenger
        .tellUser(meta.channelId, userId, { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }, { type: 'section', text: { type: 'mrkdwn', text: `Database: ${escapeMrkdwn(form.db.label)}\n${codeBlock(form.sql, 2800)}` } }] })
        .catch((e: unknown) => log.warn({ err: String(e) }, 'could not tell the requester'));
    }
  });
}

/** Modal error texts are plain text: drop mrkdwn decoration. */
function plainError(text: string): string {
  return text.replace(/[*`]/g, '').slice(0, 1900);
}
