import type { Logger } from 'pino';
import { z } from 'zod';
import type { TicketActionId } from '../../blocks/tickets/controls.js';
import type { Ticket } from '../store/types.js';

const ACTION_IDS = [
  'submit',
  'approve',
  'reject',
  'run',
  'download',
  'refresh',
  'stop',
] as const satisfies readonly TicketActionId[];

/** One thing done to a ticket from Slack (blocks/tickets/controls.ts TicketActivity). */
export const activitySchema = z.object({
  action: z.enum(ACTION_IDS),
  by: z.string(),
  at: z.number(),
  note: z.string().optional(),
});

/**
 * The details every kind of ticket may carry besides its own: what the watcher records (actions taken, a stop, notes
 * for a root-only channel, why the root went to a DM) and what `/dms status` records for a followed ticket.
 */
export const commonDetailsShape = {
  /** Why the root message is somewhere unusual (a DM). */
  note: z.string().optional(),
  activity: z.array(activitySchema).optional(),
  stopped: z.object({ by: z.string(), at: z.number() }).optional(),
  /** A root-only channel's copy of the last reply. */
  rootNotes: z.array(z.string()).optional(),
  /** The permalink (Slack's) of the message the ticket was filed from with a shortcut: its root links to it. */
  sourcePermalink: z.string().optional(),
  /** Filed elsewhere and followed here with `/dms status`. */
  followed: z.boolean().optional(),
  submitterSlackId: z.string().optional(),
  committerDmsId: z.string().optional(),
  committerName: z.string().optional(),
  /** The marker in the DMS comment (filed here). */
  marker: z.string().optional(),
  createRequestId: z.string().optional(),
  /**
   * DMS database ids (policy checks). Kept as stored: tickets filed before ids were canonical may hold numbers or
   * spell them with leading zeros; access/request-check.ts re-parses them.
   */
  dbIds: z.array(z.union([z.string(), z.number()])).optional(),
};

/** Details any ticket has; unknown keys are kept (a newer version's fields survive an older one's write). */
export const commonDetailsSchema = z.looseObject(commonDetailsShape);

/** The details every kind shares, typed. */
export type CommonDetails = z.infer<typeof commonDetailsSchema>;

/** A ticket whose details were checked against its kind's schema. */
export type CheckedTicket<D extends CommonDetails = CommonDetails> = Ticket<D>;

/** A stored row's details that do not fit their kind's schema: where (paths), never the values. */
export class BadDetailsError extends Error {
  constructor(
    readonly ticketId: number,
    readonly kind: string,
    readonly paths: string[],
  ) {
    super(`ticket ${ticketId} (${kind}) has malformed details at ${paths.join(', ') || '(root)'}`);
    this.name = 'BadDetailsError';
  }
}

/**
 * Parses a stored ticket's details with its kind's schema: the typed ticket, or a BadDetailsError naming the
 * offending paths (logged when a logger is given; values are never logged: they may hold SQL or reasons).
 */
export function checkDetails<D extends CommonDetails>(
  schema: z.ZodType<D>,
  ticket: Ticket,
  logger?: Logger,
): { ok: true; ticket: Ticket<D> } | { ok: false; error: BadDetailsError } {
  const parsed = schema.safeParse(ticket.details);
  if (parsed.success) return { ok: true, ticket: { ...ticket, details: parsed.data } };
  const paths = [...new Set(parsed.error.issues.map((i) => i.path.join('.')))];
  const error = new BadDetailsError(ticket.id, ticket.kind, paths);
  logger?.error({ ticketId: ticket.id, kind: ticket.kind, paths }, 'stored ticket details do not fit their kind');
  return { ok: false, error };
}

/** The shared details of a ticket read without its kind (lists, the Home tab): malformed fields read as absent. */
export function commonDetails(ticket: Pick<Ticket, 'details'>): CommonDetails {
  const parsed = commonDetailsSchema.safeParse(ticket.details);
  return parsed.success ? parsed.data : {};
}
