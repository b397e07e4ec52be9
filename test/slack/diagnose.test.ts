import { DIAGNOSE_ANSWER, DIAGNOSE_BLOCKS, DIAGNOSE_MODAL, FIX_OPEN } from '../../src/flows/diagnose/ids';
import { STATUS_ACTIONS } from '../../src/flows/status/ids';
import { CREDENTIAL_REASON, catalogWithReason } from '../support/catalogs';
import { replyToMention, troubleshootMessage } from '../support/diagnose-messages';
import { type DiagnoseFields, diagnoseSubmission as submission } from '../support/diagnose-surfaces';
import { fixture } from '../support/fakes';
import { buttons, type Json } from '../support/payloads';
import { TEST_CHANNEL } from '../support/slack-harness';
import { useBot } from '../support/use-bot';

const BUSINESS = '170000000000011';

/** A diagnosis through the modal, per CRM: what the answer says, and the buttons it offers. */
type Answer = {
  title: string;
  fields: DiagnoseFields;
  /** Each of these is in the answer. */
  says: string[];
  /** action_ids of every button, in order. */
  buttons?: string[];
  /** What the Re-authorize button carries. */
  reauthValue?: Json;
  /** The fix button's label. */
  fixLabel?: string;
  maxBlocks?: number;
};

const ANSWERS: Answer[] = [
  {
    title: 'CareCloud: names the reason, meaning, log keys, controlling property and the exact finding',
    fields: {
      crm: 'carecloud',
      reason: 'Appointment status is not on the allowed list',
      record: 'pms_appointment_status=No Show',
    },
    says: [
      '*CareCloud*: Appointment status is not on the allowed list',
      "The appointment's status is not one of the statuses configured",
      '`pms_appointment_status`',
      'Appointment status (`appointment_status`, location level)',
      "appointment status 'No Show' is not in 'Checked-Out, Billed' (the default: the bot has no record of a configured Appointment status).",
    ],
    // A setting, not a credential: re-authorizing cannot help, so no Re-authorize.
    buttons: [FIX_OPEN],
    maxBlocks: 100,
  },
  {
    title: 'Nextech: a group-level list has no button; the manual path is said honestly',
    fields: {
      crm: 'nextech',
      reason: '‘Appointment status’ is not in the allowed list',
      record: '{"additionalParams":{"appointment":{"status":"completed"}}}',
    },
    says: [
      "appointment status 'completed' is not in 'fulfilled'",
      "the integration API documents no call that changes a group's properties",
      "add 'completed' to Appointment statuses",
    ],
    buttons: [],
  },
  {
    title: 'Cliniko: an inactive patient is for the clinic to fix, with the flag finding',
    fields: { crm: 'cliniko', reason: 'The customer is inactive', record: 'active=false' },
    says: [
      '*Cliniko*: The customer is inactive',
      '• active is false.',
      "Fix (in the clinic's Cliniko)",
      'Reactivate the patient in Cliniko',
    ],
    buttons: [],
  },
  {
    title: 'Carestack: no contact details, matched without choosing the CRM',
    fields: {
      reason: 'Phone or Email should be valid for creating a customer Email: null, Phone: null.',
      record: '{"email": null, "phone": null}',
    },
    says: ['*Carestack*', 'The contact has no email and no phone.', 'Add a valid email address or mobile phone number'],
    buttons: [],
  },
  {
    title: 'Cloud 9 Ortho: beta is fixed by a button',
    fields: { crm: 'cloud9-ortho', reason: 'Integration is beta', record: 'beta=true' },
    says: ['*Cloud 9 Ortho*: Integration is beta', '• beta is true.'],
    buttons: [FIX_OPEN],
    fixLabel: 'Turn beta off',
  },
];

describe('diagnose', () => {
  const { bot, api } = useBot();

  /** Submits the diagnose modal; returns the ack and the answer view (views.update after the working view). */
  async function diagnoseModal(values: Parameters<typeof submission>[0]) {
    const res = await bot.sendViewSubmission(
      submission(values, { id: 'V_DIAG', private_metadata: JSON.stringify({ c: TEST_CHANNEL }) }),
    );
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ response_action: 'update' });
    const call = await bot.slack.waitFor('views.update', (c) => c.body.view.callback_id === DIAGNOSE_ANSWER);
    expect(call.body.view_id).toBe('V_DIAG');
    return call.body.view as Json;
  }

  it('/crm diagnose opens the modal at once, prefilled from the command text', async () => {
    await bot.sendCommand('diagnose Appointment status is not on the allowed list');
    const call = await bot.slack.waitFor('views.open');
    const view = call.body.view;
    expect(view.callback_id).toBe(DIAGNOSE_MODAL);
    const reason = view.blocks.find((b: Json) => b.block_id === DIAGNOSE_BLOCKS.reason);
    expect(reason.element.initial_value).toBe('Appointment status is not on the allowed list');
    expect(reason.element.multiline).toBe(true);
    const crm = view.blocks.find((b: Json) => b.block_id === DIAGNOSE_BLOCKS.crm);
    expect(crm.element.options.map((o: Json) => o.value)).toEqual(bot.services.catalog.crms.map((c) => c.id));
    expect(JSON.parse(view.private_metadata)).toEqual({ c: TEST_CHANNEL });
    expect(view.title.text.length).toBeLessThanOrEqual(24);
  });

  it('refuses an empty submission and a malformed business ID inline', async () => {
    const empty = await bot.sendViewSubmission(submission({}, { id: 'V_DIAG' }));
    expect(empty.json()).toEqual({
      response_action: 'errors',
      errors: { reason: 'Paste the restriction reason (or a log record that contains it).' },
    });
    const bad = await bot.sendViewSubmission(
      submission({ reason: 'Integration is beta', business: '12345' }, { id: 'V_DIAG' }),
    );
    expect(bad.json()).toEqual({
      response_action: 'errors',
      errors: { business: 'Business ID must be the 15-digit number from Birdeye (Settings → Integrations → API)' },
    });
    expect(bot.slack.callsTo('views.update')).toHaveLength(0);
  });

  it.each(ANSWERS)('$title', async (answer) => {
    const view = await diagnoseModal(answer.fields);
    const text = JSON.stringify(view.blocks);
    for (const said of answer.says) expect(text).toContain(said);
    if (answer.buttons) expect(buttons(view.blocks).map((b) => b.action_id)).toEqual(answer.buttons);
    if (answer.reauthValue) {
      const reauth = buttons(view.blocks).find((b) => b.action_id === STATUS_ACTIONS.reauth);
      expect(JSON.parse(reauth!.value)).toEqual(answer.reauthValue);
    }
    if (answer.fixLabel) {
      const fix = buttons(view.blocks).find((b) => b.action_id === FIX_OPEN);
      expect(fix?.text.text).toBe(answer.fixLabel);
    }
    if (answer.maxBlocks) expect(view.blocks.length).toBeLessThanOrEqual(answer.maxBlocks);
  });

  it('by business ID: reads the group to learn the CRM (Cliniko)', async () => {
    api.on('GET', `/integration/businessintegrationgroup/${BUSINESS}`, { json: fixture('group-cliniko.json') });
    const view = await diagnoseModal({ business: BUSINESS, reason: 'Integration is beta' });
    const text = JSON.stringify(view.blocks);
    expect(text).toContain('*Cliniko*: Integration is beta');
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET /integration/businessintegrationgroup/${BUSINESS}`,
    ]);
    // Beta is a setting: the fix button, no Re-authorize (the group's target is asserted with a credential reason).
    expect(buttons(view.blocks).map((b) => b.action_id)).toEqual([FIX_OPEN]);
  });

  it('by business ID without a group: says so', async () => {
    api.on('GET', `/integration/businessintegrationgroup/${BUSINESS}`, { json: [] });
    const view = await diagnoseModal({ business: BUSINESS, reason: 'Integration is beta' });
    expect(JSON.stringify(view.blocks)).toContain(
      `Business ${BUSINESS} has no integration group of a CRM the bot knows`,
    );
  });

  it('ambiguous text lists candidates per CRM; picking one answers it', async () => {
    const view = await diagnoseModal({ reason: 'The customer is inactive', record: 'active=false' });
    const text = JSON.stringify(view.blocks);
    expect(text).toContain('matches more than one known reason');
    const picks = buttons(view.blocks);
    expect(picks.map((b) => b.action_id)).toEqual([
      'diagnose_pick_carestack.customer-inactive',
      'diagnose_pick_cliniko.customer-inactive',
    ]);
    expect(text).toContain('*Carestack*: Customer is inactive.');
    expect(text).toContain('*Cliniko*: The customer is inactive');

    bot.slack.reset();
    await bot.sendBlockAction({
      view: { id: 'V_DIAG' },
      actions: [{ action_id: picks[1]!.action_id, value: picks[1]!.value }],
    });
    const answer = await bot.slack.waitFor('views.update');
    expect(answer.body.view_id).toBe('V_DIAG');
    const answerText = JSON.stringify(answer.body.view.blocks);
    expect(answerText).toContain('*Cliniko*: The customer is inactive');
    expect(answerText).toContain('• active is false.');
  });

  it('nonsense: honest "no known reason", with the known reasons of the chosen CRM', async () => {
    const view = await diagnoseModal({ crm: 'cliniko', reason: 'flux capacitor overheated' });
    const text = JSON.stringify(view.blocks);
    expect(text).toContain('No known restriction reason for Cliniko matches that text');
    expect(text).toContain('*Known Cliniko reasons*');
    for (const reason of bot.services.catalog.get('cliniko').reasons) expect(text).toContain(reason.text);
    expect(text).not.toContain('Carestack');
    expect(buttons(view.blocks)).toEqual([]);
  });

  it('app_mention answers in a thread, mention stripped', async () => {
    const call = await replyToMention(
      bot,
      'Phone or Email should be valid for creating a customer Email: null, Phone: null.',
      { ts: '1700000005.000100', channel: 'C_SUPPORT' },
    );
    expect(call.body).toMatchObject({ channel: 'C_SUPPORT', thread_ts: '1700000005.000100' });
    expect(call.body.text).toBe(
      'Carestack: Phone or Email should be valid for creating a customer Email: null, Phone: null.',
    );
    expect(JSON.stringify(call.body.blocks)).toContain('The patient has neither a valid email address');
  });

  it('app_mention with nothing that matches says so and suggests /crm diagnose', async () => {
    const call = await replyToMention(bot, 'the widget is purple', {
      ts: '1700000006.000100',
      thread_ts: '1700000001.000001',
      channel: 'C_SUPPORT',
    });
    expect(call.body).toMatchObject({ channel: 'C_SUPPORT', thread_ts: '1700000001.000001' });
    expect(call.body.text).toBe('No known restriction reason matches that text.');
    expect(JSON.stringify(call.body.blocks)).toContain('/crm diagnose');
    expect(call.body.blocks.length).toBeLessThanOrEqual(50);
  });

  it("/crm status's Diagnose button opens the modal with the business and CRM filled in", async () => {
    await bot.sendBlockAction({
      message: { ts: '1700000000.000100' },
      actions: [
        {
          action_id: STATUS_ACTIONS.diagnose,
          value: JSON.stringify({ businessNumber: BUSINESS, crmId: 'nextech', groupId: 150 }),
        },
      ],
    });
    const view = (await bot.slack.waitFor('views.open')).body.view;
    expect(view.callback_id).toBe(DIAGNOSE_MODAL);
    const block = (id: string) => view.blocks.find((b: Json) => b.block_id === id);
    expect(block(DIAGNOSE_BLOCKS.business).element.initial_value).toBe(BUSINESS);
    expect(block(DIAGNOSE_BLOCKS.crm).element.initial_option.value).toBe('nextech');
  });

  it('message shortcut opens the modal: log-looking lines go to the record, the rest to the reason', async () => {
    const res = await troubleshootMessage(
      bot,
      '1700000007.000100',
      'Appointment status is not on the allowed list\npms_appointment_status=No Show\nbeta: false',
    );
    expect(res.status).toBe(200);
    const call = await bot.slack.waitFor('views.open');
    const view = call.body.view;
    expect(view.callback_id).toBe(DIAGNOSE_MODAL);
    const block = (id: string) => view.blocks.find((b: Json) => b.block_id === id);
    expect(block(DIAGNOSE_BLOCKS.reason).element.initial_value).toBe('Appointment status is not on the allowed list');
    expect(block(DIAGNOSE_BLOCKS.record).element.initial_value).toBe('pms_appointment_status=No Show\nbeta: false');
    expect(JSON.parse(view.private_metadata)).toEqual({ c: TEST_CHANNEL, t: '1700000007.000100' });
  });
});

describe('diagnose: Re-authorize only under a reason re-authorizing clears (the catalog says which)', () => {
  const { bot, api } = useBot({ catalog: catalogWithReason('cliniko', CREDENTIAL_REASON) });

  async function diagnoseModal(values: DiagnoseFields) {
    const res = await bot.sendViewSubmission(
      submission(values, { id: 'V_DIAG', private_metadata: JSON.stringify({ c: TEST_CHANNEL }) }),
    );
    expect(res.status).toBe(200);
    const call = await bot.slack.waitFor('views.update', (c) => c.body.view.callback_id === DIAGNOSE_ANSWER);
    return call.body.view as Json;
  }
  const reauthOf = (view: Json) => buttons(view.blocks).find((b) => b.action_id === STATUS_ACTIONS.reauth);

  it('Carestack "phone or email should be valid": the clinic fixes it, no Re-authorize', async () => {
    const view = await diagnoseModal({
      crm: 'carestack',
      reason: 'Phone or Email should be valid for creating a customer Email: null, Phone: null.',
    });
    expect(JSON.stringify(view.blocks)).toContain('*Carestack*: Phone or Email should be valid');
    expect(buttons(view.blocks)).toEqual([]);
    // No empty actions block either: Slack refuses one.
    expect(view.blocks.filter((b: Json) => b.type === 'actions')).toEqual([]);
  });

  it('a rejected credential offers Re-authorize, carrying the CRM', async () => {
    const view = await diagnoseModal({ crm: 'cliniko', reason: CREDENTIAL_REASON.text });
    expect(JSON.stringify(view.blocks)).toContain(`*Cliniko*: ${CREDENTIAL_REASON.text}`);
    expect(buttons(view.blocks).map((b) => b.action_id)).toEqual([STATUS_ACTIONS.reauth]);
    expect(JSON.parse(reauthOf(view)!.value)).toEqual({ crmId: 'cliniko' });
  });

  it('by business ID, Re-authorize carries the business and the group read', async () => {
    api.on('GET', `/integration/businessintegrationgroup/${BUSINESS}`, { json: fixture('group-cliniko.json') });
    const view = await diagnoseModal({ business: BUSINESS, reason: CREDENTIAL_REASON.text });
    expect(JSON.stringify(view.blocks)).toContain(`*Cliniko*: ${CREDENTIAL_REASON.text}`);
    expect(JSON.parse(reauthOf(view)!.value)).toEqual({ businessNumber: BUSINESS, crmId: 'cliniko', groupId: 22253 });
  });

  it('an ambiguous answer with one CRM offers Re-authorize only when re-authorizing clears its reasons', async () => {
    // Cliniko chosen, Carestack's wording pasted: one candidate, about the patient's contact details.
    const contact = await diagnoseModal({
      crm: 'cliniko',
      reason: 'Phone or Email should be valid for creating a customer Email: null, Phone: null.',
    });
    expect(JSON.stringify(contact.blocks)).toContain('more than one known reason');
    expect(buttons(contact.blocks).map((b) => b.action_id)).toEqual(['diagnose_pick_carestack.no-contact']);

    bot.slack.reset();
    // Carestack chosen, the Cliniko credential reason pasted: one candidate, which re-authorizing clears.
    const credential = await diagnoseModal({ crm: 'carestack', reason: CREDENTIAL_REASON.text });
    expect(buttons(credential.blocks).map((b) => b.action_id)).toEqual([
      `diagnose_pick_${CREDENTIAL_REASON.id}`,
      STATUS_ACTIONS.reauth,
    ]);
    expect(JSON.parse(reauthOf(credential)!.value)).toEqual({ crmId: 'cliniko' });
  });
});
