import nock from 'nock';
import { BLOCK, SETUP_ACTION, SETUP_CALLBACK } from '../../src/flows/setup/ids';
import { STATUS_ACTIONS } from '../../src/flows/status/ids';
import { setupCrmStep, setupInputs } from '../support/flow-forms';
import { NOCK_API, useNockBot } from '../support/nock-bot';
import { submission } from '../support/payloads';
import { findBlock as find, groupValues, locationUids } from '../support/setup-driver';
import { SlackApiStandin } from '../support/slack-api-standin';
import { TEST_CHANNEL, TEST_USER } from '../support/slack-harness';

/**
 * The setup flows reachable on their own (status buttons: add a location, update
 * triggers), live lookups in the locations step, the triggers-list failure, and the
 * result-message fallback. Integration API through nock with exact bodies.
 */

const API = NOCK_API;
const PRACTICE_ID = '00000000-0000-4000-8000-000000000002';

// biome-ignore lint/suspicious/noExplicitAny: Block Kit JSON from the stand-in
type Json = Record<string, any>;

const { text, radio, checks, crm: crmSelect } = setupInputs;

describe('setup: add-location, trigger update, lookups, fallbacks', () => {
  const bot = useNockBot();

  /** A status message's button pressed (its value names the business, CRM and group): the modal it opens. */
  async function pressStatusButton(actionId: string, businessNumber: string, crmId: string, groupId: number) {
    const value = JSON.stringify({ businessNumber, crmId, groupId });
    await bot.sendBlockAction({ actions: [{ action_id: actionId, value }] });
    return (await bot.slack.waitFor('views.open')).body.view as Json;
  }

  /** Submits step `callbackId` of the open modal (its id and metadata) with `values`; the ack, parsed. */
  async function submit(callbackId: string, values: Json, modal: { id: string; private_metadata: string }) {
    return (await bot.sendViewSubmission(submission(callbackId, values, modal))).json();
  }

  /** The add-location modal's business step: which CRM's group, the account type, the business that has it. */
  const addLocationValues = (crmId: string, accountType: string, parent: string): Json => ({
    crm: crmSelect(crmId),
    account_type: radio(accountType),
    parent: text(parent),
  });

  it('status_add_location: business ID → reads the group → locations → review → one mapping into that group', async () => {
    const view = await pressStatusButton(STATUS_ACTIONS.addLocation, '100000000000010', 'carecloud', 88);
    expect(view.callback_id).toBe(SETUP_CALLBACK.addLocation);
    expect(find(view.blocks, (b) => b.block_id === BLOCK.parent).element.initial_value).toBe('100000000000010');
    const modal = { id: 'V_ADDLOC', private_metadata: view.private_metadata };

    nock(API)
      .get('/integration/businessintegrationgroup/100000000000010')
      .reply(200, [{ groupId: 88, integrationSourceType: { id: 67, integrationSource: 'CARECLOUD' } }]);
    const ack = await submit(
      SETUP_CALLBACK.addLocation,
      addLocationValues('carecloud', 'enterprise', '100000000000010'),
      modal,
    );
    expect(ack.response_action).toBe('update');
    const step = await bot.slack.waitFor(
      'views.update',
      (c) => c.body.view_id === 'V_ADDLOC' && c.body.view.callback_id === SETUP_CALLBACK.locations,
    );
    expect(JSON.stringify(step.body.view)).toContain('existing CareCloud group *88*');
    const uid = locationUids(step.body.view)[0] ?? '';
    const review = await submit(
      SETUP_CALLBACK.locations,
      {
        [BLOCK.location(uid, 'businessNumber')]: text('100000000000011'),
        [BLOCK.location(uid, 'location_name')]: text('East'),
      },
      modal,
    );
    expect(review.view.callback_id).toBe(SETUP_CALLBACK.review);
    nock(API)
      .put('/integration/add/businessintegrationmapping', {
        businessNumber: 100000000000011,
        integrationGroupId: 88,
        active: true,
        integrationProperties: [{ propertyKey: 'location_name', propertyValue: 'East' }],
      })
      .reply(200, {});
    await submit(SETUP_CALLBACK.review, {}, modal);
    const posted = await bot.slack.waitFor('chat.postMessage');
    expect(posted.body.channel).toBe(TEST_CHANNEL);
    expect(posted.body.text).toContain('group 88');
  });

  it('status_add_location says so when the business has no group for the CRM', async () => {
    const view = await pressStatusButton(STATUS_ACTIONS.addLocation, '100000000000012', 'cliniko', 5);
    nock(API).get('/integration/businessintegrationgroup/100000000000012').reply(404, {});
    await submit(SETUP_CALLBACK.addLocation, addLocationValues('cliniko', 'smb', '100000000000012'), {
      id: 'V_NOGROUP',
      private_metadata: view.private_metadata,
    });
    const update = await bot.slack.waitFor('views.update', (c) => c.body.view_id === 'V_NOGROUP');
    expect(JSON.stringify(update.body.view)).toContain('has no Cliniko integration group');
  });

  it('status_update_triggers: add through the submit, replace behind a confirm dialog, exact bodies', async () => {
    const view = await pressStatusButton(STATUS_ACTIONS.updateTriggers, '100000000000020', 'carecloud', 142);
    expect(view.callback_id).toBe(SETUP_CALLBACK.triggers);
    const replace = find(view.blocks, (b) => b.block_id === 'replace').elements[0];
    expect(replace.action_id).toBe(SETUP_ACTION.replaceTriggers);
    expect(replace.confirm.title.text).toBe('Replace all triggers?');
    const metadata = view.private_metadata;

    const body = { groupId: 142, integrationGroupTriggers: [{ triggerId: 91, triggerTypeId: 1 }] };
    nock(API)
      .post('/integration/update/businessintegrationgroup', body)
      .query({ replaceTriggers: 'false' })
      .reply(200, {});
    const ack = await submit(
      SETUP_CALLBACK.triggers,
      { triggers: checks(['d:91:1']) },
      { id: 'V_TRIG', private_metadata: metadata },
    );
    expect(ack.response_action).toBe('update');
    const added = await bot.slack.waitFor(
      'views.update',
      (c) => c.body.view_id === 'V_TRIG' && JSON.stringify(c.body.view).includes('Added triggers'),
    );
    expect(JSON.stringify(added.body.view)).toContain('CareCloud Appointment');

    nock(API)
      .post('/integration/update/businessintegrationgroup', body)
      .query({ replaceTriggers: 'true' })
      .reply(200, {});
    await bot.sendBlockAction({
      view: {
        id: 'V_TRIG2',
        hash: 'h',
        private_metadata: metadata,
        state: { values: { triggers: checks(['d:91:1']) } },
      },
      actions: [{ action_id: SETUP_ACTION.replaceTriggers, value: 'replace' }],
    });
    await bot.slack.waitFor(
      'views.update',
      (c) => c.body.view_id === 'V_TRIG2' && JSON.stringify(c.body.view).includes('Replaced the triggers'),
    );
  });

  it('an empty trigger choice is an inline error', async () => {
    const view = await pressStatusButton(STATUS_ACTIONS.updateTriggers, '100000000000021', 'carecloud', 143);
    const ack = await submit(
      SETUP_CALLBACK.triggers,
      { triggers: checks([]) },
      { id: 'V_TRIG3', private_metadata: view.private_metadata },
    );
    expect(ack).toEqual({ response_action: 'errors', errors: { triggers: 'Choose at least one trigger' } });
  });

  it('when the triggers list cannot be read, only documented triggers are offered and the modal says why', async () => {
    nock(API).get('/integration/trigger/integrationtriggers/sourceid/22').times(4).reply(500, {});
    await bot.sendCommand('setup nextech');
    await bot.slack.waitFor('views.open');
    const update = await bot.slack.waitFor('views.update');
    const triggers = find(update.body.view.blocks, (b) => b.block_id === BLOCK.triggers);
    expect(triggers.element.options.map((o: Json) => o.value)).toEqual(['d:24:1']);
    expect(JSON.stringify(update.body.view)).toContain('could not be read');
    expect(JSON.stringify(update.body.view)).toContain('only the documented trigger is offered');
  });

  /** A Nextech enterprise setup at its locations step: the view, its first location, and that location's lookups. */
  async function nextechLocationsStep(viewId: string) {
    nock(API).get('/integration/trigger/integrationtriggers/sourceid/22').reply(200, []);
    await bot.sendCommand('setup nextech');
    const open = await bot.slack.waitFor('views.open');
    const metadata = open.body.view.private_metadata;
    await bot.slack.waitFor('views.update');
    nock(API).get('/integration/businessintegrationgroup/100000000000030').reply(404, {});
    await bot.sendViewSubmission(
      setupCrmStep(viewId, metadata, {
        crmId: 'nextech',
        accountType: 'enterprise',
        parent: '100000000000030',
        triggers: ['d:24:1'],
      }),
    );
    await bot.slack.waitFor('views.update', (c) => c.body.view_id === viewId);
    const step2 = await submit(SETUP_CALLBACK.group, groupValues({ 'practice.id': PRACTICE_ID }), {
      id: viewId,
      private_metadata: metadata,
    });
    const view: Json = step2.view;
    const uid = locationUids(view)[0] ?? '';
    /** The options the external select of `key` loads for what is typed. */
    const lookup = async (key: string, typed: string): Promise<Json[]> =>
      (
        await bot.sendOptions({
          action_id: SETUP_ACTION.lookup,
          block_id: BLOCK.pick(uid, key),
          value: typed,
          view: { id: viewId, private_metadata: metadata },
        })
      ).json().options;
    return { metadata, view, uid, lookup };
  }

  it('location lookups: external selects load live options with the stored credentials, filtered by what is typed', async () => {
    const { metadata, view, uid, lookup } = await nextechLocationsStep('V_LOOKUP');
    const pick = find(view.blocks, (b) => b.block_id === BLOCK.pick(uid, 'practitioner.id'));
    expect(pick.element.type).toBe('multi_external_select');
    // The free-text fallback is there too.
    find(view.blocks, (b) => b.block_id === BLOCK.location(uid, 'practitioner.id'));

    nock(API)
      .get('/nextech/practitioners')
      .query({ practiceId: PRACTICE_ID, nextechNewVersion: 'false' })
      .reply(200, [
        { id: '417445', firstName: 'Mary', lastName: 'Cathy' },
        { id: '704546', firstName: 'Donald', lastName: 'Smith' },
      ]);
    const options = await lookup('practitioner.id', 'smi');
    expect(options.map((o) => o.value)).toEqual(['704546']);
    expect(options[0]?.text.text).toContain('Smith');

    // Picked values are used when nothing is typed.
    const picked = { type: 'multi_external_select', selected_options: [{ value: '417445' }, { value: '704546' }] };
    const review = await submit(
      SETUP_CALLBACK.locations,
      {
        [BLOCK.location(uid, 'businessNumber')]: text('100000000000031'),
        [BLOCK.location(uid, 'location.name')]: text('North'),
        [BLOCK.pick(uid, 'practitioner.id')]: { setup_lookup: picked },
      },
      { id: 'V_LOOKUP', private_metadata: metadata },
    );
    expect(review.view.callback_id).toBe(SETUP_CALLBACK.review);
    expect(JSON.stringify(review.view)).toContain('417445|704546');
    expect(JSON.stringify(review.view)).not.toContain(PRACTICE_ID);
    expect(bot.logText()).not.toContain(PRACTICE_ID);
  });

  it('a failing lookup answers with an option that explains it and says free typing still works', async () => {
    const { lookup } = await nextechLocationsStep('V_LOOKUP_FAIL');
    nock(API).get('/nextech/locations').query(true).times(4).reply(500, {});
    const options = await lookup('location.name', '');
    expect(options).toHaveLength(1);
    expect(options[0]?.value).toBe('__lookup_failed__');
    expect(options[0]?.text.text).toContain('type the value');
    expect(options[0]?.description.text).toContain('Nextech');
  });

  it('falls back to an ephemeral message when the bot is not in the channel', async () => {
    bot.slack.program('chat.postMessage', SlackApiStandin.error('not_in_channel'));
    const view = await pressStatusButton(STATUS_ACTIONS.addLocation, '100000000000040', 'carecloud', 90);
    const modal = { id: 'V_FALLBACK', private_metadata: view.private_metadata };
    nock(API)
      .get('/integration/businessintegrationgroup/100000000000040')
      .reply(200, { groupId: 90, integrationSourceType: { id: 67, integrationSource: 'CARECLOUD' } });
    await submit(SETUP_CALLBACK.addLocation, addLocationValues('carecloud', 'smb', '100000000000040'), modal);
    await bot.slack.waitFor(
      'views.update',
      (c) => c.body.view_id === 'V_FALLBACK' && c.body.view.callback_id === SETUP_CALLBACK.locations,
    );
    const review = await submit(SETUP_CALLBACK.locations, {}, modal);
    expect(review.view.callback_id).toBe(SETUP_CALLBACK.review);
    nock(API)
      .put('/integration/add/businessintegrationmapping', {
        businessNumber: 100000000000040,
        integrationGroupId: 90,
        active: true,
      })
      .reply(200, {});
    await submit(SETUP_CALLBACK.review, {}, modal);
    const ephemeral = await bot.slack.waitFor('chat.postEphemeral');
    expect(ephemeral.body).toMatchObject({ channel: TEST_CHANNEL, user: TEST_USER });
    expect(ephemeral.body.text).toContain('group 90');
    const summary = await bot.slack.waitFor(
      'views.update',
      (c) => c.body.view_id === 'V_FALLBACK' && c.body.view.title.text === 'Setup finished',
    );
    expect(JSON.stringify(summary.body.view)).toContain('posted only to you');
  });
});
