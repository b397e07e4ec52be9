import type { CrmDefinition, LookupDef, LookupId, PropertyDef } from '../catalog/schema';
import { ApiError, BotError, CatalogError, type ErrorCode } from '../errors';
import type { IntegrationClient } from './client';
import type { CarestackCredentials } from './vendors/carestack';

export interface LookupOption {
  /** What the chosen option fills into the property. */
  value: string;
  label: string;
}

/** Property keys with the values entered so far. */
type Inputs = Record<string, string | undefined>;

/** One property a lookup reads, as the catalog's `needs` names it. */
export interface LookupNeed {
  key: string;
  def: PropertyDef;
  /** Without a default and not a yes/no, the lookup cannot run until it is filled in. */
  required: boolean;
}

interface Lookup {
  /** Names the vendor in error messages. */
  source: string;
  /** What the vendor call takes, in order; the catalog's `needs` names the property behind each. */
  takes: readonly string[];
  /** `values[i]` is the value of the property `needs[i]` (undefined: optional and left empty). */
  run(api: IntegrationClient, values: readonly (string | undefined)[]): Promise<LookupOption[]>;
}

const CARESTACK_TAKES = ['customer domain', 'account key', 'account ID'];

const LOOKUPS: Record<LookupId, Lookup> = {
  'nextech.practitioners': {
    source: 'Nextech (through the integration API)',
    takes: ['practice ID'],
    run: async (api, [practiceId]) =>
      (await api.nextech.practitioners(practiceId ?? '')).map((p) => option(p.id, `${p.id} — ${p.name}`)),
  },
  'nextech.locations': {
    source: 'Nextech (through the integration API)',
    takes: ['practice ID'],
    run: async (api, [practiceId]) =>
      (await api.nextech.locations(practiceId ?? '')).map((location) => option(location.name)),
  },
  'cloud9.locations': {
    source: 'Cloud 9 (through the integration API)',
    takes: ['client ID', 'AWS hosted (true/false)'],
    run: async (api, [clientId, awsHosted]) => {
      // The article's default: not AWS hosted unless the field says so.
      const isAwsHosted = awsHosted?.trim().toLowerCase() === 'true';
      return (await api.cloud9.locations(clientId ?? '', isAwsHosted)).map((location) => {
        const place = [location.locationCity, location.locationState].filter(Boolean).join(', ');
        const label = `${location.locationCode} — ${location.locationName}${place ? ` (${place})` : ''}`;
        return option(location.locationCode, label);
      });
    },
  },
  'carestack.locations': {
    source: 'Carestack',
    takes: CARESTACK_TAKES,
    run: async (api, values) =>
      (await api.carestack.locations(carestackCredentials(values))).map((l) =>
        option(String(l.id), `${l.id} — ${l.name}`),
      ),
  },
  'carestack.appointmentStatuses': {
    source: 'Carestack',
    takes: CARESTACK_TAKES,
    run: async (api, values) =>
      (await api.carestack.appointmentStatuses(carestackCredentials(values))).map((status) => option(status.name)),
  },
};

function option(value: string, label = value): LookupOption {
  return { value, label };
}

function carestackCredentials([domain, accountKey, accountId]: readonly (string | undefined)[]): CarestackCredentials {
  return { domain: domain ?? '', accountKey: accountKey ?? '', accountId: accountId ?? '' };
}

/** Every lookup the client implements; the catalog may only name these. */
export const LOOKUP_IDS = Object.keys(LOOKUPS) as LookupId[];

/** The catalog's `needs` of a CRM's lookup, each with its property (group level first, then location level). */
export function lookupNeeds(crm: CrmDefinition, lookup: LookupDef): LookupNeed[] {
  return lookup.needs.map((key) => {
    const def = crm.groupProperties.find((p) => p.key === key) ?? crm.locationProperties.find((p) => p.key === key);
    if (!def) throw new CatalogError('invalid_catalog', `${crm.id}: lookup ${lookup.id} needs unknown property ${key}`);
    return { key, def, required: def.default === undefined && def.format.kind !== 'boolean' };
  });
}

/** Where a CRM's lookups do not fit what the client implements (the number of inputs): one line each. */
export function lookupProblems(crm: CrmDefinition): string[] {
  return crm.lookups.flatMap((lookup) => {
    const { takes } = LOOKUPS[lookup.id];
    return lookup.needs.length === takes.length
      ? []
      : [
          `${crm.id}: lookup ${lookup.id} needs ${lookup.needs.length} properties, but it takes ${takes.length} (${takes.join(', ')})`,
        ];
  });
}

/**
 * Runs a CRM's live lookup with the values of the properties its catalog entry `needs` and returns
 * select options (distinct values, in the API's order). API failures become `lookup_failed` with a
 * short reason (the user can still type the value); missing inputs are `validation_failed`, a missing
 * vendor key `not_configured`.
 */
export async function runLookup(
  client: IntegrationClient,
  crm: CrmDefinition,
  id: LookupId,
  inputs: Inputs,
): Promise<LookupOption[]> {
  const def = crm.lookups.find((l) => l.id === id);
  if (!def) throw new CatalogError('invalid_catalog', `${crm.id} declares no lookup ${id}`);
  const [problem] = lookupProblems({ ...crm, lookups: [def] });
  if (problem) throw new CatalogError('invalid_catalog', problem);
  const values = lookupNeeds(crm, def).map(({ key, def: property, required }) => {
    const value = inputs[key]?.trim() || property.default;
    if (!value && required) {
      throw new BotError('validation_failed', `Fill in ${property.label} (${key}) first: the lookup needs it.`);
    }
    return value;
  });
  const lookup = LOOKUPS[id];
  try {
    const options = await lookup.run(client, values);
    // Slack select options need distinct values; the first of each wins.
    const distinct = new Map<string, LookupOption>();
    for (const option of options) if (!distinct.has(option.value)) distinct.set(option.value, option);
    return [...distinct.values()];
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    throw new BotError('lookup_failed', `${lookup.source} ${FAILURE_REASONS[err.code] ?? 'failed'}`, {
      lookup: id,
      cause: err.code,
      ...(err.details.status === undefined ? {} : { status: err.details.status }),
    });
  }
}

const FAILURE_REASONS: Partial<Record<ErrorCode, string>> = {
  api_unauthorized: 'refused the request: check the credentials entered',
  api_not_found: 'found nothing for these details: check the IDs and the customer domain',
  api_rate_limited: 'is rate-limiting us: wait a moment',
  api_server_error: 'had an error on its side',
  api_timeout: 'did not answer in time',
  api_unreachable: 'cannot be reached',
  api_bad_response: 'sent an answer the bot could not read',
  api_rejected: 'rejected the request: check the values entered',
};
