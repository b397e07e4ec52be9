import { randomUUID } from 'node:crypto';
import type { Catalog, CrmDefinition, PropertyDef, RestrictionReason } from '../catalog';
import {
  createMatcher,
  type Explanation,
  explain,
  isAbsent,
  type LogRecord,
  lookup,
  type Matcher,
  parseLogRecord,
} from '../diagnostics';
import { BotError } from '../errors';
import { type ConfigRecord, readConfigRecord } from '../operations/config-records';
import { BUSINESS_ID_MESSAGE, parseBusinessNumber } from '../planner';
import type { Services } from '../services';

/**
 * "Why did this patient not get a review request?": a pasted restriction reason (and
 * optionally the contact's log record and business) in, a plain-words diagnosis out.
 * No Slack here: listeners parse, this decides, the view builders render.
 */

export type DiagnoseInput = {
  reasonText: string;
  /** CRM id from the select (or anything catalog.find understands). */
  crm?: string;
  businessNumber?: string;
  logRecord?: string;
};

/** Where the diagnosis was asked, so a fix's outcome can be posted there. */
export type Origin = { userId: string; channelId?: string; threadTs?: string };

export type DiagnoseField = 'reason' | 'crm' | 'business' | 'record';

/** What a fix or a pick needs later: never a secret (the log record is stored without secret keys). */
export type DiagnosisState = {
  crmId?: string;
  businessNumber?: string;
  groupId?: number;
  record?: LogRecord;
  origin: Origin;
};

export type FixView =
  | { kind: 'button'; text: string; label: string; value: string }
  | { kind: 'manual'; text: string }
  | { kind: 'clinic'; text: string };

export type ReauthTarget = { businessNumber?: string; crmId?: string; groupId?: number };

export type Diagnosis =
  | {
      kind: 'match';
      explanation: Explanation;
      fix: FixView;
      businessNumber?: string;
      reauth: ReauthTarget;
      /** True when the bot has a configuration record of the business. */
      hasConfigRecord: boolean;
    }
  | {
      kind: 'ambiguous';
      candidates: Array<{ crm: CrmDefinition; reason: RestrictionReason; value: string }>;
      reauth?: ReauthTarget;
    }
  | { kind: 'none'; crm?: CrmDefinition; knownReasons: Array<{ crm: CrmDefinition; reason: RestrictionReason }> }
  | { kind: 'noGroup'; businessNumber: string; crmName?: string };

/** Diagnosis state lives this long: long enough to act on an answer the same day. */
export const STATE_TTL_MS = 24 * 3600_000;
const STATE_PREFIX = 'diagnose:state:';

const matchers = new WeakMap<Catalog, Matcher>();
function matcherFor(catalog: Catalog): Matcher {
  let matcher = matchers.get(catalog);
  if (!matcher) {
    matcher = createMatcher(catalog);
    matchers.set(catalog, matcher);
  }
  return matcher;
}

/** Checks that need no network: the ack carries these back to the modal. */
export function validateDiagnoseInput(input: DiagnoseInput): Partial<Record<DiagnoseField, string>> {
  const errors: Partial<Record<DiagnoseField, string>> = {};
  if (!input.reasonText.trim() && !input.logRecord?.trim()) {
    errors.reason = 'Paste the restriction reason (or a log record that contains it).';
  }
  const business = input.businessNumber?.trim();
  if (business && parseBusinessNumber(business) === undefined) errors.business = BUSINESS_ID_MESSAGE;
  return errors;
}

/** A log record without any value stored under a credential key of any CRM. */
export function withoutSecretKeys(catalog: Catalog, record: LogRecord): LogRecord {
  const secretKeys = catalog.crms.flatMap((crm) => [...catalog.secretKeys(crm)].map((k) => k.toLowerCase()));
  const clean: LogRecord = {};
  for (const [key, value] of Object.entries(record)) {
    const lower = key.toLowerCase();
    if (secretKeys.some((secret) => lower === secret || lower.endsWith(`.${secret}`))) continue;
    clean[key] = value;
  }
  return clean;
}

/** The business's integration group of a catalog CRM (of `crmId` when given). */
export async function findGroup(
  services: Services,
  businessNumber: string,
  crmId?: string,
): Promise<{ crm: CrmDefinition; groupId: number } | undefined> {
  const groups = await services.api.getGroups(businessNumber);
  for (const group of groups) {
    const crm = services.catalog.bySourceId(group.integrationSourceType.id);
    if (crm && (!crmId || crm.id === crmId)) return { crm, groupId: group.groupId };
  }
  return undefined;
}

/** ConfigRecord values keyed `level:key`, the shape explain() takes. */
export function currentValuesOf(record: ConfigRecord | undefined): Record<string, string> {
  if (!record) return {};
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(record.groupProperties)) values[`group:${key}`] = value;
  for (const [key, value] of Object.entries(record.locationProperties)) values[`location:${key}`] = value;
  return values;
}

export async function saveState(services: Services, state: DiagnosisState): Promise<string> {
  const id = randomUUID();
  await services.store.set(`${STATE_PREFIX}${id}`, state, STATE_TTL_MS);
  return id;
}

export async function loadState(services: Services, id: string): Promise<DiagnosisState> {
  const state = await services.store.get<DiagnosisState>(`${STATE_PREFIX}${id}`);
  if (!state) {
    throw new BotError('validation_failed', 'This diagnosis has expired. Run `/crm diagnose` again.');
  }
  return state;
}

/** Runs the whole diagnosis: business → CRM, match the reason, explain it with the log record. */
export async function diagnose(services: Services, input: DiagnoseInput, origin: Origin): Promise<Diagnosis> {
  const { catalog } = services;
  const businessNumber = input.businessNumber?.trim() || undefined;
  let crm = input.crm ? catalog.find(input.crm) : undefined;
  let groupId: number | undefined;
  if (businessNumber) {
    const found = await findGroup(services, businessNumber);
    if (!found) {
      return { kind: 'noGroup', businessNumber, ...(crm ? { crmName: crm.displayName } : {}) };
    }
    crm = found.crm;
    groupId = found.groupId;
  }
  const rawRecord = input.logRecord?.trim() ? parseLogRecord(input.logRecord) : undefined;
  const record = rawRecord && Object.keys(rawRecord).length > 0 ? withoutSecretKeys(catalog, rawRecord) : undefined;
  const text = input.reasonText.trim() || input.logRecord?.trim() || '';
  const state: DiagnosisState = {
    ...(crm ? { crmId: crm.id } : {}),
    ...(businessNumber ? { businessNumber } : {}),
    ...(groupId !== undefined ? { groupId } : {}),
    ...(record ? { record } : {}),
    origin,
  };
  return diagnoseState(services, state, text);
}

/**
 * A record the bot found itself (contact search): the CRM and business come from the record,
 * so no API call is made here (a fix finds the group when it runs). Secret keys are dropped.
 */
export async function diagnoseFoundRecord(
  services: Services,
  input: { reasonText: string; crmId?: string; businessNumber?: string; record: LogRecord },
  origin: Origin,
): Promise<Diagnosis> {
  const state: DiagnosisState = {
    ...(input.crmId ? { crmId: input.crmId } : {}),
    ...(input.businessNumber ? { businessNumber: input.businessNumber } : {}),
    record: withoutSecretKeys(services.catalog, input.record),
    origin,
  };
  return diagnoseState(services, state, input.reasonText);
}

/** Matches the reason text (within the state's CRM when known) and explains it. */
async function diagnoseState(services: Services, state: DiagnosisState, text: string): Promise<Diagnosis> {
  const crm = state.crmId ? services.catalog.find(state.crmId) : undefined;
  const result = matcherFor(services.catalog).match(text, crm ? { crmId: crm.id } : {});
  switch (result.kind) {
    case 'none':
      return { kind: 'none', ...(crm ? { crm } : {}), knownReasons: result.knownReasons };
    case 'ambiguous': {
      const stateId = await saveState(services, state);
      return {
        kind: 'ambiguous',
        candidates: result.candidates.map(({ crm: owner, reason }) => ({
          crm: owner,
          reason,
          value: pickValue(stateId, reason.id),
        })),
        ...(crm ? { reauth: reauthTarget(state, crm) } : {}),
      };
    }
    case 'match': {
      const stateId = await saveState(services, { ...state, crmId: result.crm.id });
      return explainReason(services, { ...state, crmId: result.crm.id }, stateId, result.reason.id);
    }
  }
}

/** The value of a "this one" button (ambiguous answer) or a fix button: the state id and the reason. */
export function pickValue(stateId: string, reasonId: string): string {
  return `${stateId}|${reasonId}`;
}

export function parsePickValue(value: string): { stateId: string; reasonId: string } {
  const [stateId = '', reasonId = ''] = value.split('|');
  return { stateId, reasonId };
}

/** The person picked one of several candidate reasons. */
export async function diagnosePicked(services: Services, value: string): Promise<Diagnosis> {
  const { stateId, reasonId } = parsePickValue(value);
  const state = await loadState(services, stateId);
  const crm = crmOfReason(services.catalog, reasonId);
  const picked = { ...state, crmId: crm.id };
  await services.store.set(`${STATE_PREFIX}${stateId}`, picked, STATE_TTL_MS);
  return explainReason(services, picked, stateId, reasonId);
}

export function crmOfReason(catalog: Catalog, reasonId: string): CrmDefinition {
  const crm = catalog.crms.find((c) => c.reasons.some((r) => r.id === reasonId));
  if (!crm) throw new BotError('validation_failed', 'That restriction reason is no longer in the catalog.');
  return crm;
}

async function explainReason(
  services: Services,
  state: DiagnosisState,
  stateId: string,
  reasonId: string,
): Promise<Diagnosis> {
  const crm = crmOfReason(services.catalog, reasonId);
  const configRecord =
    state.businessNumber !== undefined ? await readConfigRecord(services.store, state.businessNumber) : undefined;
  const explanation = explain(services.catalog, {
    reason: reasonId,
    crm,
    ...(state.record ? { record: state.record } : {}),
    currentValues: currentValuesOf(configRecord),
  });
  return {
    kind: 'match',
    explanation,
    fix: fixView(services.catalog, explanation, state, stateId),
    ...(state.businessNumber ? { businessNumber: state.businessNumber } : {}),
    reauth: reauthTarget(state, crm),
    hasConfigRecord: configRecord !== undefined,
  };
}

function reauthTarget(state: DiagnosisState, crm: CrmDefinition): ReauthTarget {
  return {
    crmId: crm.id,
    ...(state.businessNumber ? { businessNumber: state.businessNumber } : {}),
    ...(state.groupId !== undefined ? { groupId: state.groupId } : {}),
  };
}

const BUTTON_LABELS = {
  addToList: 'Add to allowed list',
  setBetaFalse: 'Turn beta off',
  setProperty: 'Set it',
} as const;

/** The contact's value for the reason's allowed-list check, when the log record has it. */
export function contactValueOf(reason: RestrictionReason, record: LogRecord | undefined): string | undefined {
  if (!record || reason.check?.kind !== 'inAllowedList') return undefined;
  const value = lookup(record, reason.check.logKey);
  return isAbsent(value) ? undefined : value.trim();
}

function fixView(catalog: Catalog, explanation: Explanation, state: DiagnosisState, stateId: string): FixView {
  const { fix, crm, reason } = explanation;
  if (fix.kind === 'clinic') {
    return {
      kind: 'clinic',
      text: `Nothing to change in the integration: the clinic fixes this in ${crm.displayName}. ${fix.text}`,
    };
  }
  if (fix.kind === 'manual') return { kind: 'manual', text: fix.text };
  if (fix.level === 'group') {
    return { kind: 'manual', text: groupLevelManualText(catalog, explanation, state) };
  }
  return { kind: 'button', text: fix.text, label: BUTTON_LABELS[fix.action], value: pickValue(stateId, reason.id) };
}

/** Group properties have no documented update call: say so, and how to change it by hand. */
export function groupLevelManualText(catalog: Catalog, explanation: Explanation, state: DiagnosisState): string {
  const { fix, crm, reason } = explanation;
  if (fix.kind !== 'oneClick') return fix.text;
  const def: PropertyDef | undefined = catalog.property(crm, 'group', fix.property);
  const label = def?.label ?? fix.property;
  const contactValue = contactValueOf(reason, state.record);
  const what =
    fix.proposedValue !== undefined
      ? `set ${label} to '${fix.proposedValue}'`
      : contactValue !== undefined
        ? `add '${contactValue}' to ${label}`
        : `add the contact's value to ${label}`;
  const group = state.groupId !== undefined ? ` (group ${state.groupId})` : '';
  return (
    `${label} is a group property, and the integration API documents no call that changes a group's properties ` +
    `(only its triggers), so the bot sends nothing for this. Change it by hand: in the integration dashboard, open ` +
    `the ${crm.displayName} integration group${group}, Manage Properties, and ${what}.`
  );
}

const KEY_VALUE_LINE = /^\s*"?[\w.@-]+"?\s*[=:]\s*\S/;

/**
 * A message shortcut's text split into what looks like a log record (a JSON object, key=value or
 * key: value lines) and the rest (the reason).
 */
export function splitPastedMessage(text: string): { reasonText: string; logRecord: string } {
  const trimmed = text.trim();
  const jsonStart = trimmed.indexOf('{');
  const jsonEnd = trimmed.lastIndexOf('}');
  let rest = trimmed;
  const record: string[] = [];
  if (jsonStart >= 0 && jsonEnd > jsonStart) {
    const candidate = trimmed.slice(jsonStart, jsonEnd + 1);
    try {
      JSON.parse(candidate);
      record.push(candidate);
      rest = `${trimmed.slice(0, jsonStart)}\n${trimmed.slice(jsonEnd + 1)}`;
    } catch {
      // Not JSON: leave it to the line rules.
    }
  }
  const reason: string[] = [];
  for (const line of rest.split(/\r?\n/)) {
    if (!line.trim()) continue;
    if (KEY_VALUE_LINE.test(line)) record.push(line.trim());
    else reason.push(line.trim());
  }
  return { reasonText: reason.join('\n'), logRecord: record.join('\n') };
}
