import type { App } from '@slack/bolt';
import { buildChangeModal } from '../../blocks/dms/change-modal.js';
import { ChangeIds as Ids } from '../../blocks/dms/ids.js';
import { keptBlocks } from '../../blocks/kit/kept.js';
import { type ChangeForm, changeDatabaseIds, parseChangeSubmission } from '../../src/dms/change/form.js';
import type { Services } from '../../src/services.js';
import { submitTicket, type TicketModalSpec } from '../kit/submit-ticket.js';

/** How the change form is read, reviewed and filed (the modal and the Workflow Builder step share it). */
export const changeSpec: TicketModalSpec<ChangeForm> = {
  noun: 'data change',
  command: 'dms.change',
  dbBlockId: Ids.dbBlock,
  databaseIds: (form) => form.databases.map((d) => d.id),
  firstBlockId: Ids.dbBlock,
  relatedBlockId: Ids.relatedBlock,
  parse: (values) => parseChangeSubmission(values),
  review: async (s, values, meta) => {
    // The review parses in each database's dialect: engines come from the picker's search or a quick lookup.
    const parsed = parseChangeSubmission(values, await s.engines.resolve(changeDatabaseIds(values)));
    if (!parsed.ok) return parsed;
    // Show what will run (and any missing WHERE) before filing; an edit after the review asks for a new one.
    if (meta.reviewed !== parsed.fingerprint) {
      return {
        ok: 'show',
        view: buildChangeModal({ ...meta, reviewed: parsed.fingerprint }, parsed.modal, parsed.form.review),
      };
    }
    return { ok: true, form: parsed.form };
  },
  create: (s, args) => s.changes.create(args),
  keep: (form) =>
    keptBlocks('Your request, so nothing is lost:', [
      { label: 'Databases', value: form.databases.map((d) => d.label).join(', ') },
      { label: 'SQL', value: form.sql, code: true },
      { label: 'Rollback SQL', value: form.rollbackSql, code: true },
      { label: 'Reason', value: form.reason },
      { label: 'Comment', value: form.comment },
    ]),
};

/** `/dms change` modal submission: review first, then file. */
export function registerChangeSubmission(app: App, s: Services): void {
  app.view(Ids.modal, (args) => submitTicket(s, changeSpec, args));
}
