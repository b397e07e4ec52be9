import type { Catalog } from '../catalog';
import type { CrmDefinition, Level } from '../catalog/schema';
import type { PropertyInput } from '../integration/schemas';
import type { ApiRequest, Plan } from './types';

/** What a secret property value is replaced with wherever a request is shown or recorded. */
export const MASK = '********';

/** Properties with every secret value replaced by MASK (a copy). */
export function maskProperties<P extends PropertyInput>(
  properties: readonly P[],
  secretKeys: ReadonlySet<string>,
): P[] {
  return properties.map((p) => (secretKeys.has(p.propertyKey) ? { ...p, propertyValue: MASK } : { ...p }));
}

/**
 * A deep copy with every secret propertyValue masked, wherever in the body it
 * sits (group and location level alike), for audit records and previews.
 */
export function maskRequest<R extends ApiRequest>(request: R, secretKeys: ReadonlySet<string>): R {
  const copy = structuredClone(request);
  maskInPlace(copy, secretKeys);
  return copy;
}

function maskInPlace(value: unknown, secretKeys: ReadonlySet<string>): void {
  if (Array.isArray(value)) {
    for (const item of value) maskInPlace(item, secretKeys);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const record = value as Record<string, unknown>;
  if (typeof record.propertyKey === 'string' && secretKeys.has(record.propertyKey) && 'propertyValue' in record) {
    record.propertyValue = MASK;
  }
  for (const child of Object.values(record)) maskInPlace(child, secretKeys);
}

/** Wraps a string in single quotes for a POSIX shell. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

export function requestUrl(request: ApiRequest, baseUrl: string): string {
  const query = 'query' in request && request.query ? `?${new URLSearchParams(request.query).toString()}` : '';
  return `${baseUrl.replace(/\/+$/, '')}${request.path}${query}`;
}

/** The equivalent curl command, in the articles' style, with secrets masked. */
export function toCurl(request: ApiRequest, baseUrl: string, secretKeys: ReadonlySet<string>): string {
  const body = JSON.stringify(maskRequest(request, secretKeys).body, null, 2);
  return [
    `curl --location --request ${request.method} ${shellQuote(requestUrl(request, baseUrl))} \\`,
    `--header 'Content-Type: application/json' \\`,
    `--data-raw ${shellQuote(body)}`,
  ].join('\n');
}

// --------------------------------------------------------------- describe

function joinWords(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

function describeProperties(
  catalog: Catalog,
  crm: CrmDefinition,
  level: Level,
  properties: readonly PropertyInput[] | undefined,
): string[] {
  const secretKeys = catalog.secretKeys(crm);
  return (properties ?? []).map((p) => {
    const label = catalog.property(crm, level, p.propertyKey)?.label ?? p.propertyKey;
    const secret = secretKeys.has(p.propertyKey) || catalog.property(crm, level, p.propertyKey)?.secret === true;
    if (secret) return `${label} (secret, ${p.propertyValue === '' ? 'empty' : 'set'})`;
    return `${label} '${p.propertyValue}'`;
  });
}

/** The plan in plain English, one line per request. Secret values are never shown. */
export function describePlan(plan: Plan, catalog: Catalog): string[] {
  const crm = catalog.get(plan.crmId);
  const owner = `${plan.accountType === 'enterprise' ? 'enterprise' : 'business'} ${plan.parentBusinessNumber}`;
  const lines: string[] = [];
  if (plan.group) {
    const body = plan.group.body;
    const triggers = body.integrationGroupTriggers.map(({ triggerId }) => {
      const known = crm.triggers.find((t) => t.id === triggerId);
      return `${triggerId} (${known ? known.displayName : 'read from the triggers endpoint'})`;
    });
    const properties = describeProperties(catalog, crm, 'group', body.integrationGroupProperties);
    lines.push(
      `Create a ${crm.displayName} integration group for ${owner} with trigger${triggers.length > 1 ? 's' : ''} ${joinWords(triggers)}` +
        (properties.length > 0 ? ` and ${properties.join(', ')}` : ''),
    );
  } else if (plan.existingGroupId !== undefined) {
    lines.push(`Add to the existing ${crm.displayName} integration group ${plan.existingGroupId} of ${owner}`);
  }
  for (const mapping of plan.mappings) {
    const properties = describeProperties(catalog, crm, 'location', mapping.request.body.integrationProperties);
    lines.push(
      `Map location ${mapping.businessNumber} with ${properties.length > 0 ? properties.join(', ') : 'no properties'}` +
        (mapping.nextRunTime ? `, next run at ${mapping.nextRunTime} UTC` : ''),
    );
  }
  return lines;
}
