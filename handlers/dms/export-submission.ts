import type { App } from '@slack/bolt';
import { ExportIds as Ids } from '../../blocks/dms/ids.js';
import { keptBlocks } from '../../blocks/kit/kept.js';
import { type ExportForm, exportDatabaseIds, parseExportSubmission } from '../../src/dms/export/form.js';
import type { Services } from '../../src/services.js';
import { submitTicket, type TicketModalSpec } from '../kit/submit-ticket.js';

/** How the export form is read, reviewed and filed (the modal and the Workflow Builder step share it). */
export const exportSpec: TicketModalSpec<ExportForm> = {
  noun: 'data export',
  command: 'dms.export',
  dbBlockId: Ids.dbBlock,
  databaseIds: (form) => [form.db.id],
  firstBlockId: Ids.dbBlock,
  relatedBlockId: Ids.relatedBlock,
  parse: (values) => parseExportSubmission(values),
  // The SQL is checked in the database's dialect: its engine comes from the picker's search or a quick lookup.
  review: async (s, values) => parseExportSubmission(values, await s.engines.resolve(exportDatabaseIds(values))),
  create: (s, args) => s.exports.create(args),
  keep: (form) =>
    keptBlocks('Your request, so nothing is lost:', [
      { label: 'Database', value: form.db.label },
      { label: 'SQL', value: form.sql, code: true },
      { label: 'Reason', value: form.reason },
      { label: 'Estimated rows', value: String(form.affectRows) },
      { label: 'Reason for skipping the affected-rows check', value: form.skipReason },
      { label: 'Comment', value: form.comment },
    ]),
};

/** `/dms export` modal submission. */
export function registerExportSubmission(app: App, s: Services): void {
  app.view(Ids.modal, (args) => submitTicket(s, exportSpec, args));
}
