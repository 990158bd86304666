import type { Logger } from 'pino';
import type { Store, Ticket, TicketKindId } from '../../store/types.js';
import type { PushCadence } from './cadence.js';
import type { DmsPush } from './payload.js';
import type { DmsPushOutcome } from './receiver.js';

/** The DMS ticket kinds, whose external id is a DMS order id (a push's taskId). */
const DMS_KINDS: readonly TicketKindId[] = ['dms_export', 'dms_track', 'dms_change', 'dms_order'];

export interface DmsPushDispatcherDeps {
  store: Pick<Store, 'findTicketByExternalId'>;
  /** Checks a followed ticket through the API ahead of the polling queue, within the quota; true when it changed. */
  nudge(ticketId: number): Promise<boolean>;
  cadence: PushCadence;
  clock: { now(): number };
  logger: Logger;
  count(outcome: DmsPushOutcome): void;
  /** Push received → thread post, for a push whose check found a change. */
  observeLag(seconds: number): void;
}

/**
 * Turns accepted pushes into checks: a push for a followed ticket makes the watcher check that ticket at once (the
 * API read is the truth, so a duplicate or out-of-order push changes nothing); a push for any other ticket is counted
 * and dropped. Runs after the webhook has answered.
 */
export class DmsPushDispatcher {
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly deps: DmsPushDispatcherDeps) {}

  /** Starts handling a push; never throws, never waits. */
  dispatch(push: DmsPush): void {
    const work = this.handle(push).catch((err: unknown) => {
      this.deps.logger.warn(
        { taskId: push.taskId, err: String(err).slice(0, 200) },
        'DMS push not handled; the next reconciling check covers it',
      );
    });
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  /** Resolves when every push taken so far has been handled (tests, a graceful stop). */
  async settled(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  private async handle(push: DmsPush): Promise<void> {
    const ticket = await this.followed(push.taskId);
    if (!ticket) {
      this.deps.count('unknown_ticket');
      this.deps.logger.debug({ taskId: push.taskId }, 'DMS push for a ticket not followed here; dropped');
      return;
    }
    this.deps.count('followed');
    this.deps.cadence.heard(ticket.kind, this.deps.clock.now());
    const changed = await this.deps.nudge(ticket.id);
    if (changed) this.deps.observeLag(Math.max(0, this.deps.clock.now() - push.receivedAt) / 1000);
  }

  /** The open ticket with this DMS order id, if the bot follows one. */
  private async followed(taskId: string): Promise<Ticket | undefined> {
    for (const kind of DMS_KINDS) {
      const t = await this.deps.store.findTicketByExternalId(kind, taskId);
      if (t && !t.done) return t;
    }
    return undefined;
  }
}
