import { randomUUID } from 'node:crypto';
import type { Catalog, CrmDefinition, PropertyDef, RestrictionReason } from '../../catalog';
import {
  type CoreDiagnosis,
  createDiagnosisCore,
  type DiagnosisCore,
  decide,
  type Explanation,
  explain,
  isAbsent,
  type LogRecord,
  lookup,
  type PasteReading,
  readPaste,
} from '../../diagnostics';
import { BotError, userMessage } from '../../errors';
import { type ConfigRecord, readConfigRecord } from '../../operations/config-records';
import { BUSINESS_ID_MESSAGE, parseBusinessNumber } from '../../planner';
import type { Services } from '../../services';

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
  /** Group id of each CRM the business has a group of, so a picked candidate knows its group. */
  groupIds?: Record<string, number>;
  record?: LogRecord;
  origin: Origin;
};

/** Where the business number came from: typed into the modal, found in the record, or in the text. */
export type BusinessSource = 'typed' | 'record' | 'text';

/** What the answer says about how it read the paste (business, records, the API). */
export type ReadingNotes = {
  businessFrom?: BusinessSource;
  /** Sentences: the business had no group, several records were pasted, the API could not be read. */
  notes: string[];
};

export type FixView =
  | { kind: 'button'; text: string; label: string; value: string }
  | { kind: 'manual'; text: string }
  | { kind: 'clinic'; text: string };

export type ReauthTarget = { businessNumber?: string; crmId?: string; groupId?: number };

export type Diagnosis =
  | ({
      kind: 'match';
      explanation: Explanation;
      fix: FixView;
      businessNumber?: string;
      /** Only where re-authorizing can clear the reason (the catalog's `reauthorizes`). */
      reauth?: ReauthTarget;
      /** True when the bot has a configuration record of the business. */
      hasConfigRecord: boolean;
      /** How the CRM was decided ("the text says “c9” (Cloud 9 Ortho)"); absent after a pick. */
      crmBy?: string;
    } & ReadingNotes)
  | ({
      kind: 'ambiguous';
      candidates: Array<{ crm: CrmDefinition; reason: RestrictionReason; value: string }>;
      /** Why the bot asks: which sources disagreed, or that nothing names the CRM and what would. */
      why: string;
      businessNumber?: string;
      /** One CRM, and re-authorizing clears every candidate reason: it helps whichever is picked. */
      reauth?: ReauthTarget;
    } & ReadingNotes)
  | { kind: 'none'; crm?: CrmDefinition; knownReasons: Array<{ crm: CrmDefinition; reason: RestrictionReason }> }
  | { kind: 'noGroup'; businessNumber: string; crmName?: string };

/** Diagnosis state lives this long: long enough to act on an answer the same day. */
export const STATE_TTL_MS = 24 * 3600_000;
const STATE_PREFIX = 'diagnose:state:';

const cores = new WeakMap<Catalog, DiagnosisCore>();
/** The catalog's matcher and CRM detector, built once per catalog. */
export function diagnosisCoreFor(catalog: Catalog): DiagnosisCore {
  let core = cores.get(catalog);
  if (!core) {
    core = createDiagnosisCore(catalog);
    cores.set(catalog, core);
  }
  return core;
}

/** What a surface prefills the diagnose modal with from a paste: the same split every surface uses. */
export function prefillFromPaste(
  catalog: Catalog,
  text: string,
): { reasonText: string; logRecord: string; businessNumber?: string } {
  const reading = readPaste(diagnosisCoreFor(catalog), text);
  return {
    reasonText: reading.reasonText,
    logRecord: reading.recordText,
    ...(reading.businessNumber ? { businessNumber: reading.businessNumber } : {}),
  };
}

/** Slack's limit on a modal's text input. */
export const MODAL_INPUT_MAX = 3000;
const PASTE_PREFIX = 'diagnose:paste:';

/** What a modal text input shows for `value`: its start when it is longer than Slack allows. */
export function shownInModal(value: string): string {
  return value.length <= MODAL_INPUT_MAX ? value : `${value.slice(0, MODAL_INPUT_MAX - 1)}…`;
}

type LongPaste = { reasonText: string; logRecord: string };

/**
 * A paste longer than a modal input (a whole Kibana document) is kept in the store for the
 * diagnosis, so nothing is lost to Slack's limit. Undefined when it fits, or when the store
 * cannot take it (the modal then shows what fits, and the record parser reads a cut-off record).
 */
export async function keepLongPaste(services: Services, prefill: LongPaste): Promise<string | undefined> {
  if (prefill.reasonText.length <= MODAL_INPUT_MAX && prefill.logRecord.length <= MODAL_INPUT_MAX) return undefined;
  const id = randomUUID();
  try {
    const record = prefill.logRecord;
    await services.store.set(
      `${PASTE_PREFIX}${id}`,
      { reasonText: prefill.reasonText, logRecord: record },
      STATE_TTL_MS,
    );
    return id;
  } catch (err) {
    services.logger.warn({ code: (err as { code?: unknown }).code }, 'diagnose: long paste not kept');
    return undefined;
  }
}

/** The submitted fields, with a field the person left as prefilled replaced by the whole paste. */
export async function withLongPaste(
  services: Services,
  pasteId: string | undefined,
  submitted: { reasonText: string; logRecord?: string },
): Promise<{ reasonText: string; logRecord?: string }> {
  if (!pasteId) return submitted;
  const kept = await services.store.get<LongPaste>(`${PASTE_PREFIX}${pasteId}`);
  if (!kept) return submitted;
  const whole = (typed: string | undefined, full: string) =>
    typed !== undefined && typed === shownInModal(full) ? full : typed;
  const reasonText = whole(submitted.reasonText, kept.reasonText) ?? '';
  const logRecord = whole(submitted.logRecord ?? '', kept.logRecord);
  return { reasonText, ...(logRecord ? { logRecord } : {}) };
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
  return (await findGroups(services, businessNumber)).find((group) => !crmId || group.crm.id === crmId);
}

/** Every integration group of the business whose source is a catalog CRM, first group of each CRM. */
export async function findGroups(
  services: Services,
  businessNumber: string,
): Promise<Array<{ crm: CrmDefinition; groupId: number }>> {
  const found: Array<{ crm: CrmDefinition; groupId: number }> = [];
  for (const group of await services.api.getGroups(businessNumber)) {
    const crm = services.catalog.bySourceId(group.integrationSourceType.id);
    if (crm && !found.some((f) => f.crm === crm)) found.push({ crm, groupId: group.groupId });
  }
  return found;
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

/**
 * Runs the whole diagnosis: split and read the paste, read the business's groups (the business typed,
 * or found in the record or text), decide the CRM (select > group > text > record), match the reason
 * and explain it with the log record.
 */
export async function diagnose(services: Services, input: DiagnoseInput, origin: Origin): Promise<Diagnosis> {
  const { catalog } = services;
  const core = diagnosisCoreFor(catalog);
  const reading = readPaste(core, input.reasonText, input.logRecord ?? '');
  const selected = input.crm ? catalog.find(input.crm) : undefined;
  const typed = input.businessNumber?.trim() || undefined;
  const businessNumber = typed ?? reading.businessNumber;
  // A business field prefilled from the paste and submitted unchanged still came from the paste.
  const businessFrom: BusinessSource | undefined =
    typed && typed !== reading.businessNumber ? 'typed' : (reading.businessFrom ?? (typed ? 'typed' : undefined));
  const notes = recordNotes(reading);

  let groups: Array<{ crm: CrmDefinition; groupId: number }> = [];
  if (businessNumber) {
    try {
      groups = await findGroups(services, businessNumber);
      if (groups.length === 0) {
        const othersSay = selected || reading.textCrms.length > 0 || reading.recordCrms.length > 0;
        if (typed && !othersSay) return { kind: 'noGroup', businessNumber };
        notes.push(`Business ${businessNumber} has no integration group of a CRM the bot knows.`);
      }
    } catch (err) {
      // The rest of what was given may still decide the CRM; say that the group could not be read.
      notes.push(`The bot could not read business ${businessNumber}'s integration groups: ${userMessage(err)}`);
    }
  }

  const result = decide(core, reading, {
    ...(selected ? { selected } : {}),
    ...(businessNumber && groups.length > 0 ? { groups: { businessNumber, crms: groups.map((g) => g.crm) } } : {}),
  });
  const record = reading.record ? withoutSecretKeys(catalog, reading.record) : undefined;
  const groupIds = Object.fromEntries(groups.map((g) => [g.crm.id, g.groupId]));
  const crmId = result.kind === 'match' ? result.crm.id : result.kind === 'none' ? result.crm?.id : undefined;
  const groupId = crmId === undefined ? undefined : groupIds[crmId];
  const state: DiagnosisState = {
    ...(crmId ? { crmId } : {}),
    ...(businessNumber ? { businessNumber } : {}),
    ...(groupId !== undefined ? { groupId } : {}),
    ...(groups.length > 0 ? { groupIds } : {}),
    ...(record ? { record } : {}),
    origin,
  };
  const readingNotes: ReadingNotes = { ...(businessNumber && businessFrom ? { businessFrom } : {}), notes };
  return answer(services, result, state, readingNotes);
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
  const { catalog } = services;
  const core = diagnosisCoreFor(catalog);
  const crm = input.crmId ? catalog.find(input.crmId) : undefined;
  const reading: PasteReading = {
    reasonText: input.reasonText,
    recordText: '',
    record: input.record,
    recordCount: 1,
    textCrms: core.detector.inText(input.reasonText),
    recordCrms: crm ? [{ crm, said: 'source' }] : core.detector.inRecord(input.record),
  };
  const result = decide(core, reading);
  const crmId = result.kind === 'match' ? result.crm.id : result.kind === 'none' ? result.crm?.id : undefined;
  const state: DiagnosisState = {
    ...(crmId ? { crmId } : {}),
    ...(input.businessNumber ? { businessNumber: input.businessNumber } : {}),
    record: withoutSecretKeys(catalog, input.record),
    origin,
  };
  return answer(services, result, state, {
    ...(input.businessNumber ? { businessFrom: 'record' as const } : {}),
    notes: [],
  });
}

/** The decided (or still open) diagnosis as the answer: state saved for the pick and fix buttons. */
async function answer(
  services: Services,
  result: CoreDiagnosis,
  state: DiagnosisState,
  readingNotes: ReadingNotes,
): Promise<Diagnosis> {
  const { businessNumber } = state;
  switch (result.kind) {
    case 'none':
      return { kind: 'none', ...(result.crm ? { crm: result.crm } : {}), knownReasons: result.knownReasons };
    case 'ambiguous': {
      const stateId = await saveState(services, state);
      const owners = [...new Set(result.candidates.map((c) => c.crm))];
      const reauthorizes = owners.length === 1 && result.candidates.every((c) => c.reason.reauthorizes);
      return {
        kind: 'ambiguous',
        candidates: result.candidates.map(({ crm: owner, reason }) => ({
          crm: owner,
          reason,
          value: pickValue(stateId, reason.id),
        })),
        why: result.why,
        ...(businessNumber ? { businessNumber } : {}),
        ...(reauthorizes ? { reauth: reauthTarget(state, owners[0]!) } : {}),
        ...readingNotes,
      };
    }
    case 'match': {
      const stateId = await saveState(services, state);
      const answered = await explainReason(services, state, stateId, result.reason.id);
      return answered.kind === 'match' ? { ...answered, crmBy: result.crmBy, ...readingNotes } : answered;
    }
  }
}

/** What the answer says about a paste of several records. */
function recordNotes(reading: PasteReading): string[] {
  if (reading.recordCount <= 1) return [];
  const when = reading.newestAt ? ` (${reading.newestAt})` : ' (the first pasted: Kibana lists newest first)';
  return [`The paste holds ${reading.recordCount} log records; the newest${when} is explained.`];
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
  const groupId = state.groupIds?.[crm.id];
  const { groupId: _previous, ...rest } = state;
  const picked: DiagnosisState = { ...rest, crmId: crm.id, ...(groupId !== undefined ? { groupId } : {}) };
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
    ...(explanation.reason.reauthorizes ? { reauth: reauthTarget(state, crm) } : {}),
    hasConfigRecord: configRecord !== undefined,
    notes: [],
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
