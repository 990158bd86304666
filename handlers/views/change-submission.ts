import type { App } from '@slack/bolt';
import { buildChangeModal } from '../../blocks/change-modal.js';
import { ChangeIds as Ids } from '../../blocks/ids.js';
import { codeBlock } from '../../blocks/text.js';
import { parseChangeSubmission, type ChangeForm } from '../../src/change-input.js';
import type { Services } from '../../src/services.js';
import { submitTicket, type TicketModalSpec } from './submit-ticket.js';

const spec: TicketModalSpec<ChangeForm> = {
  noun: 'data change',
  command: 'dms.change',
  dbBlockId: Ids.dbBlock,
  databaseIds: (form) => form.databases.map((d) => d.id),
  firstBlockId: Ids.dbBlock,
  relatedBlockId: Ids.relatedBlock,
  parse: (values, meta) => {
    const parsed = parseChangeSubmission(values);
    if (!parsed.ok) return parsed;
    // Show what will run (and any missing WHERE) before filing; an edit after the review asks for a new one.
    if (meta.reviewed !== parsed.fingerprint) {
      return { ok: 'show', view: buildChangeModal({ ...meta, reviewed: parsed.fingerprint }, parsed.modal, parsed.form.review) };
    }
    return { ok: true, form: parsed.form };
  },
  create: (s, args) => s.changes.create(args),
  keep: (form) => [
    { type: 'section', text: { type: 'mrkdwn', text: `Your SQL, so nothing is lost:\n${codeBlock(form.sql, 2900)}` } },
    ...(form.rollbackSql ? [{ type: 'section' as const, text: { type: 'mrkdwn' as const, text: `Rollback SQL:\n${codeBlock(form.rollbackSql, 2900)}` } }] : []),
  ],
};

/** `/dms change` modal submission: review first, then file. */
export function registerChangeSubmission(app: App, s: Services): void {
  app.view(Ids.modal, (args) => submitTicket(s, spec, args));
}
