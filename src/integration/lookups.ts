import type { LookupId } from '../catalog/schema';
import { ApiError, BotError, type ErrorCode } from '../errors';
import type { CarestackCredentials, IntegrationClient } from './client';

export interface LookupOption {
  /** What the chosen option fills into the property. */
  value: string;
  label: string;
}

/** Inputs are catalog property keys with the values entered so far. */
type Inputs = Record<string, string>;

interface Lookup {
  /** Names the vendor in error messages. */
  source: string;
  run(client: IntegrationClient, inputs: Inputs): Promise<LookupOption[]>;
}

const LOOKUPS: Record<LookupId, Lookup> = {
  'nextech.practitioners': {
    source: 'Nextech (through the integration API)',
    run: async (client, inputs) =>
      (await client.nextechPractitioners(need(inputs, 'practice.id', 'Practice ID'))).map((practitioner) => ({
        value: practitioner.id,
        label: `${practitioner.id} — ${practitioner.name}`,
      })),
  },
  'nextech.locations': {
    source: 'Nextech (through the integration API)',
    run: async (client, inputs) =>
      (await client.nextechLocations(need(inputs, 'practice.id', 'Practice ID'))).map((location) => ({
        value: location.name,
        label: location.name,
      })),
  },
  'cloud9.locations': {
    source: 'Cloud 9 (through the integration API)',
    run: async (client, inputs) => {
      const clientId = need(inputs, 'ClientID', 'Cloud 9 Client ID');
      // The article's default: not AWS hosted unless the field says so.
      const isAwsHosted = inputs['is.aws.hosted']?.trim().toLowerCase() === 'true';
      return (await client.cloud9Locations(clientId, isAwsHosted)).map((location) => {
        const place = [location.locationCity, location.locationState].filter(Boolean).join(', ');
        return {
          value: location.locationCode,
          label: `${location.locationCode} — ${location.locationName}${place ? ` (${place})` : ''}`,
        };
      });
    },
  },
  'carestack.locations': {
    source: 'Carestack',
    run: async (client, inputs) =>
      (await client.carestackLocations(carestackCredentials(inputs))).map((location) => ({
        value: String(location.id),
        label: `${location.id} — ${location.name}`,
      })),
  },
  'carestack.appointmentStatuses': {
    source: 'Carestack',
    run: async (client, inputs) =>
      (await client.carestackAppointmentStatuses(carestackCredentials(inputs))).map((status) => ({
        value: status.name,
        label: status.name,
      })),
  },
};

/** Every lookup the client implements; the catalog may only name these. */
export const LOOKUP_IDS = Object.keys(LOOKUPS) as LookupId[];

/**
 * Runs a live lookup and returns select options (distinct values, in the API's order).
 * API failures become `lookup_failed` with a short reason (the user can still type the value);
 * missing inputs are `validation_failed`, a missing vendor key `not_configured`.
 */
export async function runLookup(client: IntegrationClient, id: LookupId, inputs: Inputs): Promise<LookupOption[]> {
  const lookup = LOOKUPS[id];
  try {
    const options = await lookup.run(client, inputs);
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

function need(inputs: Inputs, key: string, label: string): string {
  const value = inputs[key]?.trim();
  if (!value) throw new BotError('validation_failed', `Fill in ${label} (${key}) first: the lookup needs it.`);
  return value;
}

function carestackCredentials(inputs: Inputs): CarestackCredentials {
  return {
    domain: need(inputs, 'carestack.customer.domain', 'Carestack Customer Domain'),
    accountKey: need(inputs, 'carestack.account.key', 'Carestack Account Key'),
    accountId: need(inputs, 'carestack.account.id', 'Carestack Account ID'),
  };
}
