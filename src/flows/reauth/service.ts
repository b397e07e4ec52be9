import { randomUUID } from 'node:crypto';
import type { AccountType, CrmDefinition } from '../../catalog';
import { BotError } from '../../errors';
import { type ConfigRecord, readConfigRecord } from '../../operations/config-records';
import { assertMayWrite, idempotencyKey, performWrite, type WriteClient } from '../../operations/write';
import {
  BUSINESS_ID_MESSAGE,
  MASK,
  maskRequest,
  normalizeProperty,
  parseBusinessNumber,
  planMappingUpdate,
  toCurl,
} from '../../planner';
import type { Services } from '../../services';
import {
  BUSINESS_NOT_YET_KNOWN,
  currentPropertiesFrom,
  currentValueFields,
  type FixField,
  locationSecretFields,
  type MappingConfirm,
  mappingContentsText,
  recordSent,
  type SecretField,
  typedBusinessGroup,
} from '../diagnose/fix';
import { findGroup, type Origin, type ReauthTarget, STATE_TTL_MS } from '../diagnose/service';
import { REAUTH_FIELDS } from './ids';

/**
 * Re-authorization: the CRM's steps from the catalog, and for credential CRMs a new credential
 * set at the credential's level through a mapping re-send. The credential is used for the one
 * request: never stored, echoed or logged.
 */

export type ReauthInfo = {
  crm: CrmDefinition;
  businessNumber?: string;
  groupId?: number;
  steps: string[];
  credential?: { label: string; level: string; obtainFrom: string; value: string };
};

const STATE_PREFIX = 'reauth:state:';
const REAUTH_OPERATION = 'reauth.credential';

/** What the confirm step's request is built from: kept between the preview and "Set credential" (no secret). */
type PreparedCredential = {
  businessNumber: string;
  groupId: number;
  accountType: AccountType;
  currentProperties: Record<string, string>;
  fromRecord: boolean;
};

type ReauthState = {
  crmId: string;
  businessNumber?: string;
  groupId?: number;
  origin: Origin;
  prepared?: PreparedCredential;
};

/** `/crm reauth <business id or crm>`, or a status_reauth button's value. */
export async function reauthInfo(services: Services, target: ReauthTarget, origin: Origin): Promise<ReauthInfo> {
  const { catalog } = services;
  let crm = target.crmId ? catalog.find(target.crmId) : undefined;
  let groupId = target.groupId;
  const typedBusiness = target.businessNumber?.trim() || undefined;
  const parsedBusiness = typedBusiness ? parseBusinessNumber(typedBusiness) : undefined;
  if (typedBusiness && parsedBusiness === undefined) throw new BotError('validation_failed', BUSINESS_ID_MESSAGE);
  const businessNumber = parsedBusiness === undefined ? undefined : String(parsedBusiness);
  if (businessNumber) {
    if (!crm || groupId === undefined) {
      const group = await findGroup(services, businessNumber, crm?.id);
      if (!group) {
        throw new BotError(
          'validation_failed',
          `Business ${businessNumber} has no integration group of a CRM the bot knows${crm ? ` (${crm.displayName})` : ''}.`,
        );
      }
      crm = group.crm;
      groupId = group.groupId;
    }
  }
  if (!crm) {
    throw new BotError(
      'validation_failed',
      `Say which business or CRM: \`/crm reauth <business id or crm>\`. CRMs: ${catalog.crms.map((c) => c.displayName).join(', ')}.`,
    );
  }
  const credential = crm.reauth.credential;
  let value = '';
  if (credential) {
    const state: ReauthState = {
      crmId: crm.id,
      ...(businessNumber ? { businessNumber } : {}),
      ...(groupId !== undefined ? { groupId } : {}),
      origin,
    };
    value = randomUUID();
    await services.store.set(`${STATE_PREFIX}${value}`, state, STATE_TTL_MS);
  }
  const def = credential ? catalog.property(crm, credential.level, credential.property) : undefined;
  return {
    crm,
    ...(businessNumber ? { businessNumber } : {}),
    ...(groupId !== undefined ? { groupId } : {}),
    steps: [...crm.reauth.steps],
    ...(credential
      ? {
          credential: {
            label: def?.label ?? credential.property,
            level: credential.level,
            obtainFrom: credential.obtainFrom,
            value,
          },
        }
      : {}),
  };
}

/** Parses `/crm reauth` arguments: a business id or a CRM name. */
export function reauthTargetFromText(services: Services, text: string): ReauthTarget {
  const trimmed = text.trim();
  if (!trimmed) return {};
  if (/^\d+$/.test(trimmed)) return { businessNumber: trimmed };
  const crm = services.catalog.find(trimmed);
  if (!crm) {
    throw new BotError(
      'validation_failed',
      `"${trimmed}" is neither a Business ID nor a CRM the bot knows (${services.catalog.crms.map((c) => c.displayName).join(', ')}).`,
    );
  }
  return { crmId: crm.id };
}

export type CredentialForm = {
  stateId: string;
  crmName: string;
  credentialLabel: string;
  obtainFrom: string;
  businessNumber?: string;
  /** Asked when the bot has no record of the business (or does not know it yet). */
  accountTypes?: AccountType[];
  currentFields: FixField[];
  why?: string;
};

/** The confirm step: the exact request with the credential masked, and the credential's input. */
export type CredentialConfirm = MappingConfirm & { stateId: string };

/** What "Enter new credential" opens: the mapping's form, or the confirm step when the bot knows the mapping. */
export type CredentialStep = { kind: 'form'; form: CredentialForm } | { kind: 'confirm'; confirm: CredentialConfirm };

/**
 * "Enter new credential": a person who may not write is refused (ForbiddenError) before anything opens.
 * With the business settled and the bot's record of its mapping, straight to the confirm step.
 */
export async function credentialForm(
  services: Services,
  client: WriteClient,
  input: { stateId: string; userId: string },
): Promise<CredentialStep> {
  const { stateId } = input;
  const state = await loadReauthState(services, stateId);
  const crm = services.catalog.get(state.crmId);
  const credential = credentialOf(crm);
  await assertMayWrite(services, client, {
    userId: input.userId,
    businessNumber: state.businessNumber ?? BUSINESS_NOT_YET_KNOWN,
    crmId: crm.id,
    operation: REAUTH_OPERATION,
    // No request yet: the form that would build it was not opened.
    maskedRequest: { property: credential.property, level: credential.level },
  });
  const record = state.businessNumber ? await readConfigRecord(services.store, state.businessNumber) : undefined;
  if (record && state.businessNumber && state.groupId !== undefined) {
    const prepared = await prepareCredential(services, stateId, state, {
      businessNumber: state.businessNumber,
      groupId: state.groupId,
      record,
      values: {},
    });
    if (prepared.ok) return { kind: 'confirm', confirm: prepared.confirm };
  }
  const def = services.catalog.property(crm, credential.level, credential.property);
  const form: CredentialForm = {
    stateId,
    crmName: crm.displayName,
    credentialLabel: def?.label ?? credential.property,
    obtainFrom: credential.obtainFrom,
    ...(state.businessNumber ? { businessNumber: state.businessNumber } : {}),
    currentFields: [],
  };
  if (!record) {
    if (crm.accountTypes.length > 1) form.accountTypes = [...crm.accountTypes];
    form.currentFields = currentValueFields(crm);
    form.why =
      "The API has no documented read of a mapping's properties and the bot has no record of this business, so give the mapping's current values: it is re-sent whole, and the next step names every property it would clear. Leave them empty if the bot has a record of the business you enter.";
  }
  return { kind: 'form', form };
}

function credentialOf(crm: CrmDefinition) {
  const credential = crm.reauth.credential;
  if (!credential) throw new BotError('validation_failed', `${crm.displayName} has no credential the bot can set.`);
  return credential;
}

async function loadReauthState(services: Services, stateId: string): Promise<ReauthState> {
  const state = await services.store.get<ReauthState>(`${STATE_PREFIX}${stateId}`);
  if (!state) throw new BotError('validation_failed', 'This re-authorization has expired. Run `/crm reauth` again.');
  return state;
}

type FieldErrors = Record<string, string>;

/** The mapping's form submitted: inline errors by block id, or the confirm step. Runs before the ack. */
export async function previewCredential(
  services: Services,
  stateId: string,
  values: Record<string, string>,
): Promise<{ ok: false; errors: FieldErrors } | { ok: true; confirm: CredentialConfirm }> {
  const state = await loadReauthState(services, stateId);
  const crm = services.catalog.get(state.crmId);
  const parsedBusiness = parseBusinessNumber(values[REAUTH_FIELDS.business] ?? '');
  if (parsedBusiness === undefined) {
    return { ok: false, errors: { [REAUTH_FIELDS.business]: BUSINESS_ID_MESSAGE } };
  }
  const businessNumber = String(parsedBusiness);
  let groupId = businessNumber === state.businessNumber ? state.groupId : undefined;
  if (groupId === undefined) {
    const found = await typedBusinessGroup(services, businessNumber, crm);
    if (!found.ok) return { ok: false, errors: { [REAUTH_FIELDS.business]: found.error } };
    groupId = found.groupId;
  }
  const record = await readConfigRecord(services.store, businessNumber);
  return prepareCredential(services, stateId, state, { businessNumber, groupId, record, values });
}

/** Plans the re-send with the credential as a placeholder, keeps the plan's inputs, and builds the confirm step. */
async function prepareCredential(
  services: Services,
  stateId: string,
  state: ReauthState,
  input: { businessNumber: string; groupId: number; record: ConfigRecord | undefined; values: Record<string, string> },
): Promise<{ ok: false; errors: FieldErrors } | { ok: true; confirm: CredentialConfirm }> {
  const { catalog } = services;
  const crm = catalog.get(state.crmId);
  const credential = credentialOf(crm);
  const { record, values } = input;
  const accountType =
    record?.accountType ?? (crm.accountTypes.length === 1 ? crm.accountTypes[0] : values[REAUTH_FIELDS.accountType]);
  if (accountType !== 'smb' && accountType !== 'enterprise') {
    return { ok: false, errors: { [REAUTH_FIELDS.accountType]: 'Choose the account type.' } };
  }
  // Other secrets this location overrides would be lost by the re-send: the catalog's CRMs have none besides
  // the credential, so refuse rather than drop one if a record ever says otherwise.
  const otherSecrets = locationSecretFields(crm, record, credential.property).filter((f) => f.required);
  if (otherSecrets.length > 0) {
    throw new BotError(
      'validation_failed',
      `This location also overrides ${otherSecrets.map((f) => f.label).join(', ')}; set the credential with /crm setup instead.`,
    );
  }
  const prepared: PreparedCredential = {
    businessNumber: input.businessNumber,
    groupId: input.groupId,
    accountType,
    currentProperties: currentPropertiesFrom(crm, record, values),
    fromRecord: record !== undefined,
  };
  const planned = planCredential(services, crm, prepared, MASK);
  if (!planned.ok) {
    const errors: FieldErrors = {};
    for (const error of planned.errors) {
      const blockId =
        error.field === 'businessNumber'
          ? REAUTH_FIELDS.business
          : Object.hasOwn(values, REAUTH_FIELDS.current(error.field))
            ? REAUTH_FIELDS.current(error.field)
            : REAUTH_FIELDS.business;
      errors[blockId] = errors[blockId] ? `${errors[blockId]} ${error.message}` : error.message;
    }
    return { ok: false, errors };
  }
  await services.store.set(`${STATE_PREFIX}${stateId}`, { ...state, prepared } satisfies ReauthState, STATE_TTL_MS);
  const label = catalog.property(crm, credential.level, credential.property)?.label ?? credential.property;
  const credentialField: SecretField = {
    blockId: REAUTH_FIELDS.credential,
    key: credential.property,
    label: `New ${label}`.slice(0, 48),
    required: true,
    hint: 'Used for this one request: not shown again, not stored, not logged.',
  };
  return {
    ok: true,
    confirm: {
      stateId,
      summary: `Set a new ${label} on the ${crm.displayName} mapping of business ${prepared.businessNumber} (${credential.level} level). Get it from ${credential.obtainFrom}. The API replaces the whole mapping, so every other property is re-sent as ${prepared.fromRecord ? "the bot's record has it" : 'you gave it'}.`,
      curl: toCurl(planned.request, services.config.INTEGRATION_API_URL, catalog.secretKeys(crm)),
      contents: mappingContentsText(
        crm,
        accountType,
        planned.request,
        [credentialField],
        prepared.fromRecord ? 'record' : 'typed',
      ),
      warnings: planned.warnings,
      secretFields: [credentialField],
    },
  };
}

/** The re-send: the current properties as kept, with the credential (typed, or the mask for the preview) last. */
function planCredential(services: Services, crm: CrmDefinition, prepared: PreparedCredential, value: string) {
  const credential = credentialOf(crm);
  // The mask is no valid credential: in the preview it rides along unchanged, in the send it is the change.
  const masked = value === MASK;
  return planMappingUpdate(services.catalog, crm.id, prepared.accountType, {
    businessNumber: prepared.businessNumber,
    groupId: prepared.groupId,
    currentProperties: masked
      ? { ...prepared.currentProperties, [credential.property]: MASK }
      : prepared.currentProperties,
    changes: masked ? {} : { [credential.property]: value },
  });
}

export type CredentialResult =
  | { ok: false; errors: FieldErrors }
  | { ok: true; text: string; origin: Origin; executed: boolean };

/** The confirm step's checks that need no network, for the ack. Never repeats the credential in a message. */
export async function checkCredentialInput(
  services: Services,
  stateId: string,
  values: Record<string, string>,
): Promise<FieldErrors> {
  const state = await loadReauthState(services, stateId);
  const crm = services.catalog.get(state.crmId);
  const credential = credentialOf(crm);
  const def = services.catalog.property(crm, credential.level, credential.property);
  const typed = values[REAUTH_FIELDS.credential]?.trim() ?? '';
  if (!typed) return { [REAUTH_FIELDS.credential]: 'Enter the new credential.' };
  if (def) {
    const normalized = normalizeProperty(def, typed, crm.displayName);
    if (!normalized.ok) return { [REAUTH_FIELDS.credential]: normalized.message };
  }
  if (!state.prepared)
    return { [REAUTH_FIELDS.credential]: 'This re-authorization has expired. Run `/crm reauth` again.' };
  return {};
}

/** "Set credential" on the confirm step: the request the preview showed, with the credential, through performWrite. */
export async function applyCredential(
  services: Services,
  client: WriteClient,
  input: { stateId: string; viewId: string; userId: string; values: Record<string, string> },
): Promise<CredentialResult> {
  const state = await loadReauthState(services, input.stateId);
  const crm = services.catalog.get(state.crmId);
  const credential = credentialOf(crm);
  const prepared = state.prepared;
  if (!prepared) throw new BotError('validation_failed', 'This re-authorization has expired. Run `/crm reauth` again.');
  const planned = planCredential(services, crm, prepared, input.values[REAUTH_FIELDS.credential] ?? '');
  if (!planned.ok) {
    return { ok: false, errors: { [REAUTH_FIELDS.credential]: planned.errors.map((e) => e.message).join(' ') } };
  }
  const request = planned.request;
  const { businessNumber, groupId, accountType } = prepared;
  const result = await performWrite(services, client, {
    userId: input.userId,
    idempotencyKey: idempotencyKey('reauth', input.viewId, input.stateId),
    businessNumber,
    crmId: crm.id,
    operation: REAUTH_OPERATION,
    maskedRequest: maskRequest(request, services.catalog.secretKeys(crm)),
    send: () => services.api.createMapping(request.body),
  });
  if (result.executed) {
    await recordSent(services, {
      crm,
      businessNumber,
      groupId,
      accountType,
      request,
      userId: input.userId,
      secretsSetAtLocation: [credential.property],
    });
  }
  const label = services.catalog.property(crm, credential.level, credential.property)?.label ?? credential.property;
  return {
    ok: true,
    text: `:key: <@${input.userId}> set a new ${label} on the ${crm.displayName} mapping of business ${businessNumber} (${credential.level} level). The value is not shown or stored.`,
    origin: state.origin,
    executed: result.executed,
  };
}
