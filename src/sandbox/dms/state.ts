/**
 * The DMS emulator's state: databases, users and tickets, each kind's status script, and the one place a ticket's
 * status changes (changeStatus / overrideStatusCode), which tells every onStatusChange listener.
 */

import { type EmulatedApprovalNode, newWorkflow } from './approvals.js';
import { BusinessError, formatDmsTime, type Params } from './params.js';
import { DEFAULT_STATUS_SCRIPTS, STATUS_CODE } from './statuses.js';
import type { DmsCreateAction, DmsPluginType, EmulatedDatabase, EmulatedOrder, EmulatedUser } from './types.js';

/** A ticket's status or StatusCode changed: the ticket (the live object), what it shows now and showed before. */
export interface DmsStatusChange {
  order: EmulatedOrder;
  /** Job status and general StatusCode right after the change. */
  status: string;
  statusCode: string;
  previousStatus: string;
  previousStatusCode: string;
  /** The emulator's clock at the change. */
  at: number;
}

/** What a create action stores. */
export interface NewOrder {
  pluginType: DmsPluginType;
  createdBy: DmsCreateAction;
  comment: string;
  params: Record<string, unknown>;
  relatedUserListRaw: string | undefined;
  relatedUserIds: string[];
  dbId: number;
}

/** One DMS action: reads its parameters, works on the state, returns the answer's fields (Success and RequestId added). */
export type DmsAction = (state: DmsState, params: Params) => Record<string, unknown>;

/** Databases, users and tickets of one emulator, and the settings its actions read. */
export class DmsState {
  readonly databases = new Map<string, EmulatedDatabase>();
  readonly users = new Map<string, EmulatedUser>();
  /** The approval nodes tickets filed from now on copy (none by default). */
  approvalTemplate: EmulatedApprovalNode[] = [];
  readonly orders = new Map<number, EmulatedOrder>();
  /** Orders whose GetDataExportDownloadURL answers HasResult=false with this TipMessage, even after EXPORT_SUCCESS. */
  readonly noResultTips = new Map<number, string>();
  /** When N, every Nth detail poll of a ticket advances it one step; null = manual only. */
  autoAdvanceEvery: number | null = null;
  /** When true, ListUsers by an unknown email creates a DMS user for it (sandbox: every Slack user has an account). */
  autoUsers = false;
  private readonly scripts: Record<DmsPluginType, string[]> = {
    DATA_EXPORT: [...DEFAULT_STATUS_SCRIPTS.DATA_EXPORT],
    DATA_TRACK: [...DEFAULT_STATUS_SCRIPTS.DATA_TRACK],
    FREE_LOCK_CORRECT: [...DEFAULT_STATUS_SCRIPTS.FREE_LOCK_CORRECT],
  };
  private readonly statusListeners: ((change: DmsStatusChange) => void)[] = [];
  private nextOrderId = 100001;
  private nextWorkflowId = 500001;

  constructor(
    readonly now: () => number,
    readonly committer: { UserId: string; NickName: string },
    /** The emulator's base URL (download links point at it). */
    readonly endpoint: string,
  ) {}

  /** Calls `listener` after every status (or StatusCode) change of any ticket; returns a function that stops it. */
  onStatusChange(listener: (change: DmsStatusChange) => void): () => void {
    this.statusListeners.push(listener);
    return () => {
      const i = this.statusListeners.indexOf(listener);
      if (i >= 0) this.statusListeners.splice(i, 1);
    };
  }

  /** Registers a database for SearchDatabase and DbId checks; unspecified fields get plausible defaults. */
  addDatabase(db: Partial<EmulatedDatabase> & { DatabaseId: string; SearchName: string }): void {
    const schema = db.SchemaName ?? db.SearchName.split('@')[0] ?? db.SearchName;
    this.databases.set(db.DatabaseId, {
      DatabaseId: db.DatabaseId,
      SearchName: db.SearchName,
      SchemaName: schema,
      DbType: db.DbType ?? 'mysql',
      EnvType: db.EnvType ?? 'product',
      Host: db.Host ?? '10.0.0.10',
      Port: db.Port ?? 3306,
      Logic: db.Logic ?? false,
    });
  }

  /** Registers a DMS user for ListUsers; Uid defaults to UserId. */
  addUser(user: { UserId: string; Uid?: string; NickName: string; Email?: string }): void {
    const stored: EmulatedUser = { UserId: user.UserId, Uid: user.Uid ?? user.UserId, NickName: user.NickName };
    if (user.Email !== undefined) stored.Email = user.Email;
    this.users.set(user.UserId, stored);
  }

  /** Moves a ticket `steps` statuses along its script (stopping at the end); returns the new status. */
  advance(orderId: number, steps = 1): string {
    const order = this.mustGetOrder(orderId);
    const index = order.script.indexOf(order.status);
    if (index === -1) {
      throw new Error(`order ${orderId} is in status "${order.status}", which is not part of its script`);
    }
    const target = Math.min(index + Math.max(0, steps), order.script.length - 1);
    const next = order.script[target];
    if (next !== undefined && next !== order.status) this.changeStatus(order, next);
    return order.status;
  }

  /** Moves a ticket to `status` (clearing any StatusCode override) and tells the listeners. */
  changeStatus(order: EmulatedOrder, status: string): void {
    const before = this.snapshot(order);
    order.status = status;
    order.statusHistory.push(status);
    delete order.statusCodeOverride;
    order.lastModifyTime = formatDmsTime(this.now());
    this.statusChanged(order, before);
  }

  /** Sets the StatusCode a ticket shows without a new job status (ApproveOrder REJECT/CANCEL), and tells the listeners. */
  overrideStatusCode(order: EmulatedOrder, code: string): void {
    const before = this.snapshot(order);
    order.statusCodeOverride = code;
    order.lastModifyTime = formatDmsTime(this.now());
    this.statusChanged(order, before);
  }

  /** The general StatusCode a ticket shows (GetOrderBaseInfo, ListOrders). */
  statusCode(order: EmulatedOrder): string {
    return order.statusCodeOverride ?? STATUS_CODE[order.pluginType][order.status] ?? 'processing';
  }

  /** Sets the status progression used by tickets of that kind created from now on. */
  setStatusScript(pluginType: DmsPluginType, statuses: string[]): void {
    if (statuses.length === 0) throw new Error('a status script needs at least one status');
    this.scripts[pluginType] = [...statuses];
  }

  /** The ticket, or an Error (a test asked for one that does not exist). */
  mustGetOrder(orderId: number): EmulatedOrder {
    const order = this.orders.get(orderId);
    if (!order) throw new Error(`no such order ${orderId}`);
    return order;
  }

  /** The database a ticket is about; unknown (or not of that logic) → InvalidDbId. */
  requireDatabase(dbId: number, logic: boolean | undefined): EmulatedDatabase {
    const db = this.databases.get(String(dbId));
    if (!db || (logic !== undefined && db.Logic !== logic)) {
      throw new BusinessError(
        'InvalidDbId',
        `The database (DbId=${dbId}${logic ? ', logic' : ''}) does not exist or you have no permission on it.`,
      );
    }
    return db;
  }

  /** Stores a new ticket at the first status of its kind's script. */
  storeOrder(init: NewOrder): EmulatedOrder {
    const orderId = this.nextOrderId++;
    const script = [...this.scripts[init.pluginType]];
    const first = script[0] ?? 'new';
    const time = formatDmsTime(this.now());
    const order: EmulatedOrder = {
      orderId,
      pluginType: init.pluginType,
      createdBy: init.createdBy,
      comment: init.comment,
      params: init.params,
      relatedUserIds: init.relatedUserIds,
      committer: this.committer.NickName,
      committerId: this.committer.UserId,
      dbId: init.dbId,
      status: first,
      script,
      statusHistory: [first],
      workflowInstanceId: this.nextWorkflowId++,
      jobId: 700000 + orderId,
      preCheckId: 800000 + orderId,
      createTime: time,
      lastModifyTime: time,
      detailPolls: 0,
      precheckUserTip: 'SQL syntax check failed: the statement cannot be parsed.',
      submittedForApproval: false,
      approvals: [],
      workflow: newWorkflow(this.approvalTemplate),
    };
    if (init.relatedUserListRaw !== undefined) order.relatedUserListRaw = init.relatedUserListRaw;
    this.orders.set(orderId, order);
    return order;
  }

  /** Finds a ticket for a detail call, counting the poll and auto-advancing when configured. */
  pollOrder(params: Params, where: 'Q' | 'B', expected?: DmsPluginType): EmulatedOrder {
    const order = this.findOrder(params, where);
    if (expected !== undefined && order.pluginType !== expected) {
      throw new BusinessError('InvalidOrderId', `The ticket (OrderId=${order.orderId}) is not a ${expected} ticket.`);
    }
    order.detailPolls += 1;
    const every = this.autoAdvanceEvery;
    if (every !== null && every > 0 && order.detailPolls % every === 0) {
      const index = order.script.indexOf(order.status);
      const next = order.script[index + 1];
      if (index !== -1 && next !== undefined) this.changeStatus(order, next);
    }
    return order;
  }

  /** The ticket an OrderId parameter names; unknown → InvalidOrderId. */
  findOrder(params: Params, where: 'Q' | 'B'): EmulatedOrder {
    const orderId = params.requiredLong(where, 'OrderId');
    const order = this.orders.get(orderId);
    if (!order) throw new BusinessError('InvalidOrderId', `The ticket (OrderId=${orderId}) does not exist.`);
    return order;
  }

  /** IllegalOrderStatus: `action` is not allowed in the ticket's current status. */
  illegalStatus(order: EmulatedOrder, action: string): BusinessError {
    return new BusinessError(
      'IllegalOrderStatus',
      `${action} is not allowed while ticket ${order.orderId} is in status ${order.status}.`,
    );
  }

  private snapshot(order: EmulatedOrder) {
    return { previousStatus: order.status, previousStatusCode: this.statusCode(order) };
  }

  private statusChanged(order: EmulatedOrder, before: { previousStatus: string; previousStatusCode: string }): void {
    const change: DmsStatusChange = {
      order,
      status: order.status,
      statusCode: this.statusCode(order),
      ...before,
      at: this.now(),
    };
    for (const listener of [...this.statusListeners]) listener(change);
  }
}
