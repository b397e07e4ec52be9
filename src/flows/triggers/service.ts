import type { Catalog, CrmDefinition } from '../../catalog';
import { BotError, userMessage } from '../../errors';
import type { Services } from '../../services';
import { levenshtein, squash } from '../../text';

/**
 * - documented: the catalog gives the trigger's ID (from the article);
 * - resolved: the catalog names it but gives no ID, and the API returned it by that name;
 * - api: the API returned it but the catalog does not mention it;
 * - missing: the catalog names it (without an ID) and the API did not return it.
 */
export type TriggerStatus = 'documented' | 'resolved' | 'api' | 'missing';

export interface TriggerRow {
  id?: number;
  name: string;
  description?: string;
  status: TriggerStatus;
  /** Documented triggers: whether the API listed it too (undefined when the API was not read). */
  inApi?: boolean;
}

export interface TriggersReport {
  crm: Pick<CrmDefinition, 'id' | 'displayName' | 'integrationSourceId'>;
  rows: TriggerRow[];
  /** Set when the triggers endpoint failed: rows are then the catalog's documented triggers only. */
  apiError?: string;
}

/** Finds a CRM by what was typed, or throws `unknown_crm` with the closest catalog names. */
export function findCrm(catalog: Catalog, typed: string, usage: string): CrmDefinition {
  const names = catalog.crms.map((c) => c.displayName).join(', ');
  if (!typed.trim()) throw new BotError('unknown_crm', `Name a CRM: \`${usage}\`. The bot knows ${names}.`);
  const crm = catalog.find(typed);
  if (crm) return crm;
  const suggestion = closestCrm(catalog, typed);
  throw new BotError(
    'unknown_crm',
    suggestion
      ? `I don't know that CRM. Did you mean *${suggestion.displayName}* (\`${usage.replace(/<[^>]+>/, suggestion.id)}\`)?`
      : `I don't know that CRM. The bot knows ${names}.`,
  );
}

/** The catalog CRM whose id, name or alias is closest to `typed` (prefix or a few typos), if any is close. */
export function closestCrm(catalog: Catalog, typed: string): CrmDefinition | undefined {
  const wanted = squash(typed);
  let best: { crm: CrmDefinition; distance: number } | undefined;
  for (const crm of catalog.crms) {
    for (const name of [crm.id, crm.displayName, crm.integrationSource, ...crm.aliases].map(squash)) {
      const prefix = wanted.length >= 3 && (name.startsWith(wanted) || wanted.startsWith(name));
      const distance = prefix ? 1 : levenshtein(wanted, name);
      if (distance <= Math.max(2, Math.floor(name.length / 3)) && (!best || distance < best.distance))
        best = { crm, distance };
    }
  }
  return best?.crm;
}

/** The CRM's triggers as the API lists them, each marked against what the catalog documents. */
export async function listCrmTriggers(services: Pick<Services, 'api' | 'catalog'>, typed: string) {
  const crm = findCrm(services.catalog, typed, '/crm triggers <crm>');
  const base = { crm: { id: crm.id, displayName: crm.displayName, integrationSourceId: crm.integrationSourceId } };
  let api: Awaited<ReturnType<Services['api']['listTriggers']>>;
  try {
    api = await services.api.listTriggers(crm.integrationSourceId);
  } catch (err) {
    const rows: TriggerRow[] = crm.triggers.map((t) => ({
      ...(t.id === undefined ? {} : { id: t.id }),
      name: t.displayName,
      description: t.description,
      status: t.id === undefined ? 'missing' : 'documented',
    }));
    return { ...base, rows, apiError: userMessage(err) } satisfies TriggersReport;
  }

  const rows: TriggerRow[] = [];
  const matched = new Set<string>();
  for (const item of api) {
    const byId = crm.triggers.find((t) => t.id === item.id);
    const byName =
      byId ??
      crm.triggers.find(
        (t) =>
          t.id === undefined &&
          [item.triggerName, item.displayName].some(
            (n) => n && [t.triggerName, t.displayName].some((c) => squash(c) === squash(n)),
          ),
      );
    if (byName) matched.add(byName.triggerName);
    rows.push({
      id: item.id,
      name: byName?.displayName ?? item.displayName,
      ...(item.description || byName ? { description: item.description ?? byName?.description } : {}),
      status: byId ? 'documented' : byName ? 'resolved' : 'api',
      ...(byId ? { inApi: true } : {}),
    });
  }
  for (const t of crm.triggers) {
    if (matched.has(t.triggerName)) continue;
    rows.push({
      ...(t.id === undefined ? {} : { id: t.id }),
      name: t.displayName,
      description: t.description,
      status: t.id === undefined ? 'missing' : 'documented',
      ...(t.id === undefined ? {} : { inApi: false }),
    });
  }
  return { ...base, rows } satisfies TriggersReport;
}
