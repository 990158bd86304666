import { z } from 'zod';
import { commonDetailsShape } from '../../tickets/details.js';

/** A failed precheck step with DMS's advice (cloud text). */
const precheckProblemSchema = z.object({ step: z.string(), tip: z.string() });

/** What a data change ticket stores: the SQL, its review, and DMS's precheck problems once known. */
export const changeDetailsSchema = z.looseObject({
  ...commonDetailsShape,
  databases: z.array(z.string()),
  sql: z.string(),
  rollbackSql: z.string().optional(),
  reason: z.string(),
  execMode: z.string(),
  summary: z.string(),
  warnings: z.array(z.string()),
  /** False when the review could not check the SQL (unknown engine). */
  reviewChecked: z.boolean().optional(),
  relatedSlackIds: z.array(z.string()).optional(),
  precheckProblems: z.array(precheckProblemSchema).optional(),
});

/** A data change ticket's details, typed. */
export type ChangeDetails = z.infer<typeof changeDetailsSchema>;
