/**
 * Which engine each database runs (DMS SearchDatabase's DbType), so the SQL review parses with the right dialect.
 * Filled from the picker's searches; a database not seen recently (a typed id, another replica) is looked up by id
 * at submission, within a small budget. Unknown stays unknown: the review then fails closed.
 */

import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.js';
import { errorFields } from '../../core/errors.js';
import type { DatabaseSummary, DmsClient } from '../client.js';

const TTL_MS = 60 * 60 * 1000;

/** How long a submission may wait for DMS to name a database's engine (it runs before the 3 s ack). */
export const SQL_ENGINE_BUDGET_MS = 800;
const MAX_ENTRIES = 10_000;

/** A database's DbType, or why it is not known. */
export type EngineAnswer = { dbType: string | undefined } | { problem: string; notFound?: boolean };

/** The sentence for a database picker when DMS does not find the chosen database. */
export const notFoundMessage = (id: string): string =>
  `DMS did not find database ${id} when I looked it up. Pick the database from the list (search by its name).`;

export class DatabaseEngines {
  private readonly known = new Map<string, { dbType: string | undefined; expiresAt: number }>();

  constructor(
    private readonly deps: {
      dms: Pick<DmsClient, 'searchDatabases'>;
      clock: Clock;
      logger: Logger;
      /** Also told about what a lookup found (the policy guard caches environments the same way). */
      onFound?: (dbs: readonly DatabaseSummary[]) => void;
      /** Real milliseconds a submission may wait for DMS (default SQL_ENGINE_BUDGET_MS; tests on a loaded machine give more). */
      budgetMs?: number;
    },
  ) {}

  /** Remembers the engines of databases seen in a search. */
  remember(dbs: readonly DatabaseSummary[]): void {
    const expiresAt = this.deps.clock.now() + TTL_MS;
    for (const db of dbs) {
      this.known.delete(db.id);
      this.known.set(db.id, { dbType: db.dbType, expiresAt });
    }
    while (this.known.size > MAX_ENTRIES) this.known.delete(this.known.keys().next().value!);
  }

  /** The engine of each database: from recent searches, else asked of DMS by id, all within the budget. */
  async resolve(ids: readonly string[]): Promise<Map<string, EngineAnswer>> {
    const budgetMs = this.deps.budgetMs ?? SQL_ENGINE_BUDGET_MS;
    const out = new Map<string, EngineAnswer>();
    const now = this.deps.clock.now();
    const missing: string[] = [];
    for (const id of new Set(ids)) {
      const hit = this.known.get(id);
      if (hit && hit.expiresAt > now) out.set(id, { dbType: hit.dbType });
      else missing.push(id);
    }
    await Promise.all(
      missing.map(async (id) => {
        let timer: NodeJS.Timeout | undefined;
        try {
          const found = await Promise.race([
            this.deps.dms.searchDatabases(id, { pageSize: 20, timeoutMs: budgetMs }),
            new Promise<never>((_, reject) => {
              timer = setTimeout(() => reject(new Error('timeout')), budgetMs);
            }),
          ]);
          this.remember(found);
          this.deps.onFound?.(found);
          const db = found.find((d) => d.id === id);
          out.set(
            id,
            db
              ? { dbType: db.dbType }
              : { problem: `DMS did not find database ${id}, so its engine is not known`, notFound: true },
          );
        } catch (err) {
          this.deps.logger.warn(
            { dbId: id, err: errorFields(err) },
            'database engine unknown; the SQL review fails closed',
          );
          out.set(id, { problem: 'I could not learn the database engine from DMS in time (submit again in a moment)' });
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    return out;
  }
}
