import { z } from 'zod';
import { type Catalog, type CrmDefinition, groupPropertiesFor, locationPropertiesFor } from '../../catalog';
import type { FieldError, PlanInput, TriggerChoice } from '../../planner/types';
import { BLOCK, LOOKUP_FAILED_VALUE, parseLocationBlock, VALUE } from './ids';
import type { LocationState, SetupSession, TriggerResolution } from './session';

/** One element's value in `view.state.values`, reduced to what the setup forms use. */
const StateValue = z.looseObject({
  type: z.string(),
  value: z.string().nullish(),
  selected_option: z.looseObject({ value: z.string() }).nullish(),
  selected_options: z.array(z.looseObject({ value: z.string() })).nullish(),
});

export const ViewState = z.object({
  values: z.record(z.string(), z.record(z.string(), StateValue)),
});

export interface FormValues {
  /** Text input value, '' when empty or absent. */
  text(blockId: string): string;
  /** Selected option values (single or multi select, radios, checkboxes). */
  selected(blockId: string): string[];
  blockIds(): string[];
}

/** Parses `view.state` with zod; anything unexpected reads as empty. */
export function readForm(state: unknown): FormValues {
  const parsed = ViewState.safeParse(state);
  const values = parsed.success ? parsed.data.values : {};
  const element = (blockId: string) => {
    const block = values[blockId];
    if (!block) return undefined;
    return block[VALUE] ?? Object.values(block)[0];
  };
  return {
    text: (blockId) => (element(blockId)?.value ?? '').trim(),
    selected: (blockId) => {
      const el = element(blockId);
      if (!el) return [];
      if (el.selected_options) return el.selected_options.map((o) => o.value);
      return el.selected_option ? [el.selected_option.value] : [];
    },
    blockIds: () => Object.keys(values),
  };
}

// ----------------------------------------------------------------- triggers

/** Option value of a trigger: `d:<id>:<type>` documented, `a:<id>:<type>` read from the triggers endpoint. */
export function triggerValue(source: 'd' | 'a', triggerId: number, triggerTypeId: number): string {
  return `${source}:${triggerId}:${triggerTypeId}`;
}

export function parseTriggerValue(value: string): TriggerChoice | undefined {
  const match = /^([da]):(\d+):(\d+)$/.exec(value);
  if (!match) return undefined;
  const choice: TriggerChoice = { triggerId: Number(match[2]), triggerTypeId: Number(match[3]) };
  if (match[1] === 'a') choice.resolvedFromApi = true;
  return choice;
}

export interface TriggerOption {
  value: string;
  label: string;
  description?: string;
}

export interface TriggerChoices {
  options: TriggerOption[];
  defaults: string[];
  note?: string | undefined;
}

function names(list: readonly string[]): string {
  return list.length <= 1 ? list.join('') : `${list.slice(0, -1).join(', ')} and ${list.at(-1)}`;
}

/** Documented triggers, plus those read from the triggers endpoint; never an invented id. */
export function triggerChoices(crm: CrmDefinition, resolution: TriggerResolution | undefined): TriggerChoices {
  const options: TriggerOption[] = [];
  const defaults: string[] = [];
  const unresolved: string[] = [];
  for (const def of crm.triggers) {
    let value: string | undefined;
    if (def.id !== undefined && def.triggerTypeId !== undefined) value = triggerValue('d', def.id, def.triggerTypeId);
    else {
      const found = resolution?.items.find((t) => t.displayName === def.displayName);
      if (found) value = triggerValue('a', found.triggerId, found.triggerTypeId);
    }
    if (!value) {
      unresolved.push(def.displayName);
      continue;
    }
    options.push({ value, label: def.displayName, description: def.description });
    if (def.defaultSelected) defaults.push(value);
  }
  let note: string | undefined;
  if (unresolved.length > 0) {
    const what = `${names(unresolved)} ${unresolved.length > 1 ? 'have' : 'has'} no documented ID`;
    if (!resolution)
      note = `:hourglass_flowing_sand: ${what}; reading ${unresolved.length > 1 ? 'them' : 'it'} from the ${crm.displayName} triggers list…`;
    else if (resolution.status === 'failed')
      note = `${what} and the triggers list could not be read (${resolution.note ?? 'unknown error'}), so only the documented trigger is offered. Add the others later with the trigger update.`;
    else
      note = `${what} and ${unresolved.length > 1 ? 'were' : 'was'} not found in the ${crm.displayName} triggers list, so ${unresolved.length > 1 ? 'they are' : 'it is'} not offered.`;
  }
  return { options, defaults, note };
}

// --------------------------------------------------------------- plan input

/** Typed values limited to the properties the CRM offers for this account type, in catalog order. */
function offered(defs: readonly { key: string }[], typed: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const def of defs) out[def.key] = typed[def.key] ?? '';
  return out;
}

/**
 * An enterprise setup may create only the group and add locations later (the Nextech article creates
 * the group before any location): its one location row is then left entirely empty (defaults kept).
 */
export function createsGroupOnly(crm: CrmDefinition, session: SetupSession): boolean {
  const accountType = session.accountType ?? crm.accountTypes[0] ?? 'smb';
  if (accountType !== 'enterprise' || session.existingGroupId || session.locations.length !== 1) return false;
  const location = session.locations[0];
  if (location === undefined) return false;
  if (location.businessNumber.trim() !== '' || location.nextRunTime.trim() !== '') return false;
  return locationPropertiesFor(crm, accountType).every((def) => {
    const value = (location.properties[def.key] ?? '').trim();
    return value === '' || value === def.default;
  });
}

export function planInputOf(crm: CrmDefinition, session: SetupSession): PlanInput {
  const accountType = session.accountType ?? crm.accountTypes[0] ?? 'smb';
  const input: PlanInput = {
    crmId: crm.id,
    accountType,
    parentBusinessNumber: session.parentBusinessNumber,
    triggers: session.existingGroupId
      ? []
      : (session.triggers ?? []).flatMap((v) => {
          const choice = parseTriggerValue(v);
          return choice ? [choice] : [];
        }),
    groupProperties: session.existingGroupId
      ? {}
      : offered(groupPropertiesFor(crm, accountType), session.groupProperties),
    locations: (createsGroupOnly(crm, session) ? [] : session.locations).map((location) => ({
      businessNumber: location.businessNumber,
      properties: offered(locationPropertiesFor(crm, accountType), location.properties),
      ...(location.nextRunTime ? { nextRunTime: location.nextRunTime } : {}),
    })),
  };
  if (session.existingGroupId) input.existingGroupId = session.existingGroupId;
  return input;
}

// ----------------------------------------------------------- form → session

/** Step 1 fields into the session. Trigger selections reset when the CRM changes. */
export function mergeCrmStep(catalog: Catalog, session: SetupSession, form: FormValues): SetupSession {
  const crmId = form.selected(BLOCK.crm)[0];
  const crm = crmId ? catalog.crms.find((c) => c.id === crmId) : undefined;
  const changedCrm = crm?.id !== session.crmId;
  const accountType = form.selected(BLOCK.accountType)[0];
  const next: SetupSession = { ...session, parentBusinessNumber: form.text(BLOCK.parent) };
  if (crm) next.crmId = crm.id;
  else delete next.crmId;
  if (accountType === 'smb' || accountType === 'enterprise') next.accountType = accountType;
  if (crm && next.accountType && !crm.accountTypes.includes(next.accountType)) next.accountType = crm.accountTypes[0];
  if (crm && !next.accountType) next.accountType = crm.accountTypes[0];
  if (changedCrm) delete next.triggers;
  else if (form.blockIds().includes(BLOCK.triggers)) next.triggers = form.selected(BLOCK.triggers);
  return next;
}

/** Typed value, except an empty secret keeps what was entered before. */
function keepSecret(secret: boolean, typed: string, before: string | undefined): string {
  return secret && typed === '' && before ? before : typed;
}

export function mergeGroupStep(crm: CrmDefinition, session: SetupSession, form: FormValues): SetupSession {
  const accountType = session.accountType ?? 'smb';
  const groupProperties = { ...session.groupProperties };
  for (const def of groupPropertiesFor(crm, accountType)) {
    const blockId = BLOCK.group(def.key);
    if (!form.blockIds().includes(blockId)) continue;
    groupProperties[def.key] = keepSecret(def.secret, form.text(blockId), session.groupProperties[def.key]);
  }
  return { ...session, groupProperties };
}

export function mergeLocationsStep(
  crm: CrmDefinition,
  session: SetupSession,
  form: FormValues,
  separators: (key: string) => string = () => ',',
): SetupSession {
  const accountType = session.accountType ?? 'smb';
  const present = new Set(form.blockIds());
  const locations: LocationState[] = session.locations.map((location) => {
    const next: LocationState = { ...location, properties: { ...location.properties } };
    const bn = BLOCK.location(location.uid, 'businessNumber');
    if (present.has(bn)) next.businessNumber = form.text(bn);
    const nrt = BLOCK.location(location.uid, 'nextRunTime');
    if (present.has(nrt)) next.nextRunTime = form.text(nrt);
    for (const def of locationPropertiesFor(crm, accountType)) {
      const blockId = BLOCK.location(location.uid, def.key);
      const pickId = BLOCK.pick(location.uid, def.key);
      if (!present.has(blockId) && !present.has(pickId)) continue;
      const typed = form.text(blockId);
      const picked = form.selected(pickId).filter((v) => v !== LOOKUP_FAILED_VALUE);
      const value = typed !== '' ? typed : picked.join(separators(def.key));
      next.properties[def.key] = keepSecret(def.secret, value, location.properties[def.key]);
    }
    return next;
  });
  return { ...session, locations };
}

// ------------------------------------------------------- errors → block ids

/** Maps planner field paths onto the block ids of the setup views. */
export function blockIdFor(field: string, session: SetupSession): string | undefined {
  if (field === 'crmId') return BLOCK.crm;
  if (field === 'accountType') return BLOCK.accountType;
  if (field === 'parentBusinessNumber') return BLOCK.parent;
  if (field === 'triggers') return BLOCK.triggers;
  if (field.startsWith('group.')) return BLOCK.group(field.slice('group.'.length));
  const first = session.locations[0];
  if (field === 'locations') return first ? BLOCK.location(first.uid, 'businessNumber') : undefined;
  const match = /^locations\.(\d+)\.(.+)$/.exec(field);
  if (match) {
    const location = session.locations[Number(match[1])];
    return location ? BLOCK.location(location.uid, match[2] ?? '') : undefined;
  }
  return undefined;
}

export type StepName = 'crm' | 'group' | 'locations';

export function fieldStep(field: string): StepName | undefined {
  if (['crmId', 'accountType', 'parentBusinessNumber', 'triggers'].includes(field)) return 'crm';
  if (field.startsWith('group.')) return 'group';
  if (field === 'locations' || field.startsWith('locations.')) return 'locations';
  return undefined;
}

/** Errors of one step as Slack's `errors` map (one message per block, joined). */
export function errorsFor(
  errors: readonly FieldError[],
  step: StepName,
  session: SetupSession,
  blocksInView: ReadonlySet<string>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const error of errors) {
    if (fieldStep(error.field) !== step) continue;
    let blockId = blockIdFor(error.field, session);
    // A property error on a field shown as "pick" plus "type it" goes on the typed field.
    if (blockId && !blocksInView.has(blockId)) blockId = undefined;
    if (!blockId) continue;
    out[blockId] = out[blockId] ? `${out[blockId]}. ${error.message}` : error.message;
  }
  return out;
}

/** Block ids of a view (input blocks are what errors can attach to). */
export function inputBlockIds(view: { blocks?: readonly unknown[] }): Set<string> {
  const ids = new Set<string>();
  for (const block of view.blocks ?? []) {
    const b = block as { type?: string; block_id?: string };
    if (b.type === 'input' && b.block_id) ids.add(b.block_id);
  }
  return ids;
}

export { parseLocationBlock };
