import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import { errorFields } from '../core/errors.js';
import type { AuditEntry, Store } from '../store/types.js';

/** An audit row as a caller writes it: the time is the clock's now unless given. */
export type AuditRecord = Omit<AuditEntry, 'at'> & { at?: number };

/**
 * The one audit writer: every row of the append-only audit trail goes through {@link AuditTrail.record}. A failed
 * write is logged and never fails the request it describes (the person's action has already happened or been refused).
 */
export class AuditTrail {
  constructor(private readonly deps: { store: Store; clock: Clock; logger: Logger }) {}

  /** Appends one row; resolves when it is written or its failure is logged. Never throws. */
  async record(row: AuditRecord): Promise<void> {
    const { at, ...rest } = row;
    try {
      await this.deps.store.appendAudit({ at: at ?? this.deps.clock.now(), ...rest });
    } catch (err) {
      this.deps.logger.error({ action: row.action, err: errorFields(err) }, 'audit write failed');
    }
  }
}
