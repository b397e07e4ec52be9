import { loadCatalog } from '../../src/catalog';
import type { CrmDefinition } from '../../src/catalog/schema';
import type { IntegrationClient } from '../../src/integration/client';
import { lookupProblems, runLookup } from '../../src/integration/lookups';
import { FAKE, memoryLogger } from '../support/fakes';
import {
  type IntegrationApiStandin,
  startClientOnStandin,
  stopClientOnStandin,
} from '../support/integration-api-standin';

/** The lookups read their inputs from the catalog's `needs`: renaming a property in YAML is all it takes. */

let api: IntegrationApiStandin;
let client: IntegrationClient;
const catalog = loadCatalog();
const cloud9 = catalog.get('cloud9-ortho');

beforeEach(async () => {
  ({ api, client } = await startClientOnStandin(memoryLogger().logger));
});

afterEach(() => stopClientOnStandin({ api, client }));

/** Cloud 9 with its client ID property renamed and the AWS-hosted default flipped, as another YAML could say. */
function renamedCloud9(): CrmDefinition {
  const groupProperties = cloud9.groupProperties.map((p) =>
    p.key === 'ClientID'
      ? { ...p, key: 'cloud9.client.uuid' }
      : p.key === 'is.aws.hosted'
        ? { ...p, default: 'true' }
        : p,
  );
  const lookups = cloud9.lookups.map((l) => ({ ...l, needs: ['cloud9.client.uuid', 'is.aws.hosted'] }));
  return { ...cloud9, groupProperties, lookups };
}

it('every lookup of the real catalog needs as many properties as its vendor call takes', () => {
  expect(catalog.crms.flatMap(lookupProblems)).toEqual([]);
});

it('reads each input from the property the catalog names, and its default from the catalog', async () => {
  api.on('GET', '/commonservices/cloud9/locations', { json: [] });
  await runLookup(client, renamedCloud9(), 'cloud9.locations', { 'cloud9.client.uuid': FAKE.clientId });
  expect(api.requests.map((r) => r.query)).toEqual([{ clientId: FAKE.clientId, isAwsHosted: 'true' }]);
});

it('asks for a needed property by its catalog label and key, before calling anything', async () => {
  const err = runLookup(client, renamedCloud9(), 'cloud9.locations', { ClientID: FAKE.clientId });
  await expect(err).rejects.toMatchObject({
    code: 'validation_failed',
    message: 'Fill in Cloud9 client ID (cloud9.client.uuid) first: the lookup needs it.',
  });
  expect(api.requests).toHaveLength(0);
});

it('refuses a catalog entry whose needs do not fit the vendor call, naming what it takes', async () => {
  const broken = { ...cloud9, lookups: cloud9.lookups.map((l) => ({ ...l, needs: ['ClientID'] })) };
  expect(lookupProblems(broken)).toEqual([
    'cloud9-ortho: lookup cloud9.locations needs 1 properties, but it takes 2 (client ID, AWS hosted (true/false))',
  ]);
  await expect(runLookup(client, broken, 'cloud9.locations', { ClientID: FAKE.clientId })).rejects.toMatchObject({
    code: 'invalid_catalog',
  });
  expect(api.requests).toHaveLength(0);
});
