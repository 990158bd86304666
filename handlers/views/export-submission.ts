import type { App } from '@slack/bolt';
import { ExportIds as Ids } from '../../blocks/ids.js';
import { keptBlocks } from '../../blocks/kept.js';
import { parseExportSubmission, type ExportForm } from '../../src/export-input.js';
import type { Services } from '../../src/services.js';
import { submitTicket, type TicketModalSpec } from './submit-ticket.js';

const spec: TicketModalSpec<ExportForm> = {
  noun: 'data export',
  command: 'dms.export',
  dbBlockId: Ids.dbBlock,
  databaseIds: (form) => [form.db.id],
  firstBlockId: Ids.dbBlock,
  relatedBlockId: Ids.relatedBlock,
  parse: (values) => parseExportSubmission(values),
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
  app.view(Ids.modal, (args) => submitTicket(s, spec, args));
}
