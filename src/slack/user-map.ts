import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { parseSlackUserId } from '../core/ids.js';

/** Keys are Slack user ids (U…/W…) or emails; values are DMS user ids. */
const userMapSchema = z.record(
  z
    .string()
    .refine(
      (k) => parseSlackUserId(k).ok || /^[^@\s]+@[^@\s]+$/.test(k),
      'key must be a Slack user id (U…) or an email',
    ),
  // One spelling per DMS user id (DMS answers 51, never 051), so comparisons with DMS's ids hold.
  z
    .union([z.number().int().nonnegative(), z.string().regex(/^\d{1,19}$/, 'value must be a numeric DMS user id')])
    .transform((v) => String(v).replace(/^0+(?=\d)/, '')),
);

/** Slack user id or lower-cased email -> DMS user id. */
export type UserMap = ReadonlyMap<string, string>;

/** Loads USER_MAP_FILE (JSON or YAML). Errors name the file's key at fault, never a credential. */
export function loadUserMap(path: string): UserMap {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`USER_MAP_FILE cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let data: unknown;
  try {
    data = path.endsWith('.json') ? JSON.parse(raw) : parseYaml(raw);
  } catch (err) {
    throw new Error(
      `USER_MAP_FILE is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`,
    );
  }
  const parsed = userMapSchema.safeParse(data ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) =>
        `${i.path.map(String).join('.') || '(top level)'}: ${i.code === 'invalid_key' ? 'key must be a Slack user id (U…) or an email' : i.code === 'custom' || i.code === 'invalid_format' ? i.message : 'must be a mapping of Slack user id or email to DMS user id'}`,
    );
    throw new Error(`USER_MAP_FILE has problems:\n  - ${problems.join('\n  - ')}`);
  }
  const map = new Map<string, string>();
  for (const [k, v] of Object.entries(parsed.data)) map.set(k.includes('@') ? k.toLowerCase() : k, v);
  return map;
}
