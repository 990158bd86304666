import type { App } from '@slack/bolt';
import type { Services } from '../src/services.js';
import { registerCtsCommand } from './commands/cts.js';
import { registerDmsCommand } from './commands/dms.js';
import { registerDatabaseOptions } from './options/database-options.js';
import { registerExportSubmission } from './views/export-submission.js';

/** Registers every Slack listener. */
export function registerHandlers(app: App, s: Services): void {
  registerDmsCommand(app, s);
  registerCtsCommand(app, s);
  registerDatabaseOptions(app, s);
  registerExportSubmission(app, s);
}
