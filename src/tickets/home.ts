import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { buildHomeView, type TicketCard } from '../../blocks/tickets/home.js';
import type { Clock } from '../core/clock.js';
import type { Store, Ticket } from '../store/types.js';
import { commonDetails } from './details.js';
import type { StatusWatcher } from './watcher.js';

/**
 * The bot's Home tab: each person's tickets with their buttons. Published when the person opens it, and again
 * when one of their tickets changes (only for people who have opened it, so other changes cost no Slack call).
 */
export class HomeService {
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();

  constructor(
    private readonly deps: {
      slack: WebClient;
      store: Store;
      watcher: StatusWatcher;
      clock: Clock;
      logger: Logger;
      allowSelfApproval: boolean;
    },
  ) {}

  /** The person opened the Home tab. */
  async opened(userId: string): Promise<void> {
    await this.deps.store.markHomeViewer(userId, this.deps.clock.now());
    await this.publish(userId);
  }

  /** Re-publishes the Home tab of a ticket's requester if they use it; concurrent refreshes collapse into one more. */
  ticketChanged(ticket: Ticket): void {
    const userId = ticket.requesterSlackId;
    if (this.inFlight.has(userId)) {
      this.again.add(userId);
      return;
    }
    // Registered before any await, so settle() always sees it.
    const run = (async () => {
      if (!(await this.deps.store.isHomeViewer(userId).catch(() => false))) return;
      do {
        this.again.delete(userId);
        await this.publish(userId).catch((err: unknown) =>
          this.deps.logger.warn({ userId, err: String(err) }, 'home tab refresh failed'),
        );
      } while (this.again.has(userId));
    })().finally(() => this.inFlight.delete(userId));
    this.inFlight.set(userId, run);
  }

  /** Publishes the person's Home tab, with a notice at the top (e.g. the answer to a button they pressed there). */
  async publish(userId: string, notice?: string): Promise<void> {
    const { open, done, openTotal } = await this.deps.store.ticketsOf(userId, { openLimit: 20, doneLimit: 5 });
    const card = (t: Ticket) => this.forViewer(this.deps.watcher.card(t), t, userId);
    const view = buildHomeView({ open: open.map(card), done: done.map(card), openTotal, notice });
    await this.deps.slack.views.publish({ user_id: userId, view });
  }

  /**
   * Home lists the viewer's own tickets: no Approve/Reject on them (someone else decides, unless self-approval is
   * allowed), and on a ticket they only follow, none of the filer's buttons.
   */
  private forViewer(card: TicketCard, ticket: Ticket, viewer: string): TicketCard {
    const shared = commonDetails(ticket);
    const followedOnly = shared.followed === true && shared.submitterSlackId !== viewer;
    const actions = card.actions.filter((a) => {
      if ((a === 'approve' || a === 'reject') && !this.deps.allowSelfApproval) return false;
      if (followedOnly && (a === 'submit' || a === 'run' || a === 'download')) return false;
      return true;
    });
    return { ...card, actions };
  }

  /** Waits for refreshes in flight (tests and shutdown). */
  async settle(): Promise<void> {
    while (this.inFlight.size) await Promise.all([...this.inFlight.values()]);
  }
}
