import { randomUUID } from 'node:crypto';
import type { AccountType, CrmDefinition } from '../../catalog';
import { BotError } from '../../errors';
import { readConfigRecord } from '../../operations/config-records';
import { assertMayWrite, idempotencyKey, performWrite, type WriteClient } from '../../operations/write';
import {
  BUSINESS_ID_MESSAGE,
  maskRequest,
  normalizeProperty,
  parseBusinessNumber,
  planMappingUpdate,
} from '../../planner';
import type { Services } from '../../services';
import { BUSINESS_NOT_YET_KNOWN, locationSecretFields, recordSent } from '../diagnose/fix';
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

type ReauthState = { crmId: string; businessNumber?: string; groupId?: number; origin: Origin };

/** `/crm reauth <business id or crm>`, or a status_reauth button's value. */
export async function reauthInfo(services: Services, target: ReauthTarget, origin: Origin): Promise<ReauthInfo> {
  const { catalog } = services;
  let crm = target.crmId ? catalog.find(target.crmId) : undefined;
  let groupId = target.groupId;
  const businessNumber = target.businessNumber?.trim() || undefined;
  if (businessNumber) {
    if (parseBusinessNumber(businessNumber) === undefined) throw new BotError('validation_failed', BUSINESS_ID_MESSAGE);
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
  currentFields: Array<{ blockId: string; label: string; hint: string }>;
  why?: string;
};

/** What the "Enter new credential" modal asks; a person who may not write is refused (ForbiddenError) before it opens. */
export async function credentialForm(
  services: Services,
  client: WriteClient,
  input: { stateId: string; userId: string },
): Promise<CredentialForm> {
  const { stateId } = input;
  const state = await loadReauthState(services, stateId);
  const crm = services.catalog.get(state.crmId);
  const credential = crm.reauth.credential;
  if (!credential) throw new BotError('validation_failed', `${crm.displayName} has no credential the bot can set.`);
  await assertMayWrite(services, client, {
    userId: input.userId,
    businessNumber: state.businessNumber ?? BUSINESS_NOT_YET_KNOWN,
    crmId: crm.id,
    operation: REAUTH_OPERATION,
    // No request yet: the form that would build it was not opened.
    maskedRequest: { property: credential.property, level: credential.level },
  });
  const record = state.businessNumber ? await readConfigRecord(services.store, state.businessNumber) : undefined;
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
    form.currentFields = crm.locationProperties
      .filter((p) => !p.secret)
      .map((p) => ({
        blockId: REAUTH_FIELDS.current(p.key),
        label: `Current ${p.label}`.slice(0, 48),
        hint: `As the mapping has it now. ${p.help}`.slice(0, 150),
      }));
    form.why =
      "The API has no documented read of a mapping's properties and the bot has no record of this business, so give the mapping's current values: it is re-sent whole. Leave them empty if the bot has a record of the business you enter.";
  }
  return form;
}

async function loadReauthState(services: Services, stateId: string): Promise<ReauthState> {
  const state = await services.store.get<ReauthState>(`${STATE_PREFIX}${stateId}`);
  if (!state) throw new BotError('validation_failed', 'This re-authorization has expired. Run `/crm reauth` again.');
  return state;
}

export type CredentialResult =
  | { ok: false; errors: Record<string, string> }
  | { ok: true; text: string; origin: Origin; executed: boolean };

/** Checks that need no network, for the ack. Never repeats the credential in a message. */
export async function checkCredentialInput(
  services: Services,
  stateId: string,
  values: Record<string, string>,
): Promise<Record<string, string>> {
  const errors: Record<string, string> = {};
  const state = await loadReauthState(services, stateId);
  const crm = services.catalog.get(state.crmId);
  const credential = crm.reauth.credential;
  const def = credential ? services.catalog.property(crm, credential.level, credential.property) : undefined;
  const typed = values[REAUTH_FIELDS.credential]?.trim() ?? '';
  if (!typed) errors[REAUTH_FIELDS.credential] = 'Enter the new credential.';
  else if (def) {
    const normalized = normalizeProperty(def, typed, crm.displayName);
    if (!normalized.ok) errors[REAUTH_FIELDS.credential] = normalized.message;
  }
  if (parseBusinessNumber(values[REAUTH_FIELDS.business]?.trim() ?? '') === undefined) {
    errors[REAUTH_FIELDS.business] = BUSINESS_ID_MESSAGE;
  }
  return errors;
}

/** Sets the new credential at its level: the location mapping re-sent with the credential as an override. */
export async function applyCredential(
  services: Services,
  client: WriteClient,
  input: { stateId: string; viewId: string; userId: string; values: Record<string, string> },
): Promise<CredentialResult> {
  const state = await loadReauthState(services, input.stateId);
  const crm = services.catalog.get(state.crmId);
  const credential = crm.reauth.credential;
  if (!credential) throw new BotError('validation_failed', `${crm.displayName} has no credential the bot can set.`);
  const businessNumber = input.values[REAUTH_FIELDS.business]?.trim() ?? '';
  let groupId = businessNumber === state.businessNumber ? state.groupId : undefined;
  if (groupId === undefined) {
    const group = await findGroup(services, businessNumber, crm.id);
    if (!group) {
      return {
        ok: false,
        errors: { [REAUTH_FIELDS.business]: `Business ${businessNumber} has no ${crm.displayName} integration group.` },
      };
    }
    groupId = group.groupId;
  }
  const record = await readConfigRecord(services.store, businessNumber);
  const accountType = (record?.accountType ??
    (crm.accountTypes.length === 1 ? crm.accountTypes[0] : input.values[REAUTH_FIELDS.accountType])) as
    | AccountType
    | undefined;
  if (accountType !== 'smb' && accountType !== 'enterprise') {
    return { ok: false, errors: { [REAUTH_FIELDS.accountType]: 'Choose the account type.' } };
  }
  const current: Record<string, string> = {};
  if (record) Object.assign(current, record.locationProperties);
  else {
    for (const p of crm.locationProperties) {
      const typed = input.values[REAUTH_FIELDS.current(p.key)]?.trim();
      if (typed && !p.secret) current[p.key] = typed;
    }
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
  const newValue = input.values[REAUTH_FIELDS.credential] ?? '';
  const planned = planMappingUpdate(services.catalog, crm.id, accountType, {
    businessNumber,
    groupId,
    currentProperties: current,
    changes: { [credential.property]: newValue },
  });
  if (!planned.ok) {
    const errors: Record<string, string> = {};
    for (const error of planned.errors) {
      const blockId =
        error.field === credential.property
          ? REAUTH_FIELDS.credential
          : error.field === 'businessNumber'
            ? REAUTH_FIELDS.business
            : Object.hasOwn(input.values, REAUTH_FIELDS.current(error.field))
              ? REAUTH_FIELDS.current(error.field)
              : REAUTH_FIELDS.credential;
      errors[blockId] = errors[blockId] ? `${errors[blockId]} ${error.message}` : error.message;
    }
    return { ok: false, errors };
  }
  const request = planned.request;
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
