import { randomUUID } from 'node:crypto';
import type { AccountType, CrmDefinition } from '../../catalog';
import { explain, NO_CURRENT_VALUE_WHY } from '../../diagnostics';
import { BotError, userMessage } from '../../errors';
import { type ConfigRecord, readConfigRecord, saveConfigRecord } from '../../operations/config-records';
import { assertMayWrite, idempotencyKey, performWrite, type WriteClient } from '../../operations/write';
import {
  BUSINESS_ID_MESSAGE,
  type CreateMappingRequest,
  type FieldError,
  joinListItems,
  listItems,
  MASK,
  maskRequest,
  parseBusinessNumber,
  planMappingUpdate,
  toCurl,
} from '../../planner';
import type { Services } from '../../services';
import { FIX_FIELDS } from './ids';
import {
  contactValueOf,
  crmOfReason,
  currentValuesOf,
  findGroup,
  groupLevelManualText,
  loadState,
  type Origin,
  parsePickValue,
  STATE_TTL_MS,
} from './service';

/**
 * One-click fixes: a button on a diagnosis → (inputs the bot cannot know) → the exact request
 * as curl with secrets masked → performWrite → outcome in the thread where it was asked.
 * Secret values typed in the confirm step are used for the one request and never stored.
 */

type FixAction = 'addToList' | 'setBetaFalse' | 'setProperty';

export type FixField =
  | { kind: 'business'; blockId: string; label: string; hint: string; initial?: string }
  | { kind: 'accountType'; blockId: string; label: string; options: AccountType[] }
  | { kind: 'text'; blockId: string; label: string; hint?: string; initial?: string; optional: boolean };

export type SecretField = { blockId: string; key: string; label: string; required: boolean; hint: string };

type Draft = {
  crmId: string;
  reasonId: string;
  action: FixAction;
  property: string;
  label: string;
  businessNumber?: string;
  groupId?: number;
  accountType?: AccountType;
  hasRecord: boolean;
  contactValue?: string;
  proposedValue?: string;
  origin: Origin;
  /** Filled once the bot has everything but secrets. */
  currentProperties?: Record<string, string>;
  changes?: Record<string, string>;
  secretFields?: SecretField[];
};

export type FixStep =
  | { kind: 'manual'; text: string }
  | { kind: 'inputs'; draftId: string; intro: string; why?: string; fields: FixField[] }
  | ({ kind: 'confirm'; draftId: string } & MappingConfirm);

/** What every mapping re-send's confirm step shows before anything is written (the fix's, re-auth's). */
export type MappingConfirm = {
  summary: string;
  /** The exact request, secrets masked. */
  curl: string;
  /** In words: what the mapping holds after the request, and which properties it clears. */
  contents: string;
  warnings: string[];
  /** Typed in the confirm step, never kept. */
  secretFields: SecretField[];
};

export type FixOutcome = { text: string; origin: Origin; executed: boolean };

const DRAFT_PREFIX = 'fix:draft:';

async function saveDraft(services: Services, id: string, draft: Draft): Promise<void> {
  await services.store.set(`${DRAFT_PREFIX}${id}`, draft, STATE_TTL_MS);
}

async function loadDraft(services: Services, id: string): Promise<Draft> {
  const draft = await services.store.get<Draft>(`${DRAFT_PREFIX}${id}`);
  if (!draft) throw new BotError('validation_failed', 'This fix has expired. Run the diagnosis again.');
  return draft;
}

/**
 * Secret location properties the mapping re-send must carry again. A ConfigRecord lists the secret keys
 * that were set (`location:key`, or a bare key); values are never kept, so they must be typed again.
 * Without a record the bot cannot know, so each is offered as optional.
 */
export function locationSecretFields(
  crm: CrmDefinition,
  record: ConfigRecord | undefined,
  exclude?: string,
): SecretField[] {
  const fields: SecretField[] = [];
  for (const def of crm.locationProperties) {
    if (!def.secret || def.key === exclude) continue;
    const setAtLocation = record?.secretKeysSet.includes(`location:${def.key}`) ?? false;
    if (record && !setAtLocation) continue;
    const required = setAtLocation;
    fields.push({
      blockId: FIX_FIELDS.secret(def.key),
      key: def.key,
      label: def.label,
      required,
      hint: required
        ? `The bot's record shows this location has its own ${def.label}. The mapping is re-sent whole and the bot never keeps secrets, so enter it again (it is not shown or stored).`
        : `Only if this location overrides the group's value; leave it empty otherwise. It is not shown or stored.`,
    });
  }
  return fields;
}

/**
 * The mapping's current non-secret values, asked when the bot has no record of it (the API cannot read a
 * mapping). Optional: a mapping may lack any of them; the preview names every property the re-send clears.
 */
export function currentValueFields(crm: CrmDefinition, except?: string): Extract<FixField, { kind: 'text' }>[] {
  return crm.locationProperties
    .filter((def) => !def.secret && def.key !== except)
    .map((def) => ({
      kind: 'text' as const,
      blockId: FIX_FIELDS.current(def.key),
      label: `Current ${def.label}`.slice(0, 48),
      hint: `As the mapping has it now (integration dashboard). ${def.help}`.slice(0, 150),
      optional: true,
    }));
}

/** The mapping's current non-secret properties: the bot's record when it has one, else what was typed. */
export function currentPropertiesFrom(
  crm: CrmDefinition,
  record: ConfigRecord | undefined,
  values: Record<string, string>,
): Record<string, string> {
  if (record) return { ...record.locationProperties };
  const current: Record<string, string> = {};
  for (const def of crm.locationProperties) {
    const typed = values[FIX_FIELDS.current(def.key)]?.trim();
    if (typed && !def.secret) current[def.key] = typed;
  }
  return current;
}

/**
 * In words, what the mapping holds once the request is sent. The API replaces a mapping whole, so each of
 * the CRM's location properties the request does not carry is cleared; optional secrets typed in the
 * confirm step are carried only if entered.
 */
export function mappingContentsText(
  crm: CrmDefinition,
  accountType: AccountType,
  request: CreateMappingRequest,
  secretFields: readonly SecretField[],
  source: 'record' | 'typed',
): string {
  const named = (key: string) => {
    const def = crm.locationProperties.find((d) => d.key === key);
    return def ? `${def.label} (\`${key}\`)` : `\`${key}\``;
  };
  const list = (keys: string[]) => keys.map(named).join(', ');
  const sent = (request.body.integrationProperties ?? []).map((p) => p.propertyKey);
  const ifEntered = secretFields.filter((f) => !f.required && !sent.includes(f.key)).map((f) => f.key);
  const cleared = crm.locationProperties
    .filter((d) => d.requirement[accountType] !== 'absent' && !sent.includes(d.key) && !ifEntered.includes(d.key))
    .map((d) => d.key);
  const holds = sent.length > 0 ? list(sent) : 'no properties';
  const optional = ifEntered.length > 0 ? `, and ${list(ifEntered)} only if you enter it below` : '';
  const clears =
    cleared.length === 0
      ? ''
      : source === 'record'
        ? ` It will have no ${list(cleared)} (the bot's record of the mapping it last sent has none).`
        : ` It will have no ${list(cleared)}: a value the mapping has now is cleared. To keep one, Cancel and enter its current value.`;
  return `The API replaces the whole mapping: after this request it holds ${holds}${optional}.${clears}`;
}

/** Names the business in an audit entry written before the business is known (a refusal at the button). */
export const BUSINESS_NOT_YET_KNOWN = 'unknown';

/**
 * The fix button was clicked: what the bot must still ask, or the confirm step straight away.
 * A person who may not write is refused here (ForbiddenError), before any form; a fix by hand is shown to everyone.
 */
export async function startFix(
  services: Services,
  client: WriteClient,
  input: { value: string; userId: string },
): Promise<FixStep> {
  const { value } = input;
  const { catalog } = services;
  const { stateId, reasonId } = parsePickValue(value);
  const state = await loadState(services, stateId);
  const crm = crmOfReason(catalog, reasonId);
  const reason = crm.reasons.find((r) => r.id === reasonId)!;
  const record = state.businessNumber ? await readConfigRecord(services.store, state.businessNumber) : undefined;
  const explanation = explain(catalog, {
    reason,
    crm,
    ...(state.record ? { record: state.record } : {}),
    currentValues: currentValuesOf(record),
  });
  const { fix } = explanation;
  if (fix.kind !== 'oneClick') return { kind: 'manual', text: fix.text };
  if (fix.level === 'group') return { kind: 'manual', text: groupLevelManualText(catalog, explanation, state) };
  await assertMayWrite(services, client, {
    userId: input.userId,
    businessNumber: state.businessNumber ?? BUSINESS_NOT_YET_KNOWN,
    crmId: crm.id,
    operation: `fix.${fix.action}`,
    // No request yet: the form that would build it was not opened.
    maskedRequest: { reasonId },
  });

  const contactValue = contactValueOf(reason, state.record);
  const accountType = record?.accountType ?? (crm.accountTypes.length === 1 ? crm.accountTypes[0] : undefined);
  const draft: Draft = {
    crmId: crm.id,
    reasonId,
    action: fix.action,
    property: fix.property,
    label: fix.label,
    hasRecord: record !== undefined,
    origin: state.origin,
    // A business whose group of this CRM was found is settled; one read from a paste is only a suggestion.
    ...(state.businessNumber && state.groupId !== undefined
      ? { businessNumber: state.businessNumber, groupId: state.groupId }
      : {}),
    ...(accountType ? { accountType } : {}),
    ...(contactValue !== undefined ? { contactValue } : {}),
    ...(fix.proposedValue !== undefined ? { proposedValue: fix.proposedValue } : {}),
  };

  const fields: FixField[] = [];
  if (!draft.businessNumber) {
    fields.push({
      kind: 'business',
      blockId: FIX_FIELDS.business,
      label: 'Business ID of the location',
      hint: 'The 15-digit Business ID whose mapping gets the fix.',
      ...(state.businessNumber ? { initial: state.businessNumber } : {}),
    });
  }
  if (!record && !accountType) {
    fields.push({
      kind: 'accountType',
      blockId: FIX_FIELDS.accountType,
      label: 'Account type',
      options: crm.accountTypes,
    });
  }
  if (!record) fields.push(...currentValueFields(crm, fix.action === 'setProperty' ? fix.property : undefined));
  if (fix.action === 'addToList' && (!record || fix.proposedValue === undefined)) {
    fields.push({
      kind: 'text',
      blockId: FIX_FIELDS.addValue,
      label: `Value to add to ${fix.label}`.slice(0, 48),
      ...(contactValue !== undefined ? { initial: contactValue } : {}),
      optional: false,
    });
  }
  if (fix.action === 'setProperty') {
    // The value the diagnosis worked out (a provider written First Last) comes before the current one.
    const initial = fix.proposedValue ?? record?.locationProperties[fix.property];
    fields.push({
      kind: 'text',
      blockId: FIX_FIELDS.newValue,
      label: `New ${fix.label}`.slice(0, 48),
      hint: catalog.property(crm, 'location', fix.property)?.help.slice(0, 150),
      ...(initial ? { initial } : {}),
      optional: false,
    });
  }

  const draftId = randomUUID();
  const business = draft.businessNumber ? ` (business ${draft.businessNumber})` : '';
  const intro = `${crm.displayName}${business}: ${reason.text}\n${fix.text}`;
  if (fields.length > 0) {
    await saveDraft(services, draftId, draft);
    return {
      kind: 'inputs',
      draftId,
      intro,
      ...(!record ? { why: `${NO_CURRENT_VALUE_WHY}. The mapping is re-sent whole, so give its current values.` } : {}),
      fields,
    };
  }
  const prepared = await prepare(services, crm, draft, {}, record);
  if (!prepared.ok) return { kind: 'manual', text: prepared.errors.map((e) => e.message).join('\n') };
  await saveDraft(services, draftId, prepared.draft);
  return confirmStep(services, crm, draftId, prepared.draft, prepared.request, prepared.warnings);
}

/** Step 1 submitted: values by block id. Field errors (by block id) go back into the modal. */
export async function submitFixInputs(
  services: Services,
  draftId: string,
  values: Record<string, string>,
): Promise<{ ok: false; errors: Record<string, string> } | { ok: true; step: FixStep }> {
  const draft = await loadDraft(services, draftId);
  const crm = services.catalog.get(draft.crmId);
  let record: ConfigRecord | undefined;
  if (!draft.businessNumber) {
    const parsedBusiness = parseBusinessNumber(values[FIX_FIELDS.business] ?? '');
    if (parsedBusiness === undefined) return { ok: false, errors: { [FIX_FIELDS.business]: BUSINESS_ID_MESSAGE } };
    const business = String(parsedBusiness);
    const found = await typedBusinessGroup(services, business, crm);
    if (!found.ok) return { ok: false, errors: { [FIX_FIELDS.business]: found.error } };
    draft.businessNumber = business;
    draft.groupId = found.groupId;
    record = await readConfigRecord(services.store, business);
    if (record) draft.hasRecord = true;
  } else if (draft.hasRecord) {
    record = await readConfigRecord(services.store, draft.businessNumber);
  }
  const accountType = record?.accountType ?? draft.accountType ?? values[FIX_FIELDS.accountType];
  if (accountType !== 'smb' && accountType !== 'enterprise') {
    return { ok: false, errors: { [FIX_FIELDS.accountType]: 'Choose the account type.' } };
  }
  draft.accountType = accountType;
  const prepared = await prepare(services, crm, draft, values, record);
  if (!prepared.ok) return { ok: false, errors: errorsByBlock(prepared.errors, draft, values) };
  await saveDraft(services, draftId, prepared.draft);
  return { ok: true, step: confirmStep(services, crm, draftId, prepared.draft, prepared.request, prepared.warnings) };
}

type Prepared =
  | { ok: true; draft: Draft; request: CreateMappingRequest; warnings: string[] }
  | { ok: false; errors: FieldError[] };

/** Works out current properties and changes, and plans the re-send with secrets as placeholders. */
async function prepare(
  services: Services,
  crm: CrmDefinition,
  draft: Draft,
  values: Record<string, string>,
  record: ConfigRecord | undefined,
): Promise<Prepared> {
  const { catalog } = services;
  if (draft.groupId === undefined && draft.businessNumber) {
    const group = await findGroup(services, draft.businessNumber, crm.id);
    if (!group) {
      return {
        ok: false,
        errors: [
          {
            field: 'businessNumber',
            message: `Business ${draft.businessNumber} has no ${crm.displayName} integration group.`,
          },
        ],
      };
    }
    draft.groupId = group.groupId;
  }
  const current = currentPropertiesFrom(crm, record, values);
  const def = catalog.property(crm, 'location', draft.property);
  const changes: Record<string, string> = {};
  if (draft.action === 'addToList') {
    const toAdd = (values[FIX_FIELDS.addValue] ?? '').trim();
    if (toAdd === '' && draft.proposedValue !== undefined && record) changes[draft.property] = draft.proposedValue;
    else {
      if (!toAdd)
        return {
          ok: false,
          errors: [{ field: FIX_FIELDS.addValue, message: `Say which value to add to ${draft.label}.` }],
        };
      const items = listItems(def?.format, current[draft.property] ?? '');
      if (items.some((item) => item.toLowerCase() === toAdd.toLowerCase())) {
        return {
          ok: false,
          errors: [{ field: FIX_FIELDS.addValue, message: `'${toAdd}' is already in ${draft.label}.` }],
        };
      }
      changes[draft.property] = joinListItems(def?.format, [...items, toAdd]);
    }
  } else if (draft.action === 'setProperty') {
    const typed = (values[FIX_FIELDS.newValue] ?? '').trim();
    if (!typed)
      return { ok: false, errors: [{ field: FIX_FIELDS.newValue, message: `Enter the new ${draft.label}.` }] };
    changes[draft.property] = typed;
  }
  const secretFields = locationSecretFields(crm, record);
  const withPlaceholders = { ...current };
  for (const field of secretFields) if (field.required) withPlaceholders[field.key] = MASK;
  const planned = plan(services, crm, draft, withPlaceholders, changes);
  if (!planned.ok) return planned;
  // What gets sent for changed keys is the normalised value; keep it so the confirm step re-plans the same body.
  return {
    ok: true,
    draft: { ...draft, currentProperties: current, changes, secretFields },
    request: planned.request,
    warnings: planned.warnings,
  };
}

function plan(
  services: Services,
  crm: CrmDefinition,
  draft: Draft,
  currentProperties: Record<string, string>,
  changes: Record<string, string>,
) {
  return planMappingUpdate(services.catalog, crm.id, draft.accountType ?? crm.accountTypes[0]!, {
    businessNumber: draft.businessNumber ?? '',
    groupId: draft.groupId ?? 0,
    currentProperties,
    changes,
    ...(draft.action === 'setBetaFalse' ? { beta: false as const } : {}),
  });
}

function errorsByBlock(errors: FieldError[], draft: Draft, values: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  const has = (blockId: string) => Object.hasOwn(values, blockId);
  const fallback = [FIX_FIELDS.addValue, FIX_FIELDS.newValue, FIX_FIELDS.business].find(has) ?? Object.keys(values)[0];
  for (const error of errors) {
    let blockId: string | undefined;
    if (error.field === 'businessNumber') blockId = FIX_FIELDS.business;
    else if (error.field === FIX_FIELDS.addValue || error.field === FIX_FIELDS.newValue) blockId = error.field;
    else if (error.field === draft.property && draft.action === 'addToList' && has(FIX_FIELDS.addValue)) {
      blockId = has(FIX_FIELDS.current(error.field)) ? FIX_FIELDS.current(error.field) : FIX_FIELDS.addValue;
    } else if (error.field === draft.property && draft.action === 'setProperty') blockId = FIX_FIELDS.newValue;
    else if (has(FIX_FIELDS.current(error.field))) blockId = FIX_FIELDS.current(error.field);
    blockId = blockId && has(blockId) ? blockId : fallback;
    if (blockId) out[blockId] = out[blockId] ? `${out[blockId]} ${error.message}` : error.message;
  }
  return out;
}

function confirmStep(
  services: Services,
  crm: CrmDefinition,
  draftId: string,
  draft: Draft,
  request: CreateMappingRequest,
  warnings: string[],
): FixStep {
  const curl = toCurl(request, services.config.INTEGRATION_API_URL, services.catalog.secretKeys(crm));
  const what =
    draft.action === 'setBetaFalse'
      ? `Re-send the ${crm.displayName} mapping of business ${draft.businessNumber} with beta: false.`
      : `Set ${draft.label} on the ${crm.displayName} mapping of business ${draft.businessNumber} to '${draft.changes?.[draft.property] ?? ''}'.`;
  const accountType = draft.accountType ?? crm.accountTypes[0]!;
  const source = draft.hasRecord ? 'record' : 'typed';
  return {
    kind: 'confirm',
    draftId,
    summary: `${what} The API replaces the whole mapping, so every other property is re-sent as the bot has it.`,
    curl,
    contents: mappingContentsText(crm, accountType, request, draft.secretFields ?? [], source),
    warnings,
    secretFields: draft.secretFields ?? [],
  };
}

/** Required secrets missing from the confirm step, by block id. */
export async function missingSecrets(
  services: Services,
  draftId: string,
  secrets: Record<string, string>,
): Promise<Record<string, string>> {
  const draft = await loadDraft(services, draftId);
  const errors: Record<string, string> = {};
  for (const field of draft.secretFields ?? []) {
    if (field.required && !secrets[field.blockId]?.trim()) errors[field.blockId] = `Enter the ${field.label} again.`;
  }
  return errors;
}

/** The Send button: the one request, through performWrite; then the bot's record is updated. */
export async function confirmFix(
  services: Services,
  client: WriteClient,
  input: { draftId: string; viewId: string; userId: string; secrets: Record<string, string> },
): Promise<FixOutcome> {
  const draft = await loadDraft(services, input.draftId);
  const crm = services.catalog.get(draft.crmId);
  if (!draft.currentProperties || !draft.changes || !draft.businessNumber || draft.groupId === undefined) {
    throw new BotError('validation_failed', 'This fix is not ready to send. Start it again from the diagnosis.');
  }
  const current = { ...draft.currentProperties };
  const secretsSet: string[] = [];
  for (const field of draft.secretFields ?? []) {
    const value = input.secrets[field.blockId]?.trim();
    if (value) {
      current[field.key] = value;
      secretsSet.push(field.key);
    }
  }
  const planned = plan(services, crm, draft, current, draft.changes);
  if (!planned.ok) {
    throw new BotError('validation_failed', planned.errors.map((e) => e.message).join(' '));
  }
  const request = planned.request;
  const secretKeys = services.catalog.secretKeys(crm);
  const businessNumber = draft.businessNumber;
  const result = await performWrite(services, client, {
    userId: input.userId,
    idempotencyKey: idempotencyKey('fix', input.viewId, input.draftId),
    businessNumber,
    crmId: crm.id,
    operation: `fix.${draft.action}`,
    maskedRequest: maskRequest(request, secretKeys),
    send: () => services.api.createMapping(request.body),
  });
  if (result.executed) {
    await recordSent(services, {
      crm,
      businessNumber,
      groupId: draft.groupId,
      accountType: draft.accountType ?? crm.accountTypes[0]!,
      request,
      userId: input.userId,
      secretsSetAtLocation: secretsSet,
    });
  }
  const reason = crm.reasons.find((r) => r.id === draft.reasonId);
  const done =
    draft.action === 'setBetaFalse'
      ? `turned beta off on the ${crm.displayName} mapping of business ${businessNumber}`
      : `set ${draft.label} on the ${crm.displayName} mapping of business ${businessNumber} to '${draft.changes[draft.property]}'`;
  return {
    text: `:white_check_mark: <@${input.userId}> ${done}${reason ? ` (fix for "${reason.text}")` : ''}. New contacts are evaluated with it from the next run.`,
    origin: draft.origin,
    executed: result.executed,
  };
}

/** The bot's record after a mapping re-send: non-secret values as sent, which secret keys were set. */
export async function recordSent(
  services: Services,
  input: {
    crm: CrmDefinition;
    businessNumber: string;
    groupId: number;
    accountType: AccountType;
    request: CreateMappingRequest;
    userId: string;
    secretsSetAtLocation: string[];
  },
): Promise<void> {
  const previous = await readConfigRecord(services.store, input.businessNumber);
  const secretKeys = services.catalog.secretKeys(input.crm);
  const locationProperties: Record<string, string> = {};
  for (const p of input.request.body.integrationProperties ?? []) {
    if (!secretKeys.has(p.propertyKey)) locationProperties[p.propertyKey] = p.propertyValue;
  }
  const secretKeysSet = new Set(previous?.secretKeysSet ?? []);
  for (const key of input.secretsSetAtLocation) secretKeysSet.add(`location:${key}`);
  const beta = input.request.body.beta ?? previous?.beta;
  await saveConfigRecord(services.store, {
    businessNumber: input.businessNumber,
    crmId: input.crm.id,
    accountType: input.accountType,
    groupId: input.groupId,
    groupProperties: previous?.groupProperties ?? {},
    locationProperties,
    secretKeysSet: [...secretKeysSet],
    ...(beta !== undefined ? { beta } : {}),
    updatedBy: input.userId,
    updatedAt: new Date().toISOString(),
  });
}

/**
 * The CRM's integration group of a business typed into a form, read before the view submission is acked:
 * bounded well inside Slack's 3 s and answered inline (`error` is the business field's message), so a slow
 * API costs the user a resubmit, never their typed values.
 */
export async function typedBusinessGroup(
  services: Services,
  businessNumber: string,
  crm: CrmDefinition,
): Promise<{ ok: true; groupId: number } | { ok: false; error: string }> {
  let group: Awaited<ReturnType<typeof findGroup>>;
  try {
    group = await beforeAckDeadline(findGroup(services, businessNumber, crm.id));
  } catch (err) {
    return { ok: false, error: `${userMessage(err)} Submit again to retry.` };
  }
  if (!group) return { ok: false, error: `Business ${businessNumber} has no ${crm.displayName} integration group.` };
  return { ok: true, groupId: group.groupId };
}

const ACK_BUDGET_MS = 2000;

/** Rejects with api_timeout when `work` is not done within the ack budget. */
export function beforeAckDeadline<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new BotError('api_timeout', 'The integration API did not answer in time.')),
      ACK_BUDGET_MS,
    );
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
