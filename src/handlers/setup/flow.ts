import { createHash } from 'node:crypto';
import type { App, types } from '@slack/bolt';
import type { CrmDefinition } from '../../catalog/schema';
import { ApiError, BotError, userMessage } from '../../errors';
import { runLookup } from '../../integration/lookups';
import { saveConfigRecord, withoutSecrets } from '../../operations/config-records';
import { idempotencyKey, performWrite } from '../../operations/write';
import { describePlan, maskRequest, toCurl } from '../../planner/curl';
import { planSetup, planTriggerUpdate, withGroupId } from '../../planner/plan';
import { CreateMappingRequest, type Plan } from '../../planner/types';
import type { Services } from '../../services';
import {
  BLOCK,
  buildAddLocationStart,
  buildCrmStep,
  buildGroupStep,
  buildLocationsStep,
  buildMessageView,
  buildResultMessage,
  buildReviewStep,
  buildSummaryView,
  buildTriggerUpdate,
  buildWorkingView,
  type ExistingGroupInfo,
  groupPropertiesFor,
  LOOKUP_FAILED_VALUE,
  type LookupAvailability,
  locationPropertiesFor,
  maxLocations,
  type SetupResult,
} from '../../slack/views/setup';
import {
  deleteSession,
  type LocationResult,
  loadRecord,
  loadSession,
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
  inputBlockIds,
  mergeCrmStep,
  mergeGroupStep,
  mergeLocationsStep,
  parseLocationBlock,
  parseTriggerValue,
  planInputOf,
  readForm,
  triggerChoices,
} from './state';

type SlackClient = App['client'];
type ModalView = types.ModalView;

export interface SetupDeps {
  services: Services;
  client: SlackClient;
}

/** What a view_submission listener acks with, and the slow work to run after the ack. */
export interface SubmissionResult {
  ack: { response_action: 'errors'; errors: Record<string, string> } | { response_action: 'update'; view: ModalView };
  after?: () => Promise<void>;
}

/** The parts of a submitted or acted-on view the handlers read. */
export interface ViewInput {
  id: string;
  hash?: string | undefined;
  private_metadata?: string | undefined;
  state?: unknown;
}

/** Thrown when Slack refuses views.open because the 3 s trigger window passed. */
export const EXPIRED_TRIGGER_MESSAGE = 'That took too long, run the command again.';

function slackError(err: unknown): string | undefined {
  return (err as { data?: { error?: string } } | undefined)?.data?.error;
}

function crmOf(deps: SetupDeps, session: SetupSession): CrmDefinition {
  if (!session.crmId) throw new BotError('validation_failed', 'Choose a CRM first.');
  return deps.services.catalog.get(session.crmId);
}

// ================================================================= rendering

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
    using: session.existingGroupId !== undefined,
  };
}

export function renderCrmStep(deps: SetupDeps, session: SetupSession, note?: string): ModalView {
  const crm = session.crmId ? deps.services.catalog.crms.find((c) => c.id === session.crmId) : undefined;
  const choices = crm ? triggerChoices(crm, session.apiTriggers[crm.id]) : undefined;
  return buildCrmStep({
    metadata: metadataFor(session),
    crms: deps.services.catalog.crms,
    crm,
    accountType: session.accountType,
    parentBusinessNumber: session.parentBusinessNumber,
    triggerOptions: choices?.options ?? [],
    selectedTriggers: session.triggers ?? choices?.defaults ?? [],
    triggerNote: choices?.note,
    note,
  });
}

function hasGroupStep(crm: CrmDefinition, session: SetupSession): boolean {
  return !session.existingGroupId && groupPropertiesFor(crm, session.accountType ?? 'smb').length > 0;
}

export function renderGroupStep(deps: SetupDeps, session: SetupSession): ModalView {
  const crm = crmOf(deps, session);
  const accountType = session.accountType ?? 'smb';
  const secretsSet = new Set(
    groupPropertiesFor(crm, accountType)
      .filter((d) => d.secret && session.groupProperties[d.key])
      .map((d) => d.key),
  );
  const values: Record<string, string> = {};
  for (const [k, v] of Object.entries(session.groupProperties)) if (!secretsSet.has(k)) values[k] = v;
  return buildGroupStep({
    metadata: metadataFor(session),
    crm,
    accountType,
    values,
    secretsSet,
    existing: existingInfo(crm, session),
  });
}

/** Group values a lookup may use: what was typed, else the documented default. */
function groupInputs(crm: CrmDefinition, session: SetupSession): Record<string, string> {
  const inputs: Record<string, string> = {};
  for (const def of crm.groupProperties) {
    const typed = session.groupProperties[def.key]?.trim();
    const value = typed || def.default;
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

export function renderLocationsStep(deps: SetupDeps, session: SetupSession): ModalView {
  const crm = crmOf(deps, session);
  const accountType = session.accountType ?? 'smb';
  return buildLocationsStep({
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
  });
}

function renderReview(deps: SetupDeps, session: SetupSession, plan: Plan): ModalView {
  const { catalog, config } = deps.services;
  const crm = crmOf(deps, session);
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
  return buildReviewStep({
    metadata: metadataFor(session),
    crm,
    lines: describePlan(plan, catalog),
    warnings: plan.warnings,
    requests,
  });
}

/** Re-renders the step the session is on. */
export function renderStep(deps: SetupDeps, session: SetupSession): ModalView {
  switch (session.step) {
    case 'group':
      return renderGroupStep(deps, session);
    case 'locations':
      return renderLocationsStep(deps, session);
    case 'addloc':
      return renderAddLocationStart(deps, session);
    default:
      return renderCrmStep(deps, session);
  }
}

function renderAddLocationStart(deps: SetupDeps, session: SetupSession): ModalView {
  const crm = session.crmId ? deps.services.catalog.crms.find((c) => c.id === session.crmId) : undefined;
  return buildAddLocationStart({
    metadata: metadataFor(session),
    crms: deps.services.catalog.crms,
    crm,
    accountType: session.accountType,
    parentBusinessNumber: session.parentBusinessNumber,
  });
}

function errorView(err: unknown): ModalView {
  return buildMessageView({ title: 'Something went wrong', text: `:x: ${userMessage(err)}` });
}

// ============================================================= open /crm setup

export interface OpenInput {
  triggerId: string;
  userId: string;
  channelId?: string | undefined;
}

/** Opens the setup modal at once; slow work (trigger lookup) only after it is open. */
export async function openSetup(
  deps: SetupDeps,
  input: OpenInput & { crmText?: string | undefined },
): Promise<'opened' | 'expired'> {
  const { catalog } = deps.services;
  const crm = input.crmText ? catalog.find(input.crmText) : undefined;
  const session = newSession({
    flow: 'setup',
    step: 'crm',
    userId: input.userId,
    ...(input.channelId ? { channelId: input.channelId } : {}),
    ...(crm ? { crmId: crm.id, accountType: crm.accountTypes[0] } : {}),
  });
  await saveSession(deps.services.store, session);
  const note =
    input.crmText && !crm
      ? `I don't know a CRM called "${input.crmText}". Choose one below (the bot knows ${catalog.crms.map((c) => c.displayName).join(', ')}).`
      : undefined;
  const opened = await openView(deps, input.triggerId, renderCrmStep(deps, session, note));
  if (!opened) return 'expired';
  if (crm) await resolveTriggersAndUpdate(deps, session.id, opened.id, opened.hash, note);
  return 'opened';
}

async function openView(
  deps: SetupDeps,
  triggerId: string,
  view: ModalView,
): Promise<{ id: string; hash?: string | undefined } | undefined> {
  try {
    const res = await deps.client.views.open({ trigger_id: triggerId, view });
    return { id: res.view?.id ?? '', hash: res.view?.hash };
  } catch (err) {
    if (slackError(err) === 'expired_trigger_id') return undefined;
    throw err;
  }
}

/** Reads catalog triggers without an id from the triggers endpoint (once per session and CRM), then updates the view. */
async function resolveTriggersAndUpdate(
  deps: SetupDeps,
  sessionId: string,
  viewId: string,
  hash: string | undefined,
  note?: string,
): Promise<void> {
  const store = deps.services.store;
  let session = await loadSession(store, sessionId);
  const crm = crmOf(deps, session);
  if (!crm.triggers.some((t) => t.id === undefined) || session.apiTriggers[crm.id]) return;
  let resolution: SetupSession['apiTriggers'][string];
  try {
    const listed = await deps.services.api.listTriggers(crm.integrationSourceId);
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
  session = await loadSession(store, sessionId);
  if (session.crmId !== crm.id) return;
  session.apiTriggers = { ...session.apiTriggers, [crm.id]: resolution };
  await saveSession(store, session);
  if (session.step !== 'crm' && session.step !== 'triggers') return;
  const view = session.step === 'triggers' ? renderTriggerUpdate(deps, session) : renderCrmStep(deps, session, note);
  await deps.client.views.update({ view_id: viewId, ...(hash ? { hash } : {}), view });
}

// ======================================================= step 1 interactions

/** The CRM select changed: keep everything typed, re-render step 1. */
export async function changeCrm(deps: SetupDeps, view: ViewInput): Promise<void> {
  const store = deps.services.store;
  const session = mergeCrmStep(
    deps.services.catalog,
    await loadSession(store, sessionIdFrom(view.private_metadata)),
    readForm(view.state),
  );
  await saveSession(store, session);
  const rendered = session.step === 'addloc' ? renderAddLocationStart(deps, session) : renderCrmStep(deps, session);
  const res = await deps.client.views.update({
    view_id: view.id,
    ...(view.hash ? { hash: view.hash } : {}),
    view: rendered,
  });
  if (session.step === 'crm' && session.crmId)
    await resolveTriggersAndUpdate(deps, session.id, view.id, res.view?.hash);
}

function stepErrors(deps: SetupDeps, session: SetupSession, step: 'crm' | 'group' | 'locations', view: ModalView) {
  const crm = crmOf(deps, session);
  const result = planSetup(deps.services.catalog, planInputOf(crm, session));
  if (result.ok) return { plan: result.plan, errors: {} };
  return { errors: errorsFor(result.errors, step, session, inputBlockIds(view)), all: result.errors };
}

/** Step 1 submitted: validate, then step 2 (or 3) at once; the existing-group check runs after the ack. */
export async function submitCrmStep(deps: SetupDeps, view: ViewInput): Promise<SubmissionResult> {
  const store = deps.services.store;
  let session = await loadSession(store, sessionIdFrom(view.private_metadata));
  session = mergeCrmStep(deps.services.catalog, session, readForm(view.state));
  const current = renderCrmStep(deps, session);
  if (!session.crmId) return { ack: { response_action: 'errors', errors: { [BLOCK.crm]: 'Choose the CRM' } } };
  if (!session.triggers)
    session.triggers = triggerChoices(crmOf(deps, session), session.apiTriggers[session.crmId]).defaults;
  const { errors } = stepErrors(deps, session, 'crm', current);
  await saveSession(store, session);
  if (Object.keys(errors).length > 0) return { ack: { response_action: 'errors', errors } };

  const crm = crmOf(deps, session);
  const parent = session.parentBusinessNumber;
  // Business or CRM may have changed since the last check: check again, after the ack.
  session.existing = { status: 'pending' };
  delete session.existingGroupId;
  if (session.locations.length === 0) session.locations = [newLocation()];
  if (session.accountType === 'smb') session.locations = session.locations.slice(0, 1);
  session.step = hasGroupStep(crm, session) ? 'group' : 'locations';
  await saveSession(store, session);
  const next = renderStep(deps, session);
  return {
    ack: { response_action: 'update', view: next },
    after: () => checkExistingGroup(deps, session.id, view.id, parent),
  };
}

/** After step 1: does the business already have a group for this CRM? Updates the open step when it does. */
async function checkExistingGroup(deps: SetupDeps, sessionId: string, viewId: string, parent: string): Promise<void> {
  const store = deps.services.store;
  const before = await loadSession(store, sessionId);
  const crm = crmOf(deps, before);
  let existing: SetupSession['existing'];
  try {
    const groups = await deps.services.api.getGroups(parent);
    const mine = groups
      .filter((g) => g.integrationSourceType.id === crm.integrationSourceId)
      .sort((a, b) => b.groupId - a.groupId)[0];
    existing = mine ? { status: 'found', groupId: mine.groupId } : { status: 'none' };
  } catch (err) {
    existing = { status: 'failed', reason: userMessage(err) };
  }
  const session = await loadSession(store, sessionId);
  if (session.parentBusinessNumber !== parent || session.existing?.status !== 'pending') return;
  session.existing = existing;
  await saveSession(store, session);
  if (session.step === 'group' || session.step === 'locations') {
    await deps.client.views.update({ view_id: viewId, view: renderStep(deps, session) });
  }
}

// ============================================================ step 2 and 3

export async function submitGroupStep(deps: SetupDeps, view: ViewInput): Promise<SubmissionResult> {
  const store = deps.services.store;
  let session = await loadSession(store, sessionIdFrom(view.private_metadata));
  const crm = crmOf(deps, session);
  session = mergeGroupStep(crm, session, readForm(view.state));
  await saveSession(store, session);
  const { errors } = stepErrors(deps, session, 'group', renderGroupStep(deps, session));
  if (Object.keys(errors).length > 0) return { ack: { response_action: 'errors', errors } };
  session.step = 'locations';
  if (session.locations.length === 0) session.locations = [newLocation()];
  await saveSession(store, session);
  return { ack: { response_action: 'update', view: renderLocationsStep(deps, session) } };
}

function listSeparator(crm: CrmDefinition) {
  return (key: string) => {
    const def = crm.locationProperties.find((d) => d.key === key);
    return def?.format.kind === 'list' ? def.format.separator : ',';
  };
}

export async function submitLocationsStep(deps: SetupDeps, view: ViewInput): Promise<SubmissionResult> {
  const store = deps.services.store;
  let session = await loadSession(store, sessionIdFrom(view.private_metadata));
  const crm = crmOf(deps, session);
  session = mergeLocationsStep(crm, session, readForm(view.state), listSeparator(crm));
  await saveSession(store, session);
  const { plan, errors, all } = stepErrors(deps, session, 'locations', renderLocationsStep(deps, session));
  if (Object.keys(errors).length > 0) return { ack: { response_action: 'errors', errors } };
  if (!plan) {
    // An earlier step's answer is wrong (e.g. the group was chosen after step 2): say so plainly.
    const text = (all ?? []).map((e) => `• ${e.message}`).join('\n');
    return {
      ack: {
        response_action: 'errors',
        errors: { [BLOCK.location(session.locations[0]?.uid ?? '', 'businessNumber')]: `Go back and fix: ${text}` },
      },
    };
  }
  session.step = 'review';
  await saveSession(store, session);
  return { ack: { response_action: 'update', view: renderReview(deps, session, plan) } };
}

/** Buttons in steps 2–4: Back, Add location, Remove, Use existing group. The view's state is saved first. */
export async function stepAction(
  deps: SetupDeps,
  view: ViewInput,
  action:
    | { kind: 'back'; target: string }
    | { kind: 'add' }
    | { kind: 'remove'; uid: string }
    | { kind: 'useExisting' },
): Promise<void> {
  const store = deps.services.store;
  let session = await loadSession(store, sessionIdFrom(view.private_metadata));
  const form = readForm(view.state);
  if (session.crmId) {
    const crm = crmOf(deps, session);
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
      const crm = crmOf(deps, session);
      const cap = maxLocations({
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
  await saveSession(store, session);
  let rendered: ModalView;
  if (session.step === 'review') {
    const result = planSetup(deps.services.catalog, planInputOf(crmOf(deps, session), session));
    rendered = result.ok ? renderReview(deps, session, result.plan) : renderLocationsStep(deps, session);
  } else rendered = renderStep(deps, session);
  await deps.client.views.update({ view_id: view.id, ...(view.hash ? { hash: view.hash } : {}), view: rendered });
}

// ===================================================================== lookups

const LOOKUP_CACHE_MS = 5 * 60_000;
const MAX_OPTIONS = 100;

export interface LookupOptionsResult {
  options: Array<{
    text: { type: 'plain_text'; text: string };
    value: string;
    description?: { type: 'plain_text'; text: string };
  }>;
}

function slackOption(value: string, text: string, description?: string) {
  const cut = (s: string) => (s.length <= 75 ? s : `${s.slice(0, 74)}…`);
  return {
    value,
    text: { type: 'plain_text' as const, text: cut(text) },
    ...(description ? { description: { type: 'plain_text' as const, text: cut(description) } } : {}),
  };
}

/** Options for a location property's external select: a live lookup with the credentials entered in step 2. */
export async function lookupOptions(
  deps: SetupDeps,
  input: { blockId: string; typed: string; privateMetadata: string | undefined },
): Promise<LookupOptionsResult> {
  const store = deps.services.store;
  try {
    const session = await loadSession(store, sessionIdFrom(input.privateMetadata));
    const crm = crmOf(deps, session);
    const key = parseLocationBlock(input.blockId)?.field ?? '';
    const def = crm.locationProperties.find((d) => d.key === key);
    if (!def?.lookup) return { options: [] };
    const inputs = groupInputs(crm, session);
    // Keyed by a digest of the inputs: changed credentials never reuse old answers (and are not in the key).
    const digest = createHash('sha256').update(JSON.stringify(inputs)).digest('hex').slice(0, 16);
    const cacheKey = `setup:lookup:${session.id}:${def.lookup}:${digest}`;
    let options = await store.get<Array<{ value: string; label: string }>>(cacheKey);
    if (!Array.isArray(options)) {
      options = await runLookup(deps.services.api, def.lookup, inputs);
      await store.set(cacheKey, options, LOOKUP_CACHE_MS);
    }
    const typed = input.typed.trim().toLowerCase();
    const matching = options.filter(
      (o) => !typed || o.label.toLowerCase().includes(typed) || o.value.toLowerCase().includes(typed),
    );
    if (matching.length === 0) {
      return { options: [slackOption(LOOKUP_FAILED_VALUE, 'Nothing matches — type the value in the field below')] };
    }
    return { options: matching.slice(0, MAX_OPTIONS).map((o) => slackOption(o.value, o.label)) };
  } catch (err) {
    deps.services.logger.warn({ err: { code: (err as BotError).code }, blockId: input.blockId }, 'setup lookup failed');
    return {
      options: [
        slackOption(LOOKUP_FAILED_VALUE, 'Lookup failed — type the value in the field below', userMessage(err)),
      ],
    };
  }
}

// ===================================================================== confirm

const confirmKey = (viewId: string) => `setup:confirm:${viewId}`;
const mappingKey = (viewId: string, businessNumber: string | number, attempt: number) =>
  idempotencyKey(viewId, 'createMapping', businessNumber, `attempt${attempt}`);

/** Confirm: ack with "Setting up…", then the writes. A duplicate submission of the same view runs nothing. */
export async function submitReview(deps: SetupDeps, view: ViewInput, userId: string): Promise<SubmissionResult> {
  const store = deps.services.store;
  const session = await loadSession(store, sessionIdFrom(view.private_metadata));
  const working = buildWorkingView(metadataFor(session), 'Setting up… the result will also be posted in the channel.');
  const claimed = await store.setIfAbsent(confirmKey(view.id), { userId }, 24 * 3600_000);
  if (!claimed) return { ack: { response_action: 'update', view: working } };
  const crm = crmOf(deps, session);
  const result = planSetup(deps.services.catalog, planInputOf(crm, session));
  if (!result.ok) {
    await store.delete(confirmKey(view.id));
    session.step = 'locations';
    await saveSession(store, session);
    const text = result.errors.map((e) => `• ${e.message}`).join('\n');
    return {
      ack: {
        response_action: 'update',
        view: buildMessageView({
          title: 'Cannot set up yet',
          text: `Nothing was sent. Fix these first (run \`/crm setup\` again):\n${text}`,
        }),
      },
    };
  }
  session.step = 'working';
  await saveSession(store, session);
  return {
    ack: { response_action: 'update', view: working },
    after: () => runSetup(deps, session, result.plan, view.id, userId),
  };
}

async function readGroupId(deps: SetupDeps, crm: CrmDefinition, parent: number): Promise<number | undefined> {
  const groups = await deps.services.api.getGroups(parent);
  return groups
    .filter((g) => g.integrationSourceType.id === crm.integrationSourceId)
    .sort((a, b) => b.groupId - a.groupId)[0]?.groupId;
}

function propertyMap(properties: ReadonlyArray<{ propertyKey: string; propertyValue: string }> | undefined) {
  return Object.fromEntries((properties ?? []).map((p) => [p.propertyKey, p.propertyValue]));
}

async function runSetup(deps: SetupDeps, session: SetupSession, plan: Plan, viewId: string, userId: string) {
  const { services, client } = deps;
  const crm = crmOf(deps, session);
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
    try {
      await performWrite(services, client, {
        userId,
        idempotencyKey: idempotencyKey(viewId, 'createGroup'),
        businessNumber: parent,
        crmId: crm.id,
        operation: 'createGroup',
        maskedRequest: maskRequest(group, secretKeys),
        send: () => services.api.createGroup(group.body),
      });
    } catch (err) {
      if (err instanceof ApiError && err.details.maybeApplied) outcomeUnknown = true;
      else record.groupError = `The group was not created: ${userMessage(err)}`;
    }
    if (!record.groupError) {
      try {
        groupId = await readGroupId(deps, crm, plan.parentBusinessNumber);
        if (groupId === undefined) {
          record.groupError = outcomeUnknown
            ? `The create-group request got no answer and business ${parent} has no ${crm.displayName} group, so it was not created. Nothing else was sent: run \`/crm setup\` again.`
            : `The group was created but could not be read back for business ${parent}. Nothing else was sent: check \`/crm status ${parent}\` before trying again.`;
        } else record.createdGroup = true;
      } catch (err) {
        record.groupError = `The group ${outcomeUnknown ? 'may have been' : 'was'} created but could not be read back (${userMessage(err)}). Nothing else was sent: check \`/crm status ${parent}\` before trying again.`;
      }
    }
  }
  if (groupId !== undefined && !record.groupError) {
    record.groupId = groupId;
    const planned = withGroupId(plan, groupId);
    for (const mapping of planned.mappings) {
      record.locations.push(await sendMapping(deps, record, mapping.request, 1));
    }
  }
  await saveRecord(services.store, record);
  await deleteSession(services.store, session.id);
  const posted = await postResult(deps, session.channelId, userId, record);
  const summary = buildSummaryView(resultOf(deps, record), posted);
  await client.views.update({ view_id: viewId, view: summary }).catch((err: unknown) => {
    services.logger.warn({ err: { code: slackError(err) } }, 'setup summary view update failed');
  });
}

/** One mapping through performWrite; saves a ConfigRecord (no secret values) when it succeeds. */
async function sendMapping(
  deps: SetupDeps,
  record: SetupRecord,
  request: CreateMappingRequest,
  attempt: number,
): Promise<LocationResult> {
  const { services, client } = deps;
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

function resultOf(deps: SetupDeps, record: SetupRecord): SetupResult {
  const crm = deps.services.catalog.get(record.crmId);
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

/** Channel message; falls back to an ephemeral message, then a DM. Returns where it went, in words. */
async function postResult(
  deps: SetupDeps,
  channelId: string | undefined,
  userId: string,
  record: SetupRecord,
): Promise<string> {
  const { client, services } = deps;
  const message = buildResultMessage(resultOf(deps, record));
  const fallback = (err: unknown) =>
    ['not_in_channel', 'channel_not_found', 'is_archived'].includes(slackError(err) ?? '');
  if (channelId) {
    try {
      await client.chat.postMessage({ channel: channelId, ...message });
      return 'The result is posted in the channel.';
    } catch (err) {
      if (!fallback(err)) services.logger.warn({ err: { code: slackError(err) } }, 'setup result post failed');
    }
    try {
      await client.chat.postEphemeral({ channel: channelId, user: userId, ...message });
      return 'The bot is not in that channel, so the result was posted only to you there.';
    } catch (err) {
      services.logger.warn({ err: { code: slackError(err) } }, 'setup result ephemeral failed');
    }
  }
  try {
    const dm = await client.conversations.open({ users: userId });
    const channel = dm.channel?.id;
    if (!channel) throw new Error('no DM channel');
    await client.chat.postMessage({ channel, ...message });
    return 'The result was sent to you in a direct message.';
  } catch (err) {
    services.logger.warn({ err: { code: slackError(err) } }, 'setup result DM failed');
    return 'The result could not be posted anywhere; this summary is the only copy.';
  }
}

// ======================================================================= retry

export interface RetryInput {
  value: string;
  userId: string;
  message?: { channel: string; ts: string } | undefined;
  respond?:
    | ((message: { replace_original: boolean; text: string; blocks: types.KnownBlock[] }) => Promise<unknown>)
    | undefined;
}

/** Retry one failed mapping from the result message: the attempt number in the button makes a double click send once. */
export async function retryMapping(deps: SetupDeps, input: RetryInput): Promise<void> {
  const store = deps.services.store;
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
    const retried = await sendMapping(deps, { ...record, userId: input.userId }, request.data, attempt);
    record.locations[index] = retried;
    await saveRecord(store, record);
  }
  const message = buildResultMessage(resultOf(deps, record));
  if (input.message) {
    await deps.client.chat.update({ channel: input.message.channel, ts: input.message.ts, ...message });
  } else {
    await input.respond?.({ replace_original: true, ...message });
  }
}

// ================================================================ add location

export interface StatusButton {
  businessNumber?: string | undefined;
  crmId?: string | undefined;
  groupId?: number | undefined;
}

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

export async function openAddLocation(deps: SetupDeps, input: OpenInput & StatusButton): Promise<'opened' | 'expired'> {
  const crm = input.crmId ? deps.services.catalog.find(input.crmId) : undefined;
  const session = newSession({
    flow: 'addLocation',
    step: 'addloc',
    userId: input.userId,
    ...(input.channelId ? { channelId: input.channelId } : {}),
    ...(crm ? { crmId: crm.id, accountType: crm.accountTypes.includes('enterprise') ? 'enterprise' : 'smb' } : {}),
    parentBusinessNumber: input.businessNumber ?? '',
  });
  await saveSession(deps.services.store, session);
  return (await openView(deps, input.triggerId, renderAddLocationStart(deps, session))) ? 'opened' : 'expired';
}

/** Business ID of the group given: read the group (after the ack), then the locations step. */
export async function submitAddLocationStart(deps: SetupDeps, view: ViewInput): Promise<SubmissionResult> {
  const store = deps.services.store;
  let session = await loadSession(store, sessionIdFrom(view.private_metadata));
  session = mergeCrmStep(deps.services.catalog, session, readForm(view.state));
  if (!session.crmId) return { ack: { response_action: 'errors', errors: { [BLOCK.crm]: 'Choose the CRM' } } };
  const crm = crmOf(deps, session);
  const result = planSetup(deps.services.catalog, { ...planInputOf(crm, session), existingGroupId: 1, locations: [] });
  const errors = result.ok
    ? {}
    : errorsFor(
        result.errors.filter((e) => e.field !== 'triggers'),
        'crm',
        session,
        inputBlockIds(renderAddLocationStart(deps, session)),
      );
  await saveSession(store, session);
  if (Object.keys(errors).length > 0) return { ack: { response_action: 'errors', errors } };
  session.step = 'reading';
  await saveSession(store, session);
  return {
    ack: {
      response_action: 'update',
      view: buildWorkingView(
        metadataFor(session),
        `Reading the ${crm.displayName} group of business ${session.parentBusinessNumber}…`,
      ),
    },
    after: async () => {
      let groupId: number | undefined;
      let text: string | undefined;
      try {
        groupId = await readGroupId(deps, crm, Number(session.parentBusinessNumber));
        if (groupId === undefined) {
          text = `Business ${session.parentBusinessNumber} has no ${crm.displayName} integration group. Create one with \`/crm setup ${crm.id}\`.`;
        }
      } catch (err) {
        text = userMessage(err);
      }
      if (text || groupId === undefined) {
        await deps.client.views.update({
          view_id: view.id,
          view: buildMessageView({ title: 'Add a location', text: `:x: ${text}` }),
        });
        return;
      }
      const fresh = await loadSession(store, session.id);
      fresh.existingGroupId = groupId;
      fresh.step = 'locations';
      if (fresh.locations.length === 0) fresh.locations = [newLocation()];
      await saveSession(store, fresh);
      await deps.client.views.update({ view_id: view.id, view: renderLocationsStep(deps, fresh) });
    },
  };
}

// ============================================================= trigger update

function renderTriggerUpdate(deps: SetupDeps, session: SetupSession, error?: string): ModalView {
  const crm = crmOf(deps, session);
  const choices = triggerChoices(crm, session.apiTriggers[crm.id]);
  return buildTriggerUpdate({
    metadata: metadataFor(session),
    crm,
    businessNumber: session.parentBusinessNumber,
    groupId: session.existingGroupId ?? 0,
    triggerOptions: choices.options,
    selected: session.triggers ?? [],
    note: choices.note,
    error,
  });
}

export async function openTriggerUpdate(
  deps: SetupDeps,
  input: OpenInput & StatusButton,
): Promise<'opened' | 'expired'> {
  const crm = input.crmId ? deps.services.catalog.find(input.crmId) : undefined;
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
  await saveSession(deps.services.store, session);
  const opened = await openView(deps, input.triggerId, renderTriggerUpdate(deps, session));
  if (!opened) return 'expired';
  await resolveTriggersAndUpdate(deps, session.id, opened.id, opened.hash);
  return 'opened';
}

async function triggerUpdate(
  deps: SetupDeps,
  session: SetupSession,
  selected: string[],
  replace: boolean,
  viewId: string,
  userId: string,
) {
  const crm = crmOf(deps, session);
  const choices = selected.flatMap((v) => {
    const c = parseTriggerValue(v);
    return c ? [c] : [];
  });
  const planned = planTriggerUpdate(deps.services.catalog, crm.id, session.existingGroupId ?? 0, choices, replace);
  if (!planned.ok) return { errors: planned.errors.map((e) => e.message).join('. ') };
  const request = planned.request;
  return {
    run: async () => {
      let text: string;
      try {
        await performWrite(deps.services, deps.client, {
          userId,
          idempotencyKey: idempotencyKey(viewId, 'updateTriggers', replace ? 'replace' : 'add', selected.join('+')),
          businessNumber: session.parentBusinessNumber,
          crmId: crm.id,
          operation: 'updateTriggers',
          maskedRequest: request,
          send: () => deps.services.api.updateTriggers(request.body, replace),
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
      await deps.client.views.update({ view_id: viewId, view: buildMessageView({ title: 'Update triggers', text }) });
    },
  };
}

/** Submit = add triggers (keeps the group's current ones). */
export async function submitTriggerUpdate(deps: SetupDeps, view: ViewInput, userId: string): Promise<SubmissionResult> {
  const store = deps.services.store;
  const session = await loadSession(store, sessionIdFrom(view.private_metadata));
  const selected = readForm(view.state).selected(BLOCK.triggers);
  session.triggers = selected;
  await saveSession(store, session);
  const planned = await triggerUpdate(deps, session, selected, false, view.id, userId);
  if ('errors' in planned)
    return { ack: { response_action: 'errors', errors: { [BLOCK.triggers]: planned.errors ?? '' } } };
  return {
    ack: { response_action: 'update', view: buildWorkingView(metadataFor(session), 'Adding the triggers…') },
    after: planned.run,
  };
}

/** "Replace all triggers…" (after Slack's confirm dialog). */
export async function replaceTriggers(deps: SetupDeps, view: ViewInput, userId: string): Promise<void> {
  const store = deps.services.store;
  const session = await loadSession(store, sessionIdFrom(view.private_metadata));
  const selected = readForm(view.state).selected(BLOCK.triggers);
  session.triggers = selected;
  await saveSession(store, session);
  const planned = await triggerUpdate(deps, session, selected, true, view.id, userId);
  if ('errors' in planned) {
    await deps.client.views.update({ view_id: view.id, view: renderTriggerUpdate(deps, session, planned.errors) });
    return;
  }
  await deps.client.views.update({
    view_id: view.id,
    view: buildWorkingView(metadataFor(session), 'Replacing the triggers…'),
  });
  await planned.run?.();
}

export { errorView };
