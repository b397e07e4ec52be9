import type { Catalog } from '../../catalog';
import { type AuditEntry, readAudit } from '../../operations/audit';
import type { Services } from '../../services';

export const HISTORY_LIMIT = 20;

/** An audit entry with the CRM's display name resolved from the catalog. */
export interface HistoryItem extends AuditEntry {
  crmName: string;
}

export interface BusinessHistory {
  businessNumber: string;
  items: HistoryItem[];
}

/** The latest write attempts on a business, newest first. */
export async function getBusinessHistory(
  services: Pick<Services, 'store' | 'catalog'>,
  businessNumber: string,
): Promise<BusinessHistory> {
  const { entries } = await readAudit(services.store, { businessNumber }, { limit: HISTORY_LIMIT });
  return { businessNumber, items: withCrmNames(services.catalog, entries) };
}

export function withCrmNames(catalog: Catalog, entries: readonly AuditEntry[]): HistoryItem[] {
  return entries.map((entry) => ({
    ...entry,
    crmName: (catalog.crms.find((c) => c.id === entry.crmId) ?? catalog.find(entry.crmId))?.displayName ?? entry.crmId,
  }));
}
