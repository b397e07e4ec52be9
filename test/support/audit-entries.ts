import { AuditEntry, type AuditOutcome, recordAudit } from '../../src/operations/audit';
import type { Store } from '../../src/store/types';

/** One audit entry as a row: when, who, on which business and CRM, which operation, how it ended (and why). */
export type AuditRow = [
  at: string,
  userId: string,
  businessNumber: string,
  crmId: string,
  operation: string,
  outcome: AuditOutcome,
  error?: AuditEntry['error'],
];

/** Records the rows in order, as the write pipeline records its operations, for the views that read them. */
export async function recordAudits(store: Store, rows: AuditRow[]): Promise<void> {
  for (const [at, userId, businessNumber, crmId, operation, outcome, error] of rows) {
    await recordAudit(
      store,
      AuditEntry.parse({ at, userId, businessNumber, crmId, operation, outcome, ...(error ? { error } : {}) }),
    );
  }
}
