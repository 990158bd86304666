import type { z } from 'zod';
import type { approvalDetailResponse } from './schemas.js';

/** One approval node of a ticket's workflow, as GetApprovalDetail lists it. */
export interface ApprovalNode {
  name?: string;
  /** START, AUDITING, APPROVED, REJECT, CANCEL, ERROR; absent for a node not reached yet. */
  code?: string;
  operatedAt?: string;
  /** DMS user ids (digit strings) who approve at this node. */
  auditUserIds: string[];
}

/** A ticket's approval workflow: its nodes and the people DMS says handle it now. */
export interface ApprovalDetail {
  nodes: ApprovalNode[];
  handlers: { dmsId: string; nickName?: string }[];
  requestId?: string;
}

/** The people who can approve now: DMS user ids, with DMS nicknames where DMS gave them. */
export interface CurrentApprovers {
  node?: string;
  users: { dmsId: string; nickName?: string }[];
}

const DIGITS = /^\d{1,19}$/;

/** One spelling per DMS user id (no leading zeros), as the user map keeps them; anything else is dropped. */
function userId(v: unknown): string | undefined {
  const s =
    typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? String(v) : typeof v === 'string' ? v.trim() : '';
  return DIGITS.test(s) ? s.replace(/^0+(?=\d)/, '') : undefined;
}

/** The parsed GetApprovalDetail answer as the bot uses it. */
export function approvalDetailFrom(
  res: z.output<typeof approvalDetailResponse> & { RequestId?: string },
): ApprovalDetail {
  const d = res.ApprovalDetail;
  const nodes = (d.WorkflowNodes?.WorkflowNode ?? []).map((n) => ({
    name: n.NodeName,
    code: n.WorkflowInsCode?.toUpperCase(),
    operatedAt: n.OperateTime,
    auditUserIds: (n.AuditUserIdList?.AuditUserIds ?? []).flatMap((u) => userId(u) ?? []),
  }));
  const handlers = (d.CurrentHandlers?.CurrentHandler ?? []).flatMap((h) => {
    const id = userId(h.Id);
    return id ? [{ dmsId: id, ...(h.NickName ? { nickName: h.NickName } : {}) }] : [];
  });
  return { nodes, handlers, ...(res.RequestId ? { requestId: res.RequestId } : {}) };
}

/**
 * The node waiting now: the one DMS marks AUDITING; else the first node after the submission that nobody has acted
 * on yet. Undefined when the workflow has no such node (approved, rejected, or not submitted).
 */
export function currentNode(d: ApprovalDetail): ApprovalNode | undefined {
  const auditing = d.nodes.find((n) => n.code === 'AUDITING');
  if (auditing) return auditing;
  const ended = d.nodes.some((n) => n.code === 'REJECT' || n.code === 'CANCEL' || n.code === 'ERROR');
  if (ended) return undefined;
  return d.nodes.find((n) => n.code !== 'START' && n.code !== 'APPROVED' && !n.operatedAt && n.auditUserIds.length > 0);
}

/** Who can approve now: the current node's approvers (named by DMS's current handlers where they match), else the handlers. */
export function currentApprovers(d: ApprovalDetail): CurrentApprovers {
  const node = currentNode(d);
  const nick = new Map(d.handlers.map((h) => [h.dmsId, h.nickName]));
  if (node && node.auditUserIds.length > 0) {
    const users = [...new Set(node.auditUserIds)].map((id) => {
      const nickName = nick.get(id);
      return nickName ? { dmsId: id, nickName } : { dmsId: id };
    });
    return { ...(node.name ? { node: node.name } : {}), users };
  }
  return { ...(node?.name ? { node: node.name } : {}), users: d.handlers };
}
