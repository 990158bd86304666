import { z } from 'zod';
import { commonDetailsShape } from '../../tickets/details.js';

/** What any other followed DMS ticket stores: its type and comment as DMS gave them. */
export const orderDetailsSchema = z.looseObject({
  ...commonDetailsShape,
  pluginType: z.string(),
  comment: z.string(),
});

/** Another DMS ticket's details, typed. */
export type OrderDetails = z.infer<typeof orderDetailsSchema>;
