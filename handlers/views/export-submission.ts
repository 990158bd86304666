import type { App } from '@slack/bolt';
import { ExportIds as Ids } from '../../blocks/ids.js';
import { codeBlock } from '../../blocks/text.js';
import { userField } from '../../blocks/ticket-message.js';
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
  keep: (form) => [{ type: 'section', text: { type: 'mrkdwn', text: `Your request, so nothing is lost. Database: ${userField(form.db.label, 100)}\n${codeBlock(form.sql, 2800)}` } }],
};

/** `/dms export` modal submission. */
export function registerExportSubmission(app: App, s: Services): void {
  app.view(Ids.modal, (args) => submitTicket(s, spec, args));
}
