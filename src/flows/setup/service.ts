import { createHash } from 'node:crypto';
import { type AccountType, type CrmDefinition, groupPropertiesFor, locationPropertiesFor } from '../../catalog';
import { systemClock } from '../../clock';
import { ApiError, BotError, ForbiddenError, userMessage } from '../../errors';
import { runLookup } from '../../integration/lookups';
import { CreateGroupAnswer } from '../../integration/schemas';
import { saveConfigRecord, withoutSecrets } from '../../operations/config-records';
import {
  type CreateIntent,
  checkIntentNow,
  clearCreateIntent,
  type IntentCheck,
  loadCreateIntent,
  pendingCreate,
  saveCreateIntent,
  unansweredCreate,
  utc,
} from '../../operations/create-intents';
import { assertMayWrite, auditDecision, idempotencyKey, performWrite, type WriteClient } from '../../operations/write';
import { describePlan, maskRequest, toCurl } from '../../planner/curl';
import { normalizeProperty } from '../../planner/normalize';
import { planSetup, planTriggerUpdate, withGroupId } from '../../planner/plan';
import { CreateMappingRequest, type Plan } from '../../planner/types';
import type { Services } from '../../services';
import { BLOCK, LOOKUP_FAILED_VALUE } from './ids';
import {
  blankedSecrets,
  deleteSession,
  type LocationResult,
  loadRecord,
  loadSession,
  lostSecrets,
  metadataFor,
  newLocation,
  newSession,
  type SetupRecord,
  type SetupSession,
  saveRecord,
  saveSession,
  sessionIdFrom,
} from './session';
import {
  errorsFor,
  type FormValues,
  mergeCrmStep,
  mergeGroupStep,
  mergeLocationsStep,
  parseLocationBlock,
  parseTriggerValue,
  planInputOf,
  type TriggerOption,
  triggerChoices,
} from './state';

/**
 * The setup, add-location and trigger-update flows without Slack: answers in, the screen to show
 * (plain data, rendered by views.ts), field errors or the outcome of the writes out. The listeners
 * ack, open and update views and post messages.
 */

// ================================================================== screens

/** What the modal should show next: plain data; `renderScreen` in views.ts turns it into a view. */
export type SetupScreen =
  | { kind: 'crm'; data: CrmStepData }
  | { kind: 'group'; data: GroupStepData }
  | { kind: 'locations'; data: LocationsStepData }
  | { kind: 'review'; data: ReviewStepData }
  | { kind: 'addLocation'; data: AddLocationStartData }
  | { kind: 'triggers'; data: TriggerUpdateData }
  | { kind: 'working'; metadata: string; text: string }
  | { kind: 'message'; title: string; text: string };

/** What happens after the ack: another screen, or a finished setup whose result the listener posts. */
export type FollowUp = SetupScreen | { kind: 'done'; result: SetupResult; channelId?: string | undefined };

/** A submitted step: errors for the ack, or the next screen and the slow work to run after the ack. */
export type StepOutcome =
  | { kind: 'errors'; errors: Record<string, string> }
  | { kind: 'show'; screen: SetupScreen; after?: () => Promise<FollowUp | undefined> }
  /** Shown on top of the submitted view, which stays as it was (a refusal: the form is still its owner's). */
  | { kind: 'push'; screen: SetupScreen };

/** What the service must know about how screens render (views.ts supplies it): where errors can go, what fits. */
export interface ScreenLayout {
  inputBlockIds(screen: SetupScreen): ReadonlySet<string>;
  maxLocations(data: Pick<LocationsStepData, 'crm' | 'accountType' | 'lookups'>): number;
}

/** A submitted or acted-on setup view, parsed by the listener. */
export interface SubmittedView {
  id: string;
  metadata: string | undefined;
  form: FormValues;
}

/** Opening a modal: where the command or button came from. */
export interface OpenInput {
  userId: string;
  channelId?: string | undefined;
}

export interface StatusButton {
  businessNumber?: string | undefined;
  crmId?: string | undefined;
  groupId?: number | undefined;
}

/** What both first steps show (a new setup's and add-locations'): the CRMs, and what the session has chosen so far. */
export interface CrmChoiceData {
  metadata: string;
  crms: readonly CrmDefinition[];
  crm?: CrmDefinition | undefined;
  accountType?: AccountType | undefined;
  parentBusinessNumber: string;
}

export interface CrmStepData extends CrmChoiceData {
  triggerOptions: readonly TriggerOption[];
  selectedTriggers: readonly string[];
  /** Why some triggers are (not yet) offered. */
  triggerNote?: string | undefined;
  /** Shown on top, e.g. "I don't know CRM x". */
  note?: string | undefined;
}

export interface ExistingGroupInfo {
  status: 'pending' | 'none' | 'found' | 'failed';
  businessNumber: string;
  crmName: string;
  groupId?: number | undefined;
  /** Why the check failed. */
  reason?: string | undefined;
  /** The user chose to add locations to this group. */
  using?: boolean;
  /** What re-checking an earlier create-group with no answer found, in words. */
  note?: string | undefined;
}

export interface GroupStepData {
  metadata: string;
  crm: CrmDefinition;
  accountType: AccountType;
  values: Readonly<Record<string, string>>;
  /** Secret keys with a value already entered (never the values). */
  secretsSet: ReadonlySet<string>;
  existing?: ExistingGroupInfo | undefined;
  /** Shown on top, e.g. "type the API key again". */
  note?: string | undefined;
}

export interface LocationView {
  uid: string;
  businessNumber: string;
  properties: Readonly<Record<string, string>>;
  nextRunTime: string;
  secretsSet: ReadonlySet<string>;
}

export interface LookupAvailability {
  /** The catalog lookup's label, e.g. "Carestack locations". */
  label: string;
  /** False when the values it needs are not known (the user types instead). */
  available: boolean;
  reason?: string | undefined;
}

export interface LocationsStepData {
  metadata: string;
  crm: CrmDefinition;
  accountType: AccountType;
  parentBusinessNumber: string;
  locations: readonly LocationView[];
  /** Per location property key with a lookup. */
  lookups: Readonly<Record<string, LookupAvailability>>;
  existing?: ExistingGroupInfo | undefined;
  /** Where Back goes. */
  backTo: string;
  /** Shown when the view cannot hold another location. */
  bulkHint?: string;
  /** Shown on top, e.g. "type the API key again". */
  note?: string | undefined;
}

export interface ReviewRequest {
  title: string;
  /** curl with secrets masked. */
  curl: string;
}

export interface ReviewStepData {
  metadata: string;
  crm: CrmDefinition;
  lines: readonly string[];
  warnings: readonly string[];
  requests: readonly ReviewRequest[];
}

export interface LocationOutcome {
  businessNumber: string;
  ok: boolean;
  /** Plain words; never a secret. */
  detail: string;
  /** Retry button value for a failed location. */
  retryValue?: string;
}

export interface SetupResult {
  crmName: string;
  parentBusinessNumber: string;
  userId: string;
  groupId?: number | undefined;
  createdGroup: boolean;
  /** Set when the group itself could not be created or read back. */
  groupError?: string | undefined;
  locations: readonly LocationOutcome[];
}

export type AddLocationStartData = CrmChoiceData;

export interface TriggerUpdateData {
  metadata: string;
  crm: CrmDefinition;
  businessNumber: string;
  groupId: number;
  triggerOptions: readonly TriggerOption[];
  selected: readonly string[];
  note?: string | undefined;
  error?: string | undefined;
}

function crmOf(services: Services, session: SetupSession): CrmDefinition {
  if (!session.crmId) throw new BotError('validation_failed', 'Choose a CRM first.');
  return services.catalog.get(session.crmId);
}

const show = (screen: SetupScreen): StepOutcome => ({ kind: 'show', screen });
const fieldErrors = (errors: Record<string, string>): StepOutcome => ({ kind: 'errors', errors });

export function messageScreen(title: string, text: string): SetupScreen {
  return { kind: 'message', title, text };
}

function workingScreen(session: SetupSession, text: string): SetupScreen {
  return { kind: 'working', metadata: metadataFor(session), text };
}

// ================================================================= step data

function existingInfo(crm: CrmDefinition, session: SetupSession): ExistingGroupInfo | undefined {
  if (session.flow === 'addLocation' && session.existingGroupId) {
    return {
      status: 'found',
      using: true,
      groupId: session.existingGroupId,
      businessNumber: session.parentBusinessNumber,
      crmName: crm.displayName,
    };
  }
  if (!session.existing) return undefined;
  return {
    status: session.existing.status,
    businessNumber: session.parentBusinessNumber,
    crmName: crm.displayName,
    groupId: session.existing.groupId,
    reason: session.existing.reason,
    note: session.existing.note,
    using: session.existingGroupId !== undefined,
  };
}

function crmChoice(services: Services, session: SetupSession): CrmChoiceData {
  return {
    metadata: metadataFor(session),
    crms: services.catalog.crms,
    crm: session.crmId ? services.catalog.crms.find((c) => c.id === session.crmId) : undefined,
    accountType: session.accountType,
    parentBusinessNumber: session.parentBusinessNumber,
  };
}

export function crmScreen(services: Services, session: SetupSession, note?: string): SetupScreen {
  const chosen = crmChoice(services, session);
  const choices = chosen.crm ? triggerChoices(chosen.crm, session.apiTriggers[chosen.crm.id]) : undefined;
  return {
    kind: 'crm',
    data: {
      ...chosen,
      triggerOptions: choices?.options ?? [],
      selectedTriggers: session.triggers ?? choices?.defaults ?? [],
      triggerNote: choices?.note,
      note,
    },
  };
}

function hasGroupStep(crm: CrmDefinition, session: SetupSession): boolean {
  return !session.existingGroupId && groupPropertiesFor(crm, session.accountType ?? 'smb').length > 0;
}

function groupScreen(services: Services, session: SetupSession): SetupScreen {
  const crm = crmOf(services, session);
  const accountType = session.accountType ?? 'smb';
  const secretsSet = new Set(
    groupPropertiesFor(crm, accountType)
      .filter((d) => d.secret && session.groupProperties[d.key])
      .map((d) => d.key),
  );
  const values: Record<string, string> = {};
  for (const [k, v] of Object.entries(session.groupProperties)) if (!secretsSet.has(k)) values[k] = v;
  return {
    kind: 'group',
    data: {
      metadata: metadataFor(session),
      crm,
      accountType,
      values,
      secretsSet,
      existing: existingInfo(crm, session),
    },
  };
}

/**
 * Group values a lookup may use: what was typed, normalised as the group body sends it (a pasted
 * Carestack URL is its customer domain, "yes" is true), else the documented default. A value the
 * normaliser refuses stays as typed: the group step has already said what is wrong with it.
 */
function groupInputs(crm: CrmDefinition, session: SetupSession): Record<string, string> {
  const inputs: Record<string, string> = {};
  for (const def of crm.groupProperties) {
    const typed = session.groupProperties[def.key]?.trim() ?? '';
    const normalized = normalizeProperty(def, typed, crm.displayName);
    const value = (normalized.ok ? normalized.value : typed) || def.default;
    if (value) inputs[def.key] = value;
  }
  return inputs;
}

function lookupAvailability(crm: CrmDefinition, session: SetupSession): Record<string, LookupAvailability> {
  const known = groupInputs(crm, session);
  const out: Record<string, LookupAvailability> = {};
  for (const def of crm.locationProperties) {
    if (!def.lookup) continue;
    const lookup = crm.lookups.find((l) => l.id === def.lookup);
    if (!lookup) continue;
    const missing = lookup.needs.filter((k) => !known[k]);
    out[def.key] =
      missing.length === 0
        ? { label: lookup.label, available: true }
        : {
            label: lookup.label,
            available: false,
            reason: session.existingGroupId
              ? "the existing group's credentials are not entered in this form, so type the value."
              : `it needs ${missing.map((k) => crm.groupProperties.find((d) => d.key === k)?.label ?? k).join(', ')}; type the value.`,
          };
  }
  return out;
}

function locationsScreen(services: Services, session: SetupSession): SetupScreen {
  const crm = crmOf(services, session);
  const accountType = session.accountType ?? 'smb';
  return {
    kind: 'locations',
    data: {
      metadata: metadataFor(session),
      crm,
      accountType,
      parentBusinessNumber: session.parentBusinessNumber,
      locations: session.locations.map((l) => ({
        uid: l.uid,
        businessNumber: l.businessNumber,
        nextRunTime: l.nextRunTime,
        properties: Object.fromEntries(
          Object.entries(l.properties).filter(
            ([k]) => !locationPropertiesFor(crm, accountType).find((d) => d.key === k)?.secret,
          ),
        ),
        secretsSet: new Set(
          locationPropertiesFor(crm, accountType)
            .filter((d) => d.secret && l.properties[d.key])
            .map((d) => d.key),
        ),
      })),
      lookups: lookupAvailability(crm, session),
      existing: existingInfo(crm, session),
      backTo: session.flow === 'addLocation' ? 'addloc' : hasGroupStep(crm, session) ? 'group' : 'crm',
    },
  };
}

function reviewScreen(services: Services, session: SetupSession, plan: Plan, refusal?: string): SetupScreen {
  const { catalog, config } = services;
  const crm = crmOf(services, session);
  const secretKeys = catalog.secretKeys(crm);
  const requests = [];
  if (plan.group)
    requests.push({
      title: 'Create the integration group',
      curl: toCurl(plan.group, config.INTEGRATION_API_URL, secretKeys),
    });
  for (const mapping of plan.mappings) {
    requests.push({
      title: `Map location ${mapping.businessNumber}${plan.group ? ' (the group ID is filled in once the group exists)' : ''}`,
      curl: toCurl(mapping.request, config.INTEGRATION_API_URL, secretKeys),
    });
  }
  return {
    kind: 'review',
    data: {
      metadata: metadataFor(session),
      crm,
      lines: describePlan(plan, catalog),
      warnings: [
        ...(refusal ? [refusal] : []),
        ...(plan.group ? existingGroupWarnings(crm, session) : []),
        ...plan.warnings,
      ],
      requests,
    },
  };
}

/** The group step's banner, said again where the create is confirmed (it is easy to scroll past). */
function existingGroupWarnings(crm: CrmDefinition, session: SetupSession): string[] {
  const existing = session.existing;
  const business = session.parentBusinessNumber;
  const note = existing?.note ? [existing.note] : [];
  if (existing?.status === 'found')
    return [
      ...note,
      `Business ${business} already has a ${crm.displayName} integration group (*${existing.groupId}*): Confirm creates a second one. To add these locations to it instead, go Back to the group step and choose "Add locations to it".`,
    ];
  if (existing?.status === 'failed' || existing?.status === 'pending')
    return [
      `Whether business ${business} already has a ${crm.displayName} group could not be checked${existing.reason ? ` (${existing.reason})` : ''}: look at \`/crm status ${business}\` before confirming.`,
    ];
  return note;
}

/** The screen of the step the session is on. */
function stepScreen(services: Services, session: SetupSession): SetupScreen {
  switch (session.step) {
    case 'group':
      return groupScreen(services, session);
    case 'locations':
      return locationsScreen(services, session);
    case 'addloc':
      return addLocationScreen(services, session);
    default:
      return crmScreen(services, session);
  }
}

function addLocationScreen(services: Services, session: SetupSession): SetupScreen {
  return { kind: 'addLocation', data: crmChoice(services, session) };
}

// ============================================================= open /crm setup

/** A new setup session and its first screen (the listener opens it; then `resolveTriggers` when `crmKnown`). */
export async function startSetup(
  services: Services,
  input: OpenInput & { crmText?: string | undefined },
): Promise<{ sessionId: string; screen: SetupScreen; crmKnown: boolean; note?: string | undefined }> {
  const { catalog } = services;
  const crm = input.crmText ? catalog.find(input.crmText) : undefined;
  const session = newSession({
    flow: 'setup',
    step: 'crm',
    userId: input.userId,
    ...(input.channelId ? { channelId: input.channelId } : {}),
    ...(crm ? { crmId: crm.id, accountType: crm.accountTypes[0] } : {}),
  });
  await saveSession(services, session);
  const note =
    input.crmText && !crm
      ? `I don't know a CRM called "${input.crmText}". Choose one below (the bot knows ${catalog.crms.map((c) => c.displayName).join(', ')}).`
      : undefined;
  return { sessionId: session.id, screen: crmScreen(services, session, note), crmKnown: crm !== undefined, note };
}

/**
 * Reads catalog triggers without an id from the triggers endpoint (once per session and CRM).
 * Returns the screen to update the open view with, or undefined when nothing changed.
 */
export async function resolveTriggers(
  services: Services,
  sessionId: string,
  note?: string,
): Promise<SetupScreen | undefined> {
  let session = await loadSession(services, sessionId);
  const crm = crmOf(services, session);
  if (!crm.triggers.some((t) => t.id === undefined) || session.apiTriggers[crm.id]) return undefined;
  let resolution: SetupSession['apiTriggers'][string];
  try {
    const listed = await services.api.listTriggers(crm.integrationSourceId);
    const items = [];
    for (const def of crm.triggers.filter((t) => t.id === undefined)) {
      const wanted = [def.triggerName, def.displayName].map((n) => n.toLowerCase());
      const hit = listed.find(
        (t) =>
          (t.triggerName && wanted.includes(t.triggerName.toLowerCase())) ||
          wanted.includes(t.displayName.toLowerCase()),
      );
      const type = hit?.integrationTriggerType[0]?.id;
      if (hit && type !== undefined && type > 0) {
        items.push({ triggerId: hit.id, triggerTypeId: type, displayName: def.displayName });
      }
    }
    resolution = { status: 'ok', items };
  } catch (err) {
    resolution = { status: 'failed', items: [], note: userMessage(err) };
  }
  session = await loadSession(services, sessionId);
  if (session.crmId !== crm.id) return undefined;
  session.apiTriggers = { ...session.apiTriggers, [crm.id]: resolution };
  await saveSession(services, session);
  if (session.step !== 'crm' && session.step !== 'triggers') return undefined;
  return session.step === 'triggers' ? triggerUpdateScreen(services, session) : crmScreen(services, session, note);
}

// ======================================================= step 1 interactions

/** The session a step-1 form (a new setup's or add-locations') belongs to, with what the form holds merged in. */
async function withCrmStep(services: Services, view: SubmittedView): Promise<SetupSession> {
  return mergeCrmStep(services.catalog, await loadSession(services, sessionIdFrom(view.metadata)), view.form);
}

/** The CRM select changed: keep everything typed, re-render step 1 (then `resolveTriggers` when asked). */
export async function changeCrm(
  services: Services,
  view: SubmittedView,
): Promise<{ screen: SetupScreen; sessionId: string; resolveTriggers: boolean }> {
  const session = await withCrmStep(services, view);
  await saveSession(services, session);
  const screen = session.step === 'addloc' ? addLocationScreen(services, session) : crmScreen(services, session);
  return { screen, sessionId: session.id, resolveTriggers: session.step === 'crm' && session.crmId !== undefined };
}

function stepErrors(
  services: Services,
  layout: ScreenLayout,
  session: SetupSession,
  step: 'crm' | 'group' | 'locations',
  screen: SetupScreen,
) {
  const crm = crmOf(services, session);
  const result = planSetup(services.catalog, planInputOf(crm, session));
  if (result.ok) return { plan: result.plan, errors: {} };
  return { errors: errorsFor(result.errors, step, session, layout.inputBlockIds(screen)), all: result.errors };
}

/** Step 1 submitted: validate, then step 2 (or 3) at once; the existing-group check runs after the ack. */
export async function submitCrmStep(
  services: Services,
  layout: ScreenLayout,
  view: SubmittedView,
  client: WriteClient,
  userId: string,
): Promise<StepOutcome> {
  const session = await withCrmStep(services, view);
  const current = crmScreen(services, session);
  if (!session.crmId) return fieldErrors({ [BLOCK.crm]: 'Choose the CRM' });
  if (!session.triggers)
    session.triggers = triggerChoices(crmOf(services, session), session.apiTriggers[session.crmId]).defaults;
  const { errors } = stepErrors(services, layout, session, 'crm', current);
  await saveSession(services, session);
  if (Object.keys(errors).length > 0) return fieldErrors(errors);

  const crm = crmOf(services, session);
  const parent = session.parentBusinessNumber;
  // Business or CRM may have changed since the last check: check again, after the ack.
  session.existing = { status: 'pending' };
  delete session.existingGroupId;
  if (session.locations.length === 0) session.locations = [newLocation()];
  if (session.accountType === 'smb') session.locations = session.locations.slice(0, 1);
  session.step = hasGroupStep(crm, session) ? 'group' : 'locations';
  await saveSession(services, session);
  return {
    kind: 'show',
    screen: stepScreen(services, session),
    after: () => checkExistingGroup(services, client, userId, session.id, parent),
  };
}

/** After step 1: does the business already have a group for this CRM? The open step's new screen when it does. */
async function checkExistingGroup(
  services: Services,
  client: WriteClient,
  userId: string,
  sessionId: string,
  parent: string,
): Promise<SetupScreen | undefined> {
  const before = await loadSession(services, sessionId);
  const crm = crmOf(services, before);
  let existing: SetupSession['existing'];
  try {
    const groupIds = await readGroupIds(services, crm, parent);
    const newest = groupIds[0];
    existing = newest ? { status: 'found', groupId: newest, groupIds } : { status: 'none', groupIds };
    // An earlier create with no answer: its group may have landed since; say what the read shows.
    const intent = await loadCreateIntent(services.store, parent, crm.id);
    if (intent) {
      const check = await settleIntent(services, client, userId, crm, intent, groupIds);
      existing.note = intentWords(services, crm, intent, check);
      if (check.kind === 'landed') Object.assign(existing, { status: 'found', groupId: check.groupId });
    }
  } catch (err) {
    existing = { status: 'failed', reason: userMessage(err) };
  }
  const session = await loadSession(services, sessionId);
  if (session.parentBusinessNumber !== parent || session.existing?.status !== 'pending') return undefined;
  session.existing = existing;
  await saveSession(services, session);
  if (session.step === 'group' || session.step === 'locations') return stepScreen(services, session);
  return undefined;
}

// ============================================== an earlier create with no answer

const clockOf = (services: Services) => services.clock ?? systemClock;

/**
 * Checks an unresolved create against the business's current groups of the CRM (newest first). Landed or
 * apparently lost settles it (audited, the intent dropped); still unknown leaves it for the next check.
 */
async function settleIntent(
  services: Services,
  client: WriteClient,
  userId: string,
  crm: CrmDefinition,
  intent: CreateIntent,
  groupIds: readonly number[],
): Promise<IntentCheck> {
  const check = checkIntentNow(services, intent, groupIds);
  if (check.kind === 'pending') return check;
  await auditDecision(
    services,
    client,
    recheckWrite(userId, crm, intent),
    check.kind === 'landed' ? 'succeeded' : 'failed',
    check.kind === 'landed'
      ? { ids: { groupId: check.groupId } }
      : { error: new BotError('create_unresolved', intentWords(services, crm, intent, check)) },
  );
  await clearCreateIntent(services.store, intent.businessNumber, intent.crmId);
  return check;
}

/** The audit trail's view of a re-check: linked to the unanswered create by its idempotency key. */
function recheckWrite(userId: string, crm: CrmDefinition, intent: CreateIntent) {
  return {
    userId,
    businessNumber: intent.businessNumber,
    crmId: crm.id,
    operation: 'createGroup.recheck',
    maskedRequest: undefined,
    idempotencyKey: intent.idempotencyKey,
  };
}

/** What happened to the earlier create, when, by whom, and what to do now. */
function intentWords(services: Services, crm: CrmDefinition, intent: CreateIntent, check: IntentCheck): string {
  const earlier = unansweredCreate(intent);
  switch (check.kind) {
    case 'landed':
      return `${earlier}, but it did land: ${crm.displayName} group *${check.groupId}* is new since then. Add these locations to it ("Add locations to it") instead of creating another group.`;
    case 'pending':
      return `${pendingCreate(intent, crm.displayName)} Check \`/crm status ${intent.businessNumber}\`. To keep the business from getting two groups, the bot refuses another create for ${check.minutesLeft} more minute${check.minutesLeft === 1 ? '' : 's'} (until ${utc(check.until, false)}); if no group shows by then, Confirm sends the create again.`;
    case 'expired':
      return `${earlier}, and no new ${crm.displayName} group showed within ${services.config.CREATE_GROUP_RECHECK_MINUTES} minutes: it apparently did not land. Confirm sends the create again.`;
  }
}

/**
 * Confirm while an earlier create for this business and CRM is unresolved (after the ack): re-read the
 * groups first. Landed: back to the group step offering that group, nothing sent. Still unknown: the
 * review again with the refusal, nothing claimed, so a later Confirm re-checks. Apparently lost: create.
 */
async function confirmAfterRecheck(
  services: Services,
  client: WriteClient,
  session: SetupSession,
  plan: Plan,
  intent: CreateIntent,
  viewId: string,
  userId: string,
): Promise<FollowUp> {
  const store = services.store;
  const crm = crmOf(services, session);
  const parent = session.parentBusinessNumber;
  let groupIds: number[];
  try {
    groupIds = await readGroupIds(services, crm, parent);
  } catch (err) {
    return reviewScreen(
      services,
      session,
      plan,
      `:no_entry: Nothing was sent: an earlier create-group request for business ${parent} is unresolved and its groups could not be re-read (${userMessage(err)}). Confirm again in a moment.`,
    );
  }
  const check = await settleIntent(services, client, userId, crm, intent, groupIds);
  const fresh = await loadSession(services, session.id);
  const note = intentWords(services, crm, intent, check);
  if (check.kind === 'pending') {
    const refusal = `:no_entry: Not created, nothing was sent. ${note}`;
    await auditDecision(services, client, recheckWrite(userId, crm, intent), 'refused', {
      error: new BotError('create_unresolved', note),
    });
    return reviewScreen(services, fresh, plan, refusal);
  }
  if (check.kind === 'landed') {
    fresh.existing = { status: 'found', groupId: check.groupId, groupIds, note };
    fresh.step = hasGroupStep(crm, fresh) ? 'group' : 'locations';
    await saveSession(services, fresh);
    return stepScreen(services, fresh);
  }
  // Apparently lost: this Confirm creates; a group read back later must be new since now.
  fresh.existing = groupIds[0]
    ? { status: 'found', groupId: groupIds[0], groupIds, note }
    : { status: 'none', groupIds, note };
  const claimed = await store.setIfAbsent(confirmKey(viewId), { userId }, 24 * 3600_000);
  if (!claimed) return workingScreen(fresh, 'Setting up… the result will also be posted in the channel.');
  fresh.step = 'working';
  await saveSession(services, fresh);
  return {
    kind: 'done',
    result: await runSetup(services, client, fresh, plan, viewId, userId),
    channelId: fresh.channelId,
  };
}

// ============================================================ step 2 and 3

/**
 * A step 2 or 3 submission's session with the form merged in by `merge`, saved before it is checked, so
 * nothing typed is lost when the step answers with errors.
 */
async function saveSubmittedStep(
  services: Services,
  view: SubmittedView,
  merge: (crm: CrmDefinition, session: SetupSession, form: FormValues) => SetupSession,
): Promise<SetupSession> {
  const loaded = await loadSession(services, sessionIdFrom(view.metadata));
  const session = merge(crmOf(services, loaded), loaded, view.form);
  await saveSession(services, session);
  return session;
}

export async function submitGroupStep(
  services: Services,
  layout: ScreenLayout,
  view: SubmittedView,
): Promise<StepOutcome> {
  const session = await saveSubmittedStep(services, view, mergeGroupStep);
  const { errors } = stepErrors(services, layout, session, 'group', groupScreen(services, session));
  if (Object.keys(errors).length > 0) return fieldErrors(errors);
  session.step = 'locations';
  if (session.locations.length === 0) session.locations = [newLocation()];
  await saveSession(services, session);
  return show(locationsScreen(services, session));
}

function listSeparator(crm: CrmDefinition) {
  return (key: string) => {
    const def = crm.locationProperties.find((d) => d.key === key);
    return def?.format.kind === 'list' ? def.format.separator : ',';
  };
}

export async function submitLocationsStep(
  services: Services,
  layout: ScreenLayout,
  view: SubmittedView,
): Promise<StepOutcome> {
  const session = await saveSubmittedStep(services, view, (crm, loaded, form) =>
    mergeLocationsStep(crm, loaded, form, listSeparator(crm)),
  );
  const { plan, errors, all } = stepErrors(services, layout, session, 'locations', locationsScreen(services, session));
  if (Object.keys(errors).length > 0) return fieldErrors(errors);
  if (!plan) {
    // An earlier step's answer is wrong (e.g. the group was chosen after step 2): say so plainly.
    const text = (all ?? []).map((e) => `• ${e.message}`).join('\n');
    return fieldErrors({
      [BLOCK.location(session.locations[0]?.uid ?? '', 'businessNumber')]: `Go back and fix: ${text}`,
    });
  }
  session.step = 'review';
  await saveSession(services, session);
  return show(reviewScreen(services, session, plan));
}

export type StepAction =
  | { kind: 'back'; target: string }
  | { kind: 'add' }
  | { kind: 'remove'; uid: string }
  | { kind: 'useExisting' };

/** Buttons in steps 2–4: Back, Add location, Remove, Use existing group. The view's state is saved first. */
export async function stepAction(
  services: Services,
  layout: ScreenLayout,
  view: SubmittedView,
  action: StepAction,
): Promise<SetupScreen> {
  let session = await loadSession(services, sessionIdFrom(view.metadata));
  const form = view.form;
  if (session.crmId) {
    const crm = crmOf(services, session);
    if (session.step === 'group') session = mergeGroupStep(crm, session, form);
    if (session.step === 'locations') session = mergeLocationsStep(crm, session, form, listSeparator(crm));
  }
  switch (action.kind) {
    case 'back':
      if (['crm', 'group', 'locations', 'addloc'].includes(action.target)) {
        session.step = action.target as SetupSession['step'];
      }
      break;
    case 'add': {
      const crm = crmOf(services, session);
      const cap = layout.maxLocations({
        crm,
        accountType: session.accountType ?? 'smb',
        lookups: lookupAvailability(crm, session),
      });
      if (session.accountType === 'enterprise' && session.locations.length < cap) session.locations.push(newLocation());
      break;
    }
    case 'remove':
      if (session.locations.length > 1) session.locations = session.locations.filter((l) => l.uid !== action.uid);
      break;
    case 'useExisting':
      if (session.existing?.status === 'found' && session.existing.groupId) {
        session.existingGroupId = session.existing.groupId;
        session.step = 'locations';
        if (session.locations.length === 0) session.locations = [newLocation()];
      }
      break;
  }
  await saveSession(services, session);
  if (session.step === 'review') {
    const result = planSetup(services.catalog, planInputOf(crmOf(services, session), session));
    return result.ok ? reviewScreen(services, session, result.plan) : locationsScreen(services, session);
  }
  return stepScreen(services, session);
}

// ===================================================================== lookups

const LOOKUP_CACHE_MS = 5 * 60_000;
const MAX_OPTIONS = 100;

/** One entry of a lookup select; `value` LOOKUP_FAILED_VALUE means "nothing usable, type it". */
export interface LookupChoice {
  value: string;
  label: string;
  description?: string;
}

/** Options for a location property's external select: a live lookup with the credentials entered in step 2. */
export async function lookupChoices(
  services: Services,
  input: { blockId: string; typed: string; metadata: string | undefined },
): Promise<LookupChoice[]> {
  const store = services.store;
  try {
    const session = await loadSession(services, sessionIdFrom(input.metadata));
    const crm = crmOf(services, session);
    const key = parseLocationBlock(input.blockId)?.field ?? '';
    const def = crm.locationProperties.find((d) => d.key === key);
    if (!def?.lookup) return [];
    const inputs = groupInputs(crm, session);
    // Keyed by a digest of the inputs: changed credentials never reuse old answers (and are not in the key).
    const digest = createHash('sha256').update(JSON.stringify(inputs)).digest('hex').slice(0, 16);
    const cacheKey = `setup:lookup:${session.id}:${def.lookup}:${digest}`;
    let options = await store.get<Array<{ value: string; label: string }>>(cacheKey);
    if (!Array.isArray(options)) {
      options = await runLookup(services.api, crm, def.lookup, inputs);
      await store.set(cacheKey, options, LOOKUP_CACHE_MS);
    }
    const typed = input.typed.trim().toLowerCase();
    const matching = options.filter(
      (o) => !typed || o.label.toLowerCase().includes(typed) || o.value.toLowerCase().includes(typed),
    );
    if (matching.length === 0) {
      return [{ value: LOOKUP_FAILED_VALUE, label: 'Nothing matches — type the value in the field below' }];
    }
    return matching.slice(0, MAX_OPTIONS).map((o) => ({ value: o.value, label: o.label }));
  } catch (err) {
    services.logger.warn({ err: { code: (err as BotError).code }, blockId: input.blockId }, 'setup lookup failed');
    return [
      {
        value: LOOKUP_FAILED_VALUE,
        label: 'Lookup failed — type the value in the field below',
        description: userMessage(err),
      },
    ];
  }
}

// ===================================================================== confirm

const confirmKey = (viewId: string) => `setup:confirm:${viewId}`;
const mappingKey = (viewId: string, businessNumber: string | number, attempt: number) =>
  idempotencyKey(viewId, 'createMapping', businessNumber, `attempt${attempt}`);

/** Confirm: ack with "Setting up…", then the writes. A duplicate submission of the same view runs nothing. */
export async function submitReview(
  services: Services,
  client: WriteClient,
  view: SubmittedView,
  userId: string,
): Promise<StepOutcome> {
  const store = services.store;
  const session = await loadSession(services, sessionIdFrom(view.metadata));
  const crm = crmOf(services, session);
  // Refused before the claim: a refusal changes nothing, so the owner's own Confirm still writes.
  try {
    await assertMayWrite(services, client, {
      userId,
      ownerId: session.userId,
      idempotencyKey: idempotencyKey(view.id, 'confirm'),
      businessNumber: session.parentBusinessNumber,
      crmId: crm.id,
      operation: 'setup.confirm',
      maskedRequest: undefined,
    });
  } catch (err) {
    if (!(err instanceof ForbiddenError)) throw err;
    return { kind: 'push', screen: messageScreen('Not confirmed', `:no_entry: ${userMessage(err)} Nothing was sent.`) };
  }
  const lost = lostSecrets(services, session);
  if (lost) return show(await askAgainFor(services, crm, lost));
  const working = workingScreen(session, 'Setting up… the result will also be posted in the channel.');
  const result = planSetup(services.catalog, planInputOf(crm, session));
  // An earlier create for this business and CRM got no answer: nothing is claimed before its re-check.
  const intent =
    result.ok && result.plan.group ? await loadCreateIntent(store, session.parentBusinessNumber, crm.id) : undefined;
  if (result.ok && intent) {
    const plan = result.plan;
    return {
      kind: 'show',
      screen: workingScreen(
        session,
        `Checking whether the earlier create-group request for business ${session.parentBusinessNumber} landed…`,
      ),
      after: () => confirmAfterRecheck(services, client, session, plan, intent, view.id, userId),
    };
  }
  const claimed = await store.setIfAbsent(confirmKey(view.id), { userId }, 24 * 3600_000);
  if (!claimed) return show(working);
  if (!result.ok) {
    await store.delete(confirmKey(view.id));
    session.step = 'locations';
    await saveSession(services, session);
    const text = result.errors.map((e) => `• ${e.message}`).join('\n');
    return show(
      messageScreen('Cannot set up yet', `Nothing was sent. Fix these first (run \`/crm setup\` again):\n${text}`),
    );
  }
  session.step = 'working';
  await saveSession(services, session);
  return {
    kind: 'show',
    screen: working,
    after: async () => ({
      kind: 'done',
      result: await runSetup(services, client, session, result.plan, view.id, userId),
      channelId: session.channelId,
    }),
  };
}

/** The business's groups of this CRM, newest (highest id) first. */
async function readGroupIds(services: Services, crm: CrmDefinition, parent: number | string): Promise<number[]> {
  const groups = await services.api.getGroups(parent);
  return groups
    .filter((g) => g.integrationSourceType.id === crm.integrationSourceId)
    .map((g) => g.groupId)
    .sort((a, b) => b - a);
}

async function readGroupId(services: Services, crm: CrmDefinition, parent: number): Promise<number | undefined> {
  return (await readGroupIds(services, crm, parent))[0];
}

/**
 * The group this setup's create made, read back when the create's answer did not name it: the group of the
 * CRM that was not there at the existing-group check. Undefined when there is none yet, or no single one
 * (several new, or the check's list unknown while more than one exists): never an older group.
 */
async function readCreatedGroupId(
  services: Services,
  crm: CrmDefinition,
  session: SetupSession,
): Promise<{ groupId: number | undefined; seen: number[] }> {
  const now = await readGroupIds(services, crm, session.parentBusinessNumber);
  const before = session.existing?.groupIds;
  const fresh = before ? now.filter((id) => !before.includes(id)) : now;
  return { groupId: fresh.length === 1 ? fresh[0] : undefined, seen: now };
}

function propertyMap(properties: ReadonlyArray<{ propertyKey: string; propertyValue: string }> | undefined) {
  return Object.fromEntries((properties ?? []).map((p) => [p.propertyKey, p.propertyValue]));
}

/** The writes of a confirmed setup: the group (when new), read back, then each mapping. Returns the outcome. */
async function runSetup(
  services: Services,
  client: WriteClient,
  session: SetupSession,
  plan: Plan,
  viewId: string,
  userId: string,
): Promise<SetupResult> {
  const crm = crmOf(services, session);
  const secretKeys = services.catalog.secretKeys(crm);
  const parent = String(plan.parentBusinessNumber);
  const groupValues = withoutSecrets(propertyMap(plan.group?.body.integrationGroupProperties), secretKeys, 'group');
  const record: SetupRecord = {
    id: viewId,
    viewId,
    crmId: crm.id,
    accountType: plan.accountType,
    parentBusinessNumber: parent,
    userId,
    createdGroup: false,
    groupValues: groupValues.values,
    groupSecretKeys: groupValues.secretKeysSet,
    locations: [],
  };
  let groupId = plan.existingGroupId;
  if (plan.group) {
    const group = plan.group;
    let outcomeUnknown = false;
    let answeredGroupId: number | undefined;
    const createKey = idempotencyKey(viewId, 'createGroup');
    const sentAt = clockOf(services).now();
    /** The groups known not to be this create's: a group of the CRM outside them is the create landing. */
    let groupIdsBefore = session.existing?.groupIds;
    try {
      const created = await performWrite(services, client, {
        userId,
        idempotencyKey: createKey,
        businessNumber: parent,
        crmId: crm.id,
        operation: 'createGroup',
        maskedRequest: maskRequest(group, secretKeys),
        send: () => services.api.createGroup(group.body),
      });
      answeredGroupId = CreateGroupAnswer.safeParse(created.ids).data?.groupId;
    } catch (err) {
      if (err instanceof ApiError && err.details.maybeApplied) outcomeUnknown = true;
      else record.groupError = `The group was not created: ${userMessage(err)}`;
    }
    if (answeredGroupId !== undefined) {
      // The create's own answer names the group: no read, which could still show only an older group.
      groupId = answeredGroupId;
      record.createdGroup = true;
    } else if (!record.groupError) {
      try {
        const readBack = await readCreatedGroupId(services, crm, session);
        groupId = readBack.groupId;
        groupIdsBefore ??= readBack.seen;
        if (groupId === undefined) {
          record.groupError = outcomeUnknown
            ? `The create-group request for business ${parent} got no answer in time, and no new ${crm.displayName} group shows yet: whether it was created is *unknown*, it may still land. Nothing else was sent. For the next ${services.config.CREATE_GROUP_RECHECK_MINUTES} minutes a \`/crm setup\` of ${crm.displayName} for business ${parent} looks for that group first and does not create a second one; check \`/crm status ${parent}\` in a few minutes.`
            : `The group was created, but its answer did not name it and reading business ${parent}'s groups shows no single new ${crm.displayName} group (an older group is never used). Nothing else was sent: check \`/crm status ${parent}\` before trying again.`;
        } else record.createdGroup = true;
      } catch (err) {
        record.groupError = `The group ${outcomeUnknown ? 'may have been' : 'was'} created but could not be read back (${userMessage(err)}). Nothing else was sent: check \`/crm status ${parent}\` before trying again.`;
      }
    }
    if (outcomeUnknown && groupId === undefined) {
      // Kept so the next setup re-reads before creating: no request, no answer, no secret.
      await saveCreateIntent(services.store, {
        businessNumber: parent,
        crmId: crm.id,
        at: sentAt,
        userId,
        idempotencyKey: createKey,
        ...(groupIdsBefore ? { groupIdsBefore } : {}),
      });
    }
  }
  if (groupId !== undefined && !record.groupError) {
    record.groupId = groupId;
    const planned = withGroupId(plan, groupId);
    for (const mapping of planned.mappings) {
      record.locations.push(await sendMapping(services, client, record, mapping.request, 1));
    }
  }
  await saveRecord(services.store, record);
  await deleteSession(services.store, session.id);
  return resultOf(services, record);
}

/** One mapping through performWrite; saves a ConfigRecord (no secret values) when it succeeds. */
async function sendMapping(
  services: Services,
  client: WriteClient,
  record: SetupRecord,
  request: CreateMappingRequest,
  attempt: number,
): Promise<LocationResult> {
  const crm = services.catalog.get(record.crmId);
  const secretKeys = services.catalog.secretKeys(crm);
  const businessNumber = String(request.body.businessNumber);
  try {
    await performWrite(services, client, {
      userId: record.userId,
      idempotencyKey: mappingKey(record.viewId, businessNumber, attempt),
      businessNumber,
      crmId: crm.id,
      operation: 'createMapping',
      maskedRequest: maskRequest(request, secretKeys),
      send: () => services.api.createMapping(request.body),
    });
  } catch (err) {
    return { businessNumber, status: 'failed', detail: userMessage(err), attempt, request };
  }
  const location = withoutSecrets(propertyMap(request.body.integrationProperties), secretKeys, 'location');
  await saveConfigRecord(services.store, {
    businessNumber,
    crmId: crm.id,
    accountType: record.accountType,
    groupId: request.body.integrationGroupId,
    groupProperties: record.groupValues,
    locationProperties: location.values,
    secretKeysSet: [...new Set([...record.groupSecretKeys, ...location.secretKeysSet])],
    ...(request.body.beta !== undefined ? { beta: request.body.beta } : {}),
    updatedBy: record.userId,
    updatedAt: new Date().toISOString(),
  }).catch((err: unknown) =>
    services.logger.warn({ err: { code: (err as BotError).code } }, 'config record not saved'),
  );
  return { businessNumber, status: 'ok', detail: 'mapped', attempt };
}

function resultOf(services: Services, record: SetupRecord): SetupResult {
  const crm = services.catalog.get(record.crmId);
  return {
    crmName: crm.displayName,
    parentBusinessNumber: record.parentBusinessNumber,
    userId: record.userId,
    groupId: record.groupId,
    createdGroup: record.createdGroup,
    groupError: record.groupError,
    locations: record.locations.map((l) => ({
      businessNumber: l.businessNumber,
      ok: l.status === 'ok',
      detail: l.detail,
      ...(l.status === 'failed'
        ? { retryValue: JSON.stringify({ r: record.id, bn: l.businessNumber, a: l.attempt + 1 }) }
        : {}),
    })),
  };
}

// ======================================================================= retry

/**
 * Retry one failed mapping from the result message: the attempt number in the button makes a double click
 * send once. Returns the result to show in place of the message.
 */
/**
 * Typed secrets live in process memory only: after a restart (or on another replica) Confirm finds them
 * gone, and goes back to the step that asks for them, saying so, instead of sending without them.
 */
async function askAgainFor(
  services: Services,
  crm: CrmDefinition,
  lost: NonNullable<ReturnType<typeof lostSecrets>>,
): Promise<SetupScreen> {
  const session: SetupSession = { ...lost.session, step: lost.step };
  await saveSession(services, session);
  const levels = [...crm.groupProperties, ...crm.locationProperties];
  const labels = lost.keys.map((k) => levels.find((d) => d.key === k)?.label ?? k);
  const note =
    `:warning: Type the ${labels.join(', ')} again: the bot restarted after you typed ${labels.length > 1 ? 'them' : 'it'}, ` +
    'and it never keeps a typed secret in its store. Nothing was sent.';
  const screen = lost.step === 'group' ? groupScreen(services, session) : locationsScreen(services, session);
  if (screen.kind === 'group' || screen.kind === 'locations') screen.data.note = note;
  return screen;
}

export async function retryMapping(
  services: Services,
  client: WriteClient,
  input: { value: string; userId: string },
): Promise<SetupResult> {
  const store = services.store;
  let value: { r?: unknown; bn?: unknown; a?: unknown };
  try {
    value = JSON.parse(input.value) as typeof value;
  } catch {
    throw new BotError('validation_failed', 'That Retry button is not one the bot recognises.');
  }
  const attempt = typeof value.a === 'number' && Number.isInteger(value.a) && value.a > 0 ? value.a : undefined;
  const record = typeof value.r === 'string' ? await loadRecord(store, value.r) : undefined;
  if (!record || attempt === undefined) {
    throw new BotError(
      'validation_failed',
      'This setup result has expired (kept for 24 hours). Run `/crm setup` again for the location.',
    );
  }
  const index = record.locations.findIndex((l) => l.businessNumber === value.bn);
  const location = record.locations[index];
  if (location && location.status === 'failed') {
    const request = CreateMappingRequest.safeParse(location.request);
    if (!request.success)
      throw new BotError(
        'validation_failed',
        'The failed request is no longer available. Run `/crm setup` again for the location.',
      );
    const lost = blankedSecrets(request.data);
    if (lost.length > 0) {
      const crm = services.catalog.get(record.crmId);
      const labels = lost.map((k) => crm.locationProperties.find((d) => d.key === k)?.label ?? k);
      throw new BotError(
        'validation_failed',
        `This Retry needs the location's ${labels.join(', ')}, which the bot keeps in memory only and lost when it restarted. Nothing was sent. Run \`/crm setup\` again for the location.`,
      );
    }
    const retried = await sendMapping(services, client, { ...record, userId: input.userId }, request.data, attempt);
    record.locations[index] = retried;
    await saveRecord(store, record);
  }
  return resultOf(services, record);
}

// ================================================================ add location

export function parseStatusButton(value: string | undefined): StatusButton {
  try {
    const raw = JSON.parse(value ?? '{}') as Record<string, unknown>;
    return {
      businessNumber: raw.businessNumber === undefined ? undefined : String(raw.businessNumber),
      crmId: typeof raw.crmId === 'string' ? raw.crmId : undefined,
      groupId: typeof raw.groupId === 'number' ? raw.groupId : Number(raw.groupId) || undefined,
    };
  } catch {
    return {};
  }
}

/** A new add-location session and its first screen. */
export async function startAddLocation(
  services: Services,
  input: OpenInput & StatusButton,
): Promise<{ sessionId: string; screen: SetupScreen }> {
  const crm = input.crmId ? services.catalog.find(input.crmId) : undefined;
  const accountType: AccountType | undefined = crm
    ? crm.accountTypes.includes('enterprise')
      ? 'enterprise'
      : 'smb'
    : undefined;
  const session = newSession({
    flow: 'addLocation',
    step: 'addloc',
    userId: input.userId,
    ...(input.channelId ? { channelId: input.channelId } : {}),
    ...(crm && accountType ? { crmId: crm.id, accountType } : {}),
    parentBusinessNumber: input.businessNumber ?? '',
  });
  await saveSession(services, session);
  return { sessionId: session.id, screen: addLocationScreen(services, session) };
}

/** Business ID of the group given: read the group (after the ack), then the locations step. */
export async function submitAddLocationStart(
  services: Services,
  layout: ScreenLayout,
  view: SubmittedView,
): Promise<StepOutcome> {
  const session = await withCrmStep(services, view);
  if (!session.crmId) return fieldErrors({ [BLOCK.crm]: 'Choose the CRM' });
  const crm = crmOf(services, session);
  const result = planSetup(services.catalog, { ...planInputOf(crm, session), existingGroupId: 1, locations: [] });
  const errors = result.ok
    ? {}
    : errorsFor(
        result.errors.filter((e) => e.field !== 'triggers'),
        'crm',
        session,
        layout.inputBlockIds(addLocationScreen(services, session)),
      );
  await saveSession(services, session);
  if (Object.keys(errors).length > 0) return fieldErrors(errors);
  session.step = 'reading';
  await saveSession(services, session);
  return {
    kind: 'show',
    screen: workingScreen(session, `Reading the ${crm.displayName} group of business ${session.parentBusinessNumber}…`),
    after: async () => {
      let groupId: number | undefined;
      let text: string | undefined;
      try {
        groupId = await readGroupId(services, crm, Number(session.parentBusinessNumber));
        if (groupId === undefined) {
          text = `Business ${session.parentBusinessNumber} has no ${crm.displayName} integration group. Create one with \`/crm setup ${crm.id}\`.`;
        }
      } catch (err) {
        text = userMessage(err);
      }
      if (text || groupId === undefined) return messageScreen('Add a location', `:x: ${text}`);
      const fresh = await loadSession(services, session.id);
      fresh.existingGroupId = groupId;
      fresh.step = 'locations';
      if (fresh.locations.length === 0) fresh.locations = [newLocation()];
      await saveSession(services, fresh);
      return locationsScreen(services, fresh);
    },
  };
}

// ============================================================= trigger update

function triggerUpdateScreen(services: Services, session: SetupSession, error?: string): SetupScreen {
  const crm = crmOf(services, session);
  const choices = triggerChoices(crm, session.apiTriggers[crm.id]);
  return {
    kind: 'triggers',
    data: {
      metadata: metadataFor(session),
      crm,
      businessNumber: session.parentBusinessNumber,
      groupId: session.existingGroupId ?? 0,
      triggerOptions: choices.options,
      selected: session.triggers ?? [],
      note: choices.note,
      error,
    },
  };
}

/** A new trigger-update session for a status button's group, and its screen (then `resolveTriggers`). */
export async function startTriggerUpdate(
  services: Services,
  input: OpenInput & StatusButton,
): Promise<{ sessionId: string; screen: SetupScreen }> {
  const crm = input.crmId ? services.catalog.find(input.crmId) : undefined;
  if (!crm || !input.groupId || !input.businessNumber) {
    throw new BotError(
      'validation_failed',
      'This button does not say which group to update. Run `/crm status <business id>` again.',
    );
  }
  const session = newSession({
    flow: 'triggers',
    step: 'triggers',
    userId: input.userId,
    crmId: crm.id,
    parentBusinessNumber: input.businessNumber,
    existingGroupId: input.groupId,
    triggers: [],
    ...(input.channelId ? { channelId: input.channelId } : {}),
  });
  await saveSession(services, session);
  return { sessionId: session.id, screen: triggerUpdateScreen(services, session) };
}

/** The planned trigger update: errors for the form, or the write to run (returning the screen to show). */
function triggerUpdate(
  services: Services,
  client: WriteClient,
  session: SetupSession,
  selected: string[],
  replace: boolean,
  viewId: string,
  userId: string,
): { errors: string } | { run: () => Promise<SetupScreen> } {
  const crm = crmOf(services, session);
  const choices = selected.flatMap((v) => {
    const c = parseTriggerValue(v);
    return c ? [c] : [];
  });
  const planned = planTriggerUpdate(services.catalog, crm.id, session.existingGroupId ?? 0, choices, replace);
  if (!planned.ok) return { errors: planned.errors.map((e) => e.message).join('. ') };
  const request = planned.request;
  return {
    run: async () => {
      let text: string;
      try {
        await performWrite(services, client, {
          userId,
          idempotencyKey: idempotencyKey(viewId, 'updateTriggers', replace ? 'replace' : 'add', selected.join('+')),
          businessNumber: session.parentBusinessNumber,
          crmId: crm.id,
          operation: 'updateTriggers',
          maskedRequest: request,
          send: () => services.api.updateTriggers(request.body, replace),
        });
        const names = request.body.integrationGroupTriggers.map((t) => {
          const option = triggerChoices(crm, session.apiTriggers[crm.id]).options.find(
            (o) => parseTriggerValue(o.value)?.triggerId === t.triggerId,
          );
          return option?.label ?? String(t.triggerId);
        });
        text = `:white_check_mark: ${replace ? 'Replaced the triggers of' : 'Added triggers to'} group ${session.existingGroupId}: ${names.join(', ')}.`;
      } catch (err) {
        text = `:x: ${userMessage(err)}`;
      }
      return messageScreen('Update triggers', text);
    },
  };
}

/** Submit = add triggers (keeps the group's current ones). */
export async function submitTriggerUpdate(
  services: Services,
  client: WriteClient,
  view: SubmittedView,
  userId: string,
): Promise<StepOutcome> {
  const session = await loadSession(services, sessionIdFrom(view.metadata));
  const selected = view.form.selected(BLOCK.triggers);
  session.triggers = selected;
  await saveSession(services, session);
  const planned = triggerUpdate(services, client, session, selected, false, view.id, userId);
  if ('errors' in planned) return fieldErrors({ [BLOCK.triggers]: planned.errors ?? '' });
  return { kind: 'show', screen: workingScreen(session, 'Adding the triggers…'), after: planned.run };
}

/**
 * "Replace all triggers…" (after Slack's confirm dialog): the form again with the error, or the
 * working screen and the write to run after showing it.
 */
export async function replaceTriggers(
  services: Services,
  client: WriteClient,
  view: SubmittedView,
  userId: string,
): Promise<{ screen: SetupScreen; run?: () => Promise<SetupScreen> }> {
  const session = await loadSession(services, sessionIdFrom(view.metadata));
  const selected = view.form.selected(BLOCK.triggers);
  session.triggers = selected;
  await saveSession(services, session);
  const planned = triggerUpdate(services, client, session, selected, true, view.id, userId);
  if ('errors' in planned) return { screen: triggerUpdateScreen(services, session, planned.errors) };
  return { screen: workingScreen(session, 'Replacing the triggers…'), run: planned.run };
}
