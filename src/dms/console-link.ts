import { type OrderId, parseOrderId } from '../core/ids.js';

/**
 * DMS ticket links: `<DMS_CONSOLE_URL>/...?...orderId=<ticket id>` (any path under the console URL, the ticket id in
 * the `orderId` query parameter, as the console's ticket pages carry it). The id is read by src/core/ids.ts, so a
 * link names a ticket exactly when `/dms status <id>` would.
 */

/** The ticket a pasted link names, or undefined when it is not a DMS ticket link of this console. */
export function ticketInLink(link: string, consoleUrl: URL): OrderId | undefined {
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    return undefined;
  }
  if (url.protocol !== consoleUrl.protocol || url.host !== consoleUrl.host) return undefined;
  const base = consoleUrl.pathname.replace(/\/+$/, '');
  if (base && url.pathname !== base && !url.pathname.startsWith(`${base}/`)) return undefined;
  const ids = url.searchParams.getAll('orderId');
  if (ids.length !== 1) return undefined;
  const parsed = parseOrderId(ids[0]);
  // Only the canonical spelling: `#12`, `012` or ` 12` in a link is not how the console writes a ticket id.
  return parsed.ok && parsed.id === ids[0] ? parsed.id : undefined;
}

/** The console link of a ticket (as documented in the README: the shape `ticketInLink` reads). */
export function ticketLink(consoleUrl: URL, orderId: OrderId): string {
  const url = new URL(consoleUrl.href);
  url.searchParams.set('orderId', orderId);
  return url.href;
}
