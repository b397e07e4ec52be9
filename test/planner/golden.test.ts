import { loadCatalog } from '../../src/catalog';
import { planSetup, planTriggerUpdate, withGroupId } from '../../src/planner';
import { goldenCrmFolders, goldenFiles, goldenSetups, goldenTriggerUpdates } from '../support/golden-fixtures';

/**
 * One fixture per curl body printed in the articles (test/support/golden-fixtures.ts walks
 * test/fixtures/golden/<crm id>/): adding a CRM means adding its catalog file and its fixture
 * folder, nothing here.
 */

const catalog = loadCatalog();
const crmFolders = goldenCrmFolders();
const files = goldenFiles();
const setups = goldenSetups();
const triggerUpdates = goldenTriggerUpdates();

/** The test name says where the fixture departs from the article, so a reader never mistakes it for a copy. */
function title(name: string, fixture: { article: string; departures?: string[] }): string {
  const departs = fixture.departures ? ` [DEPARTS FROM THE ARTICLE: ${fixture.departures.join(' | ')}]` : '';
  return `${name}: ${fixture.article}${departs}`;
}

describe('golden fixtures', () => {
  it('every file is either a setup or a trigger-update fixture, in the folder of a catalog CRM', () => {
    expect(setups.length + triggerUpdates.length).toBe(files.length);
    for (const crmId of crmFolders) expect(catalog.crms.map((crm) => crm.id)).toContain(crmId);
    for (const { crmId, fixture } of setups) expect(fixture.input.crmId).toBe(crmId);
    for (const { crmId, fixture } of triggerUpdates) expect(fixture.triggerUpdate.crmId).toBe(crmId);
  });

  it.each(catalog.crms.map((crm) => [crm.id, crm] as const))(
    '%s has a setup fixture for every supported account type and a trigger-update fixture',
    (_id, crm) => {
      for (const accountType of crm.accountTypes) {
        expect(
          setups.filter(({ fixture }) => fixture.input.crmId === crm.id && fixture.input.accountType === accountType),
        ).not.toHaveLength(0);
      }
      expect(triggerUpdates.filter(({ crmId }) => crmId === crm.id)).not.toHaveLength(0);
    },
  );

  it('a fixture that sends cliniko.api.key with isSecure true lists that departure (the article sends false)', () => {
    const sendsSecureKey = (properties?: Array<{ propertyKey: string; isSecure?: boolean }>) =>
      properties?.some((p) => p.propertyKey === 'cliniko.api.key' && p.isSecure === true) ?? false;
    const departing = setups.filter(
      ({ fixture: { expected } }) =>
        sendsSecureKey(expected.group?.integrationGroupProperties) ||
        expected.mappings.some((m) => sendsSecureKey(m.integrationProperties)),
    );
    expect(departing.map((s) => s.name)).toEqual(['cliniko/enterprise-as-smb', 'cliniko/smb']);
    for (const { fixture } of departing) expect(fixture.departures?.join(' ')).toMatch(/isSecure true.*isSecure false/);
  });

  describe.each(setups.map((s) => [title(s.name, s.fixture), s] as const))('%s', (_title, { fixture }) => {
    const result = planSetup(catalog, fixture.input);

    it('marks exactly the values the catalog calls secret as secrets', () => {
      const crm = catalog.get(fixture.input.crmId);
      const secretKeys = catalog.secretKeys(crm);
      const typed = [fixture.input.groupProperties, ...fixture.input.locations.map((l) => l.properties)];
      const secretValues = typed.flatMap((properties) =>
        Object.entries(properties).flatMap(([key, value]) =>
          secretKeys.has(key) && value.trim() !== '' ? [value] : [],
        ),
      );
      expect([...new Set(fixture.secrets)].sort()).toEqual([...new Set(secretValues)].sort());
    });

    it('plans without errors', () => {
      expect(result.ok ? [] : result.errors).toEqual([]);
    });

    it('plans exactly the article bodies (array order included) after withGroupId', () => {
      if (!result.ok) throw new Error('plan failed');
      const plan = withGroupId(result.plan, fixture.groupId);
      expect(plan.group?.body).toEqual(fixture.expected.group);
      expect(plan.mappings.map((m) => m.request.body)).toEqual(fixture.expected.mappings);
      for (const mapping of plan.mappings) {
        expect(mapping.request).toMatchObject({
          method: 'PUT',
          path: '/integration/add/businessintegrationmapping',
        });
        expect(mapping.businessNumber).toBe(mapping.request.body.businessNumber);
      }
      if (plan.group) {
        expect(plan.group).toMatchObject({ method: 'PUT', path: '/integration/add/businessintegrationgroup' });
      }
    });
  });

  describe.each(triggerUpdates.map((t) => [title(t.name, t.fixture), t] as const))('%s', (_title, { fixture }) => {
    it('plans exactly the article request', () => {
      const { crmId, groupId, triggers, replace } = fixture.triggerUpdate;
      const result = planTriggerUpdate(catalog, crmId, groupId, triggers, replace);
      expect(result.ok ? [] : result.errors).toEqual([]);
      if (!result.ok) return;
      const { method, path: requestPath, query, body } = result.request;
      expect({ method, path: requestPath, query, body }).toEqual(fixture.expected);
    });
  });
});
