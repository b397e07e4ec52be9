import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import {
  CreateGroupBody,
  CreateMappingBody,
  type PropertyInput,
  UpdateTriggersBody,
} from '../../src/integration/schemas';
import { PlanInput, TriggerChoice } from '../../src/planner';

/**
 * The golden fixtures: one per curl body printed in the articles, found by walking
 * test/fixtures/golden/<crm id>/, so adding a CRM means adding its catalog file and its fixture
 * folder. Shared by the planner's golden test and the Slack setup test that drives each one.
 */

export const GOLDEN_DIR = path.resolve(__dirname, '..', 'fixtures', 'golden');

export const SetupFixture = z.strictObject({
  article: z.string().min(1),
  input: PlanInput,
  groupId: z.number().int().positive(),
  expected: z.strictObject({ group: CreateGroupBody.optional(), mappings: z.array(CreateMappingBody) }),
  /** Every secret value the input carries (fake), so tests check that none is ever shown. */
  secrets: z.array(z.string().min(1)).default([]),
  departures: z.array(z.string().min(1)).min(1).optional(),
});
export type SetupFixture = z.infer<typeof SetupFixture>;

export const TriggerUpdateFixture = z.strictObject({
  article: z.string().min(1),
  triggerUpdate: z.strictObject({
    crmId: z.string(),
    groupId: z.number().int().positive(),
    triggers: z.array(TriggerChoice).min(1),
    replace: z.boolean(),
  }),
  expected: z.strictObject({
    method: z.literal('POST'),
    path: z.string(),
    query: z.record(z.string(), z.string()),
    body: UpdateTriggersBody,
  }),
  departures: z.array(z.string().min(1)).min(1).optional(),
});
export type TriggerUpdateFixture = z.infer<typeof TriggerUpdateFixture>;

export interface Loaded<T> {
  crmId: string;
  /** `<crm id>/<file name without .json>`. */
  name: string;
  raw: unknown;
  fixture: T;
}

/** The CRM folders under test/fixtures/golden, sorted. */
export function goldenCrmFolders(): string[] {
  return readdirSync(GOLDEN_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

/** Every fixture file, parsed as JSON only. */
export function goldenFiles(): Array<Omit<Loaded<unknown>, 'fixture'>> {
  return goldenCrmFolders().flatMap((crmId) =>
    readdirSync(path.join(GOLDEN_DIR, crmId))
      .filter((file) => file.endsWith('.json'))
      .sort()
      .map((file) => ({
        crmId,
        name: `${crmId}/${file.replace(/\.json$/, '')}`,
        raw: JSON.parse(readFileSync(path.join(GOLDEN_DIR, crmId, file), 'utf8')) as unknown,
      })),
  );
}

const has = (raw: unknown, key: string) => typeof raw === 'object' && raw !== null && key in raw;

export function goldenSetups(): Loaded<SetupFixture>[] {
  return goldenFiles()
    .filter((f) => has(f.raw, 'input'))
    .map((f) => ({ ...f, fixture: SetupFixture.parse(f.raw) }));
}

export function goldenTriggerUpdates(): Loaded<TriggerUpdateFixture>[] {
  return goldenFiles()
    .filter((f) => has(f.raw, 'triggerUpdate'))
    .map((f) => ({ ...f, fixture: TriggerUpdateFixture.parse(f.raw) }));
}

/** One setup fixture by its name (`<crm id>/<file name>`, e.g. `cliniko/smb`). */
export function goldenSetup(name: string): SetupFixture {
  const found = goldenSetups().find((f) => f.name === name);
  if (!found) throw new Error(`no golden setup fixture ${name}`);
  return found.fixture;
}

/** Where a test replays a fixture: its own business (per test, so locks and intents never collide). */
export interface Replay {
  parent: string;
  /** The group id the test's API answers create-group with (the mappings go to it). */
  groupId?: number;
  /** Property values typed instead of the fixture's, by key (a canary secret, say). */
  values?: Record<string, string>;
}

/** The properties with the values a test typed instead of the fixture's. */
const withValues = (properties: PropertyInput[], values: Record<string, string>): PropertyInput[] =>
  properties.map((p) => {
    const typed = values[p.propertyKey];
    return typed === undefined ? p : { ...p, propertyValue: typed };
  });

/**
 * The bodies the fixture's setup sends, replayed for another business: the parent renumbered (and
 * a location numbered as the parent, an SMB's), the group the API answered, the typed values.
 */
export function goldenBodies(
  fixture: SetupFixture,
  { parent, groupId = fixture.groupId, values = {} }: Replay,
): { group: CreateGroupBody | undefined; mappings: CreateMappingBody[] } {
  const renumber = (bn: number) => (bn === Number(fixture.input.parentBusinessNumber) ? Number(parent) : bn);
  const { group, mappings } = fixture.expected;
  return {
    group: group && {
      ...group,
      parentBusinessNumber: Number(parent),
      ...(group.integrationGroupProperties
        ? { integrationGroupProperties: withValues(group.integrationGroupProperties, values) }
        : {}),
    },
    mappings: mappings.map((m) => ({
      ...m,
      businessNumber: renumber(m.businessNumber),
      integrationGroupId: groupId,
      ...(m.integrationProperties ? { integrationProperties: withValues(m.integrationProperties, values) } : {}),
    })),
  };
}
