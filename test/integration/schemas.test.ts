import {
  CreateMappingBody,
  GroupList,
  NextechLocationList,
  NextechPractitionerList,
  TriggerList,
} from '../../src/integration/schemas';
import { fixture } from '../support/fakes';

describe('response schemas', () => {
  it('turns integrationTriggerType into a list whether it comes as an object or an array', () => {
    const asObject = TriggerList.parse(fixture('triggers-carestack.json'));
    const asArray = TriggerList.parse(fixture('triggers-nextech.json'));
    expect(asObject[0]?.integrationTriggerType).toEqual([{ id: 1, name: 'JOB' }]);
    expect(asArray[0]?.integrationTriggerType).toEqual([{ id: 1, name: 'JOB' }]);
    expect(asArray[0]?.triggerName).toBeUndefined();
  });

  it('accepts a trigger without integrationTriggerType and rejects a non-integer trigger id', () => {
    expect(TriggerList.parse([{ id: 1, displayName: 'x' }])[0]?.integrationTriggerType).toEqual([]);
    expect(TriggerList.safeParse([{ id: 1.5, displayName: 'x' }]).success).toBe(false);
  });

  it('reads "find group" as a list from an object, an array or null, with triggers defaulting to []', () => {
    expect(GroupList.parse(fixture('group-carecloud.json'))).toHaveLength(1);
    expect(GroupList.parse(fixture('group-cloud9.json'))).toHaveLength(1);
    expect(GroupList.parse(null)).toEqual([]);
    const [group] = GroupList.parse({ groupId: 7, integrationSourceType: { id: 22, integrationSource: 'NEXTECH' } });
    expect(group?.integrationGroupTriggers).toEqual([]);
  });

  it('rejects a group without an integer groupId', () => {
    expect(GroupList.safeParse({ integrationSourceType: { id: 22, integrationSource: 'NEXTECH' } }).success).toBe(
      false,
    );
  });
});

describe('Nextech lists (shape undocumented: tolerant)', () => {
  it.each([
    ['a bare array with firstName/lastName', [{ practitionerId: 417445, firstName: 'Mary', lastName: 'Cathy' }]],
    ['a wrapped array with displayName', { data: [{ id: '417445', displayName: 'Mary Cathy' }] }],
    [
      'a FHIR Bundle of Practitioners',
      { resourceType: 'Bundle', entry: [{ resource: { id: '417445', name: [{ given: ['Mary'], family: 'Cathy' }] } }] },
    ],
  ])('reads practitioners from %s', (_shape, raw) => {
    expect(NextechPractitionerList.parse(raw)).toEqual([{ id: '417445', name: 'Mary Cathy' }]);
  });

  it('reads locations by name, id optional', () => {
    expect(NextechLocationList.parse({ locations: [{ locationName: 'Dermatology' }] })).toEqual([
      { id: undefined, name: 'Dermatology' },
    ]);
  });

  it('accepts an empty list but rejects a list where nothing has a name, or no list at all', () => {
    expect(NextechLocationList.parse([])).toEqual([]);
    expect(NextechLocationList.safeParse([{ foo: 1 }]).success).toBe(false);
    expect(NextechPractitionerList.safeParse({ message: 'ok' }).success).toBe(false);
  });
});

describe('request body schemas', () => {
  it('accepts the Carestack mapping body from the article and rejects a string group id', () => {
    const body = {
      businessNumber: 160283190794732,
      integrationGroupId: 23995,
      integrationProperties: [{ propertyKey: 'carestack.location.id', propertyValue: '1, 19031', isSecure: false }],
      active: true,
      test: false,
      beta: false,
    };
    expect(CreateMappingBody.parse(body)).toStrictEqual(body);
    expect(CreateMappingBody.safeParse({ ...body, integrationGroupId: '23995' }).success).toBe(false);
  });
});
