import { buildRootMessage, userField } from '../../../blocks/tickets/root.js';
import type { Ticket } from '../../store/types.js';
import { jobOrOrderStatusInfo, ORDER_STATUS_PREFIX, ORDER_STATUSES, type StatusInfo } from '../statuses.js';
import { DmsTicketService, type OrderBaseInfo } from '../ticket-service.js';
import { type OrderDetails, orderDetailsSchema } from './details.js';

/**
 * Any other kind of DMS ticket (permission requests, SQL reviews, ...) followed with `/dms status`: its general
 * status from GetOrderBaseInfo, and approve/reject while it waits for approval.
 */
export class OrderService extends DmsTicketService<OrderDetails> {
  readonly kind = 'dms_order' as const;
  readonly kindLabel = 'DMS';
  readonly details = orderDetailsSchema;

  async poll(ticket: Ticket): Promise<{ status: string }> {
    const base = await this.deps.dms.getOrderBaseInfo(ticket.externalId);
    return { status: ORDER_STATUS_PREFIX + base.StatusCode.toLowerCase() };
  }

  statusInfo(status: string | null): StatusInfo {
    return jobOrOrderStatusInfo(ORDER_STATUSES, status);
  }

  async describeExisting(_orderId: string, base: OrderBaseInfo): Promise<Record<string, unknown>> {
    const details: OrderDetails = { pluginType: base.PluginType, comment: base.Comment ?? '' };
    return { ...details };
  }

  renderRoot(ticket: Ticket<OrderDetails>, now: number) {
    const d = ticket.details;
    return buildRootMessage({
      title: `DMS ticket ${ticket.externalId} (${d.pluginType})`,
      summary: this.summary(ticket),
      requesterSlackId: ticket.requesterSlackId,
      requesterField: this.whoField(ticket),
      statusInfo: this.statusInfo(ticket.status),
      fields: [
        ['Ticket type', userField(d.pluginType, 60)],
        ['Comment', userField(d.comment, 1000)],
      ],
      note: d.note,
      updatedAt: now,
    });
  }
}
