/** DMS actions common to every ticket kind: base info, approval, listing. */
import { agree, approvalDetailAnswer } from './approvals.js';
import { BusinessError, checkTid, formatDmsTime, invalidParameter, type Params, pageOf } from './params.js';
import type { DmsAction, DmsState } from './state.js';
import { FINISHED_STATUS_CODES, STATUS_CODE_DESC } from './statuses.js';

/** GetOrderBaseInfo: the general StatusCode, comment, committer, times, workflow, related users. */
function getOrderBaseInfo(state: DmsState, params: Params): Record<string, unknown> {
  checkTid(params);
  const order = state.pollOrder(params, 'Q');
  const code = state.statusCode(order);
  let workflowDesc = '';
  if (code === 'toaudit') workflowDesc = 'Pending approval';
  else if (code === 'reject') workflowDesc = 'Rejected';
  else if (['Approved', 'processing', 'success'].includes(code) && order.submittedForApproval)
    workflowDesc = 'Approved';
  return {
    OrderBaseInfo: {
      OrderId: order.orderId,
      PluginType: order.pluginType,
      StatusCode: code,
      StatusDesc: STATUS_CODE_DESC[code] ?? code,
      Comment: order.comment,
      Committer: order.committer,
      CommitterId: Number(order.committerId),
      CreateTime: order.createTime,
      LastModifyTime: order.lastModifyTime,
      WorkflowInstanceId: order.workflowInstanceId,
      WorkflowStatusDesc: workflowDesc,
      RelatedUserList: { UserIds: [...order.relatedUserIds] },
    },
  };
}
/** SubmitOrderApproval: a prechecked ticket goes to approval. */
function submitOrderApproval(state: DmsState, params: Params): Record<string, unknown> {
  checkTid(params);
  const order = state.findOrder(params, 'Q');
  if (order.pluginType === 'DATA_EXPORT') {
    if (order.status !== 'PRE_CHECK_SUCCESS' && order.status !== 'WAITING_APPLY_AUDIT')
      throw state.illegalStatus(order, 'SubmitOrderApproval');
    state.changeStatus(order, 'APPLY_AUDIT_SUCCESS');
  } else if (order.pluginType === 'FREE_LOCK_CORRECT') {
    if (order.status !== 'precheck_success') throw state.illegalStatus(order, 'SubmitOrderApproval');
    state.changeStatus(order, 'toaudit');
  }
  order.submittedForApproval = true;
  order.submittedAt = formatDmsTime(state.now());
  return {};
}
/** GetApprovalDetail: the ticket's approval nodes and who handles the current one. */
function getApprovalDetail(state: DmsState, params: Params): Record<string, unknown> {
  checkTid(params);
  const workflowId = params.requiredLong('Q', 'WorkflowInstanceId');
  const order = [...state.orders.values()].find((o) => o.workflowInstanceId === workflowId);
  if (!order)
    throw new BusinessError(
      'InvalidWorkflowInstanceId',
      `The approval process (WorkflowInstanceId=${workflowId}) does not exist.`,
    );
  return approvalDetailAnswer({
    orderId: order.orderId,
    orderType: order.pluginType === 'FREE_LOCK_CORRECT' ? 'DATA_CORRECT' : order.pluginType,
    workflow: order.workflow,
    statusCode: state.statusCode(order),
    submitted: order.submittedForApproval || state.statusCode(order) === 'toaudit',
    submittedAt: order.submittedAt ?? order.createTime,
    committerId: order.committerId,
    nickName: (id) => state.users.get(id)?.NickName,
  });
}
/** ApproveOrder: AGREE moves the ticket on; REJECT and CANCEL end it. */
function approveOrder(state: DmsState, params: Params): Record<string, unknown> {
  checkTid(params);
  const workflowId = params.requiredLong('Q', 'WorkflowInstanceId');
  const approvalType = params.required('Q', 'ApprovalType');
  if (!['AGREE', 'REJECT', 'CANCEL'].includes(approvalType)) {
    throw invalidParameter('ApprovalType', 'expected AGREE, REJECT or CANCEL.');
  }
  const comment = params.optional('Q', 'Comment');
  const order = [...state.orders.values()].find((o) => o.workflowInstanceId === workflowId);
  if (!order)
    throw new BusinessError(
      'InvalidWorkflowInstanceId',
      `The approval process (WorkflowInstanceId=${workflowId}) does not exist.`,
    );
  if (state.statusCode(order) !== 'toaudit') throw state.illegalStatus(order, 'ApproveOrder');
  order.approvals.push(comment === undefined ? { approvalType } : { approvalType, comment });
  // A multi-node workflow stays waiting for approval until its last node agrees.
  if (approvalType === 'AGREE' && !agree(order.workflow, formatDmsTime(state.now()))) return {};
  if (approvalType === 'AGREE') {
    if (order.pluginType === 'DATA_EXPORT') state.changeStatus(order, 'ENABLE_EXPORT');
    else if (order.pluginType === 'FREE_LOCK_CORRECT') state.changeStatus(order, 'Approved');
  } else if (approvalType === 'REJECT' && order.pluginType === 'FREE_LOCK_CORRECT') {
    state.changeStatus(order, 'reject');
  } else {
    state.overrideStatusCode(order, approvalType === 'REJECT' ? 'reject' : 'closed');
  }
  return {};
}
/** ListOrders: newest first, by kind, finished or running, and comment text. */
function listOrders(state: DmsState, params: Params): Record<string, unknown> {
  checkTid(params);
  const pluginType = params.optional('Q', 'PluginType');
  const orderStatus = params.optional('Q', 'OrderStatus') ?? 'ALL';
  if (!['ALL', 'FINISHED', 'RUNNING'].includes(orderStatus))
    throw invalidParameter('OrderStatus', 'expected ALL, FINISHED or RUNNING.');
  const search = params.optional('Q', 'SearchContent');
  const matches = [...state.orders.values()]
    .filter((o) => !pluginType || o.pluginType === pluginType)
    .filter((o) => {
      if (orderStatus === 'ALL') return true;
      const finished = FINISHED_STATUS_CODES.has(state.statusCode(o));
      return orderStatus === 'FINISHED' ? finished : !finished;
    })
    .filter((o) => !search || o.comment.includes(search))
    .sort((a, b) => b.orderId - a.orderId);
  const page = pageOf(matches, params).map((o) => {
    const code = state.statusCode(o);
    return {
      OrderId: o.orderId,
      PluginType: o.pluginType,
      StatusCode: code,
      StatusDesc: STATUS_CODE_DESC[code] ?? code,
      Comment: o.comment,
      Committer: o.committer,
      CommitterId: Number(o.committerId),
      CreateTime: o.createTime,
      LastModifyTime: o.lastModifyTime,
    };
  });
  return { TotalCount: matches.length, Orders: { Order: page } };
}
/** The actions common to every ticket kind, by action name. */
export const ORDER_ACTIONS: Readonly<Record<string, DmsAction>> = {
  GetOrderBaseInfo: getOrderBaseInfo,
  SubmitOrderApproval: submitOrderApproval,
  ApproveOrder: approveOrder,
  GetApprovalDetail: getApprovalDetail,
  ListOrders: listOrders,
};
