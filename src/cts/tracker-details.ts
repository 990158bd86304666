import { z } from 'zod';
import type { TrackerSummary } from '../../blocks/cts/tracker-message.js';
import { commonDetailsShape } from '../tickets/details.js';

/** blocks/cts/tracker-message.ts TrackerSummary, as stored. */
const trackerSummarySchema = z.object({
  name: z.string(),
  type: z.string(),
  id: z.string().optional(),
  obs: z
    .object({
      bucket: z.string(),
      prefix: z.string().optional(),
      created: z.boolean().optional(),
      compress: z.string().optional(),
      sortByService: z.boolean().optional(),
      retentionDays: z.number().optional(),
    })
    .optional(),
  lts: z.boolean().optional(),
  validate: z.boolean().optional(),
  encryption: z.boolean().optional(),
  kmsId: z.string().optional(),
  excludeKms: z.boolean().optional(),
  organization: z.boolean().optional(),
  dataBucket: z.object({ name: z.string(), events: z.array(z.string()) }).optional(),
}) satisfies z.ZodType<TrackerSummary>;

/** What a CTS tracker ticket stores: the tracker as created, and how its creation was confirmed. */
export const trackerDetailsSchema = z.looseObject({
  ...commonDetailsShape,
  tracker: trackerSummarySchema,
  /** Encoded status in the create answer, shown until the first check (rows from before it was kept: unknown). */
  statusAtCreate: z.string().default('unknown'),
  /** How the creation was confirmed when CTS did not answer it plainly. */
  createNote: z.string().optional(),
});

/** A CTS tracker ticket's details, typed. */
export type TrackerDetails = z.infer<typeof trackerDetailsSchema>;

/** The stored tracker's name and type, if the details hold them (titles of tickets read without their kind). */
export function storedTrackerName(details: unknown): { name?: string; type?: string } {
  const parsed = z.object({ tracker: z.object({ name: z.string(), type: z.string() }).partial() }).safeParse(details);
  return parsed.success ? parsed.data.tracker : {};
}
