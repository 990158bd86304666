import type { App } from '@slack/bolt';
import type { KnownBlock } from '@slack/types';
import { buildUnfurlCard } from '../../blocks/tickets/unfurl.js';
import { ticketDatabases } from '../../src/access/request-check.js';
import type { OrderId } from '../../src/core/ids.js';
import { ticketInLink } from '../../src/dms/console-link.js';
import type { DmsTicketService } from '../../src/dms/ticket-service.js';
import type { Services } from '../../src/services.js';
import type { Ticket, TicketKindId } from '../../src/store/types.js';

/** Links unfurled per message at most (Slack sends a handful; each costs a store read and a policy check). */
const MAX_LINKS = 10;
const DMS_KINDS = ['dms_export', 'dms_track', 'dms_change', 'dms_order'] as const;

/**
 * Who may see a ticket's card in a channel: what `/dms status` would show there. The ticket is already followed in
 * this channel, or the person who pasted the link is one of its people (requester, related user, the committer the
 * bot found) or an approver; and the policy lets them see its databases here (`dms.status`).
 */
async function mayShow(s: Services, ticket: Ticket, userId: string, channelId: string): Promise<boolean> {
  const d = ticket.details;
  const related = Array.isArray(d['relatedSlackIds']) ? (d['relatedSlackIds'] as unknown[]) : [];
  const involved =
    ticket.channelId === channelId ||
    ticket.requesterSlackId === userId ||
    d['submitterSlackId'] === userId ||
    related.includes(userId) ||
    (await s.resolver.resolve(userId).then(
      async (u) => (await s.approvers.check(u)).ok,
      () => false,
    ));
  if (!involved) return false;
  const verdict = await s.guard.check('dms.status', { userId, channelId, databases: ticketDatabases(ticket) }, false);
  return verdict.allowed;
}

/**
 * `link_shared`: a DMS ticket link (DMS_CONSOLE_URL, `orderId=`) pasted in a conversation unfurls into a small card —
 * kind, status, requester, age — for tickets the bot follows, when `/dms status` would show that ticket there. Nothing
 * is asked of DMS (an unknown ticket stays a plain link), and a link in the composer waits until it is posted (its
 * channel is not known yet). Events are acked by Bolt at once; the work runs after.
 */
export function registerUnfurls(app: App, s: Services): void {
  const services: Record<(typeof DMS_KINDS)[number], DmsTicketService> = {
    dms_export: s.exports,
    dms_track: s.tracks,
    dms_change: s.changes,
    dms_order: s.orders,
  };
  app.event('link_shared', async ({ event }) => {
    if (event.source === 'composer' || !/^[CGD][A-Z0-9]+$/.test(event.channel)) return;
    const log = s.logger.child({ event: 'link_shared', user: event.user, channel: event.channel });
    const unfurls: Record<string, { blocks: KnownBlock[] }> = {};
    for (const { url } of event.links.slice(0, MAX_LINKS)) {
      const orderId = ticketInLink(url, s.config.DMS_CONSOLE_URL);
      if (!orderId) continue;
      const found = await findTicket(s, orderId);
      if (!found || !(await mayShow(s, found.ticket, event.user, event.channel))) {
        log.info({ orderId, known: !!found }, 'ticket link not unfurled');
        continue;
      }
      const service = services[found.kind];
      unfurls[url] = {
        blocks: buildUnfurlCard({
          kindLabel: service.kindLabel,
          externalId: orderId,
          statusInfo: service.statusInfo(found.ticket.status),
          requesterSlackId: found.ticket.requesterSlackId,
          createdAt: found.ticket.createdAt,
          now: s.clock.now(),
        }),
      };
    }
    if (Object.keys(unfurls).length === 0) return;
    await s.messenger
      .unfurl(event.channel, event.message_ts, unfurls)
      .catch((err: unknown) => log.warn({ err: String(err) }, 'chat.unfurl failed'));
  });
}

async function findTicket(
  s: Services,
  orderId: OrderId,
): Promise<{ ticket: Ticket; kind: (typeof DMS_KINDS)[number] } | undefined> {
  for (const kind of DMS_KINDS satisfies readonly TicketKindId[]) {
    const ticket = await s.store.findTicketByExternalId(kind, orderId);
    if (ticket) return { ticket, kind };
  }
  return undefined;
}
