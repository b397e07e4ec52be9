import type { Catalog, CrmDefinition } from '../../catalog';
import { BotError, userMessage } from '../../errors';
import type { Group, TriggerListItem } from '../../integration/schemas';
import type { SearchResult } from '../../logsearch/client';
import type { LogFields } from '../../logsearch/fields';
import { ERROR_SEARCH_DAYS } from '../../logsearch/query';
import { crmOfRecord, hitRecord, readField } from '../../logsearch/record';
import { readConfigRecord } from '../../operations/config-records';
import { compactBusinessNumber } from '../../planner';
import type { Services } from '../../services';
import { levenshtein, squash } from '../../text';

/** Business numbers (business IDs) are 15 digits. */
export const BUSINESS_NUMBER_DIGITS = 15;

/**
 * What a person typed as a business ID, as the 15-digit business number.
 * Spaces, dashes and commas people paste from spreadsheets are dropped; anything else is refused
 * with a message saying what is wrong (never echoing the input: it may be something pasted by mistake).
 */
export function requireBusinessNumber(text: string | undefined, usage: string): string {
  const raw = (text ?? '').trim();
  if (!raw)
    throw new BotError('validation_failed', `Give the ${BUSINESS_NUMBER_DIGITS}-digit business ID: \`${usage}\``);
  const compact = compactBusinessNumber(raw);
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
  /** The business's latest integration errors from the log store; absent when log search is off. */
  errors?: IntegrationErrors;
}

/** A `crm_locations` error: the location names configured for the business against the CRM's. */
export interface LocationCheck {
  crmName: string;
  /** The CRM's location names, as the error lists them. */
  crmLocations: string[];
  /** The names the bot configured (its configuration record); undefined when it has none. */
  configured?: string[];
  /** The property that holds them, e.g. "Nextech location names (`location.name`)". */
  property: string;
  /** Configured names the CRM does not have, with the closest CRM name when one is close. */
  missing: Array<{ name: string; closest?: string }>;
}

export interface IntegrationErrorItem {
  at?: string;
  index: string;
  message: string;
  status?: number;
  crmName?: string;
  /** Set for an unauthorized (401) error: what the Re-authorize button carries. */
  reauth?: { businessNumber: string; crmId?: string; groupId?: number };
  locations?: LocationCheck;
}

export type IntegrationErrors =
  | { kind: 'found'; index: string; days: number; items: IntegrationErrorItem[] }
  /** The search failed: the words for why (the status itself is still shown). */
  | { kind: 'failed'; message: string };

type StatusServices = Pick<Services, 'api' | 'catalog' | 'logger' | 'store' | 'logSearch'>;

/** Never rejects: a log store fault must not cost the person the rest of the status. */
async function searchErrors(
  services: StatusServices,
  businessNumber: string,
): Promise<{ ok: true; result: SearchResult } | { ok: false; message: string }> {
  try {
    return { ok: true, result: await services.logSearch!.searchErrors(businessNumber) };
  } catch (err) {
    services.logger.warn({ code: (err as { code?: unknown }).code }, 'integration errors unavailable');
    return { ok: false, message: userMessage(err) };
  }
}

/**
 * Reads every integration group of a business and names its CRM and triggers; with log search
 * on, also its latest integration errors (searched while the groups are read).
 */
export async function getStatus(services: StatusServices, businessNumber: string) {
  const errorSearch = services.logSearch ? searchErrors(services, businessNumber) : undefined;
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
  const searched = await errorSearch;
  if (searched && services.logSearch) {
    report.errors = searched.ok
      ? {
          kind: 'found',
          index: searched.result.index,
          days: ERROR_SEARCH_DAYS,
          items: await errorItems(
            services,
            businessNumber,
            searched.result,
            groups,
            services.logSearch.settings.fields,
          ),
        }
      : { kind: 'failed', message: searched.message };
  }
  return report;
}

const UNAUTHORIZED = /\b401\b|unauthori[sz]ed/i;

async function errorItems(
  services: StatusServices,
  businessNumber: string,
  result: SearchResult,
  groups: Group[],
  fields: LogFields,
): Promise<IntegrationErrorItem[]> {
  const configRecord = await readConfigRecord(services.store, businessNumber);
  return result.hits.map((hit) => {
    const record = hitRecord(hit);
    const crm = crmOfRecord(services.catalog, record, fields);
    const message = readField(record, fields.errorMessage) ?? 'no error message recorded';
    const status = Number(readField(record, fields.errorStatus));
    const at = readField(record, fields.timestamp);
    const item: IntegrationErrorItem = {
      index: hit._index,
      message,
      ...(at ? { at } : {}),
      ...(Number.isInteger(status) && status > 0 ? { status } : {}),
      ...(crm ? { crmName: crm.displayName } : {}),
    };
    if (status === 401 || UNAUTHORIZED.test(message)) {
      const group = groups.find((g) => !crm || g.integrationSourceType.id === crm.integrationSourceId);
      const groupCrm = group ? services.catalog.bySourceId(group.integrationSourceType.id) : undefined;
      const crmId = crm?.id ?? groupCrm?.id;
      item.reauth = {
        businessNumber,
        ...(crmId ? { crmId } : {}),
        ...(group ? { groupId: group.groupId } : {}),
      };
    }
    const crmLocations = readField(record, fields.crmLocations);
    if (crmLocations !== undefined && crm) {
      item.locations = locationCheck(services.catalog, crm, fields, crmLocations, configRecord);
    }
    return item;
  });
}

function splitNames(text: string, separator = /[|,;\n]/): string[] {
  return text
    .split(separator)
    .map((name) => name.trim())
    .filter(Boolean);
}

/** The catalog's reason whose log key is crm_locations names the property the configured names live in. */
function locationCheck(
  catalog: Catalog,
  crm: CrmDefinition,
  fields: LogFields,
  crmLocationsText: string,
  configRecord: Awaited<ReturnType<typeof readConfigRecord>>,
): LocationCheck {
  const crmLocations = splitNames(crmLocationsText.replace(/^\[|\]$/g, '').replace(/"/g, ''));
  const reason = crm.reasons.find((r) => r.logKeys.includes(fields.crmLocations) && r.controlledBy);
  const ref = reason?.controlledBy;
  const def = ref ? catalog.property(crm, ref.level, ref.property) : undefined;
  const property = ref ? `${def?.label ?? ref.property} (\`${ref.property}\`)` : 'the location name property';
  const stored =
    ref && configRecord?.crmId === crm.id
      ? (ref.level === 'location' ? configRecord.locationProperties : configRecord.groupProperties)[ref.property]
      : undefined;
  const separator = def?.format.kind === 'list' ? def.format.separator : undefined;
  const configured =
    stored === undefined ? undefined : splitNames(stored, separator ? new RegExp(`\\${separator}`) : undefined);
  const known = new Set(crmLocations.map(squash));
  const missing = (configured ?? [])
    .filter((name) => !known.has(squash(name)))
    .map((name) => {
      const closest = closestName(name, crmLocations);
      return closest ? { name, closest } : { name };
    });
  return { crmName: crm.displayName, crmLocations, ...(configured ? { configured } : {}), property, missing };
}

/** A CRM name that contains the configured one (or the reverse), else one within a few typos. */
function closestName(name: string, candidates: readonly string[]): string | undefined {
  const wanted = squash(name);
  const containing = candidates.find((c) => wanted && (squash(c).includes(wanted) || wanted.includes(squash(c))));
  if (containing) return containing;
  let best: { name: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = levenshtein(wanted, squash(candidate));
    if (!best || distance < best.distance) best = { name: candidate, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(wanted.length / 3)) ? best.name : undefined;
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
