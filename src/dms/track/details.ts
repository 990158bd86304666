import { z } from 'zod';
import { commonDetailsShape } from '../../tickets/details.js';

/** What a data tracking ticket stores: the tables, operations and time window asked for. */
export const trackDetailsSchema = z.looseObject({
  ...commonDetailsShape,
  database: z.string(),
  tables: z.array(z.string()),
  trackTypes: z.array(z.string()),
  startSeconds: z.number(),
  endSeconds: z.number(),
  /** A followed ticket's window as DMS states it (wall times in the DMS zone), instead of the seconds. */
  windowText: z.string().optional(),
  /** Why the filed window is wider than the picks (a repeated hour in the DMS zone). */
  windowNote: z.string().optional(),
  dmsZone: z.string(),
  userZone: z.string().optional(),
  reason: z.string(),
  relatedSlackIds: z.array(z.string()).optional(),
});

/** A data tracking ticket's details, typed. */
export type TrackDetails = z.infer<typeof trackDetailsSchema>;
