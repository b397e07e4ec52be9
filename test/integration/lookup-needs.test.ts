import { loadCatalog } from '../../src/catalog';
import type { CrmDefinition } from '../../src/catalog/schema';
import { lookupProblems, runLookup } from '../../src/integration/lookups';
import { useClientOnStandin } from '../support/client-on-standin';
import { FAKE, memoryLogger } from '../support/fakes';

/** The lookups read their inputs from the catalog's `needs`: renaming a property in YAML is all it takes. */

const catalog = loadCatalog();
const cloud9 = catalog.get('cloud9-ortho');

const standin = useClientOnStandin(memoryLogger().logger);

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
  standin.api.on('GET', '/commonservices/cloud9/locations', { json: [] });
  await runLookup(standin.client, renamedCloud9(), 'cloud9.locations', { 'cloud9.client.uuid': FAKE.clientId });
  expect(standin.api.requests.map((r) => r.query)).toEqual([{ clientId: FAKE.clientId, isAwsHosted: 'true' }]);
});

it('asks for a needed property by its catalog label and key, before calling anything', async () => {
  const err = runLookup(standin.client, renamedCloud9(), 'cloud9.locations', { ClientID: FAKE.clientId });
  await expect(err).rejects.toMatchObject({
    code: 'validation_failed',
    message: 'Fill in Cloud9 client ID (cloud9.client.uuid) first: the lookup needs it.',
  });
  expect(standin.api.requests).toHaveLength(0);
});

it('refuses a catalog entry whose needs do not fit the vendor call, naming what it takes', async () => {
  const broken = { ...cloud9, lookups: cloud9.lookups.map((l) => ({ ...l, needs: ['ClientID'] })) };
  expect(lookupProblems(broken)).toEqual([
    'cloud9-ortho: lookup cloud9.locations needs 1 properties, but it takes 2 (client ID, AWS hosted (true/false))',
  ]);
  await expect(
    runLookup(standin.client, broken, 'cloud9.locations', { ClientID: FAKE.clientId }),
  ).rejects.toMatchObject({
    code: 'invalid_catalog',
  });
  expect(standin.api.requests).toHaveLength(0);
});
