import {
  DIAGNOSE_ANSWER,
  FIX_CONFIRM,
  FIX_DONE,
  FIX_FIELDS,
  FIX_INPUTS,
  FIX_OPEN,
  VALUE,
} from '../../src/flows/diagnose/ids';
import { readAudit } from '../../src/operations/audit';
import { readConfigRecord } from '../../src/operations/config-records';
import { givenSetUpBusiness, mappingBody, type SetUp, sentMapping, serveGroup } from '../support/diagnose-fixes';
import { type DiagnoseFields, diagnoseSubmission } from '../support/diagnose-surfaces';
import { API_PATHS } from '../support/integration-api-standin';
import { buttons, type Json, textField } from '../support/payloads';
import { TEST_CHANNEL, TEST_USER } from '../support/slack-harness';
import { useBot } from '../support/use-bot';

const MAPPING = API_PATHS.mapping;
const CANARY = 'canary-secret-7f3a9c1e-do-not-leak';
const input = textField;

describe('one-click fixes', () => {
  const { bot, api } = useBot();
  const writes = () => api.writes();

  /** Diagnoses through the modal; returns the answer view. */
  async function diagnoseModal(values: DiagnoseFields) {
    await bot.sendViewSubmission(
      diagnoseSubmission(values, { id: 'V_DIAG', private_metadata: JSON.stringify({ c: TEST_CHANNEL }) }),
    );
    const call = await bot.slack.waitFor('views.update', (c) => c.body.view.callback_id === DIAGNOSE_ANSWER);
    return call.body.view as Json;
  }

  /** Clicks the fix button in the answer modal; returns the pushed modal. */
  async function clickFix(answer: Json) {
    const fix = buttons(answer.blocks).find((b) => b.action_id === FIX_OPEN);
    expect(fix).toBeDefined();
    bot.slack.reset();
    await bot.sendBlockAction({ view: { id: 'V_DIAG' }, actions: [{ action_id: FIX_OPEN, value: fix!.value }] });
    const call = await bot.slack.waitFor('views.push');
    return call.body.view as Json;
  }

  /** Setup left this business so; a diagnosis of it; the fix button clicked: the answer and the pushed modal. */
  async function openFix(setUp: SetUp, diagnosis: Omit<DiagnoseFields, 'business'>) {
    await givenSetUpBusiness(bot, api, setUp);
    const answer = await diagnoseModal({ business: setUp.businessNumber, ...diagnosis });
    return { answer, modal: await clickFix(answer) };
  }

  async function confirm(view: Json, values: Record<string, string> = {}, viewId = 'V_FIX') {
    return bot.sendViewSubmission({
      view: {
        id: viewId,
        callback_id: FIX_CONFIRM,
        private_metadata: view.private_metadata,
        state: { values: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, input(v)])) },
      },
    });
  }

  /** Submits the inputs step of a fix (the values by block id); returns the ack's JSON. */
  async function submitInputs(modal: Json, viewId: string, values: Json) {
    const step = await bot.sendViewSubmission({
      view: { id: viewId, callback_id: FIX_INPUTS, private_metadata: modal.private_metadata, state: { values } },
    });
    return step.json();
  }

  /** The API accepts the mapping write; Send is clicked on the confirm step; once the outcome shows, the body sent. */
  async function sendAccepted(view: Json, viewId: string) {
    api.on('PUT', MAPPING, { json: {} });
    await confirm(view, {}, viewId);
    await result();
    return sentMapping(api);
  }

  async function result() {
    const call = await bot.slack.waitFor('views.update', (c) => c.body.view.callback_id === FIX_DONE);
    return JSON.stringify(call.body.view.blocks);
  }

  it('addToList with a ConfigRecord: exact mapping body with the new list, outcome posted, record updated', async () => {
    const business = '170000000000101';
    const { answer, modal } = await openFix(
      {
        businessNumber: business,
        crmId: 'carecloud',
        groupId: 21000,
        locationProperties: { appointment_status: 'Checked-Out, Billed', location_name: 'Main Street' },
      },
      { reason: 'Appointment status is not on the allowed list', record: 'pms_appointment_status=No Show' },
    );
    expect(JSON.stringify(answer.blocks)).toContain(
      "Set Appointment status on the location mapping to 'Checked-Out, Billed, No Show'",
    );
    expect(modal.callback_id).toBe(FIX_CONFIRM);
    const text = JSON.stringify(modal.blocks);
    expect(text).toContain(`curl --location --request PUT '${api.url}${MAPPING}'`);
    expect(text).toContain('Checked-Out, Billed, No Show');

    api.on('PUT', MAPPING, { json: { status: 'success' } });
    const ack = await confirm(modal);
    expect(ack.json()).toMatchObject({ response_action: 'update' });
    expect(await result()).toContain(
      "set Appointment status on the CareCloud mapping of business 170000000000101 to 'Checked-Out, Billed, No Show'",
    );
    expect(writes()).toHaveLength(1);
    expect(sentMapping(api)).toEqual(
      mappingBody({ businessNumber: 170000000000101, integrationGroupId: 21000 }, [
        { propertyKey: 'appointment_status', propertyValue: 'Checked-Out, Billed, No Show' },
        { propertyKey: 'location_name', propertyValue: 'Main Street' },
      ]),
    );
    const posted = await bot.slack.waitFor('chat.postMessage');
    expect(posted.body.channel).toBe(TEST_CHANNEL);
    expect(posted.body.text).toContain(`<@${TEST_USER}> set Appointment status`);
    const saved = await readConfigRecord(bot.services.store, business);
    expect(saved?.locationProperties).toEqual({
      appointment_status: 'Checked-Out, Billed, No Show',
      location_name: 'Main Street',
    });
    const audit = (await readAudit(bot.services.store, { businessNumber: business }, { limit: 5 })).entries;
    expect(audit[0]).toMatchObject({ operation: 'fix.addToList', outcome: 'succeeded', crmId: 'carecloud' });
  });

  it('addToList without a record asks for the current value (and says why), then builds the new list from it', async () => {
    const business = '170000000000102';
    const answer = await diagnoseModal({
      crm: 'carecloud',
      reason: 'Appointment status is not on the allowed list',
      record: 'pms_appointment_status=No Show',
    });
    const modal = await clickFix(answer);
    expect(modal.callback_id).toBe(FIX_INPUTS);
    const text = JSON.stringify(modal.blocks);
    expect(text).toContain("The API has no documented read of a mapping's properties");
    const ids = modal.blocks.filter((b: Json) => b.type === 'input').map((b: Json) => b.block_id);
    expect(ids).toEqual([
      FIX_FIELDS.business,
      FIX_FIELDS.accountType,
      FIX_FIELDS.current('appointment_status'),
      FIX_FIELDS.current('location_name'),
      FIX_FIELDS.current('provider_name'),
      FIX_FIELDS.addValue,
    ]);
    expect(modal.blocks.find((b: Json) => b.block_id === FIX_FIELDS.addValue).element.initial_value).toBe('No Show');
    expect(writes()).toHaveLength(0);

    serveGroup(api, business, 'carecloud');
    const update = await submitInputs(modal, 'V_FIX2', {
      [FIX_FIELDS.business]: input(business),
      [FIX_FIELDS.accountType]: { [VALUE]: { type: 'static_select', selected_option: { value: 'smb' } } },
      [FIX_FIELDS.current('appointment_status')]: input('Checked-Out, Billed, Arrived'),
      [FIX_FIELDS.current('location_name')]: input(null),
      [FIX_FIELDS.current('provider_name')]: input(null),
      [FIX_FIELDS.addValue]: input('No Show'),
    });
    expect(update.response_action).toBe('update');
    expect(update.view.callback_id).toBe(FIX_CONFIRM);
    expect(JSON.stringify(update.view.blocks)).toContain('Checked-Out, Billed, Arrived, No Show');

    expect(await sendAccepted(update.view, 'V_FIX2')).toEqual(
      mappingBody({ businessNumber: 170000000000102, integrationGroupId: 21000 }, [
        { propertyKey: 'appointment_status', propertyValue: 'Checked-Out, Billed, Arrived, No Show' },
      ]),
    );
  });

  it('setBetaFalse (Cliniko): a location secret is asked again, sent isSecure, and leaks nowhere', async () => {
    const business = '170000000000103';
    const { modal } = await openFix(
      {
        businessNumber: business,
        crmId: 'cliniko',
        groupId: 22253,
        locationProperties: { 'cliniko.location.name': 'Main', 'customer.fetch.delay': '0' },
        secretKeysSet: ['location:cliniko.api.key'],
      },
      { reason: 'Integration is beta', record: `beta=true\ncliniko.api.key=${CANARY}` },
    );
    expect(modal.callback_id).toBe(FIX_CONFIRM);
    const secret = modal.blocks.find((b: Json) => b.block_id === FIX_FIELDS.secret('cliniko.api.key'));
    expect(secret).toMatchObject({ optional: false, element: { type: 'plain_text_input' } });
    expect(secret.element.initial_value).toBeUndefined();
    expect(JSON.stringify(modal.blocks)).toContain('********');

    const missing = await confirm(modal, { [FIX_FIELDS.secret('cliniko.api.key')]: '' });
    expect(missing.json()).toEqual({
      response_action: 'errors',
      errors: { [FIX_FIELDS.secret('cliniko.api.key')]: 'Enter the API key override again.' },
    });

    api.on('PUT', MAPPING, { json: {} });
    const ack = await confirm(modal, { [FIX_FIELDS.secret('cliniko.api.key')]: CANARY });
    expect(ack.text).not.toContain(CANARY);
    expect(await result()).toContain('turned beta off on the Cliniko mapping of business 170000000000103');
    expect(sentMapping(api)).toEqual(
      mappingBody({ businessNumber: 170000000000103, integrationGroupId: 22253, test: false, beta: false }, [
        { propertyKey: 'cliniko.location.name', propertyValue: 'Main', isSecure: false },
        { propertyKey: 'customer.fetch.delay', propertyValue: '0', isSecure: false },
        { propertyKey: 'cliniko.api.key', propertyValue: CANARY, isSecure: true },
      ]),
    );
    await bot.slack.waitFor('chat.postMessage');
    expect(JSON.stringify(bot.slack.calls)).not.toContain(CANARY);
    expect(JSON.stringify(bot.slack.responses)).not.toContain(CANARY);
    expect(JSON.stringify((await readAudit(bot.services.store, 'all', { limit: 100 })).entries)).not.toContain(CANARY);
    expect(JSON.stringify(await readConfigRecord(bot.services.store, business))).not.toContain(CANARY);
    expect(bot.logText()).not.toContain(CANARY);
  });

  it('setProperty (Nextech location.name): asks the new value, then sends it', async () => {
    const { modal } = await openFix(
      {
        businessNumber: '170000000000104',
        crmId: 'nextech',
        groupId: 150,
        locationProperties: { 'location.name': 'Derm' },
      },
      { reason: 'configured locations do not exist in nextech' },
    );
    expect(modal.callback_id).toBe(FIX_INPUTS);
    const field = modal.blocks.find((b: Json) => b.block_id === FIX_FIELDS.newValue);
    expect(field.element.initial_value).toBe('Derm');
    expect(modal.blocks.filter((b: Json) => b.type === 'input')).toHaveLength(1);

    const update = await submitInputs(modal, 'V_FIX4', { [FIX_FIELDS.newValue]: input('Dermatology|Oncology') });
    expect(update.view.callback_id).toBe(FIX_CONFIRM);
    expect(await sendAccepted(update.view, 'V_FIX4')).toEqual(
      mappingBody({ businessNumber: 170000000000104, integrationGroupId: 150 }, [
        { propertyKey: 'location.name', propertyValue: 'Dermatology|Oncology' },
      ]),
    );
  });

  it('Nextech group-level status: no button, no request, the manual path instead', async () => {
    const business = '170000000000105';
    serveGroup(api, business, 'nextech');
    const answer = await diagnoseModal({
      business,
      reason: '‘Appointment status’ is not in the allowed list',
      record: 'additionalParams.appointment.status=completed',
    });
    const text = JSON.stringify(answer.blocks);
    expect(text).toContain('Fix (by hand)');
    expect(text).toContain(
      "Appointment statuses is a group property, and the integration API documents no call that changes a group's properties (only its triggers), so the bot sends nothing for this. Change it by hand: in the integration dashboard, open the Nextech integration group (group 150), Manage Properties, and add 'completed' to Appointment statuses.",
    );
    // A list of statuses, not a credential: no Re-authorize either.
    expect(buttons(answer.blocks).map((b) => b.action_id)).toEqual([]);
    expect(writes()).toHaveLength(0);
  });

  it('a double click on Send makes one API call', async () => {
    const { modal } = await openFix(
      {
        businessNumber: '170000000000106',
        crmId: 'carecloud',
        groupId: 21000,
        locationProperties: { location_name: 'Main' },
      },
      { reason: 'Integration is beta', record: 'beta=true' },
    );
    api.on('PUT', MAPPING, { json: {} }, { json: {} });
    const [a, b] = await Promise.all([confirm(modal, {}, 'V_DOUBLE'), confirm(modal, {}, 'V_DOUBLE')]);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    await bot.slack.waitFor('views.update', (c) => c.body.view.callback_id === FIX_DONE);
    await new Promise((r) => setTimeout(r, 200));
    expect(writes()).toHaveLength(1);
    expect(sentMapping(api)).toEqual(
      mappingBody({ businessNumber: 170000000000106, integrationGroupId: 21000, beta: false }, [
        { propertyKey: 'location_name', propertyValue: 'Main' },
      ]),
    );
    expect(bot.slack.callsTo('chat.postMessage')).toHaveLength(1);
  });
});
