import { z } from 'zod';
import { commonDetailsShape } from '../../tickets/details.js';

/** What a data export ticket stores: the request as filed (or as DMS describes a followed one), and its delivery. */
export const exportDetailsSchema = z.looseObject({
  ...commonDetailsShape,
  database: z.string(),
  envType: z.string().optional(),
  reason: z.string(),
  sql: z.string(),
  /** The requester's estimate; unknown for a ticket followed with /dms status (DMS does not return it). */
  affectRows: z.number().optional(),
  skipCheckReason: z.string().optional(),
  relatedSlackIds: z.array(z.string()).optional(),
  /** The line that said where the result went: set once, so a retried change never sends the link twice. */
  delivery: z.string().optional(),
});

/** A data export ticket's details, typed. */
export type ExportDetails = z.infer<typeof exportDetailsSchema>;
