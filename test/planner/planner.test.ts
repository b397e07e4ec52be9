import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { loadCatalog, type PropertyDef } from '../../src/catalog';
import { CreateGroupBody, CreateMappingBody } from '../../src/integration/schemas';
import {
  appendToList,
  BUSINESS_ID_MESSAGE,
  describePlan,
  ENTERPRISE_ID_MESSAGE,
  type FieldError,
  GROUP_ID_PENDING,
  MASK,
  type MappingUpdate,
  maskProperties,
  maskRequest,
  normalizeProperty,
  type Plan,
  type PlanInput,
  type PlanResult,
  planMappingUpdate,
  planSetup,
  planTriggerUpdate,
  shellQuote,
  toCurl,
  withGroupId,
} from '../../src/planner';

const catalog = loadCatalog();
const BASE_URL = 'https://integration.example.test';

const SMB_NUMBER = '155802718182498';
const ENTERPRISE_NUMBER = '159894373919788';
const LOCATION_A = '151980725935863';
const LOCATION_B = '160283190794732';
const FAKE_UUID = '00000000-0000-4000-8000-000000000001';

/** A value each property format accepts, so a valid input is built from the catalog alone. */
function sampleValue(property: PropertyDef): string {
  switch (property.format.kind) {
    case 'uuid':
      return FAKE_UUID;
    case 'integer':
      return '12345';
    case 'days':
      return '0';
    case 'boolean':
      return 'false';
    case 'personName':
      return 'John Smith';
    case 'customerDomain':
      return 'partners.sb';
    case 'list':
      return property.format.item === 'integer' ? '1, 19031' : 'Arrived, Scheduled';
    default:
      // Fake, and recognisable as the property's own: `fake-cliniko-api-key`.
      return property.secret ? `fake-${property.key.replace(/\./g, '-')}` : `sample ${property.label}`;
  }
}

/**
 * A valid minimal setup per CRM, to vary one thing at a time: the catalog's pre-selected triggers and a
 * sample value for every property the account type requires (plus Carestack's appointment statuses,
 * which the tests below vary). Built from the catalog, so a new CRM needs no case here.
 */
function validInput(crmId: string, accountType: 'smb' | 'enterprise' = 'smb'): PlanInput {
  const definition = catalog.get(crmId);
  const withIds = definition.triggers.filter((t) => t.id !== undefined && t.triggerTypeId !== undefined);
  const preselected = withIds.filter((t) => t.defaultSelected);
  const triggers = (preselected.length > 0 ? preselected : withIds.slice(0, 1)).map((t) => ({
    triggerId: t.id!,
    triggerTypeId: t.triggerTypeId!,
  }));
  const required = (properties: readonly PropertyDef[], extra: readonly string[] = []) =>
    Object.fromEntries(
      properties
        .filter((p) => p.requirement[accountType] === 'required' || extra.includes(p.key))
        .map((p) => [p.key, sampleValue(p)]),
    );
  const properties = required(definition.locationProperties, ['carestack.appointment.status']);
  return {
    crmId,
    accountType,
    parentBusinessNumber: accountType === 'smb' ? SMB_NUMBER : ENTERPRISE_NUMBER,
    triggers,
    groupProperties: required(definition.groupProperties),
    locations: [accountType === 'smb' ? { properties } : { businessNumber: LOCATION_A, properties }],
  };
}

function planned(result: PlanResult): Plan {
  if (!result.ok) throw new Error(`expected a plan, got ${JSON.stringify(result.errors)}`);
  return result.plan;
}

function failed(result: PlanResult): FieldError[] {
  if (result.ok) throw new Error('expected errors, got a plan');
  return result.errors;
}

function errorAt(result: PlanResult, field: string): string[] {
  return failed(result)
    .filter((e) => e.field === field)
    .map((e) => e.message);
}

/** A CareCloud enterprise setup whose location has these properties, in this order. */
function careCloudEnterprise(properties: Record<string, string>): PlanInput {
  const input = validInput('carecloud', 'enterprise');
  input.locations[0]!.properties = properties;
  return input;
}

/** planMappingUpdate of an update that must plan: its request and warnings. */
function plannedUpdate(
  crmId: string,
  accountType: 'smb' | 'enterprise',
  update: MappingUpdate,
): Extract<ReturnType<typeof planMappingUpdate>, { ok: true }> {
  const result = planMappingUpdate(catalog, crmId, accountType, update);
  if (!result.ok) throw new Error(`expected a request, got ${JSON.stringify(result.errors)}`);
  return result;
}

const trigger = (triggerId: number, triggerTypeId: number) => ({ triggerId, triggerTypeId });

/** The errors of each of these fields, exactly (a field with [] has none). */
function expectErrorsAt(result: PlanResult, expected: Record<string, string[]>): void {
  for (const [field, messages] of Object.entries(expected)) expect(errorAt(result, field)).toEqual(messages);
}

const crm = (id: string) => catalog.get(id);
const property = (crmId: string, level: 'group' | 'location', key: string) => {
  const def = catalog.property(crm(crmId), level, key);
  if (!def) throw new Error(`${crmId} has no ${level} property ${key}`);
  return def;
};

/**
 * What normalizeProperty makes of typed values, per test title (test/fixtures/planner-normalisation.yaml):
 * `is` the whole result, `has` a part of it.
 */
const NormalisationCheck = z
  .strictObject({
    property: z.string().regex(/^\S+ (group|location) \S+$/, '<crm id> <group|location> <key>'),
    typed: z.string(),
    is: z
      .union([
        z.strictObject({ ok: z.literal(true), value: z.string().optional(), warning: z.string().optional() }),
        z.strictObject({ ok: z.literal(false), message: z.string() }),
      ])
      .optional(),
    has: z.record(z.string(), z.unknown()).optional(),
  })
  .refine((check) => (check.is === undefined) !== (check.has === undefined), 'a check has either is or has');
const NORMALISATION = z
  .record(z.string(), z.array(NormalisationCheck))
  .parse(parseYaml(readFileSync(path.join(__dirname, '..', 'fixtures', 'planner-normalisation.yaml'), 'utf8')));

/** One-click fixes as planMappingUpdate plans them, per test title (test/fixtures/planner-mapping-updates.yaml). */
const MappingUpdateCase = z.strictObject({
  crm: z.string(),
  accountType: z.enum(['smb', 'enterprise']),
  update: z.strictObject({
    businessNumber: z.string(),
    groupId: z.number(),
    currentProperties: z.record(z.string(), z.string()),
    changes: z.record(z.string(), z.string().nullable()),
    beta: z.literal(false).optional(),
  }),
  /** The request body, exactly. */
  body: z.record(z.string(), z.unknown()).optional(),
  /** Fields the request body has. */
  bodyHas: z.record(z.string(), z.unknown()).optional(),
  /** integrationProperties, exactly. */
  properties: z.array(z.record(z.string(), z.unknown())).optional(),
  /** The keys of integrationProperties, in order. */
  propertyKeys: z.array(z.string()).optional(),
  warnings: z.array(z.string()),
});
const MAPPING_UPDATES = z
  .record(z.string(), MappingUpdateCase)
  .parse(parseYaml(readFileSync(path.join(__dirname, '..', 'fixtures', 'planner-mapping-updates.yaml'), 'utf8')));

describe('normalisation', () => {
  const normalize = (crmId: string, level: 'group' | 'location', key: string, typed: string) =>
    normalizeProperty(property(crmId, level, key), typed, crm(crmId).displayName);

  it.each(Object.entries(NORMALISATION))('%s', (_title, checks) => {
    for (const check of checks) {
      const [crmId, level, key] = check.property.split(' ') as [string, 'group' | 'location', string];
      const result = normalize(crmId, level, key, check.typed);
      if (check.is) expect(result).toEqual(check.is);
      else expect(result).toMatchObject(check.has ?? {});
    }
  });

  it.each(['https://example.com/login', 'example.com', 'https://carestack.com', 'https://partners.sb.example.org'])(
    'customerDomain: %s is rejected as not a Carestack address',
    (typed) => {
      const result = normalize('carestack', 'group', 'carestack.customer.domain', typed);
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.message).toMatch(/^Customer domain must be the part of the client's Carestack address before/);
        expect(result.message).toContain('is not a Carestack address');
      }
    },
  );

  it('warnings from a whole setup name the field and reach the plan', () => {
    const input = careCloudEnterprise({ location_name: 'Mike Dental Centre', provider_name: 'Cathy, Mary' });
    const plan = planned(planSetup(catalog, input));
    expect(plan.warnings).toContain(
      "Provider name: changed 'Cathy, Mary' to 'Mary Cathy' (CareCloud wants First Last)",
    );
    expect(plan.mappings[0]!.request.body.integrationProperties).toContainEqual({
      propertyKey: 'provider_name',
      propertyValue: 'Mary Cathy',
    });
  });

  it('with several locations the warning says which location', () => {
    const input = validInput('carecloud', 'enterprise');
    input.locations.push({
      businessNumber: LOCATION_B,
      properties: { location_name: 'Second', provider_name: 'Cathy, Mary' },
    });
    expect(planned(planSetup(catalog, input)).warnings).toContain(
      "Provider name (location 2): changed 'Cathy, Mary' to 'Mary Cathy' (CareCloud wants First Last)",
    );
  });
});

describe('planSetup: what it sends', () => {
  it('a valid minimal setup plans for every CRM and account type it supports', () => {
    for (const definition of catalog.crms) {
      for (const accountType of definition.accountTypes) {
        const plan = planned(planSetup(catalog, validInput(definition.id, accountType)));
        expect(plan.group && CreateGroupBody.parse(plan.group.body)).toBeTruthy();
        for (const m of withGroupId(plan, 7).mappings) expect(CreateMappingBody.parse(m.request.body)).toBeTruthy();
      }
    }
  });

  it('omits integrationGroupProperties when there are none (CareCloud) and integrationProperties when empty (Cloud 9 SMB)', () => {
    const careCloud = planned(planSetup(catalog, validInput('carecloud')));
    expect(careCloud.group?.body).not.toHaveProperty('integrationGroupProperties');
    const cloud9 = planned(planSetup(catalog, validInput('cloud9-ortho')));
    expect(cloud9.mappings[0]!.request.body).not.toHaveProperty('integrationProperties');
    expect(cloud9.mappings[0]!.request.body).not.toHaveProperty('test');
    expect(cloud9.mappings[0]!.request.body).not.toHaveProperty('beta');
  });

  it('sends test:false and beta:false only where the article does', () => {
    expect(planned(planSetup(catalog, validInput('carestack'))).mappings[0]!.request.body).toMatchObject({
      test: false,
      beta: false,
    });
    expect(planned(planSetup(catalog, validInput('nextech'))).mappings[0]!.request.body).not.toHaveProperty('beta');
  });

  it('sends actionIds only for triggers whose catalog entry has them', () => {
    expect(planned(planSetup(catalog, validInput('carecloud'))).group?.body.integrationGroupTriggers).toEqual([
      { triggerId: 91, triggerTypeId: 1, actionIds: [1] },
    ]);
    expect(planned(planSetup(catalog, validInput('carestack'))).group?.body.integrationGroupTriggers).toEqual([
      { triggerId: 139, triggerTypeId: 1 },
    ]);
  });

  it('sends isSecure only where the catalog has it', () => {
    const input = validInput('nextech');
    input.groupProperties['appointment.types'] = 'procedure|Surgery';
    expect(planned(planSetup(catalog, input)).group?.body.integrationGroupProperties).toEqual([
      { propertyKey: 'practice.id', propertyValue: FAKE_UUID, isSecure: true },
      { propertyKey: 'appointment.types', propertyValue: 'procedure|Surgery' },
    ]);
  });

  it('sends defaults when left empty (Cliniko delay 0, Cloud 9 is.aws.hosted false), in catalog order after typed ones', () => {
    const cliniko = planned(planSetup(catalog, validInput('cliniko')));
    expect(cliniko.group?.body.integrationGroupProperties).toEqual([
      { propertyKey: 'cliniko.api.key', propertyValue: 'fake-cliniko-api-key', isSecure: true },
      { propertyKey: 'customer.fetch.delay', propertyValue: '0', isSecure: false },
    ]);
    expect(cliniko.mappings[0]!.request.body.integrationProperties).toEqual([
      { propertyKey: 'customer.fetch.delay', propertyValue: '0', isSecure: false },
    ]);
    const input = validInput('cloud9-ortho');
    input.groupProperties = { 'is.aws.hosted': '', ClientID: FAKE_UUID };
    expect(planned(planSetup(catalog, input)).group?.body.integrationGroupProperties).toEqual([
      { propertyKey: 'is.aws.hosted', propertyValue: 'false', isSecure: false },
      { propertyKey: 'ClientID', propertyValue: FAKE_UUID, isSecure: true },
    ]);
  });

  it('never sends an implicit default (CareCloud appointment status)', () => {
    const body = planned(planSetup(catalog, validInput('carecloud'))).mappings[0]!.request.body;
    expect(body).not.toHaveProperty('integrationProperties');
  });

  it('keeps the order the properties were typed in', () => {
    const input = careCloudEnterprise({
      appointment_status: 'Billed',
      provider_name: 'Mary Cathy',
      location_name: 'Mike Dental Centre',
    });
    const keys = planned(planSetup(catalog, input)).mappings[0]!.request.body.integrationProperties?.map(
      (p) => p.propertyKey,
    );
    expect(keys).toEqual(['appointment_status', 'provider_name', 'location_name']);
  });

  it("an SMB's location defaults to the Business ID; an SMB may map the same number as its group", () => {
    const plan = planned(planSetup(catalog, validInput('carestack')));
    expect(plan.mappings[0]!.businessNumber).toBe(Number(SMB_NUMBER));
    const input = validInput('carestack');
    input.locations[0]!.businessNumber = SMB_NUMBER;
    expect(planSetup(catalog, input).ok).toBe(true);
  });

  it('leaves integrationGroupId pending until withGroupId, which fills every mapping', () => {
    const input = validInput('carecloud', 'enterprise');
    input.locations.push({ businessNumber: LOCATION_B, properties: { location_name: 'B' } });
    const plan = planned(planSetup(catalog, input));
    expect(plan.mappings.map((m) => m.request.body.integrationGroupId)).toEqual([GROUP_ID_PENDING, GROUP_ID_PENDING]);
    const filled = withGroupId(plan, 25);
    expect(filled.mappings.map((m) => m.request.body.integrationGroupId)).toEqual([25, 25]);
    expect(plan.mappings[0]!.request.body.integrationGroupId).toBe(GROUP_ID_PENDING);
    expect(() => withGroupId(plan, 0)).toThrow(/Group ID/);
  });

  it('adds locations to an existing group without a group request', () => {
    const input = validInput('nextech', 'enterprise');
    input.existingGroupId = 31;
    input.groupProperties = {};
    const plan = planned(planSetup(catalog, input));
    expect(plan.group).toBeUndefined();
    expect(plan.existingGroupId).toBe(31);
    expect(plan.mappings[0]!.request.body.integrationGroupId).toBe(31);
    expect(plan.warnings.join(' ')).toMatch(/Triggers are not changed/);
  });

  it('an enterprise group may be created before any location, with a warning', () => {
    const input = validInput('nextech', 'enterprise');
    input.locations = [];
    const plan = planned(planSetup(catalog, input));
    expect(plan.mappings).toEqual([]);
    expect(plan.warnings.join(' ')).toMatch(/No locations yet/);
  });

  it('accepts a Nextech trigger read from the triggers endpoint, without actionIds', () => {
    const input = validInput('nextech');
    input.triggers.push({ triggerId: 301, triggerTypeId: 2, resolvedFromApi: true });
    expect(planned(planSetup(catalog, input)).group?.body.integrationGroupTriggers).toEqual([
      { triggerId: 24, triggerTypeId: 1 },
      { triggerId: 301, triggerTypeId: 2 },
    ]);
  });

  it('accepts next run times inside the window, per account type (Cloud 9 keeps both windows)', () => {
    const smb = validInput('cloud9-ortho');
    smb.locations[0]!.nextRunTime = '10:00';
    expect(planned(planSetup(catalog, smb)).mappings[0]!.nextRunTime).toBe('10:00');
    const enterprise = validInput('cloud9-ortho', 'enterprise');
    enterprise.locations[0]!.nextRunTime = '03:00';
    expect(planSetup(catalog, enterprise).ok).toBe(true);
  });
});

describe('planSetup: rejections (field path and message)', () => {
  it('unknown CRM', () => {
    expect(failed(planSetup(catalog, { ...validInput('carecloud'), crmId: 'nope' }))).toEqual([
      { field: 'crmId', message: 'There is no CRM called "nope" in the catalog' },
    ]);
  });

  it('an input that is not the expected shape names the field', () => {
    const input = { ...validInput('carecloud'), accountType: 'corporate' } as unknown as PlanInput;
    expect(failed(planSetup(catalog, input)).map((e) => e.field)).toEqual(['accountType']);
  });

  it('Cliniko is SMB only: the message is the catalog note', () => {
    const input = validInput('cliniko');
    input.accountType = 'enterprise';
    input.parentBusinessNumber = ENTERPRISE_NUMBER;
    input.locations = [{ businessNumber: LOCATION_A, properties: {} }];
    expect(errorAt(planSetup(catalog, input), 'accountType')).toEqual([crm('cliniko').accountTypeNote]);
  });

  it.each(['12345', '1598943739197880', '15989437391978x', ''])('parent business number %p', (typed) => {
    expect(
      errorAt(planSetup(catalog, { ...validInput('carecloud'), parentBusinessNumber: typed }), 'parentBusinessNumber'),
    ).toEqual([BUSINESS_ID_MESSAGE]);
  });

  it('enterprise ID', () => {
    const input = { ...validInput('carecloud', 'enterprise'), parentBusinessNumber: '42' };
    expect(errorAt(planSetup(catalog, input), 'parentBusinessNumber')).toEqual([ENTERPRISE_ID_MESSAGE]);
    expect(BUSINESS_ID_MESSAGE).toBe(
      'Business ID must be the 15-digit number from Birdeye (Settings → Integrations → API)',
    );
  });

  it('location business numbers: 15 digits, required for enterprise, no duplicates, not the Enterprise ID', () => {
    const input = validInput('carecloud', 'enterprise');
    input.locations = [
      { businessNumber: '123', properties: { location_name: 'A' } },
      { properties: { location_name: 'B' } },
      { businessNumber: LOCATION_A, properties: { location_name: 'C' } },
      { businessNumber: LOCATION_A, properties: { location_name: 'D' } },
      { businessNumber: ENTERPRISE_NUMBER, properties: { location_name: 'E' } },
    ];
    const result = planSetup(catalog, input);
    expectErrorsAt(result, {
      'locations.0.businessNumber': [BUSINESS_ID_MESSAGE],
      'locations.1.businessNumber': [BUSINESS_ID_MESSAGE],
      'locations.2.businessNumber': [],
      'locations.3.businessNumber': [`Business ID ${LOCATION_A} is already used by location 3`],
      'locations.4.businessNumber': ["This is the Enterprise ID; give the location's own Business ID"],
    });
  });

  it('SMB: exactly one location', () => {
    expect(errorAt(planSetup(catalog, { ...validInput('carecloud'), locations: [] }), 'locations')).toEqual([
      'An SMB setup has exactly one location: the business itself',
    ]);
    const two = validInput('carecloud');
    two.locations = [{ properties: {} }, { businessNumber: LOCATION_B, properties: {} }];
    expect(errorAt(planSetup(catalog, two), 'locations')).toHaveLength(1);
  });

  it('adding to an existing group needs at least one location and cannot change group properties', () => {
    const input = { ...validInput('nextech', 'enterprise'), existingGroupId: 31, locations: [] };
    const result = planSetup(catalog, input);
    expectErrorsAt(result, {
      locations: ['Add at least one location'],
      'group.practice.id': [
        'Group properties cannot be changed when locations are added to an existing group; leave Practice ID empty',
      ],
    });
  });

  it('required properties missing', () => {
    const carestack = validInput('carestack', 'enterprise');
    carestack.groupProperties = { 'carestack.customer.domain': 'partners.sb', 'carestack.account.key': '  ' };
    carestack.locations[0]!.properties = {};
    const result = planSetup(catalog, carestack);
    expectErrorsAt(result, {
      'group.carestack.account.key': ['Account key is required for enterprise Carestack setups'],
      'group.carestack.account.id': ['Account ID is required for enterprise Carestack setups'],
      'locations.0.carestack.location.id': ['Carestack location IDs is required for enterprise Carestack setups'],
    });
    const careCloud = careCloudEnterprise({});
    expect(errorAt(planSetup(catalog, careCloud), 'locations.0.location_name')).toEqual([
      'Location name is required for enterprise CareCloud setups',
    ]);
  });

  it('properties not offered for the account type', () => {
    const input = validInput('cloud9-ortho');
    input.locations[0]!.properties = { 'location.code': '4' };
    expect(errorAt(planSetup(catalog, input), 'locations.0.location.code')).toEqual([
      'Cloud9 location code is not used for SMB Cloud 9 Ortho setups; leave it empty',
    ]);
  });

  it('unknown property keys, at both levels', () => {
    const input = validInput('carecloud');
    input.groupProperties = { 'customer.fetch.delay': '2' };
    input.locations[0]!.properties = { location_nam: 'typo' };
    const result = planSetup(catalog, input);
    expectErrorsAt(result, {
      'group.customer.fetch.delay': ['customer.fetch.delay is not a CareCloud group property'],
      'locations.0.location_nam': ['location_nam is not a CareCloud location property'],
    });
  });

  it('invalid values carry the field path of their level', () => {
    const input = validInput('nextech', 'enterprise');
    input.groupProperties = { 'practice.id': 'nope' };
    input.locations[0]!.properties = { 'location.name': 'A', 'practice.id': 'also-nope' };
    const result = planSetup(catalog, input);
    expectErrorsAt(result, {
      'group.practice.id': ['Practice ID must be a UUID like 00000000-0000-4000-8000-000000000000'],
      'locations.0.practice.id': ['Practice ID override must be a UUID like 00000000-0000-4000-8000-000000000000'],
    });
  });

  it('triggers: at least one, documented or read from the triggers endpoint, of this CRM, right type, once', () => {
    expect(errorAt(planSetup(catalog, { ...validInput('carecloud'), triggers: [] }), 'triggers')).toEqual([
      'Choose at least one trigger',
    ]);
    const wrong = validInput('carecloud');
    wrong.triggers = [trigger(91, 2), trigger(15, 1), trigger(139, 1), { ...trigger(16, 1), resolvedFromApi: true }];
    expect(errorAt(planSetup(catalog, wrong), 'triggers')).toEqual([
      'Trigger 91 (CareCloud Appointment) has trigger type 1, not 2',
      'Trigger 15 is not a CareCloud trigger (CareCloud has 91)',
      'Trigger 139 is a Carestack trigger, not a CareCloud one',
      'Trigger 16 is not a CareCloud trigger (CareCloud has 91)',
    ]);
    const nextech = validInput('nextech');
    nextech.triggers = [trigger(24, 1), trigger(24, 1), trigger(301, 1)];
    expect(errorAt(planSetup(catalog, nextech), 'triggers')).toEqual([
      'Trigger 24 is chosen twice',
      'Trigger 301 is not a documented Nextech trigger (24) and was not read from the Nextech triggers list',
    ]);
  });

  it('next run time outside the window names the window; malformed times are rejected', () => {
    const smb = validInput('cloud9-ortho');
    smb.locations[0]!.nextRunTime = '04:00';
    expect(errorAt(planSetup(catalog, smb), 'locations.0.nextRunTime')).toEqual([
      'Next run time must be between 05:00 and 10:00 UTC for SMB Cloud 9 Ortho setups',
    ]);
    const enterprise = validInput('cloud9-ortho', 'enterprise');
    enterprise.locations[0]!.nextRunTime = '02:59';
    expect(errorAt(planSetup(catalog, enterprise), 'locations.0.nextRunTime')).toEqual([
      'Next run time must be between 03:00 and 10:00 UTC for enterprise Cloud 9 Ortho setups',
    ]);
    enterprise.locations[0]!.nextRunTime = '04:00';
    expect(planSetup(catalog, enterprise).ok).toBe(true);
    enterprise.locations[0]!.nextRunTime = '6am';
    expect(errorAt(planSetup(catalog, enterprise), 'locations.0.nextRunTime')).toEqual([
      'Next run time must be a UTC time written HH:MM, like 06:00',
    ]);
    const noWindow = validInput('carecloud');
    noWindow.locations[0]!.nextRunTime = '23:30';
    expect(planSetup(catalog, noWindow).ok).toBe(true);
  });

  it('returns every error at once', () => {
    const input: PlanInput = {
      crmId: 'carestack',
      accountType: 'enterprise',
      parentBusinessNumber: '1',
      triggers: [],
      groupProperties: { 'carestack.customer.domain': 'https://example.com', bogus: 'x' },
      locations: [{ businessNumber: '2', properties: { 'carestack.location.id': 'one' }, nextRunTime: '99:99' }],
    };
    expect(
      failed(planSetup(catalog, input))
        .map((e) => e.field)
        .sort(),
    ).toEqual(
      [
        'parentBusinessNumber',
        'triggers',
        'group.carestack.customer.domain',
        'group.bogus',
        'group.carestack.account.key',
        'group.carestack.account.id',
        'locations.0.businessNumber',
        'locations.0.carestack.location.id',
        'locations.0.carestack.appointment.status',
        'locations.0.nextRunTime',
      ].sort(),
    );
  });
});

describe('secrets never leak', () => {
  const CANARY = 'CANARY7f3a';
  const canaryFor = (kind: string) =>
    kind === 'uuid' ? 'c0ffee00-0000-4000-8000-00000ca7a7f3' : kind === 'integer' ? '7737731' : `${CANARY}-secret`;
  const badCanaryFor = (kind: string) => (kind === 'uuid' || kind === 'integer' ? `${CANARY}-bad` : undefined);

  function secretValues(): string[] {
    return catalog.crms.flatMap((c) =>
      [...c.groupProperties, ...c.locationProperties].filter((p) => p.secret).map((p) => canaryFor(p.format.kind)),
    );
  }

  function withSecrets(crmId: string, accountType: 'smb' | 'enterprise', pick: (kind: string) => string | undefined) {
    const input = validInput(crmId, accountType);
    const definition = crm(crmId);
    for (const p of definition.groupProperties.filter((d) => d.secret && d.requirement[accountType] !== 'absent')) {
      const value = pick(p.format.kind);
      if (value !== undefined) input.groupProperties[p.key] = `  ${value} `; // spaces: a warning is made
    }
    for (const p of definition.locationProperties.filter((d) => d.secret && d.requirement[accountType] !== 'absent')) {
      const value = pick(p.format.kind);
      if (value !== undefined) input.locations[0]!.properties[p.key] = ` ${value}`;
    }
    return input;
  }

  it.each(catalog.crms.flatMap((c) => c.accountTypes.map((t) => [c.id, t] as const)))(
    '%s %s: not in warnings, describePlan, masked requests or curl',
    (crmId, accountType) => {
      const plan = planned(planSetup(catalog, withSecrets(crmId, accountType, canaryFor)));
      const secretKeys = catalog.secretKeys(crm(crmId));
      const requests = [...(plan.group ? [plan.group] : []), ...plan.mappings.map((m) => m.request)];
      const shown = [
        ...plan.warnings,
        ...describePlan(plan, catalog),
        ...requests.map((r) => JSON.stringify(maskRequest(r, secretKeys))),
        ...requests.map((r) => toCurl(r, BASE_URL, secretKeys)),
      ].join('\n');
      for (const secret of secretValues()) expect(shown).not.toContain(secret);
      expect(shown).not.toContain(CANARY);
      if (secretKeys.size === 0) return; // CareCloud: OAuth, no credential property
      expect(plan.warnings.some((w) => w.includes('secret, not shown'))).toBe(true);
      // ... while the real request does carry them.
      expect(JSON.stringify(requests)).toMatch(/CANARY7f3a|c0ffee00|7737731/);
    },
  );

  it.each(catalog.crms.flatMap((c) => c.accountTypes.map((t) => [c.id, t] as const)))(
    '%s %s: not in error messages',
    (crmId, accountType) => {
      const input = withSecrets(crmId, accountType, badCanaryFor);
      const result = planSetup(catalog, input);
      if (!result.ok) expect(JSON.stringify(result.errors)).not.toContain(CANARY);
    },
  );

  it('not in planMappingUpdate warnings or errors', () => {
    const ok = planMappingUpdate(catalog, 'nextech', 'enterprise', {
      businessNumber: LOCATION_A,
      groupId: 31,
      currentProperties: { 'location.name': 'A', 'practice.id': canaryFor('uuid') },
      changes: { 'practice.id': ` ${canaryFor('uuid')}` },
    });
    expect(ok.ok).toBe(true);
    if (ok.ok) expect(ok.warnings.join(' ')).not.toContain('c0ffee00');
    const bad = planMappingUpdate(catalog, 'nextech', 'enterprise', {
      businessNumber: LOCATION_A,
      groupId: 31,
      currentProperties: { 'location.name': 'A' },
      changes: { 'practice.id': `${CANARY}-bad` },
    });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(JSON.stringify(bad.errors)).not.toContain(CANARY);
  });

  it('describePlan shows a secret as "(secret, set)"', () => {
    const input = validInput('nextech');
    input.groupProperties['appointment.types'] = 'procedure|Surgery';
    expect(describePlan(planned(planSetup(catalog, input)), catalog)[0]).toBe(
      `Create a Nextech integration group for business ${SMB_NUMBER} with trigger 24 (Nextech Fulfilled Appointment Trigger) and Practice ID (secret, set), Appointment types 'procedure|Surgery'`,
    );
  });
});

describe('describePlan', () => {
  it('says what each request does, in plain English', () => {
    const input = careCloudEnterprise({
      location_name: 'Mike Dental Centre',
      provider_name: 'Mary Cathy',
      appointment_status: 'Checked-Out, Billed',
    });
    input.locations[0]!.nextRunTime = '06:00';
    expect(describePlan(planned(planSetup(catalog, input)), catalog)).toEqual([
      'Create a CareCloud integration group for enterprise 159894373919788 with trigger 91 (CareCloud Appointment)',
      "Map location 151980725935863 with Location name 'Mike Dental Centre', Provider name 'Mary Cathy', Appointment status 'Checked-Out, Billed', next run at 06:00 UTC",
    ]);
  });

  it('names an existing group, triggers read from the API, and mappings without properties', () => {
    const input = { ...validInput('cloud9-ortho'), existingGroupId: 1595, triggers: [], groupProperties: {} };
    expect(describePlan(planned(planSetup(catalog, input)), catalog)).toEqual([
      `Add to the existing Cloud 9 Ortho integration group 1595 of business ${SMB_NUMBER}`,
      `Map location ${SMB_NUMBER} with no properties`,
    ]);
    const nextech = validInput('nextech');
    nextech.triggers.push({ triggerId: 301, triggerTypeId: 1, resolvedFromApi: true });
    expect(describePlan(planned(planSetup(catalog, nextech)), catalog)[0]).toContain(
      'with triggers 24 (Nextech Fulfilled Appointment Trigger) and 301 (read from the triggers endpoint)',
    );
  });
});

describe('curl rendering', () => {
  const carestack = planned(planSetup(catalog, validInput('carestack')));
  const secretKeys = catalog.secretKeys(crm('carestack'));

  it('renders the articles style with every secret masked', () => {
    const curl = toCurl(carestack.group!, BASE_URL, secretKeys);
    expect(curl.split('\n').slice(0, 3)).toEqual([
      `curl --location --request PUT '${BASE_URL}/integration/add/businessintegrationgroup' \\`,
      "--header 'Content-Type: application/json' \\",
      "--data-raw '{",
    ]);
    expect(curl).toContain(`"propertyValue": "${MASK}"`);
    expect(curl).toContain('"propertyValue": "partners.sb"');
    expect(curl).not.toContain('fake-carestack-account-key');
    expect(curl).not.toContain('"12345"');
    expect(curl.endsWith("}'")).toBe(true);
  });

  it('masks location-level secrets too (credential override)', () => {
    const input = validInput('carestack');
    input.locations[0]!.properties['carestack.account.key'] = 'fake-location-key';
    const mapping = planned(planSetup(catalog, input)).mappings[0]!.request;
    const curl = toCurl(mapping, `${BASE_URL}/`, secretKeys);
    expect(curl).toContain(`'${BASE_URL}/integration/add/businessintegrationmapping'`);
    expect(curl).not.toContain('fake-location-key');
    expect(curl).toContain(MASK);
  });

  it('the body in the command is the request body, masked, and survives the shell', () => {
    const input = careCloudEnterprise({ location_name: "Mike's Dental 'Centre'" });
    const request = planned(planSetup(catalog, input)).mappings[0]!.request;
    const curl = toCurl(request, BASE_URL, new Set());
    const quotedBody = curl.slice(curl.indexOf('--data-raw ') + '--data-raw '.length);
    const fromShell = execFileSync('sh', ['-c', `printf '%s' ${quotedBody}`]).toString();
    expect(JSON.parse(fromShell)).toEqual(request.body);
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });

  it('puts the query on the URL of a trigger update', () => {
    const update = planTriggerUpdate(catalog, 'carestack', 23995, [{ triggerId: 139, triggerTypeId: 1 }], false);
    if (!update.ok) throw new Error('expected a request');
    expect(toCurl(update.request, BASE_URL, secretKeys)).toContain(
      `--request POST '${BASE_URL}/integration/update/businessintegrationgroup?replaceTriggers=false'`,
    );
  });

  it('maskRequest returns a masked deep copy and leaves the request alone', () => {
    const original = carestack.group!;
    const masked = maskRequest(original, secretKeys);
    expect(masked.body.integrationGroupProperties?.map((p) => p.propertyValue)).toEqual(['partners.sb', MASK, MASK]);
    expect(original.body.integrationGroupProperties?.[1]?.propertyValue).toBe('fake-carestack-account-key');
    expect(maskProperties(original.body.integrationGroupProperties ?? [], secretKeys)[2]).toEqual({
      propertyKey: 'carestack.account.id',
      propertyValue: MASK,
      isSecure: true,
    });
  });
});

describe('planTriggerUpdate', () => {
  it('replace or add, without actionIds', () => {
    const result = planTriggerUpdate(catalog, 'carecloud', 142, [{ triggerId: 91, triggerTypeId: 1 }], true);
    expect(result).toEqual({
      ok: true,
      warnings: [],
      request: {
        operation: 'updateTriggers',
        method: 'POST',
        path: '/integration/update/businessintegrationgroup',
        query: { replaceTriggers: 'true' },
        body: { groupId: 142, integrationGroupTriggers: [{ triggerId: 91, triggerTypeId: 1 }] },
      },
    });
  });

  it('rejects unknown CRMs, bad group ids and triggers by the setup rules', () => {
    expect(planTriggerUpdate(catalog, 'nope', 1, [], true)).toEqual({
      ok: false,
      errors: [{ field: 'crmId', message: 'There is no CRM called "nope" in the catalog' }],
    });
    const result = planTriggerUpdate(catalog, 'carecloud', 0, [{ triggerId: 15, triggerTypeId: 1 }], true);
    expect(result.ok ? [] : result.errors).toEqual([
      { field: 'groupId', message: 'Group ID must be a positive whole number' },
      { field: 'triggers', message: 'Trigger 15 is not a CareCloud trigger (CareCloud has 91)' },
    ]);
  });
});

describe('planMappingUpdate (one-click fixes)', () => {
  it('add a status to the allowed list: re-sends the whole mapping with the longer list', () => {
    const def = property('carecloud', 'location', 'appointment_status');
    const current = { location_name: 'Mike Dental Centre', appointment_status: 'Checked-Out, Billed' };
    const result = planMappingUpdate(catalog, 'carecloud', 'enterprise', {
      businessNumber: LOCATION_A,
      groupId: 25,
      currentProperties: current,
      changes: { appointment_status: appendToList(def.format, current.appointment_status, 'Arrived') },
    });
    expect(result).toEqual({
      ok: true,
      warnings: [],
      request: {
        operation: 'createMapping',
        method: 'PUT',
        path: '/integration/add/businessintegrationmapping',
        body: {
          businessNumber: Number(LOCATION_A),
          integrationGroupId: 25,
          active: true,
          integrationProperties: [
            { propertyKey: 'location_name', propertyValue: 'Mike Dental Centre' },
            { propertyKey: 'appointment_status', propertyValue: 'Checked-Out, Billed, Arrived' },
          ],
        },
      },
    });
  });

  it('appendToList starts from the implicit defaults when the list is empty, and does not repeat items', () => {
    const format = property('carecloud', 'location', 'appointment_status').format;
    expect(appendToList(format, '', 'No Show', ['Checked-Out', 'Billed'])).toBe('Checked-Out, Billed, No Show');
    expect(appendToList(format, 'Billed', 'Billed')).toBe('Billed');
    const nextech = property('nextech', 'group', 'appointment.status').format;
    expect(appendToList(nextech, 'fulfilled', 'completed')).toBe('fulfilled,completed');
  });

  it.each(Object.entries(MAPPING_UPDATES))('%s', (_title, c) => {
    const { request, warnings } = plannedUpdate(c.crm, c.accountType, c.update);
    if (c.body) expect(request.body).toEqual(c.body);
    if (c.bodyHas) expect(request.body).toMatchObject(c.bodyHas);
    if (c.properties) expect(request.body.integrationProperties).toEqual(c.properties);
    if (c.propertyKeys) expect(request.body.integrationProperties?.map((p) => p.propertyKey)).toEqual(c.propertyKeys);
    expect(warnings).toEqual(c.warnings);
  });

  it('rejects by the setup rules: group-only keys, unknown keys, removing a required one, absent ones, bad values', () => {
    const nextech = planMappingUpdate(catalog, 'nextech', 'enterprise', {
      businessNumber: 'x',
      groupId: 0,
      currentProperties: { 'location.name': 'A' },
      changes: { 'appointment.status': 'completed', bogus: 'y', 'location.name': null },
    });
    expect(nextech).toEqual({
      ok: false,
      errors: [
        { field: 'businessNumber', message: BUSINESS_ID_MESSAGE },
        { field: 'groupId', message: 'Group ID must be a positive whole number' },
        {
          field: 'appointment.status',
          message: 'Appointment statuses is a group property; a location mapping cannot change it',
        },
        { field: 'bogus', message: 'bogus is not a Nextech location property' },
        { field: 'location.name', message: 'Nextech location names is required for enterprise Nextech setups' },
      ],
    });
    const cloud9 = planMappingUpdate(catalog, 'cloud9-ortho', 'smb', {
      businessNumber: SMB_NUMBER,
      groupId: 1595,
      currentProperties: {},
      changes: { 'location.code': '4' },
    });
    expect(cloud9.ok ? [] : cloud9.errors).toEqual([
      {
        field: 'location.code',
        message: 'Cloud9 location code is not used for SMB Cloud 9 Ortho setups; leave it empty',
      },
    ]);
    const carestack = planMappingUpdate(catalog, 'carestack', 'smb', {
      businessNumber: SMB_NUMBER,
      groupId: 1,
      currentProperties: { 'carestack.appointment.status': 'Arrived' },
      changes: { 'carestack.location.id': '1, two' },
    });
    expect(carestack.ok ? [] : carestack.errors).toEqual([
      {
        field: 'carestack.location.id',
        message: "Carestack location IDs must be whole numbers separated by commas; 'two' is not one",
      },
    ]);
    expect(
      planMappingUpdate(catalog, 'cliniko', 'enterprise', {
        businessNumber: SMB_NUMBER,
        groupId: 1,
        currentProperties: {},
        changes: {},
      }),
    ).toEqual({ ok: false, errors: [{ field: 'accountType', message: crm('cliniko').accountTypeNote }] });
  });
});
