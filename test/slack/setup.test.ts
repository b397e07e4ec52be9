import nock from 'nock';
import { loadCatalog } from '../../src/catalog';
import { BLOCK, SETUP_ACTION, SETUP_BLOCKS, SETUP_CALLBACK } from '../../src/flows/setup/ids';
import { parseTriggerValue } from '../../src/flows/setup/state';
import { setupCrmStep, setupInputs } from '../support/flow-forms';
import { goldenSetups, type Loaded, type SetupFixture } from '../support/golden-fixtures';
import { NOCK_API, useNockBot } from '../support/nock-bot';
import { submission } from '../support/payloads';
import {
  findBlock as find,
  groupAnswer,
  groupStep,
  groupValues,
  locationUids,
  locationValues,
} from '../support/setup-driver';
import { SlackApiStandin } from '../support/slack-api-standin';
import { type SendOptions, TEST_CHANNEL, type TestBot } from '../support/slack-harness';

/**
 * `/crm setup` end to end: signed requests in through the harness, Slack Web API
 * calls captured at the stand-in, the integration API intercepted with nock
 * matching EXACT JSON bodies (a body that differs in any key is a "no match").
 */

const API = NOCK_API;
const PATHS = {
  createGroup: '/integration/add/businessintegrationgroup',
  createMapping: '/integration/add/businessintegrationmapping',
  updateTriggers: '/integration/update/businessintegrationgroup',
  groups: (bn: string | number) => `/integration/businessintegrationgroup/${bn}`,
  triggers: (sourceId: number) => `/integration/trigger/integrationtriggers/sourceid/${sourceId}`,
};

// biome-ignore lint/suspicious/noExplicitAny: Block Kit JSON from the stand-in
type Json = Record<string, any>;

interface Scenario {
  name: string;
  crmId: string;
  sourceId: number;
  sourceName: string;
  accountType: 'smb' | 'enterprise';
  parent: string;
  /** Trigger option values to tick (undefined: keep the pre-selection). */
  triggers?: string[];
  /** Triggers to tick by id and type, found among the step's options (a golden fixture's triggers). */
  triggerChoices?: Array<{ triggerId: number; triggerTypeId: number }>;
  /** The business already has this group of the CRM, and the user chooses to add locations to it. */
  existingGroupId?: number;
  /** The triggers endpoint answer, for CRMs with triggers the catalog lists without an id. */
  listTriggers?: Json[];
  groupProperties: Record<string, string>;
  locations: Array<{ businessNumber?: string; properties: Record<string, string>; nextRunTime?: string }>;
  groupId: number;
  expected: { group: Json; mappings: Json[] };
  secrets: string[];
}

const catalog = loadCatalog();

/**
 * A golden fixture as a Slack scenario: the CRM's source from the catalog, its triggers ticked by id,
 * its secrets as the fixture marks them. The modal asks location properties in catalog order, so that
 * is the order they are sent in.
 */
function golden({ name, fixture: d }: Loaded<SetupFixture>): Scenario {
  const crm = catalog.get(d.input.crmId);
  const order = crm.locationProperties.map((p) => p.key);
  const mappings = (d.expected.mappings as Json[]).map((m) =>
    m.integrationProperties
      ? {
          ...m,
          integrationProperties: [...m.integrationProperties].sort(
            (a: Json, b: Json) => order.indexOf(a.propertyKey) - order.indexOf(b.propertyKey),
          ),
        }
      : m,
  );
  return {
    name: `${crm.id} ${d.input.accountType} (golden ${name})`,
    crmId: crm.id,
    sourceId: crm.integrationSourceId,
    sourceName: crm.integrationSource,
    accountType: d.input.accountType,
    parent: d.input.parentBusinessNumber,
    ...(d.input.triggers.length > 0 ? { triggerChoices: d.input.triggers } : {}),
    // Triggers the catalog names without an id are read from the API when the modal opens.
    ...(crm.triggers.some((t) => t.id === undefined) ? { listTriggers: [] } : {}),
    ...(d.input.existingGroupId ? { existingGroupId: d.input.existingGroupId } : {}),
    groupProperties: d.input.groupProperties,
    locations: d.input.locations.map((l) => ({
      ...(l.businessNumber ? { businessNumber: l.businessNumber } : {}),
      properties: l.properties,
      ...(l.nextRunTime ? { nextRunTime: l.nextRunTime } : {}),
    })),
    groupId: d.groupId,
    expected: { group: d.expected.group ?? {}, mappings },
    secrets: d.secrets,
  };
}

const CLIENT_ID = '00000000-0000-4000-8000-000000000001';
const PRACTICE_ID = '00000000-0000-4000-8000-000000000002';

// A property of the request bodies below: without isSecure (where the article sends none), or marked secure.
const plain = (propertyKey: string, propertyValue: string): Json => ({ propertyKey, propertyValue });
const secure = (propertyKey: string, propertyValue: string): Json => ({ propertyKey, propertyValue, isSecure: true });

/** A mapping body of a CRM whose article sends no isSecure, test or beta: the properties in the order given. */
function mapping(businessNumber: number, integrationGroupId: number, properties: Record<string, string>): Json {
  return {
    businessNumber,
    integrationGroupId,
    active: true,
    integrationProperties: Object.entries(properties).map(([key, value]) => plain(key, value)),
  };
}

/** Every golden fixture of every CRM, then cases the articles print no body for. */
function scenarios(): Scenario[] {
  return [
    ...goldenSetups().map(golden),
    {
      name: 'cloud9-ortho enterprise',
      crmId: 'cloud9-ortho',
      sourceId: 34,
      sourceName: 'CLOUD9',
      accountType: 'enterprise',
      parent: '100000000000001',
      groupProperties: { ClientID: CLIENT_ID, 'is.aws.hosted': '' },
      locations: [{ businessNumber: '100000000000002', properties: { 'location.code': '7' }, nextRunTime: '04:30' }],
      groupId: 1596,
      expected: {
        group: {
          parentBusinessNumber: 100000000000001,
          integrationSourceId: 34,
          integrationGroupProperties: [
            secure('ClientID', CLIENT_ID),
            { propertyKey: 'is.aws.hosted', propertyValue: 'false', isSecure: false },
          ],
          integrationGroupTriggers: [{ triggerId: 57, triggerTypeId: 1, actionIds: [1] }],
        },
        mappings: [mapping(100000000000002, 1596, { 'location.code': '7' })],
      },
      secrets: [CLIENT_ID],
    },
    {
      name: 'nextech smb with a trigger read from the triggers endpoint',
      crmId: 'nextech',
      sourceId: 22,
      sourceName: 'NEXTECH',
      accountType: 'smb',
      parent: '100000000000003',
      triggers: ['d:24:1', 'a:401:1'],
      listTriggers: [
        {
          id: 24,
          displayName: 'Nextech Fulfilled Appointment Trigger',
          integrationTriggerType: [{ id: 1, name: 'JOB' }],
        },
        {
          id: 401,
          displayName: 'Appointment Trigger Service',
          triggerName: 'Appointment Trigger',
          integrationTriggerType: [{ id: 1, name: 'JOB' }],
        },
      ],
      groupProperties: {
        'practice.id': PRACTICE_ID,
        'appointment.types': 'procedure|Surgery',
        'appointment.status': '',
      },
      locations: [{ properties: { 'location.name': 'Main Office' } }],
      groupId: 150,
      expected: {
        group: {
          parentBusinessNumber: 100000000000003,
          integrationSourceId: 22,
          integrationGroupProperties: [
            secure('practice.id', PRACTICE_ID),
            plain('appointment.types', 'procedure|Surgery'),
          ],
          integrationGroupTriggers: [
            { triggerId: 24, triggerTypeId: 1 },
            { triggerId: 401, triggerTypeId: 1 },
          ],
        },
        mappings: [mapping(100000000000003, 150, { 'location.name': 'Main Office' })],
      },
      secrets: [PRACTICE_ID],
    },
    {
      name: 'nextech enterprise with two locations',
      crmId: 'nextech',
      sourceId: 22,
      sourceName: 'NEXTECH',
      accountType: 'enterprise',
      parent: '100000000000004',
      listTriggers: [],
      groupProperties: {
        'practice.id': PRACTICE_ID,
        'appointment.types': '',
        'appointment.status': 'fulfilled,completed',
      },
      locations: [
        { businessNumber: '100000000000005', properties: { 'location.name': 'North', 'practitioner.id': '12|34' } },
        { businessNumber: '100000000000006', properties: { 'location.name': 'South' } },
      ],
      groupId: 151,
      expected: {
        group: {
          parentBusinessNumber: 100000000000004,
          integrationSourceId: 22,
          integrationGroupProperties: [
            secure('practice.id', PRACTICE_ID),
            plain('appointment.status', 'fulfilled,completed'),
          ],
          integrationGroupTriggers: [{ triggerId: 24, triggerTypeId: 1 }],
        },
        mappings: [
          mapping(100000000000005, 151, { 'location.name': 'North', 'practitioner.id': '12|34' }),
          mapping(100000000000006, 151, { 'location.name': 'South' }),
        ],
      },
      secrets: [PRACTICE_ID],
    },
  ];
}

// ------------------------------------------------------------------ helpers

/** The scenario's group as the API lists it. */
function groupOf(s: Pick<Scenario, 'groupId' | 'sourceId' | 'sourceName'>): Json {
  return groupAnswer({ integrationSourceId: s.sourceId, integrationSource: s.sourceName }, s.groupId);
}

const { text, radio } = setupInputs;

function checkView(view: Json): void {
  expect(view.type).toBe('modal');
  expect(view.title.text.length).toBeLessThanOrEqual(24);
  if (view.submit) expect(view.submit.text.length).toBeLessThanOrEqual(24);
  expect((view.blocks as Json[]).length).toBeLessThanOrEqual(100);
  expect(String(view.private_metadata).length).toBeLessThan(3000);
  expect(JSON.parse(view.private_metadata)).toEqual({ s: expect.any(String) });
  for (const b of view.blocks as Json[]) {
    if (b.type === 'section' && b.text) expect(b.text.text.length).toBeLessThanOrEqual(3000);
  }
}

/** Drives one scenario up to the review view. */
async function throughReview(
  bot: TestBot,
  s: Scenario,
  viewId: string,
  opts: { existingGroup?: number } = {},
): Promise<{ review: Json; metadata: string }> {
  if (s.listTriggers) nock(API).get(PATHS.triggers(s.sourceId)).reply(200, s.listTriggers);
  const res = await bot.sendCommand(`setup ${s.crmId}`);
  expect(res.status).toBe(200);
  const open = await bot.slack.waitFor('views.open');
  let view: Json = open.body.view;
  checkView(view);
  expect(view.callback_id).toBe(SETUP_CALLBACK.crm);
  const crmBlock = find(view.blocks, (b) => b.block_id === BLOCK.crm);
  expect(crmBlock.element.initial_option.value).toBe(s.crmId);
  const metadata: string = view.private_metadata;
  if (s.listTriggers) {
    const update = await bot.slack.waitFor('views.update', (c) => c.body.view?.callback_id === SETUP_CALLBACK.crm);
    view = update.body.view;
    checkView(view);
  }
  const triggerBlock = find(view.blocks, (b) => b.block_id === BLOCK.triggers);
  const preselected = (triggerBlock.element.initial_options ?? []).map((o: Json) => o.value);
  expect(preselected.length).toBeGreaterThan(0);
  const optionValues: string[] = triggerBlock.element.options.map((o: Json) => o.value);
  for (const t of s.triggers ?? []) expect(optionValues).toContain(t);
  const chosen = s.triggerChoices?.map((choice) => {
    const value = optionValues.find((v) => {
      const parsed = parseTriggerValue(v);
      return parsed?.triggerId === choice.triggerId && parsed.triggerTypeId === choice.triggerTypeId;
    });
    if (!value) throw new Error(`trigger ${choice.triggerId}:${choice.triggerTypeId} is not offered`);
    return value;
  });

  const existingGroup = opts.existingGroup ?? s.existingGroupId;
  if (existingGroup) {
    nock(API)
      .get(PATHS.groups(s.parent))
      .reply(200, [groupOf({ ...s, groupId: existingGroup })]);
  } else nock(API).get(PATHS.groups(s.parent)).reply(404, {});
  const step1 = await bot.sendViewSubmission(
    setupCrmStep(viewId, metadata, {
      crmId: s.crmId,
      accountType: s.accountType,
      parent: s.parent,
      triggers: s.triggers ?? chosen ?? preselected,
    }),
  );
  const ack1 = step1.json();
  expect(ack1.response_action).toBe('update');
  checkView(ack1.view);
  // The existing-group check runs after the ack and updates the open step.
  const checked = await bot.slack.waitFor('views.update', (c) => c.body.view_id === viewId);
  let current: Json = checked.body.view;
  if (opts.existingGroup) return { review: current, metadata };
  if (s.existingGroupId) {
    // The step offers the existing group; the user adds the locations to it.
    const banner = find(current.blocks, (b) => b.block_id === SETUP_BLOCKS.existingGroup);
    expect(banner.accessory.action_id).toBe(SETUP_ACTION.useExisting);
    const before = bot.slack.calls.length;
    await bot.sendBlockAction({
      view: { id: viewId, hash: 'h', private_metadata: metadata, state: { values: {} } },
      actions: [{ action_id: SETUP_ACTION.useExisting, value: String(s.existingGroupId) }],
    });
    current = (await nextUpdate(bot, viewId, SETUP_CALLBACK.locations, before)).body.view;
    checkView(current);
  }

  if (current.callback_id === SETUP_CALLBACK.group) {
    const step2 = await bot.sendViewSubmission(groupStep(viewId, metadata, s.groupProperties));
    const ack2 = step2.json();
    expect(ack2).toMatchObject({ response_action: 'update' });
    current = ack2.view;
    checkView(current);
  }
  expect(current.callback_id).toBe(SETUP_CALLBACK.locations);
  while (locationUids(current).length < s.locations.length) {
    const before = bot.slack.callsTo('views.update').length;
    await bot.sendBlockAction({
      view: {
        id: viewId,
        hash: 'h',
        private_metadata: metadata,
        state: { values: locationValues(current, s.locations) },
      },
      actions: [{ action_id: SETUP_ACTION.addLocation, value: 'add' }],
    });
    const update = await bot.slack.waitFor(
      'views.update',
      (c) => c.body.view_id === viewId && bot.slack.callsTo('views.update').indexOf(c) >= before,
    );
    current = update.body.view;
    checkView(current);
  }
  const step3 = await bot.sendViewSubmission({
    view: {
      id: viewId,
      callback_id: SETUP_CALLBACK.locations,
      private_metadata: metadata,
      state: { values: locationValues(current, s.locations) },
    },
  });
  const ack3 = step3.json();
  expect(ack3).toMatchObject({ response_action: 'update' });
  checkView(ack3.view);
  expect(ack3.view.callback_id).toBe(SETUP_CALLBACK.review);
  return { review: ack3.view, metadata };
}

/** The first views.update of `viewId` with `callbackId` made after `before` calls (earlier updates are ignored). */
function nextUpdate(bot: TestBot, viewId: string, callbackId: string, before: number) {
  return bot.slack.waitFor(
    'views.update',
    (c) => c.body.view_id === viewId && c.body.view?.callback_id === callbackId && bot.slack.calls.indexOf(c) >= before,
  );
}

/** nock for what a Confirm of `s` sends, exact bodies: the create-group, the groups read-back, the first mapping. */
function nockConfirm(s: Scenario, mappingReply: { status: number; json: Json } = { status: 200, json: {} }) {
  return nock(API)
    .put(PATHS.createGroup, s.expected.group)
    .reply(200, {})
    .get(PATHS.groups(s.parent))
    .reply(200, [groupOf(s)])
    .put(PATHS.createMapping, s.expected.mappings[0])
    .reply(mappingReply.status, mappingReply.json);
}

/** Submits the Review view of `viewId` (Confirm); `opts` mark it as Slack's retry of an earlier one. */
function confirm(bot: TestBot, viewId: string, metadata: string, opts: SendOptions = {}) {
  return bot.sendViewSubmission(
    { view: { id: viewId, callback_id: SETUP_CALLBACK.review, private_metadata: metadata, state: { values: {} } } },
    opts,
  );
}

/** The views.update that shows the summary ending the setup of `viewId`. */
function setupFinished(bot: TestBot, viewId: string) {
  return bot.slack.waitFor(
    'views.update',
    (c) => c.body.view_id === viewId && c.body.view?.title?.text === 'Setup finished',
  );
}

function expectNoSecrets(bot: TestBot, secrets: readonly string[]): void {
  const slackText = JSON.stringify([...bot.slack.calls.map((c) => c.body), ...bot.slack.responses.map((r) => r.body)]);
  const logText = bot.logText();
  for (const secret of secrets) {
    expect(slackText).not.toContain(secret);
    expect(logText).not.toContain(secret);
  }
}

// -------------------------------------------------------------------- tests

describe('/crm setup end to end', () => {
  const bot = useNockBot();

  describe.each(scenarios().map((s, index) => [s.name, s, index] as const))('%s', (_name, s, index) => {
    it('opens at once, walks the four steps, previews masked curl, and sends the exact bodies', async () => {
      // One view per scenario: a Confirm of a view already confirmed is a Slack retry and writes nothing.
      const viewId = `V_${s.crmId}_${s.accountType}_${index}`.toUpperCase().replace(/-/g, '_');
      const { review, metadata } = await throughReview(bot, s, viewId);

      const reviewText = JSON.stringify(review);
      expect(reviewText).toContain('curl --location --request PUT');
      for (const secret of s.secrets) expect(reviewText).not.toContain(secret);
      if (s.secrets.length > 0) expect(reviewText).toContain('********');
      expect(reviewText).toContain('Back');

      const group = s.existingGroupId
        ? nock(API)
        : nock(API)
            .put(PATHS.createGroup, s.expected.group)
            .reply(200, {})
            .get(PATHS.groups(s.parent))
            .reply(200, [groupOf(s)]);
      if (s.locations.length === 0) expect(reviewText).toContain('only the integration group is created');
      if (s.existingGroupId) {
        expect(reviewText).toContain(
          `existing ${catalog.get(s.crmId).displayName} integration group ${s.existingGroupId}`,
        );
        expect(reviewText).not.toContain('businessintegrationgroup');
      }
      for (const mapping of s.expected.mappings) nock(API).put(PATHS.createMapping, mapping).reply(200, {});

      const confirmed = await confirm(bot, viewId, metadata);
      expect(confirmed.json()).toMatchObject({ response_action: 'update', view: { title: { text: 'Setting up…' } } });

      const posted = await bot.slack.waitFor('chat.postMessage', (c) => c.body.channel === TEST_CHANNEL);
      expect(posted.body.text).toContain(`group ${s.groupId}`);
      for (const mapping of s.expected.mappings)
        expect(JSON.stringify(posted.body.blocks)).toContain(String(mapping.businessNumber));
      expect(JSON.stringify(posted.body.blocks)).not.toContain(SETUP_ACTION.retryMapping);
      await setupFinished(bot, viewId);
      expect(group.isDone()).toBe(true);

      // A ConfigRecord per location, without secret values.
      for (const mapping of s.expected.mappings) {
        const record = await bot.services.store.get<Json>(`config:${mapping.businessNumber}`);
        expect(record).toMatchObject({ crmId: s.crmId, groupId: s.groupId, accountType: s.accountType });
        for (const secret of s.secrets) expect(JSON.stringify(record)).not.toContain(secret);
      }
      expectNoSecrets(bot, s.secrets);
    });
  });

  it('shows inline errors for a bad business ID, keeping what was typed', async () => {
    await bot.sendCommand('setup carestack');
    const open = await bot.slack.waitFor('views.open');
    const metadata = open.body.view.private_metadata;
    const res = await bot.sendViewSubmission(
      setupCrmStep('V_BAD_ID', metadata, {
        crmId: 'carestack',
        accountType: 'smb',
        parent: '12345',
        triggers: ['d:139:1'],
      }),
    );
    const ack = res.json();
    expect(ack.response_action).toBe('errors');
    expect(Object.keys(ack.errors)).toEqual([BLOCK.parent]);
    expect(ack.errors.parent).toContain('15-digit');
    // Nothing lost: changing the CRM re-renders step 1 with the typed value.
    await bot.sendBlockAction({
      view: {
        id: 'V_BAD_ID',
        hash: 'h1',
        private_metadata: metadata,
        state: {
          values: {
            [BLOCK.crm]: setupInputs.crm('cloud9-ortho'),
            [BLOCK.accountType]: radio('smb'),
            [BLOCK.parent]: text('12345'),
          },
        },
      },
      actions: [
        { action_id: SETUP_ACTION.crmSelect, type: 'static_select', selected_option: { value: 'cloud9-ortho' } },
      ],
    });
    const update = await bot.slack.waitFor('views.update', (c) => c.body.view_id === 'V_BAD_ID');
    expect(update.body.hash).toBe('h1');
    const parent = find(update.body.view.blocks, (b) => b.block_id === BLOCK.parent);
    expect(parent.element.initial_value).toBe('12345');
    const triggers = find(update.body.view.blocks, (b) => b.block_id === BLOCK.triggers);
    expect(triggers.element.initial_options.map((o: Json) => o.value)).toEqual(['d:57:1']);
  });

  it('explains why enterprise is not offered for an SMB-only CRM', async () => {
    await bot.sendCommand('setup cliniko');
    const open = await bot.slack.waitFor('views.open');
    const account = find(open.body.view.blocks, (b) => b.block_id === BLOCK.accountType);
    expect(account.element.options.map((o: Json) => o.value)).toEqual(['smb']);
    expect(JSON.stringify(open.body.view)).toContain('Cliniko is supported for SMB businesses only');
  });

  it('shows inline errors for a malformed practice UUID and a missing mandatory enterprise location property', async () => {
    const s = scenarios().find((x) => x.name === 'nextech enterprise with two locations')!;
    const bad: Scenario = {
      ...s,
      groupProperties: { ...s.groupProperties, 'practice.id': 'not-a-uuid' },
      locations: [],
    };
    nock(API).get(PATHS.triggers(22)).reply(200, []);
    await bot.sendCommand('setup nextech');
    const open = await bot.slack.waitFor('views.open');
    const metadata = open.body.view.private_metadata;
    nock(API).get(PATHS.groups(s.parent)).reply(404, {});
    await bot.sendViewSubmission(
      setupCrmStep('V_NEXTECH_BAD', metadata, {
        crmId: 'nextech',
        accountType: 'enterprise',
        parent: s.parent,
        triggers: ['d:24:1'],
      }),
    );
    await bot.slack.waitFor('views.update', (c) => c.body.view_id === 'V_NEXTECH_BAD');
    const view = { id: 'V_NEXTECH_BAD', private_metadata: metadata };
    const badValues = groupValues(bad.groupProperties);
    const step2 = await bot.sendViewSubmission(submission(SETUP_CALLBACK.group, badValues, view));
    const ack2 = step2.json();
    expect(ack2.response_action).toBe('errors');
    expect(Object.keys(ack2.errors)).toEqual([BLOCK.group('practice.id')]);
    expect(ack2.errors[BLOCK.group('practice.id')]).not.toContain('not-a-uuid');

    badValues[BLOCK.group('practice.id')] = text(PRACTICE_ID);
    const ok2 = (await bot.sendViewSubmission(submission(SETUP_CALLBACK.group, badValues, view))).json();
    expect(ok2.view.callback_id).toBe(SETUP_CALLBACK.locations);
    const uid = locationUids(ok2.view)[0] ?? '';
    // The location name, mandatory for enterprise Nextech, left out.
    const typed = {
      [BLOCK.location(uid, 'businessNumber')]: text('100000000000005'),
      [BLOCK.location(uid, 'practitioner.id')]: text('12'),
    };
    const step3 = (await bot.sendViewSubmission(submission(SETUP_CALLBACK.locations, typed, view))).json();
    expect(step3.response_action).toBe('errors');
    expect(step3.errors[BLOCK.location(uid, 'location.name')]).toContain('required for enterprise Nextech setups');

    // Back from here and forward again: what was typed is still there.
    const beforeback = bot.slack.calls.length;
    await bot.sendBlockAction({
      view: { ...view, hash: 'h', state: { values: typed } },
      actions: [{ action_id: SETUP_ACTION.back, value: 'group' }],
    });
    const back = await nextUpdate(bot, 'V_NEXTECH_BAD', SETUP_CALLBACK.group, beforeback);
    const blocks = back.body.view.blocks as Json[];
    const practice = find(blocks, (b) => b.block_id === BLOCK.group('practice.id'));
    expect(practice.element.initial_value).toBeUndefined();
    expect(practice.hint.text).toContain('Already entered — leave empty to keep');
    expect(practice.label.text).toContain('(secret — never shown again)');
    expect(find(blocks, (b) => b.block_id === BLOCK.group('appointment.status')).element.initial_value).toBe(
      'fulfilled,completed',
    );
    const forward = (
      await bot.sendViewSubmission(
        submission(SETUP_CALLBACK.group, { ...badValues, [BLOCK.group('practice.id')]: text('') }, view),
      )
    ).json();
    expect(forward.response_action).toBe('update');
    const loc = find(forward.view.blocks, (b) => b.block_id === BLOCK.location(uid, 'practitioner.id'));
    expect(loc.element.initial_value).toBe('12');
    expectNoSecrets(bot, [PRACTICE_ID]);
  });

  it('Back from the review keeps every answer, and the secret kept on Back is the one sent', async () => {
    const s = scenarios().find((x) => x.name.startsWith('carestack smb'))!;
    const { metadata } = await throughReview(bot, s, 'V_BACK');
    const beforelocations = bot.slack.calls.length;
    await bot.sendBlockAction({
      view: { id: 'V_BACK', hash: 'h', private_metadata: metadata, state: { values: {} } },
      actions: [{ action_id: SETUP_ACTION.back, value: 'locations' }],
    });
    const locations = await nextUpdate(bot, 'V_BACK', SETUP_CALLBACK.locations, beforelocations);
    const blocks = locations.body.view.blocks as Json[];
    const uid = locationUids(locations.body.view)[0] ?? '';
    expect(find(blocks, (b) => b.block_id === BLOCK.location(uid, 'businessNumber')).element.initial_value).toBe(
      '160283190794732',
    );
    expect(
      find(blocks, (b) => b.block_id === BLOCK.location(uid, 'carestack.appointment.status')).element.initial_value,
    ).toBe('Arrived, Scheduled');
    const beforegroup = bot.slack.calls.length;
    await bot.sendBlockAction({
      view: {
        id: 'V_BACK',
        hash: 'h',
        private_metadata: metadata,
        state: { values: locationValues(locations.body.view, s.locations) },
      },
      actions: [{ action_id: SETUP_ACTION.back, value: 'group' }],
    });
    const group = await nextUpdate(bot, 'V_BACK', SETUP_CALLBACK.group, beforegroup);
    const g = group.body.view.blocks as Json[];
    expect(find(g, (b) => b.block_id === BLOCK.group('carestack.customer.domain')).element.initial_value).toBe(
      'partners.sb',
    );
    expect(find(g, (b) => b.block_id === BLOCK.group('carestack.account.key')).element.initial_value).toBeUndefined();
    expect(JSON.stringify(group.body.view)).not.toContain('fake-account-key');
    // Forward again with the secrets left empty: the ones entered before are sent.
    const values: Json = {
      [BLOCK.group('carestack.customer.domain')]: text('partners.sb'),
      [BLOCK.group('carestack.account.key')]: text(''),
      [BLOCK.group('carestack.account.id')]: text(''),
    };
    const view = { id: 'V_BACK', private_metadata: metadata };
    const step2 = (await bot.sendViewSubmission(submission(SETUP_CALLBACK.group, values, view))).json();
    const step3 = (
      await bot.sendViewSubmission(submission(SETUP_CALLBACK.locations, locationValues(step2.view, s.locations), view))
    ).json();
    expect(step3.view.callback_id).toBe(SETUP_CALLBACK.review);
    nockConfirm(s);
    await confirm(bot, 'V_BACK', metadata);
    await setupFinished(bot, 'V_BACK');
  });

  it('offers to add locations to an existing group, and then sends no create-group request', async () => {
    const s = scenarios().find((x) => x.name.startsWith('carecloud enterprise'))!;
    const { review: stepView, metadata } = await throughReview(bot, s, 'V_EXISTING', { existingGroup: 77 });
    const banner = find(stepView.blocks, (b) => b.block_id === SETUP_BLOCKS.existingGroup);
    expect(banner.text.text).toContain('77');
    expect(banner.accessory.action_id).toBe(SETUP_ACTION.useExisting);
    const beforelocations = bot.slack.calls.length;
    await bot.sendBlockAction({
      view: { id: 'V_EXISTING', hash: 'h', private_metadata: metadata, state: { values: {} } },
      actions: [{ action_id: SETUP_ACTION.useExisting, value: '77' }],
    });
    const locations = await nextUpdate(bot, 'V_EXISTING', SETUP_CALLBACK.locations, beforelocations);
    expect(JSON.stringify(locations.body.view)).toContain('Adding locations to the existing CareCloud group *77*');
    const review = (
      await bot.sendViewSubmission({
        view: {
          id: 'V_EXISTING',
          callback_id: SETUP_CALLBACK.locations,
          private_metadata: metadata,
          state: { values: locationValues(locations.body.view, s.locations) },
        },
      })
    ).json();
    expect(JSON.stringify(review.view)).toContain('Add to the existing CareCloud integration group 77');
    expect(JSON.stringify(review.view)).not.toContain('businessintegrationgroup');
    nock(API)
      .put(PATHS.createMapping, { ...s.expected.mappings[0], integrationGroupId: 77 })
      .reply(200, {});
    await confirm(bot, 'V_EXISTING', metadata);
    const posted = await bot.slack.waitFor('chat.postMessage');
    expect(posted.body.text).toContain('group 77');
  });

  it('a failed mapping gets a Retry button that re-sends only that mapping, once per attempt', async () => {
    const s = scenarios().find((x) => x.name.startsWith('carestack enterprise'))!;
    const { metadata } = await throughReview(bot, s, 'V_RETRY');
    nockConfirm(s, { status: 500, json: { message: 'boom' } });
    await confirm(bot, 'V_RETRY', metadata);
    const posted = await bot.slack.waitFor('chat.postMessage');
    const retry = find(posted.body.blocks, (b) => b.accessory?.action_id === SETUP_ACTION.retryMapping);
    expect(retry.text.text).toContain('160283190794732');
    const value = retry.accessory.value;
    expect(JSON.parse(value)).toMatchObject({ bn: '160283190794732', a: 2 });

    // Only the mapping is sent again (no group request), and a double click sends it once.
    const again = nock(API).put(PATHS.createMapping, s.expected.mappings[0]).reply(200, {});
    const click = () =>
      bot.sendBlockAction({
        message: { ts: '1700000000.000100', text: posted.body.text },
        container: { type: 'message', message_ts: '1700000000.000100', channel_id: TEST_CHANNEL, is_ephemeral: false },
        actions: [{ action_id: SETUP_ACTION.retryMapping, value }],
      });
    await Promise.all([click(), click()]);
    const updated = await bot.slack.waitFor(
      'chat.update',
      (c) => !JSON.stringify(c.body.blocks).includes(SETUP_ACTION.retryMapping),
    );
    expect(updated.body.ts).toBe('1700000000.000100');
    expect(JSON.stringify(updated.body.blocks)).toContain(':white_check_mark: Location 160283190794732');
    expect(again.isDone()).toBe(true);
  });

  it('a double submission of Confirm (a Slack retry of the same view) creates the group once', async () => {
    const s = scenarios().find((x) => x.name.startsWith('cliniko'))!;
    const { metadata } = await throughReview(bot, s, 'V_DOUBLE');
    // Each interceptor answers once: a second create-group would be unmatched.
    nockConfirm(s);
    const [first, second] = await Promise.all([
      confirm(bot, 'V_DOUBLE', metadata),
      confirm(bot, 'V_DOUBLE', metadata, { retryNum: 1, retryReason: 'http_timeout' }),
    ]);
    expect(first.json().response_action).toBe('update');
    expect(second.json().response_action).toBe('update');
    await setupFinished(bot, 'V_DOUBLE');
    await new Promise((r) => setTimeout(r, 100));
    expect(bot.slack.callsTo('chat.postMessage')).toHaveLength(1);
  });

  it('a storm of 100 concurrent Confirm submissions (25 marked as Slack retries) sends one create-group and one mapping', async () => {
    const s = scenarios().find((x) => x.name.startsWith('cliniko'))!;
    const { metadata } = await throughReview(bot, s, 'V_STORM');
    const sent = { group: 0, mapping: 0 };
    // Persisted, so a second request would be answered (and counted) instead of failing as unmatched.
    nock(API)
      .persist()
      .put(PATHS.createGroup, s.expected.group)
      .reply(() => {
        sent.group++;
        return [200, {}];
      })
      .get(PATHS.groups(s.parent))
      .reply(200, [groupOf(s)])
      .put(PATHS.createMapping, s.expected.mappings[0])
      .reply(() => {
        sent.mapping++;
        return [200, {}];
      });
    const submit = (i: number) =>
      confirm(bot, 'V_STORM', metadata, i % 4 === 0 ? { retryNum: 1 + (i % 3), retryReason: 'http_timeout' } : {});
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => submit(i)));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    await setupFinished(bot, 'V_STORM');
    await new Promise((r) => setTimeout(r, 300));
    expect(sent).toEqual({ group: 1, mapping: 1 });
    expect(bot.slack.callsTo('chat.postMessage')).toHaveLength(1);
  });

  it('a canary secret never appears in any Slack call, response_url post or log line', async () => {
    const canary = 'canary-secret-3b9d41';
    const base = scenarios().find((x) => x.name.startsWith('carestack smb'))!;
    const s: Scenario = {
      ...base,
      groupProperties: { ...base.groupProperties, 'carestack.account.key': canary },
      expected: {
        ...base.expected,
        group: {
          ...base.expected.group,
          integrationGroupProperties: base.expected.group.integrationGroupProperties.map((p: Json) =>
            p.propertyKey === 'carestack.account.key' ? { ...p, propertyValue: canary } : p,
          ),
        },
      },
    };
    const { review, metadata } = await throughReview(bot, s, 'V_CANARY');
    expect(JSON.stringify(review)).not.toContain(canary);
    nockConfirm(s);
    await confirm(bot, 'V_CANARY', metadata);
    await setupFinished(bot, 'V_CANARY');
    expectNoSecrets(bot, [canary, 'fake-account-key']);
    // The real trail, raw (unparsed, so no field hides the canary): it has this setup's writes, masked.
    const audits = (await bot.services.store.readLog('audit:all', { limit: 500 })).map((e) => e.value as Json);
    expect(
      audits.filter((a) => a.idempotencyKey === 'V_CANARY:createGroup').map((a) => [a.operation, a.outcome]),
    ).toEqual([
      ['createGroup', 'succeeded'],
      ['createGroup', 'attempted'],
    ]);
    expect(JSON.stringify(audits)).not.toContain(canary);
  });

  it('answers an expired trigger with "run the command again"', async () => {
    bot.slack.program('views.open', SlackApiStandin.error('expired_trigger_id'));
    const res = await bot.sendCommand('setup carestack');
    const reply = await res.nextResponse();
    expect(reply.body.text).toBe('That took too long, run the command again.');
    expect(reply.body.response_type).toBe('ephemeral');
  });
});
