import { type ConfigRecord, saveConfigRecord } from '../../src/operations/config-records';
import { fixture } from './fakes';
import { API_PATHS, type IntegrationApiStandin } from './integration-api-standin';
import { configRecord, type Json } from './payloads';
import type { TestBot } from './slack-harness';

/**
 * For the tests of the writes a diagnosis leads to (one-click fixes, re-authorize): a business
 * set up earlier, and the mapping body the bot sent.
 */

/** The recorded group of each CRM (test/fixtures/responses). */
const GROUP_FIXTURE: Record<string, string> = {
  carecloud: 'group-carecloud.json',
  carestack: 'group-carestack.json',
  cliniko: 'group-cliniko.json',
  'cloud9-ortho': 'group-cloud9.json',
  nextech: 'group-nextech.json',
};

/** The API answers the business's group read with the CRM's recorded group. */
export function serveGroup(api: IntegrationApiStandin, businessNumber: string, crmId: string): void {
  const file = GROUP_FIXTURE[crmId];
  if (!file) throw new Error(`no recorded group for CRM ${crmId}`);
  api.on('GET', API_PATHS.groups(businessNumber), { json: fixture(file) });
}

/** A ConfigRecord as setup saved it: the fields a test cares about (defaults for the rest). */
export type SetUp = Partial<ConfigRecord> & Pick<ConfigRecord, 'businessNumber' | 'crmId' | 'groupId'>;

/** Setup saved this ConfigRecord, and the API has the CRM's group for it. */
export async function givenSetUpBusiness(bot: TestBot, api: IntegrationApiStandin, record: SetUp): Promise<void> {
  await saveConfigRecord(bot.services.store, configRecord(record));
  serveGroup(api, record.businessNumber, record.crmId);
}

/** The body of the mapping write the bot sent (the first one unless told), parsed. */
export function sentMapping(api: IntegrationApiStandin, index = 0): Json {
  return JSON.parse(api.writes()[index]!.body);
}

/** Which mapping a write is for, and the flags the CRM's article sends with it (Cliniko, Carestack: test, beta). */
type MappingHead = { businessNumber: number; integrationGroupId: number; test?: boolean; beta?: boolean };

/** A mapping write as the API takes it: always active, the properties in the order sent. */
export function mappingBody(head: MappingHead, integrationProperties: Json[]): Json {
  return { ...head, active: true, integrationProperties };
}
