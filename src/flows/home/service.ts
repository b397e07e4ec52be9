import type { Catalog, PropertyDef } from '../../catalog';
import { userMessage } from '../../errors';
import { userHistory } from '../../operations/audit';
import type { Services } from '../../services';
import { type HistoryItem, withCrmNames } from '../history/service';

export const HOME_RECENT_LIMIT = 10;

/** What the App Home shows about one CRM, straight from its catalog file. */
export interface CrmReference {
  id: string;
  displayName: string;
  askClientFor: string[];
  /** Where to find each value: property label and help. */
  values: Array<{ label: string; help: string; secret: boolean }>;
  notes: string[];
}

export interface HomeData {
  recent: HistoryItem[];
  /** Set when the recent operations could not be read (the rest of the page still shows). */
  recentError?: string;
  crms: CrmReference[];
}

export async function getHomeData(services: Pick<Services, 'store' | 'catalog' | 'logger'>, userId: string) {
  const data: HomeData = { recent: [], crms: crmReferences(services.catalog) };
  try {
    data.recent = withCrmNames(services.catalog, await userHistory(services.store, userId, HOME_RECENT_LIMIT));
  } catch (err) {
    services.logger.warn({ code: (err as { code?: unknown }).code }, 'home: recent operations unavailable');
    data.recentError = userMessage(err);
  }
  return data;
}

export function crmReferences(catalog: Catalog): CrmReference[] {
  return catalog.crms.map((crm) => {
    // A location property with a group property's key is an override: its group twin already says where to find it.
    const groupKeys = new Set(crm.groupProperties.map((p) => p.key));
    const props: PropertyDef[] = [
      ...crm.groupProperties,
      ...crm.locationProperties.filter((p) => !groupKeys.has(p.key)),
    ];
    return {
      id: crm.id,
      displayName: crm.displayName,
      askClientFor: crm.askClientFor,
      values: props.map((p) => ({ label: p.label, help: p.help, secret: p.secret })),
      notes: crm.notes,
    };
  });
}
