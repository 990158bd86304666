/**
 * The emulator's approval workflows: each ticket copies the node template in force when it was filed (a DBA node with
 * its approvers, an owner node, ...); ApproveOrder AGREE moves to the next node, and only the last one approves the
 * ticket. GetApprovalDetail answers in the shape of the SDK's GetApprovalDetailResponseBody.
 */

/** One approval node: its name and the DMS user ids who approve at it. */
export interface EmulatedApprovalNode {
  NodeName: string;
  AuditUserIds: string[];
}

/** A ticket's workflow as the emulator keeps it. */
export interface EmulatedWorkflow {
  nodes: EmulatedApprovalNode[];
  /** Index of the node waiting now (nodes.length once all approved). */
  step: number;
  /** When each node was approved (DMS time text), by index. */
  approvedAt: string[];
}

/** A fresh workflow from a template (copied, so later template changes do not reach filed tickets). */
export function newWorkflow(template: readonly EmulatedApprovalNode[]): EmulatedWorkflow {
  return {
    nodes: template.map((n) => ({ NodeName: n.NodeName, AuditUserIds: [...n.AuditUserIds] })),
    step: 0,
    approvedAt: [],
  };
}

/** AGREE at the current node: true when that was the last node (the ticket is approved), false when another node waits. */
export function agree(w: EmulatedWorkflow, time: string): boolean {
  if (w.step < w.nodes.length) {
    w.approvedAt[w.step] = time;
    w.step += 1;
  }
  return w.step >= w.nodes.length;
}

/** The GetApprovalDetail body for a ticket's workflow. */
export function approvalDetailAnswer(input: {
  orderId: number;
  orderType: string;
  workflow: EmulatedWorkflow;
  /** toaudit, reject, closed, ... (the ticket's general status code). */
  statusCode: string;
  submitted: boolean;
  submittedAt: string;
  committerId: string;
  nickName: (userId: string) => string | undefined;
}): Record<string, unknown> {
  const { workflow: w } = input;
  const auditing = input.statusCode === 'toaudit' && w.step < w.nodes.length;
  const ended = input.statusCode === 'reject' ? 'REJECT' : input.statusCode === 'closed' ? 'CANCEL' : undefined;
  const start = {
    NodeName: 'Submit',
    WorkflowInsCode: 'START',
    OperatorId: Number(input.committerId),
    OperateTime: input.submittedAt,
    AuditUserIdList: { AuditUserIds: [] },
  };
  const nodes = w.nodes.map((n, i) => {
    const node: Record<string, unknown> = {
      NodeName: n.NodeName,
      AuditUserIdList: { AuditUserIds: [...n.AuditUserIds] },
    };
    if (i < w.step)
      Object.assign(node, {
        WorkflowInsCode: 'APPROVED',
        OperateTime: w.approvedAt[i] ?? input.submittedAt,
        OperateComment: 'Approved',
      });
    else if (i === w.step && auditing) node['WorkflowInsCode'] = 'AUDITING';
    else if (i === w.step && ended) node['WorkflowInsCode'] = ended;
    return node;
  });
  const current = auditing ? (w.nodes[w.step]?.AuditUserIds ?? []) : [];
  return {
    ApprovalDetail: {
      OrderId: input.orderId,
      OrderType: input.orderType,
      WorkflowInsCode: auditing
        ? 'AUDITING'
        : (ended ?? (input.submitted && w.step >= w.nodes.length ? 'APPROVED' : 'START')),
      CurrentHandlers: {
        CurrentHandler: current.map((id) => ({ Id: Number(id), NickName: input.nickName(id) ?? `user${id}` })),
      },
      WorkflowNodes: { WorkflowNode: input.submitted ? [start, ...nodes] : [] },
      ReasonList: { Reasons: [] },
    },
  };
}
