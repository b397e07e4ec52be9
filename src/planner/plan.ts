import type { Catalog } from '../catalog';
import {
  ACCOUNT_TYPE_NAMES,
  type AccountType,
  type CrmDefinition,
  type Level,
  type PropertyDef,
} from '../catalog/schema';
import { BotError } from '../errors';
import type { CreateGroupBody, CreateMappingBody, GroupTrigger, PropertyInput } from '../integration/schemas';
import { normalizeProperty } from './normalize';
import {
  API_PATHS,
  type CreateMappingRequest,
  type FieldError,
  GROUP_ID_PENDING,
  type Plan,
  PlanInput,
  type PlannedMapping,
  type PlanResult,
  type RequestResult,
  type TriggerChoice,
  type UpdateTriggersRequest,
} from './types';

/**
 * Answers in, exact requests out. Every per-CRM rule comes from the catalog;
 * every body has exactly the keys the CRM's article prints.
 */

export const BUSINESS_ID_MESSAGE =
  'Business ID must be the 15-digit number from Birdeye (Settings → Integrations → API)';
export const ENTERPRISE_ID_MESSAGE =
  'Enterprise ID must be the 15-digit number from Birdeye (Settings → Profile → Business Profiles)';

/** The length every article's business numbers have. */
const BUSINESS_NUMBER = /^\d{15}$/;
const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;

/** What a person typed as a business ID without the spaces, dashes and commas spreadsheets and pastes add. */
export function compactBusinessNumber(typed: string | number): string {
  return String(typed).replace(/[\s,-]/g, '');
}

/** The one reading of a typed business (or enterprise) ID everywhere: 15 digits once compacted, else undefined. */
export function parseBusinessNumber(typed: string | number): number | undefined {
  const text = compactBusinessNumber(typed);
  return BUSINESS_NUMBER.test(text) ? Number(text) : undefined;
}

function findCrm(catalog: Catalog, crmId: string): CrmDefinition | undefined {
  return catalog.crms.find((crm) => crm.id === crmId);
}

function unknownCrm(crmId: string): FieldError {
  return { field: 'crmId', message: `There is no CRM called "${crmId}" in the catalog` };
}

function unsupportedAccountType(crm: CrmDefinition, accountType: AccountType): FieldError {
  return {
    field: 'accountType',
    message:
      crm.accountTypeNote ??
      `${crm.displayName} is not supported for ${ACCOUNT_TYPE_NAMES[accountType].inSentence} businesses`,
  };
}

// ---------------------------------------------------------------- triggers

interface CheckedTriggers {
  triggers: GroupTrigger[];
  problems: string[];
}

/**
 * Documented triggers come from the catalog (with their actionIds); a trigger the
 * catalog names without an id is accepted only when the caller read it from the
 * triggers endpoint (`resolvedFromApi`), and only for a CRM that has such triggers.
 */
function checkTriggers(catalog: Catalog, crm: CrmDefinition, chosen: readonly TriggerChoice[]): CheckedTriggers {
  const problems: string[] = [];
  const triggers: GroupTrigger[] = [];
  if (chosen.length === 0) problems.push('Choose at least one trigger');
  const documentedIds = crm.triggers.flatMap((t) => (t.id === undefined ? [] : [t.id]));
  const hasUndocumented = crm.triggers.some((t) => t.id === undefined);
  const seen = new Set<number>();
  for (const choice of chosen) {
    const { triggerId, triggerTypeId } = choice;
    if (seen.has(triggerId)) {
      problems.push(`Trigger ${triggerId} is chosen twice`);
      continue;
    }
    seen.add(triggerId);
    const documented = crm.triggers.find((t) => t.id === triggerId);
    if (documented) {
      if (documented.triggerTypeId !== undefined && documented.triggerTypeId !== triggerTypeId) {
        problems.push(
          `Trigger ${triggerId} (${documented.displayName}) has trigger type ${documented.triggerTypeId}, not ${triggerTypeId}`,
        );
        continue;
      }
      triggers.push(
        documented.actionIds
          ? { triggerId, triggerTypeId, actionIds: [...documented.actionIds] }
          : { triggerId, triggerTypeId },
      );
      continue;
    }
    const owner = catalog.crms.find((other) => other.id !== crm.id && other.triggers.some((t) => t.id === triggerId));
    if (owner) {
      problems.push(`Trigger ${triggerId} is a ${owner.displayName} trigger, not a ${crm.displayName} one`);
    } else if (!hasUndocumented || !choice.resolvedFromApi) {
      const known = documentedIds.join(', ');
      problems.push(
        hasUndocumented
          ? `Trigger ${triggerId} is not a documented ${crm.displayName} trigger (${known}) and was not read from the ${crm.displayName} triggers list`
          : `Trigger ${triggerId} is not a ${crm.displayName} trigger (${crm.displayName} has ${known})`,
      );
    } else {
      triggers.push({ triggerId, triggerTypeId });
    }
  }
  return { triggers, problems };
}

// -------------------------------------------------------------- properties

function propertyEntry(def: PropertyDef, value: string): PropertyInput {
  // isSecure only where the catalog (the article) sends it.
  return def.isSecure === undefined
    ? { propertyKey: def.key, propertyValue: value }
    : { propertyKey: def.key, propertyValue: value, isSecure: def.isSecure };
}

interface BuiltProperties {
  properties: PropertyInput[];
  errors: FieldError[];
  warnings: string[];
}

/**
 * Typed properties → body entries in the order typed, then documented defaults
 * not typed, in catalog order. Left empty means "not given": the default is sent
 * in its place, a required property without default is an error.
 */
function buildProperties(
  crm: CrmDefinition,
  level: Level,
  accountType: AccountType,
  typed: Record<string, string>,
  fieldPrefix: string,
  where?: string,
): BuiltProperties {
  const defs = level === 'group' ? crm.groupProperties : crm.locationProperties;
  const result: BuiltProperties = { properties: [], errors: [], warnings: [] };
  const handled = new Set<string>();
  const setup = `${ACCOUNT_TYPE_NAMES[accountType].inSentence} ${crm.displayName} setups`;
  for (const [key, value] of Object.entries(typed)) {
    const field = `${fieldPrefix}.${key}`;
    const def = defs.find((d) => d.key === key);
    if (!def) {
      result.errors.push({ field, message: `${key} is not a ${crm.displayName} ${level} property` });
      continue;
    }
    handled.add(key);
    const requirement = def.requirement[accountType];
    if (value.trim() === '') {
      if (def.default !== undefined && requirement !== 'absent')
        result.properties.push(propertyEntry(def, def.default));
      else handled.delete(key); // still subject to the "required" check below
      continue;
    }
    if (requirement === 'absent') {
      result.errors.push({ field, message: `${def.label} is not used for ${setup}; leave it empty` });
      continue;
    }
    const normalized = normalizeProperty(def, value, crm.displayName, where);
    if (!normalized.ok) {
      result.errors.push({ field, message: normalized.message });
      continue;
    }
    if (normalized.warning) result.warnings.push(normalized.warning);
    if (normalized.value !== undefined) result.properties.push(propertyEntry(def, normalized.value));
  }
  for (const def of defs) {
    const requirement = def.requirement[accountType];
    if (handled.has(def.key) || requirement === 'absent') continue;
    if (def.default !== undefined) result.properties.push(propertyEntry(def, def.default));
    else if (requirement === 'required') {
      result.errors.push({ field: `${fieldPrefix}.${def.key}`, message: `${def.label} is required for ${setup}` });
    }
  }
  return result;
}

// ------------------------------------------------------------------ bodies

function mappingBody(
  crm: CrmDefinition,
  businessNumber: number,
  groupId: number,
  properties: PropertyInput[],
): CreateMappingBody {
  const body: CreateMappingBody = { businessNumber, integrationGroupId: groupId, active: true };
  if (properties.length > 0) body.integrationProperties = properties;
  if (crm.mappingSendsTestAndBeta) {
    body.test = false;
    body.beta = false;
  }
  return body;
}

function mappingRequest(body: CreateMappingBody): CreateMappingRequest {
  return { operation: 'createMapping', method: 'PUT', path: API_PATHS.createMapping, body };
}

function checkNextRunTime(crm: CrmDefinition, accountType: AccountType, time: string): string | undefined {
  const trimmed = time.trim();
  if (!HH_MM.test(trimmed)) return 'Next run time must be a UTC time written HH:MM, like 06:00';
  const window = crm.nextRunWindow?.[accountType];
  // "HH:MM" strings compare in time order.
  if (window && (trimmed < window.from || trimmed > window.to)) {
    return `Next run time must be between ${window.from} and ${window.to} UTC for ${ACCOUNT_TYPE_NAMES[accountType].inSentence} ${crm.displayName} setups`;
  }
  return undefined;
}

// ------------------------------------------------------------------- setup

/** Validates a whole setup and plans its requests. Returns every problem at once. */
export function planSetup(catalog: Catalog, rawInput: PlanInput): PlanResult {
  const parsed = PlanInput.safeParse(rawInput);
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.map((issue) => ({
        field: issue.path.map(String).join('.') || 'input',
        message: `This answer is not in the expected form (${issue.message})`,
      })),
    };
  }
  const input = parsed.data;
  const crm = findCrm(catalog, input.crmId);
  if (!crm) return { ok: false, errors: [unknownCrm(input.crmId)] };

  const errors: FieldError[] = [];
  const warnings: string[] = [];
  const { accountType } = input;
  // With an account type the CRM does not offer, per-type property rules would only add noise.
  const accountSupported = crm.accountTypes.includes(accountType);
  if (!accountSupported) errors.push(unsupportedAccountType(crm, accountType));

  const parent = parseBusinessNumber(input.parentBusinessNumber);
  if (parent === undefined) {
    errors.push({
      field: 'parentBusinessNumber',
      message: accountType === 'enterprise' ? ENTERPRISE_ID_MESSAGE : BUSINESS_ID_MESSAGE,
    });
  }

  const addingToExisting = input.existingGroupId !== undefined;
  let groupTriggers: GroupTrigger[] = [];
  let groupProperties: PropertyInput[] = [];
  if (addingToExisting) {
    if (input.triggers.length > 0) {
      warnings.push(
        `Triggers are not changed when locations are added to existing group ${input.existingGroupId}; use the trigger update for that`,
      );
    }
    for (const [key, value] of Object.entries(input.groupProperties)) {
      if (value.trim() === '') continue;
      errors.push({
        field: `group.${key}`,
        message: `Group properties cannot be changed when locations are added to an existing group; leave ${crm.groupProperties.find((d) => d.key === key)?.label ?? key} empty`,
      });
    }
  } else {
    const checked = checkTriggers(catalog, crm, input.triggers);
    groupTriggers = checked.triggers;
    for (const message of checked.problems) errors.push({ field: 'triggers', message });
    if (accountSupported) {
      const built = buildProperties(crm, 'group', accountType, input.groupProperties, 'group');
      groupProperties = built.properties;
      errors.push(...built.errors);
      warnings.push(...built.warnings);
    }
  }

  if (accountType === 'smb' && input.locations.length !== 1) {
    errors.push({ field: 'locations', message: 'An SMB setup has exactly one location: the business itself' });
  } else if (input.locations.length === 0) {
    if (addingToExisting) errors.push({ field: 'locations', message: 'Add at least one location' });
    else warnings.push('No locations yet: only the integration group is created. Add locations to it later.');
  }

  const groupId = input.existingGroupId ?? GROUP_ID_PENDING;
  const several = input.locations.length > 1;
  const usedBy = new Map<number, number>();
  const mappings: PlannedMapping[] = [];
  input.locations.forEach((location, index) => {
    const at = `locations.${index}`;
    const typedNumber = (location.businessNumber ?? '').trim();
    // An SMB's one location is the business itself unless another number is typed.
    const businessNumber = typedNumber === '' && accountType === 'smb' ? parent : parseBusinessNumber(typedNumber);
    if (businessNumber === undefined) {
      if (typedNumber !== '' || accountType !== 'smb')
        errors.push({ field: `${at}.businessNumber`, message: BUSINESS_ID_MESSAGE });
    } else if (usedBy.has(businessNumber)) {
      errors.push({
        field: `${at}.businessNumber`,
        message: `Business ID ${businessNumber} is already used by location ${(usedBy.get(businessNumber) ?? 0) + 1}`,
      });
    } else if (accountType === 'enterprise' && businessNumber === parent) {
      errors.push({
        field: `${at}.businessNumber`,
        message: "This is the Enterprise ID; give the location's own Business ID",
      });
    }
    if (businessNumber !== undefined && !usedBy.has(businessNumber)) usedBy.set(businessNumber, index);

    let properties: PropertyInput[] = [];
    if (accountSupported) {
      const where = several ? `location ${index + 1}` : undefined;
      const built = buildProperties(crm, 'location', accountType, location.properties, at, where);
      properties = built.properties;
      errors.push(...built.errors);
      warnings.push(...built.warnings);
    }
    if (location.nextRunTime !== undefined && location.nextRunTime.trim() !== '') {
      const problem = checkNextRunTime(crm, accountType, location.nextRunTime);
      if (problem) errors.push({ field: `${at}.nextRunTime`, message: problem });
    }
    if (businessNumber !== undefined) {
      const mapping: PlannedMapping = {
        businessNumber,
        request: mappingRequest(mappingBody(crm, businessNumber, groupId, properties)),
      };
      if (location.nextRunTime?.trim()) mapping.nextRunTime = location.nextRunTime.trim();
      mappings.push(mapping);
    }
  });

  if (errors.length > 0 || parent === undefined) return { ok: false, errors };

  const plan: Plan = { crmId: crm.id, accountType, parentBusinessNumber: parent, mappings, warnings };
  if (input.existingGroupId !== undefined) plan.existingGroupId = input.existingGroupId;
  else {
    const body: CreateGroupBody = {
      parentBusinessNumber: parent,
      integrationSourceId: crm.integrationSourceId,
      // Omitted entirely, not sent empty, when there are none (CareCloud).
      ...(groupProperties.length > 0 ? { integrationGroupProperties: groupProperties } : {}),
      integrationGroupTriggers: groupTriggers,
    };
    plan.group = { operation: 'createGroup', method: 'PUT', path: API_PATHS.createGroup, body };
  }
  return { ok: true, plan };
}

/** The plan with the group id the create-group call returned filled into every mapping. */
export function withGroupId(plan: Plan, groupId: number): Plan {
  if (!Number.isInteger(groupId) || groupId <= 0) {
    throw new BotError('validation_failed', `Group ID must be a positive whole number, not ${groupId}`);
  }
  return {
    ...plan,
    mappings: plan.mappings.map((mapping) => ({
      ...mapping,
      request: { ...mapping.request, body: { ...mapping.request.body, integrationGroupId: groupId } },
    })),
  };
}

// --------------------------------------------------------- trigger update

/** POST update/businessintegrationgroup: add to (replace=false) or replace a group's triggers. */
export function planTriggerUpdate(
  catalog: Catalog,
  crmId: string,
  groupId: number,
  triggers: readonly TriggerChoice[],
  replace: boolean,
): RequestResult<UpdateTriggersRequest> {
  const crm = findCrm(catalog, crmId);
  if (!crm) return { ok: false, errors: [unknownCrm(crmId)] };
  const errors: FieldError[] = [];
  if (!Number.isInteger(groupId) || groupId <= 0) {
    errors.push({ field: 'groupId', message: 'Group ID must be a positive whole number' });
  }
  const checked = checkTriggers(catalog, crm, triggers);
  for (const message of checked.problems) errors.push({ field: 'triggers', message });
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    warnings: [],
    request: {
      operation: 'updateTriggers',
      method: 'POST',
      path: API_PATHS.updateTriggers,
      query: { replaceTriggers: replace ? 'true' : 'false' },
      // The articles' update bodies carry no actionIds.
      body: {
        groupId,
        integrationGroupTriggers: checked.triggers.map(({ triggerId, triggerTypeId }) => ({
          triggerId,
          triggerTypeId,
        })),
      },
    },
  };
}

// --------------------------------------------------------- mapping update

export interface MappingUpdate {
  businessNumber: string | number;
  groupId: number;
  /** The location's mapping properties as the API has them now, in their order. */
  currentProperties: Record<string, string>;
  /** Property key → new value as typed, or null to remove it. */
  changes: Record<string, string | null>;
  /** The "Integration is beta" fix. */
  beta?: false;
  /** Re-sent as is; true unless the location was deliberately deactivated. */
  active?: boolean;
}

/**
 * Re-sends a location's whole mapping (the API replaces it) with `changes`
 * applied: the one-click fixes (add to an allowed list, set a property, override
 * a credential, beta off). Changed values go through the setup rules; values not
 * changed are re-sent exactly as they are. Field paths are the property keys.
 */
export function planMappingUpdate(
  catalog: Catalog,
  crmId: string,
  accountType: AccountType,
  update: MappingUpdate,
): RequestResult<CreateMappingRequest> {
  const crm = findCrm(catalog, crmId);
  if (!crm) return { ok: false, errors: [unknownCrm(crmId)] };
  if (!crm.accountTypes.includes(accountType)) return { ok: false, errors: [unsupportedAccountType(crm, accountType)] };
  const errors: FieldError[] = [];
  const warnings: string[] = [];
  const businessNumber = parseBusinessNumber(update.businessNumber);
  if (businessNumber === undefined) errors.push({ field: 'businessNumber', message: BUSINESS_ID_MESSAGE });
  if (!Number.isInteger(update.groupId) || update.groupId <= 0) {
    errors.push({ field: 'groupId', message: 'Group ID must be a positive whole number' });
  }

  const setup = `${ACCOUNT_TYPE_NAMES[accountType].inSentence} ${crm.displayName} setups`;
  const defOf = (key: string) => crm.locationProperties.find((d) => d.key === key);
  const properties: PropertyInput[] = [];
  const changed = (key: string) => Object.hasOwn(update.changes, key);
  // Current order first (changes replace in place), then properties new to the mapping.
  const keys = [
    ...Object.keys(update.currentProperties),
    ...Object.keys(update.changes).filter((key) => !Object.hasOwn(update.currentProperties, key)),
  ];
  for (const key of keys) {
    const def = defOf(key);
    if (!changed(key)) {
      const value = update.currentProperties[key] ?? '';
      if (def) properties.push(propertyEntry(def, value));
      else {
        properties.push({ propertyKey: key, propertyValue: value });
        warnings.push(`${key} is not in the ${crm.displayName} catalog; it is re-sent unchanged`);
      }
      continue;
    }
    const typed = update.changes[key];
    if (!def) {
      const atGroup = crm.groupProperties.some((d) => d.key === key);
      errors.push({
        field: key,
        message: atGroup
          ? `${crm.groupProperties.find((d) => d.key === key)?.label} is a group property; a location mapping cannot change it`
          : `${key} is not a ${crm.displayName} location property`,
      });
      continue;
    }
    if (typed === null || typed === undefined || typed.trim() === '') continue; // removed; the required check below still applies
    if (def.requirement[accountType] === 'absent') {
      errors.push({ field: key, message: `${def.label} is not used for ${setup}; leave it empty` });
      continue;
    }
    const normalized = normalizeProperty(def, typed, crm.displayName);
    if (!normalized.ok) {
      errors.push({ field: key, message: normalized.message });
      continue;
    }
    if (normalized.warning) warnings.push(normalized.warning);
    if (normalized.value !== undefined) properties.push(propertyEntry(def, normalized.value));
  }
  for (const def of crm.locationProperties) {
    const requirement = def.requirement[accountType];
    if (requirement === 'absent' || properties.some((p) => p.propertyKey === def.key)) continue;
    if (def.default !== undefined) {
      properties.push(propertyEntry(def, def.default));
      warnings.push(`${def.label}: not set on the mapping, so the default ${def.default} is sent`);
    } else if (requirement === 'required') {
      errors.push({ field: def.key, message: `${def.label} is required for ${setup}` });
    }
  }
  if (errors.length > 0 || businessNumber === undefined) return { ok: false, errors };

  const body = mappingBody(crm, businessNumber, update.groupId, properties);
  if (update.active === false) body.active = false;
  if (update.beta === false) {
    body.beta = false;
    if (!crm.mappingSendsTestAndBeta) {
      warnings.push(
        `The ${crm.displayName} article's mapping body carries no beta key; "beta": false is sent anyway because it is the fix`,
      );
    }
  }
  return { ok: true, request: mappingRequest(body), warnings };
}
