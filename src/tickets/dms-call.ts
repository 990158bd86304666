import { truncate } from '../../blocks/kit/text.js';
import { CloudApiError } from '../core/errors.js';
import type { DmsClient } from '../dms/client.js';
import type { ResolvedUser } from '../slack/user-resolver.js';
import type { Ticket } from '../store/types.js';
import type { ActionRequest } from './actions.js';

/**
 * Reads what the action needs (the approval workflow) and returns the one call that acts: errors before it (reads)
 * mean nothing was sent; only the returned call's failures can leave the outcome unknown.
 */
export async function prepareDmsCall(
  dms: DmsClient,
  req: ActionRequest,
  ticket: Pick<Ticket, 'externalId'>,
  who: ResolvedUser,
): Promise<() => Promise<string | undefined>> {
  switch (req.action) {
    case 'submit':
      return async () => (await dms.submitOrderApproval(ticket.externalId)).requestId;
    case 'approve':
    case 'reject': {
      const base = await dms.getOrderBaseInfo(ticket.externalId);
      if (base.WorkflowInstanceId === undefined || base.WorkflowInstanceId === null) {
        throw new CloudApiError({
          service: 'DMS',
          action: 'GetOrderBaseInfo',
          errorCode: 'NoWorkflow',
          errorMessage: 'DMS shows no approval workflow for this ticket',
          httpStatus: 200,
          retryable: false,
        });
      }
      if (base.StatusCode.toLowerCase() !== 'toaudit') {
        throw new CloudApiError({
          service: 'DMS',
          action: 'GetOrderBaseInfo',
          errorCode: 'IllegalOrderStatus',
          errorMessage: `the ticket is ${base.StatusCode}`,
          httpStatus: 200,
          retryable: false,
        });
      }
      const verb = req.action === 'approve' ? 'Approved' : 'Rejected';
      const person = `${who.name}${who.email ? ` <${who.email}>` : ''} (Slack ${who.slackId}, DMS user ${who.dmsUserId})`;
      const comment = `${verb} from Slack by ${person}${req.reason ? `: ${req.reason}` : ''}`;
      const input = {
        workflowInstanceId: String(base.WorkflowInstanceId),
        approvalType: req.action === 'approve' ? ('AGREE' as const) : ('REJECT' as const),
        comment: truncate(comment, 1000),
      };
      return async () => (await dms.approveOrder(input)).requestId;
    }
    case 'run':
      return async () =>
        (
          await dms.executeDataExport({
            orderId: ticket.externalId,
            fileType: req.fileType ?? 'CSV',
            encoding: req.encoding ?? 'UTF8',
          })
        ).requestId;
    default:
      return async () => undefined;
  }
}
