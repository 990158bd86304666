import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { CtsClient } from './cts/client.js';
import type { StatusInfo } from './dms/statuses.js';
import type { MessageBody } from './messenger.js';
import type { Store, Ticket } from './store/types.js';
import type { StatusWatcher, TicketTracker } from './watcher.js';

/** CTS trackers: creation (CreateTracker) and a while of status checks (ListTrackers). */
export class CtsTrackerService implements TicketTracker {
  readonly kindLabel = 'CTS tracker';

  constructor(
    readonly deps: { cts: CtsClient; store: Store; clock: Clock; logger: Logger; config: Config; watcher: () => StatusWatcher; intervalMs: number },
  ) {}

  async poll(ticket: Ticket): Promise<{ status: string; details?: Record<string, unknown> }> {
    throw new Error(`not implemented for ${ticket.externalId}`);
  }

  statusInfo(status: string | null): StatusInfo {
    return { emoji: ':grey_question:', label: status ?? 'Created', final: false };
  }

  renderRoot(ticket: Ticket): MessageBody {
    return { text: `CTS tracker ${ticket.externalId}` };
  }

  renderReply(ticket: Ticket, status: string): MessageBody {
    return { text: `CTS tracker ${ticket.externalId}: ${status}` };
  }

  renderGiveUp(): MessageBody | null {
    return null;
  }
}
