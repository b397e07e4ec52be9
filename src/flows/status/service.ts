import type { CrmDefinition } from '../../catalog';
import { BotError } from '../../errors';
import type { TriggerListItem } from '../../integration/schemas';
import type { Services } from '../../services';

/** Business numbers (business IDs) are 15 digits. */
export const BUSINESS_NUMBER_DIGITS = 15;

/**
 * What a person typed as a business ID, as the 15-digit business number.
 * Spaces, dashes and commas people paste from spreadsheets are dropped; anything else is refused
 * with a message saying what is wrong (never echoing the input: it may be something pasted by mistake).
 */
export function parseBusinessNumber(text: string | undefined, usage: string): string {
  const raw = (text ?? '').trim();
  if (!raw)
    throw new BotError('validation_failed', `Give the ${BUSINESS_NUMBER_DIGITS}-digit business ID: \`${usage}\``);
  const compact = raw.replace(/[\s,-]/g, '');
  if (!/^\d+$/.test(compact)) {
    throw new BotError(
      'validation_failed',
      `That is not a business ID: it must be the ${BUSINESS_NUMBER_DIGITS}-digit business number, digits only. Example: \`${usage}\``,
    );
  }
  if (compact.length !== BUSINESS_NUMBER_DIGITS) {
    throw new BotError(
      'validation_failed',
      `That business ID has ${compact.length} digits; business IDs have ${BUSINESS_NUMBER_DIGITS}. Check it and try again.`,
    );
  }
  return compact;
}

export type TriggerNameSource = 'catalog' | 'api' | 'unknown';

export interface StatusTrigger {
  id: number;
  name: string;
  /** Where the name came from: the catalog, the triggers endpoint, or nowhere ("trigger <id>"). */
  source: TriggerNameSource;
}

export interface StatusGroup {
  groupId: number;
  /** Catalog id; undefined when the group's CRM is not in the catalog. */
  crmId?: string;
  crmName: string;
  sourceId: number;
  category?: string;
  /** undefined when the API did not say. */
  oauth?: boolean;
  triggers: StatusTrigger[];
}

export interface StatusReport {
  businessNumber: string;
  groups: StatusGroup[];
}

/** Reads every integration group of a business and names its CRM and triggers. */
export async function getStatus(services: Pick<Services, 'api' | 'catalog' | 'logger'>, businessNumber: string) {
  const groups = await services.api.getGroups(businessNumber);
  const triggerLists = new Map<number, Promise<TriggerListItem[] | undefined>>();
  const apiTriggers = (sourceId: number) => {
    let list = triggerLists.get(sourceId);
    if (!list) {
      list = services.api.listTriggers(sourceId).catch((err: unknown) => {
        services.logger.warn({ sourceId, code: (err as { code?: unknown }).code }, 'trigger names unavailable');
        return undefined;
      });
      triggerLists.set(sourceId, list);
    }
    return list;
  };

  const report: StatusReport = { businessNumber, groups: [] };
  for (const group of groups) {
    const source = group.integrationSourceType;
    const crm = services.catalog.bySourceId(source.id);
    const triggers: StatusTrigger[] = [];
    for (const t of group.integrationGroupTriggers) {
      triggers.push(await nameTrigger(t.triggerId, source.id, crm, apiTriggers));
    }
    report.groups.push({
      groupId: group.groupId,
      ...(crm ? { crmId: crm.id } : {}),
      crmName: crm?.displayName ?? source.integrationSource,
      sourceId: source.id,
      ...(source.sourceCategory ? { category: source.sourceCategory } : crm ? { category: crm.category } : {}),
      ...(source.oauthEnabled == null ? {} : { oauth: source.oauthEnabled }),
      triggers,
    });
  }
  return report;
}

async function nameTrigger(
  id: number,
  sourceId: number,
  crm: CrmDefinition | undefined,
  apiTriggers: (sourceId: number) => Promise<TriggerListItem[] | undefined>,
): Promise<StatusTrigger> {
  const documented = crm?.triggers.find((t) => t.id === id);
  if (documented) return { id, name: documented.displayName, source: 'catalog' };
  const fromApi = (await apiTriggers(sourceId))?.find((t) => t.id === id);
  if (fromApi) return { id, name: fromApi.displayName, source: 'api' };
  return { id, name: `trigger ${id}`, source: 'unknown' };
}
