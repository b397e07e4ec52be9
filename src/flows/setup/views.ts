import {
  ACCOUNT_TYPE_NAMES,
  type AccountType,
  type CrmDefinition,
  groupPropertiesFor,
  locationPropertiesFor,
  type PropertyDef,
} from '../../catalog';
import { userMessage } from '../../errors';
import type { Button, InputBlock, KnownBlock, ModalView, PlainTextElement, PlainTextOption } from '../../slack/blocks';
import { BLOCK, SETUP_ACTION, SETUP_BLOCKS, SETUP_CALLBACK, VALUE } from './ids';
import type {
  AddLocationStartData,
  CrmStepData,
  ExistingGroupInfo,
  GroupStepData,
  LocationOutcome,
  LocationsStepData,
  LocationView,
  LookupChoice,
  ReviewStepData,
  ScreenLayout,
  SetupResult,
  SetupScreen,
  TriggerUpdateData,
} from './service';
import { inputBlockIds, type TriggerOption } from './state';

/** Slack's limits these builders respect. */
export const MAX_VIEW_BLOCKS = 100;
export const MAX_SECTION_TEXT = 3000;
const MAX_TITLE = 24;
const MAX_OPTION_TEXT = 75;
const MAX_LABEL = 2000;
const MAX_HINT = 2000;

export const SECRET_LABEL = '(secret — never shown again)';
export const SECRET_HINT =
  'Slack has no password field, so what you type is visible while you type. The bot never shows it again.';
export const SECRET_KEPT_HINT = 'Already entered — leave empty to keep it, or type a new value to replace it.';

// ------------------------------------------------------------------ helpers

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function plain(text: string, max = MAX_SECTION_TEXT): PlainTextElement {
  return { type: 'plain_text', text: truncate(text, max), emoji: true };
}

function section(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, MAX_SECTION_TEXT) } };
}

function context(text: string): KnownBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: truncate(text, MAX_SECTION_TEXT) }] };
}

function option(value: string, text: string, description?: string): PlainTextOption {
  return {
    value,
    text: plain(text, MAX_OPTION_TEXT),
    ...(description ? { description: plain(description, MAX_OPTION_TEXT) } : {}),
  };
}

/** The trigger checkboxes (step 1 and the trigger update), the selected ones ticked. */
function triggersInput(
  label: string,
  triggerOptions: readonly TriggerOption[],
  selected: readonly string[],
): KnownBlock {
  const options = triggerOptions.map((t) => option(t.value, t.label, t.description));
  const initial = options.filter((o) => selected.includes(o.value ?? ''));
  return {
    type: 'input',
    block_id: BLOCK.triggers,
    label: plain(label),
    element: {
      type: 'checkboxes',
      action_id: VALUE,
      options,
      ...(initial.length > 0 ? { initial_options: initial } : {}),
    },
  };
}

function modal(callbackId: string, title: string, metadata: string, blocks: KnownBlock[], submit?: string): ModalView {
  return {
    type: 'modal',
    callback_id: callbackId,
    title: plain(title, MAX_TITLE),
    close: plain('Cancel', MAX_TITLE),
    ...(submit ? { submit: plain(submit, MAX_TITLE) } : {}),
    private_metadata: metadata,
    blocks: blocks.slice(0, MAX_VIEW_BLOCKS),
  };
}

function textInput(args: {
  blockId: string;
  label: string;
  optional: boolean;
  initial?: string | undefined;
  hint?: string | undefined;
  placeholder?: string | undefined;
  multiline?: boolean;
}): InputBlock {
  return {
    type: 'input',
    block_id: args.blockId,
    optional: args.optional,
    label: plain(args.label, MAX_LABEL),
    ...(args.hint ? { hint: plain(args.hint, MAX_HINT) } : {}),
    element: {
      type: 'plain_text_input',
      action_id: VALUE,
      ...(args.initial ? { initial_value: args.initial } : {}),
      ...(args.placeholder ? { placeholder: plain(args.placeholder, 150) } : {}),
      ...(args.multiline ? { multiline: true } : {}),
    },
  };
}

function backButton(target: string): KnownBlock {
  return {
    type: 'actions',
    block_id: SETUP_BLOCKS.nav,
    elements: [{ type: 'button', action_id: SETUP_ACTION.back, text: plain('Back', 75), value: target }],
  };
}

/** Splits text into chunks of at most `max` characters, at line ends where possible. */
export function splitText(text: string, max: number): string[] {
  const chunks: string[] = [];
  let rest = text;
  while (rest.length > max) {
    let cut = rest.lastIndexOf('\n', max);
    if (cut <= 0) cut = max;
    chunks.push(rest.slice(0, cut));
    rest = rest.slice(cut).replace(/^\n/, '');
  }
  if (rest.length > 0 || chunks.length === 0) chunks.push(rest);
  return chunks;
}

/** A code block in sections of at most 3000 characters each (every section its own ``` fence). */
export function codeSections(code: string): KnownBlock[] {
  const fence = '```';
  return splitText(code, MAX_SECTION_TEXT - 2 * fence.length - 2).map((chunk) => section(`${fence}\n${chunk}${fence}`));
}

/** A label that says the property is a credential. */
export function propertyLabel(def: PropertyDef): string {
  return def.secret ? `${def.label} ${SECRET_LABEL}` : def.label;
}

function propertyHint(def: PropertyDef, secretAlreadySet: boolean, extra?: string): string {
  const parts: string[] = [];
  if (def.secret) parts.push(secretAlreadySet ? SECRET_KEPT_HINT : SECRET_HINT);
  parts.push(def.help.trim());
  if (def.default !== undefined) parts.push(`Left empty, ${def.default} is sent.`);
  else if (def.implicitDefault !== undefined) parts.push(`Left empty, the CRM uses ${def.implicitDefault}.`);
  if (extra) parts.push(extra);
  return parts.join(' ');
}

function propertyInput(
  blockId: string,
  def: PropertyDef,
  accountType: AccountType,
  value: string | undefined,
  secretAlreadySet: boolean,
  labelSuffix = '',
  mayBeLeftEmpty = false,
): InputBlock {
  const required = def.requirement[accountType] === 'required' && def.default === undefined && !mayBeLeftEmpty;
  return textInput({
    blockId,
    label: `${propertyLabel(def)}${labelSuffix}`,
    optional: !required || secretAlreadySet || labelSuffix !== '',
    // Secret values are never echoed back into a view.
    initial: def.secret ? undefined : (value ?? def.default),
    hint: propertyHint(def, secretAlreadySet),
  });
}

// ------------------------------------------------------------ step 1: CRM

export function crmOptionLabel(crm: CrmDefinition): string {
  return `${crm.displayName} (${crm.category})`;
}

export function buildCrmStep(data: CrmStepData): ModalView {
  const { crm } = data;
  const blocks: KnownBlock[] = [];
  if (data.note) blocks.push(section(data.note));
  blocks.push(context('Step 1 of 4: CRM, account and triggers'));
  const crmOptions = data.crms.map((c) => option(c.id, crmOptionLabel(c)));
  const selectedCrm = crm ? crmOptions.find((o) => o.value === crm.id) : undefined;
  blocks.push({
    type: 'input',
    block_id: BLOCK.crm,
    dispatch_action: true,
    label: plain('CRM'),
    element: {
      type: 'static_select',
      action_id: SETUP_ACTION.crmSelect,
      placeholder: plain('Choose the CRM', 150),
      options: crmOptions,
      ...(selectedCrm ? { initial_option: selectedCrm } : {}),
    },
  });
  if (crm) {
    const types = crm.accountTypes;
    const accountOptions = types.map((t) => option(t, ACCOUNT_TYPE_NAMES[t].choice));
    const current = data.accountType && types.includes(data.accountType) ? data.accountType : types[0];
    const initial = accountOptions.find((o) => o.value === current);
    blocks.push({
      type: 'input',
      block_id: BLOCK.accountType,
      label: plain('Account type'),
      element: {
        type: 'radio_buttons',
        action_id: VALUE,
        options: accountOptions,
        ...(initial ? { initial_option: initial } : {}),
      },
    });
    if (!types.includes('enterprise')) {
      blocks.push(
        context(
          `Enterprise is not offered for ${crm.displayName}: ${crm.accountTypeNote ?? `${crm.displayName} supports SMB businesses only.`}`,
        ),
      );
    } else if (crm.accountTypeNote) {
      blocks.push(context(crm.accountTypeNote));
    }
  }
  blocks.push(
    textInput({
      blockId: BLOCK.parent,
      label: 'Business ID (SMB) or Enterprise ID',
      optional: false,
      initial: data.parentBusinessNumber,
      hint: 'The 15-digit number from Birdeye: the Business ID for an SMB, the Enterprise ID for an enterprise.',
      placeholder: '155802718182498',
    }),
  );
  if (crm) {
    if (data.triggerOptions.length > 0) {
      const label = data.triggerOptions.length > 1 ? 'Triggers' : 'Trigger';
      blocks.push(triggersInput(label, data.triggerOptions, data.selectedTriggers));
    }
    if (data.triggerNote) blocks.push(context(data.triggerNote));
  }
  return modal(SETUP_CALLBACK.crm, 'Set up an integration', data.metadata, blocks, 'Next');
}

// ------------------------------------------------- existing group banner

function existingGroupBlocks(info: ExistingGroupInfo | undefined): KnownBlock[] {
  if (!info) return [];
  // An earlier create with no answer comes first: it decides whether creating now is allowed at all.
  const note = info.note ? [section(info.note)] : [];
  return [...note, ...groupBanner(info)];
}

function groupBanner(info: ExistingGroupInfo): KnownBlock[] {
  switch (info.status) {
    case 'pending':
      return [
        context(
          `:hourglass_flowing_sand: Checking whether business ${info.businessNumber} already has a ${info.crmName} group…`,
        ),
      ];
    case 'none':
      return [];
    case 'failed':
      return [
        context(
          `:warning: Could not check for an existing ${info.crmName} group (${info.reason ?? 'unknown error'}). A new group will be created.`,
        ),
      ];
    case 'found':
      if (info.using) {
        return [
          section(
            `Adding locations to the existing ${info.crmName} group *${info.groupId}* of business ${info.businessNumber}: no group is created and its triggers and properties stay as they are.`,
          ),
        ];
      }
      return [
        {
          type: 'section',
          block_id: SETUP_BLOCKS.existingGroup,
          text: {
            type: 'mrkdwn',
            text: `:information_source: Business ${info.businessNumber} already has a ${info.crmName} integration group (*${info.groupId}*). Creating another one is rarely what you want: add locations to it instead.`,
          },
          accessory: {
            type: 'button',
            action_id: SETUP_ACTION.useExisting,
            text: plain('Add locations to it', 75),
            value: String(info.groupId),
            style: 'primary',
          },
        },
      ];
  }
}

// ------------------------------------------------ step 2: group properties

export function buildGroupStep(data: GroupStepData): ModalView {
  const { crm, accountType } = data;
  const blocks: KnownBlock[] = data.note ? [section(data.note)] : [];
  blocks.push(context(`Step 2 of 4: ${crm.displayName} group properties`));
  blocks.push(...existingGroupBlocks(data.existing));
  for (const def of groupPropertiesFor(crm, accountType)) {
    blocks.push(
      propertyInput(
        BLOCK.group(def.key),
        def,
        accountType,
        data.values[def.key],
        def.secret && data.secretsSet.has(def.key),
      ),
    );
  }
  blocks.push(backButton('crm'));
  return modal(SETUP_CALLBACK.group, `${crm.displayName} setup`, data.metadata, blocks, 'Next');
}

// ------------------------------------------------------ step 3: locations

function locationBlocks(data: LocationsStepData, location: LocationView, index: number): KnownBlock[] {
  const { crm, accountType } = data;
  const smb = accountType === 'smb';
  const blocks: KnownBlock[] = [];
  const title = smb ? '*The location* (an SMB business is its own location)' : `*Location ${index + 1}*`;
  blocks.push(
    !smb && data.locations.length > 1
      ? {
          type: 'section',
          block_id: BLOCK.location(location.uid, 'title'),
          text: { type: 'mrkdwn', text: title },
          accessory: {
            type: 'button',
            action_id: SETUP_ACTION.removeLocation,
            text: plain('Remove', 75),
            value: location.uid,
            style: 'danger',
          },
        }
      : section(title),
  );
  // The one row of a new enterprise group may stay empty: then only the group is created. The planner
  // still asks for what a partly filled row lacks, inline.
  const groupOnlyOffered = !smb && data.locations.length === 1 && !data.existing?.using;
  blocks.push(
    textInput({
      blockId: BLOCK.location(location.uid, 'businessNumber'),
      label: 'Location Business ID',
      optional: smb || groupOnlyOffered,
      initial: location.businessNumber,
      hint: smb
        ? `Leave empty to use the Business ID ${data.parentBusinessNumber || 'from step 1'}.`
        : groupOnlyOffered
          ? "The location's own 15-digit Business ID (not the Enterprise ID). Leave this whole location empty to create only the group and add locations later."
          : "The location's own 15-digit Business ID (not the Enterprise ID).",
    }),
  );
  for (const def of locationPropertiesFor(crm, accountType)) {
    const lookup = def.lookup ? data.lookups[def.key] : undefined;
    const value = location.properties[def.key];
    const secretSet = def.secret && location.secretsSet.has(def.key);
    if (lookup?.available) {
      const multi = def.format.kind === 'list';
      blocks.push({
        type: 'input',
        block_id: BLOCK.pick(location.uid, def.key),
        optional: true,
        label: plain(`${def.label}: pick from ${lookup.label}`, MAX_LABEL),
        hint: plain(
          `Options load live from ${lookup.label}. If they do not load, type the value in the field below instead.`,
          MAX_HINT,
        ),
        element: multi
          ? {
              type: 'multi_external_select',
              action_id: SETUP_ACTION.lookup,
              min_query_length: 0,
              placeholder: plain('Search', 150),
            }
          : {
              type: 'external_select',
              action_id: SETUP_ACTION.lookup,
              min_query_length: 0,
              placeholder: plain('Search', 150),
            },
      });
      blocks.push(
        propertyInput(
          BLOCK.location(location.uid, def.key),
          def,
          accountType,
          value,
          secretSet,
          ' (or type it)',
          groupOnlyOffered,
        ),
      );
    } else {
      const input = propertyInput(
        BLOCK.location(location.uid, def.key),
        def,
        accountType,
        value,
        secretSet,
        '',
        groupOnlyOffered,
      );
      if (lookup?.reason) {
        input.hint = plain(`${input.hint?.text ?? ''} ${lookup.label} cannot be offered: ${lookup.reason}`, MAX_HINT);
      }
      blocks.push(input);
    }
  }
  const window = crm.nextRunWindow?.[accountType];
  if (window) {
    blocks.push(
      textInput({
        blockId: BLOCK.location(location.uid, 'nextRunTime'),
        label: 'Next run time (UTC, HH:MM)',
        optional: true,
        initial: location.nextRunTime,
        hint: `Set in the dashboard after setup; must be between ${window.from} and ${window.to} UTC. Checked here so you can note it.`,
      }),
    );
  }
  blocks.push({ type: 'divider' });
  return blocks;
}

/** Blocks one location takes in the view (to cap how many fit). */
export function blocksPerLocation(data: Pick<LocationsStepData, 'crm' | 'accountType' | 'lookups'>): number {
  const props = locationPropertiesFor(data.crm, data.accountType);
  const picks = props.filter((p) => p.lookup && data.lookups[p.key]?.available).length;
  return 3 + props.length + picks + (data.crm.nextRunWindow ? 1 : 0);
}

const LOCATION_FIXED_BLOCKS = 6;

/** How many locations one view can hold without passing 100 blocks. */
export function maxLocations(data: Pick<LocationsStepData, 'crm' | 'accountType' | 'lookups'>): number {
  return Math.max(1, Math.floor((MAX_VIEW_BLOCKS - LOCATION_FIXED_BLOCKS) / blocksPerLocation(data)));
}

export function buildLocationsStep(data: LocationsStepData): ModalView {
  const { crm, accountType } = data;
  const blocks: KnownBlock[] = data.note ? [section(data.note)] : [];
  blocks.push(context(`Step 3 of 4: ${crm.displayName} locations`));
  blocks.push(...existingGroupBlocks(data.existing));
  data.locations.forEach((location, index) => {
    blocks.push(...locationBlocks(data, location, index));
  });
  const nav: Button[] = [];
  if (accountType === 'enterprise') {
    const cap = maxLocations(data);
    if (data.locations.length < cap) {
      nav.push({
        type: 'button',
        action_id: SETUP_ACTION.addLocation,
        text: plain('Add another location', 75),
        value: 'add',
      });
    } else {
      blocks.push(
        context(
          `This form holds at most ${cap} locations. ${data.bulkHint ?? 'For more, set up the rest with bulk setup (`/crm bulk`).'}`,
        ),
      );
    }
  }
  nav.push({ type: 'button', action_id: SETUP_ACTION.back, text: plain('Back', 75), value: data.backTo });
  blocks.push({ type: 'actions', block_id: SETUP_BLOCKS.nav, elements: nav });
  return modal(SETUP_CALLBACK.locations, `${crm.displayName} setup`, data.metadata, blocks, 'Review');
}

// --------------------------------------------------------- step 4: review

export function buildReviewStep(data: ReviewStepData): ModalView {
  const blocks: KnownBlock[] = [context('Step 4 of 4: review. Nothing has been sent yet.')];
  blocks.push(section(`*What will happen*\n${data.lines.map((l) => `• ${l}`).join('\n')}`));
  if (data.warnings.length > 0) {
    blocks.push(section(`*Read before confirming*\n${data.warnings.map((w) => `:warning: ${w}`).join('\n')}`));
  }
  for (const note of data.crm.notes) blocks.push(context(note));
  blocks.push({ type: 'divider' });
  blocks.push(section('*The exact requests* (secrets masked)'));
  // Keep room for the Back button and a "more" note.
  const budget = MAX_VIEW_BLOCKS - 2;
  let shown = 0;
  for (const request of data.requests) {
    const parts = [section(`_${request.title}_`), ...codeSections(request.curl)];
    if (blocks.length + parts.length > budget) break;
    blocks.push(...parts);
    shown++;
  }
  if (shown < data.requests.length) {
    blocks.push(
      context(
        `…and ${data.requests.length - shown} more requests of the same shape (not shown: too many for one view).`,
      ),
    );
  }
  blocks.push(backButton('locations'));
  return modal(SETUP_CALLBACK.review, `Review ${data.crm.displayName}`, data.metadata, blocks, 'Confirm');
}

// ------------------------------------------------------ status and result

export function buildMessageView(args: {
  title: string;
  text: string;
  metadata?: string;
  callbackId?: string;
}): ModalView {
  const blocks = splitText(args.text, MAX_SECTION_TEXT).map((chunk) => section(chunk));
  const view = modal(args.callbackId ?? SETUP_CALLBACK.working, args.title, args.metadata ?? '', blocks);
  return { ...view, close: plain('Close', MAX_TITLE) };
}

export function buildWorkingView(metadata: string, what: string): ModalView {
  return buildMessageView({ title: 'Setting up…', text: `:hourglass_flowing_sand: ${what}`, metadata });
}

function resultLines(result: SetupResult): string[] {
  const lines: string[] = [];
  if (result.groupError) lines.push(`:x: ${result.groupError}`);
  else if (result.groupId !== undefined) {
    lines.push(
      result.createdGroup
        ? `:white_check_mark: Created the ${result.crmName} integration group *${result.groupId}* for ${result.parentBusinessNumber}.`
        : `Using the existing ${result.crmName} integration group *${result.groupId}* of ${result.parentBusinessNumber}.`,
    );
  }
  return lines;
}

function locationLine(location: LocationOutcome): string {
  return `${location.ok ? ':white_check_mark:' : ':x:'} Location ${location.businessNumber}: ${location.detail}`;
}

/** The message posted in the channel where `/crm setup` ran. */
export function buildResultMessage(result: SetupResult): { text: string; blocks: KnownBlock[] } {
  const failed = result.locations.filter((l) => !l.ok).length;
  const status = result.groupError
    ? 'failed'
    : failed > 0
      ? `finished with ${failed} failed location${failed > 1 ? 's' : ''}`
      : 'done';
  const text = `${result.crmName} setup for ${result.parentBusinessNumber} by <@${result.userId}>: ${status}${
    result.groupId !== undefined ? ` (group ${result.groupId})` : ''
  }`;
  const blocks: KnownBlock[] = [section(`*${text}*`)];
  for (const line of resultLines(result)) blocks.push(section(line));
  for (const location of result.locations.slice(0, 45)) {
    const block: KnownBlock =
      !location.ok && location.retryValue
        ? {
            type: 'section',
            text: { type: 'mrkdwn', text: truncate(locationLine(location), MAX_SECTION_TEXT) },
            accessory: {
              type: 'button',
              action_id: SETUP_ACTION.retryMapping,
              text: plain('Retry', 75),
              value: location.retryValue,
            },
          }
        : section(locationLine(location));
    blocks.push(block);
  }
  if (result.locations.length > 45) blocks.push(context(`…and ${result.locations.length - 45} more locations.`));
  return { text, blocks: blocks.slice(0, 50) };
}

/** The modal's final summary. */
export function buildSummaryView(result: SetupResult, channelNote: string): ModalView {
  const lines = [...resultLines(result), ...result.locations.map(locationLine), '', channelNote];
  return buildMessageView({ title: result.groupError ? 'Setup failed' : 'Setup finished', text: lines.join('\n') });
}

// ------------------------------------------------------ add location (start)

export function buildAddLocationStart(data: AddLocationStartData): ModalView {
  const step1 = buildCrmStep({ ...data, triggerOptions: [], selectedTriggers: [] });
  const blocks = (step1.blocks as KnownBlock[]).filter(
    (b) => b.type !== 'context' || !JSON.stringify(b).includes('Step 1'),
  );
  blocks.unshift(
    context(
      'Add locations to an existing integration group: give the business that owns the group, then its locations.',
    ),
  );
  return modal(SETUP_CALLBACK.addLocation, 'Add a location', data.metadata, blocks, 'Next');
}

// --------------------------------------------------------- trigger update

export function buildTriggerUpdate(data: TriggerUpdateData): ModalView {
  const blocks: KnownBlock[] = [
    section(
      `Update the triggers of ${data.crm.displayName} group *${data.groupId}* (business ${data.businessNumber}).`,
    ),
  ];
  if (data.error) blocks.push(section(`:x: ${data.error}`));
  blocks.push(triggersInput('Triggers', data.triggerOptions, data.selected));
  if (data.note) blocks.push(context(data.note));
  blocks.push(
    context(
      '*Add triggers* keeps the group’s current triggers. *Replace all triggers* removes every trigger not chosen here.',
    ),
  );
  blocks.push({
    type: 'actions',
    block_id: SETUP_BLOCKS.replace,
    elements: [
      {
        type: 'button',
        action_id: SETUP_ACTION.replaceTriggers,
        text: plain('Replace all triggers…', 75),
        style: 'danger',
        value: 'replace',
        confirm: {
          title: plain('Replace all triggers?', 100),
          text: plain(
            `Group ${data.groupId} will have only the triggers chosen here; every other trigger is removed. Review requests stop for removed triggers.`,
            300,
          ),
          confirm: plain('Replace', 30),
          deny: plain('Cancel', 30),
          style: 'danger',
        },
      },
    ],
  });
  return modal(SETUP_CALLBACK.triggers, 'Update triggers', data.metadata, blocks, 'Add triggers');
}

// ------------------------------------------------------------------ screens

type ScreenOf<K extends SetupScreen['kind']> = Extract<SetupScreen, { kind: K }>;

/** The view builder of every kind of screen the service can ask for (the type makes it name every kind). */
const SCREEN_VIEWS: { [K in SetupScreen['kind']]: (screen: ScreenOf<K>) => ModalView } = {
  crm: (screen) => buildCrmStep(screen.data),
  group: (screen) => buildGroupStep(screen.data),
  locations: (screen) => buildLocationsStep(screen.data),
  review: (screen) => buildReviewStep(screen.data),
  addLocation: (screen) => buildAddLocationStart(screen.data),
  triggers: (screen) => buildTriggerUpdate(screen.data),
  working: (screen) => buildWorkingView(screen.metadata, screen.text),
  message: (screen) => buildMessageView({ title: screen.title, text: screen.text }),
};

/** The view for a screen the service asked for. */
export function renderScreen(screen: SetupScreen): ModalView {
  return viewOf(screen);
}

/** Generic over the kind, so that TypeScript sees each screen reach the builder of its own kind. */
function viewOf<K extends SetupScreen['kind']>(screen: ScreenOf<K> & { kind: K }): ModalView {
  return SCREEN_VIEWS[screen.kind](screen);
}

/** How screens render, as far as the service needs to know (where errors can go, how many locations fit). */
export const SETUP_LAYOUT: ScreenLayout = {
  inputBlockIds: (screen) => inputBlockIds(renderScreen(screen)),
  maxLocations,
};

/** A failure in place of the modal, in plain words. */
export function buildErrorView(err: unknown): ModalView {
  return buildMessageView({ title: 'Something went wrong', text: `:x: ${userMessage(err)}` });
}

/** External-select options for a lookup's choices (Slack cuts option text at 75 characters). */
export function buildLookupOptions(choices: readonly LookupChoice[]): { options: PlainTextOption[] } {
  const cut = (text: string) => truncate(text, MAX_OPTION_TEXT);
  return {
    options: choices.map((c) => ({
      value: c.value,
      text: { type: 'plain_text' as const, text: cut(c.label) },
      ...(c.description ? { description: { type: 'plain_text' as const, text: cut(c.description) } } : {}),
    })),
  };
}
