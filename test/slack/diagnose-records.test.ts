import {
  DIAGNOSE_ANSWER,
  DIAGNOSE_BLOCKS,
  DIAGNOSE_MODAL,
  DIAGNOSE_PICK,
  FIX_FIELDS,
  FIX_OPEN,
} from '../../src/flows/diagnose/ids';
import { HOME_ACTIONS } from '../../src/flows/home/ids';
import { saveConfigRecord } from '../../src/operations/config-records';
import { diagnoseSubmission, diagnoseVia, SURFACES, type Surface } from '../support/diagnose-surfaces';
import { fixture } from '../support/fakes';
import { actionButtons, type Json } from '../support/payloads';
import { useBot } from '../support/use-bot';

/**
 * Contact log records pasted the ways Kibana gives them (JSON nested and flat, the table view's
 * field<TAB>value rows, the JSON view's `_source` wrapper, a search response, cut off, several
 * records, inside a sentence), on every surface: the answer names the right CRM and reason, the
 * article's log keys, and the values the record holds. A business number in the record is shown,
 * prefilled and used to read the business's group (the integration API is a local stand-in).
 */

/** One business per CRM, each with that CRM's integration group in the API stand-in. */
const BUSINESS = {
  carecloud: '170000000000101',
  carestack: '170000000000102',
  cliniko: '170000000000103',
  cloud9: '170000000000104',
  nextech: '170000000000105',
  /** CareCloud, with the bot's configuration record (appointment_status 'Checked-Out, Billed, Arrived'). */
  configured: '170000000000106',
  /** Has no integration group at all. */
  none: '170000000000107',
} as const;

type RecordCase = {
  name: string;
  paste: string;
  header: string;
  logKeys: string[];
  /** Sentences the answer must show, built from the record's values. */
  shows: string[];
  /** The business the answer shows and the modal prefills, read from the record. */
  business?: string;
};

const GROUP_FILES: Record<string, string> = {
  [BUSINESS.carecloud]: 'group-carecloud.json',
  [BUSINESS.configured]: 'group-carecloud.json',
  [BUSINESS.carestack]: 'group-carestack.json',
  [BUSINESS.cliniko]: 'group-cliniko.json',
  [BUSINESS.cloud9]: 'group-cloud9.json',
  [BUSINESS.nextech]: 'group-nextech.json',
};
const groupsPath = (business: string) => `/integration/businessintegrationgroup/${business}`;
/** The API stand-in's answer for a business's groups: its CRM's group, or none. */
const groupsReply = (business: string) => {
  const file = GROUP_FILES[business];
  return { json: file ? fixture(file) : [] };
};

const json = (value: unknown) => JSON.stringify(value);
const table = (rows: Array<[string, string]>) => rows.map(([k, v]) => `${k}\t${v}`).join('\n');

const CARECLOUD_STATUS = 'CareCloud: Appointment status is not on the allowed list';
const CARECLOUD_PROVIDER = 'CareCloud: Provider name is not in the allowed list';
const CARESTACK_STATUS =
  'Carestack: If the appointment status is not configured in the Carestack Appointment Status field.';
const NEXTECH_STATUS = 'Nextech: ‘Appointment status’ is not in the allowed list';
const NEXTECH_TYPE = 'Nextech: ‘Appointment type’ is not in the allowed list';
const CLOUD9_STATUS = 'Cloud 9 Ortho: ‘Appointment status’ is not in the allowed list';

const RECORDS: RecordCase[] = [
  {
    name: 'CareCloud status, nested JSON with its source',
    paste: json({
      '@timestamp': '2026-11-20T10:01:02.123Z',
      integrationSource: 'CARECLOUD',
      restrictionReason: 'Appointment status is not on the allowed list',
      additional: { pms_appointment_status: 'No Show', pms_appointment_provider_name: 'Cathy, Mary' },
    }),
    header: CARECLOUD_STATUS,
    logKeys: ['pms_appointment_status'],
    shows: ["appointment status 'No Show' is not in 'Checked-Out, Billed' (the default"],
  },
  {
    name: 'CareCloud provider "Smith, John", flat JSON with a source id',
    paste: json({
      integrationSourceId: 67,
      restrictionReason: 'Provider name is not in the allowed list',
      pms_appointment_provider_name: 'Smith, John',
    }),
    header: CARECLOUD_PROVIDER,
    logKeys: ['pms_appointment_provider_name'],
    shows: [
      "CareCloud writes the provider 'Smith, John' (Last, First); the Provider name setting must be written 'John Smith' (First Last)",
      "set Provider name on the location mapping to 'John Smith'",
    ],
  },
  {
    name: 'CareCloud beta, key=value log line',
    paste: '2026-11-20T10:01:02Z INFO contact=48213 source=CARECLOUD beta=true restrictionReason="Integration is beta"',
    header: 'CareCloud: Integration is beta',
    logKeys: ['beta'],
    shows: ['• beta is true.'],
  },
  {
    name: 'CareCloud status, Kibana table copy with the business number',
    paste: table([
      ['@timestamp', 'Nov 20, 2026 @ 10:01:02.123'],
      ['businessNumber', BUSINESS.carecloud],
      ['pms_appointment_status', 'Rescheduled'],
      ['restrictionReason', 'Appointment status is not on the allowed list'],
    ]),
    header: CARECLOUD_STATUS,
    logKeys: ['pms_appointment_status'],
    shows: ["appointment status 'Rescheduled' is not in 'Checked-Out, Billed'"],
    business: BUSINESS.carecloud,
  },
  {
    name: "CareCloud status against the business's configured list (configuration record)",
    paste: json({
      businessNumber: Number(BUSINESS.configured),
      pms_appointment_status: 'No Show',
      restrictionReason: 'Appointment status is not on the allowed list',
    }),
    header: CARECLOUD_STATUS,
    logKeys: ['pms_appointment_status'],
    shows: [
      "appointment status 'No Show' is not in 'Checked-Out, Billed, Arrived' (this business's configured Appointment status)",
      "to 'Checked-Out, Billed, Arrived, No Show'",
    ],
    business: BUSINESS.configured,
  },
  {
    name: "Carestack status, Kibana's JSON view (_source)",
    paste: json({
      _index: 'bc-json-logs-2026.11.20',
      _id: 'Zx81',
      _score: null,
      _source: {
        integrationSource: 'CARESTACK',
        pms_appointment_status: 'Cancelled',
        restrictionReason: 'If the appointment status is not configured in the Carestack Appointment Status field.',
      },
    }),
    header: CARESTACK_STATUS,
    logKeys: ['pms_appointment_status'],
    shows: ["Appointment status is 'Cancelled'."],
  },
  {
    name: 'Carestack inactive, JSON cut off mid-value',
    paste:
      '{"integrationSource":"CARESTACK","active":false,"restrictionReason":"Customer is inactive.","patient":{"firstName":"Ja',
    header: 'Carestack: Customer is inactive.',
    logKeys: ['active'],
    shows: ['• active is false.'],
  },
  {
    name: 'Carestack no contact details, nested nulls',
    paste: json({
      source: 'CARESTACK',
      restrictionReason: 'Phone or Email should be valid for creating a customer Email: null, Phone: null.',
      customer: { email: null, phone: null },
    }),
    header: 'Carestack: Phone or Email should be valid for creating a customer Email: null, Phone: null.',
    logKeys: ['email', 'phone'],
    shows: ['The contact has no email and no phone.'],
  },
  {
    name: 'Carestack no contact details, key=value with the business',
    paste: `restrictionReason="Either Phone or Email should be valid for the creation of a customer. Email: null, Phone: null." email=null phone=null businessNumber=${BUSINESS.carestack}`,
    header: 'Carestack: Phone or Email should be valid for creating a customer Email: null, Phone: null.',
    logKeys: ['email', 'phone'],
    shows: ['The contact has no email and no phone.'],
    business: BUSINESS.carestack,
  },
  {
    name: 'Carestack beta, several records newest first',
    paste: [
      json({ integrationSourceId: 124, beta: true, restrictionReason: 'Integration is beta.', contactId: 9 }),
      json({ integrationSourceId: 124, beta: false, restrictionReason: 'Integration is beta.', contactId: 9 }),
    ].join('\n'),
    header: 'Carestack: Integration is beta.',
    logKeys: ['beta'],
    shows: ['• beta is true.', 'The paste holds 2 log records; the newest (the first pasted'],
  },
  {
    name: 'Cliniko inactive, Kibana table with type markers',
    paste: ['t\tintegrationSource\tCLINIKO', 't\trestrictionReason\tThe customer is inactive', 'k\tactive\tfalse'].join(
      '\n',
    ),
    header: 'Cliniko: The customer is inactive',
    logKeys: ['active'],
    shows: ['• active is false.'],
  },
  {
    name: 'Cliniko did not arrive, flat JSON',
    paste: json({
      source: 'CLINIKO',
      did_not_arrive: true,
      restrictionReason: 'The patient did not arrive for an appointment.',
    }),
    header: 'Cliniko: The patient did not arrive for an appointment.',
    logKeys: ['did_not_arrive'],
    shows: ['• did_not_arrive is true.'],
  },
  {
    name: 'Cliniko beta, JSON inside a sentence',
    paste: `hey team, this one from the sydney clinic: {"integrationSource":"CLINIKO","beta":"true","restrictionReason":"Integration is beta"} any idea?`,
    header: 'Cliniko: Integration is beta',
    logKeys: ['beta'],
    shows: ['• beta is true.'],
  },
  {
    name: 'Cliniko beta, only the business number says the CRM (group read through the API)',
    paste: json({ businessNumber: Number(BUSINESS.cliniko), beta: true, restrictionReason: 'Integration is beta' }),
    header: 'Cliniko: Integration is beta',
    logKeys: ['beta'],
    shows: ['• beta is true.', `CRM: business ${BUSINESS.cliniko}'s integration group is Cliniko.`],
    business: BUSINESS.cliniko,
  },
  {
    name: 'Cliniko did not arrive, _source wrapper with the business',
    paste: json({
      _index: 'bc-json-logs-2026.11.21',
      _id: 'q1',
      _source: { businessId: BUSINESS.cliniko, did_not_arrive: 'true', restrictionReason: 'did not arrive' },
    }),
    header: 'Cliniko: The patient did not arrive for an appointment.',
    logKeys: ['did_not_arrive'],
    shows: ['• did_not_arrive is true.'],
    business: BUSINESS.cliniko,
  },
  {
    name: 'Cloud 9 status, flat JSON',
    paste: json({
      integrationSource: 'CLOUD9',
      pms_appointment_status: 'Scheduled',
      restrictionReason: '‘Appointment status’ is not in the allowed list',
    }),
    header: CLOUD9_STATUS,
    logKeys: ['pms_appointment_status'],
    shows: ["appointment status 'Scheduled' is not in 'Dismissed' (the only value the CRM allows)."],
  },
  {
    name: 'Cloud 9 beta, _source cut off',
    paste:
      '{"_index":"bc-json-logs","_id":"x","_source":{"source":"CLOUD9","beta":true,"restrictionReason":"Integration is beta","location":"Orth',
    header: 'Cloud 9 Ortho: Integration is beta',
    logKeys: ['beta'],
    shows: ['• beta is true.'],
  },
  {
    name: 'Cloud 9 status, JSON in a sentence with the reason typed around it',
    paste: `c9 again - pt was Scheduled {"pms_appointment_status":"Checked In"} reason ‘Appointment status’ is not in the allowed list`,
    header: CLOUD9_STATUS,
    logKeys: ['pms_appointment_status'],
    shows: ["appointment status 'Checked In' is not in 'Dismissed'"],
  },
  {
    name: 'Cloud 9 status, business number whose group is Cloud 9',
    paste: `${table([
      ['businessNumber', BUSINESS.cloud9],
      ['pms_appointment_status', 'Confirmed'],
    ])}\n‘Appointment status’ is not in the allowed list`,
    header: CLOUD9_STATUS,
    logKeys: ['pms_appointment_status'],
    shows: ["appointment status 'Confirmed' is not in 'Dismissed'"],
    business: BUSINESS.cloud9,
  },
  {
    name: 'Nextech status, nested additionalParams',
    paste: json({
      integrationSourceId: 22,
      restrictionReason: '‘Appointment status’ is not in the allowed list',
      additionalParams: { appointment: { status: 'completed', types: ['Consult'] } },
    }),
    header: NEXTECH_STATUS,
    logKeys: ['additionalParams.appointment.status'],
    shows: ["appointment status 'completed' is not in 'fulfilled'", "add 'completed' to Appointment statuses"],
  },
  {
    name: 'Nextech status, additionalParams carried as a JSON string (Kibana)',
    paste: json({
      source: 'NEXTECH',
      restrictionReason: "'Appointment status' is not in the allowed list",
      additionalParams: json({ appointment: { status: 'noshow' } }),
    }),
    header: NEXTECH_STATUS,
    logKeys: ['additionalParams.appointment.status'],
    shows: ["appointment status 'noshow' is not in 'fulfilled'"],
  },
  {
    name: 'Nextech status, flat dotted keys with the CRM named in the text',
    paste: `nextech: ${json({ 'additionalParams.appointment.status': 'cancelled' })} appt status not in allowed list`,
    header: NEXTECH_STATUS,
    logKeys: ['additionalParams.appointment.status'],
    shows: ["appointment status 'cancelled' is not in 'fulfilled'"],
  },
  {
    name: 'Nextech type, Kibana table',
    paste: table([
      ['@timestamp', 'Nov 22, 2026 @ 08:15:00.000'],
      ['integrationSource', 'NEXTECH'],
      ['additionalParams.appointment.types', 'Consult'],
      ['restrictionReason', '‘Appointment type’ is not in the allowed list'],
    ]),
    header: NEXTECH_TYPE,
    logKeys: ['additionalParams.appointment.types'],
    shows: ["Appointment types is 'Consult'."],
  },
  {
    name: 'Nextech type, JSON cut off inside the list',
    paste:
      '{"integrationSourceId":22,"restrictionReason":"‘Appointment type’ is not in the allowed list","additionalParams":{"appointment":{"types":["Surgery","Post-O',
    header: NEXTECH_TYPE,
    logKeys: ['additionalParams.appointment.types'],
    shows: ["Appointment types is 'Surgery'."],
  },
  {
    name: 'Nextech custom status, key: value lines',
    paste: [
      'integrationSource: NEXTECH',
      "restrictionReason: 'Custom Appointment Status' is not in the allowed list",
      'appointment.custom.status: Pending Review',
    ].join('\n'),
    header: 'Nextech: ‘Custom Appointment Status’ is not in the allowed list',
    logKeys: ['appointment.custom.status'],
    shows: ["appointment.custom.status is 'Pending Review'."],
  },
  {
    name: 'Nextech locations, search response (hits.hits), newest by timestamp',
    paste: json({
      hits: {
        hits: [
          {
            _source: {
              '@timestamp': '2026-11-18T09:00:00Z',
              integrationSource: 'NEXTECH',
              crm_locations: 'Old Town',
              restrictionReason: 'configured locations do not exist in nextech',
            },
          },
          {
            _source: {
              '@timestamp': '2026-11-21T09:00:00Z',
              integrationSource: 'NEXTECH',
              crm_locations: 'Downtown Eye Center',
              restrictionReason: 'configured locations do not exist in nextech',
            },
          },
        ],
      },
    }),
    header: 'Nextech: configured locations do not exist in nextech',
    logKeys: ['crm_locations'],
    shows: [
      "crm_locations is 'Downtown Eye Center'.",
      'The paste holds 2 log records; the newest (2026-11-21T09:00:00Z)',
    ],
  },
  {
    name: 'Nextech beta, several Kibana table copies, newest by timestamp',
    paste: table([
      ['@timestamp', 'Nov 19, 2026 @ 08:00:00.000'],
      ['integrationSource', 'NEXTECH'],
      ['beta', 'false'],
      ['@timestamp', 'Nov 21, 2026 @ 08:00:00.000'],
      ['integrationSource', 'NEXTECH'],
      ['beta', 'true'],
      ['restrictionReason', 'Integration is beta'],
    ]),
    header: 'Nextech: Integration is beta',
    logKeys: ['beta'],
    shows: ['• beta is true.', 'the newest (Nov 21, 2026 @ 08:00:00.000)'],
  },
  {
    name: 'Nextech beta, the business number whose group is Nextech',
    paste: `why no requests? businessNumber=${BUSINESS.nextech} beta=true restrictionReason="Integration is beta"`,
    header: 'Nextech: Integration is beta',
    logKeys: ['beta'],
    shows: ['• beta is true.', 'Turn beta off'],
    business: BUSINESS.nextech,
  },
  {
    name: 'Carestack status, curly-quoted JSON (Slack smart quotes)',
    paste:
      '{“source”: “CARESTACK”, “pms_appointment_status”: “No Show”, “restrictionReason”: “appointment status is not configured in the Carestack Appointment Status field”}',
    header: CARESTACK_STATUS,
    logKeys: ['pms_appointment_status'],
    shows: ["Appointment status is 'No Show'."],
  },
  {
    name: 'CareCloud provider, record in a sentence with a business',
    paste: `care cloud client ${json({ businessNumber: BUSINESS.carecloud, pms_appointment_provider_name: 'Nguyen, Anh' })} provider name is not in the allowed list`,
    header: CARECLOUD_PROVIDER,
    logKeys: ['pms_appointment_provider_name'],
    shows: ["the Provider name setting must be written 'Anh Nguyen' (First Last)"],
    business: BUSINESS.carecloud,
  },
  {
    name: 'Carestack inactive, array of records (Kibana export)',
    paste: json([
      {
        '@timestamp': '2026-11-21T10:00:00Z',
        integrationSource: 'CARESTACK',
        active: 'false',
        restrictionReason: 'Customer is inactive.',
      },
      { '@timestamp': '2026-11-01T10:00:00Z', integrationSource: 'CARESTACK', active: 'true' },
    ]),
    header: 'Carestack: Customer is inactive.',
    logKeys: ['active'],
    shows: ['• active is false.', 'The paste holds 2 log records'],
  },
  {
    name: 'Cliniko inactive, a business with no group: the record source still decides',
    paste: json({
      businessNumber: BUSINESS.none,
      integrationSource: 'CLINIKO',
      active: false,
      restrictionReason: 'The customer is inactive',
    }),
    header: 'Cliniko: The customer is inactive',
    logKeys: ['active'],
    shows: ['• active is false.', `Business ${BUSINESS.none} has no integration group of a CRM the bot knows.`],
    business: BUSINESS.none,
  },
];

describe('diagnose: pasted log records, on every surface', () => {
  const { bot, api } = useBot();
  beforeAll(async () => {
    await saveConfigRecord(bot.services.store, {
      businessNumber: BUSINESS.configured,
      crmId: 'carecloud',
      accountType: 'smb',
      groupId: 22250,
      groupProperties: {},
      locationProperties: { appointment_status: 'Checked-Out, Billed, Arrived' },
      secretKeysSet: [],
      updatedBy: 'U_SETUP',
      updatedAt: '2026-11-01T00:00:00.000Z',
    });
  });

  it('has at least 30 records', () => {
    expect(RECORDS.length).toBeGreaterThanOrEqual(30);
  });

  const cases = RECORDS.flatMap((record) => SURFACES.map((surface) => ({ ...record, surface })));

  it.each(cases)('$surface · $name', async ({ surface, paste, header, logKeys, shows, business }) => {
    api.requests.length = 0;
    if (business) api.on('GET', groupsPath(business), groupsReply(business));
    const answer = await diagnoseVia(bot, surface as Surface, { text: paste });
    // A business number in the record is used: its groups are read (once), and nothing else is called.
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual(business ? [`GET ${groupsPath(business)}`] : []);
    expect(answer.picks).toEqual([]);
    expect(answer.header).toBe(header);
    for (const key of logKeys) expect(answer.text).toContain(`\`${key}\``);
    for (const shown of shows) expect(answer.text).toContain(shown.replace(/'/g, "'"));
    expect(answer.text).not.toContain('No log record was given');
    if (business) {
      expect(answer.text).toContain(`Business ${business} (from the`);
      if (surface !== 'mention') expect(answer.prefilled?.business).toBe(business);
    }
  });
});

describe('diagnose: the business from the record is used by the fix', () => {
  const { bot, api } = useBot();

  async function fixModalFor(business: string, paste: string): Promise<Json> {
    api.on('GET', groupsPath(business), groupsReply(business));
    const answer = await diagnoseVia(bot, 'mention', { text: paste });
    const button = actionButtons(answer.blocks).find((b) => b.action_id === FIX_OPEN);
    expect(button).toBeDefined();
    bot.slack.reset();
    await bot.sendBlockAction({
      message: { ts: '1700000000.000100' },
      actions: [{ action_id: FIX_OPEN, value: button!.value }],
    });
    return (await bot.slack.waitFor('views.open')).body.view as Json;
  }

  it('a business whose group was found is not asked again', async () => {
    const view = await fixModalFor(
      BUSINESS.cloud9,
      json({ businessNumber: BUSINESS.cloud9, beta: true, restrictionReason: 'Integration is beta' }),
    );
    expect(view.blocks.find((b: Json) => b.block_id === FIX_FIELDS.business)).toBeUndefined();
    expect(JSON.stringify(view.blocks)).toContain(BUSINESS.cloud9);
  });

  it('a business without a group of the CRM is prefilled for the person to check', async () => {
    const view = await fixModalFor(
      BUSINESS.none,
      json({
        businessNumber: BUSINESS.none,
        integrationSource: 'CLOUD9',
        beta: true,
        restrictionReason: 'Integration is beta',
      }),
    );
    const business = view.blocks.find((b: Json) => b.block_id === FIX_FIELDS.business);
    expect(business.element.initial_value).toBe(BUSINESS.none);
  });
});

describe('diagnose: sources that disagree are asked about, saying why', () => {
  const { bot, api } = useBot();

  it.each(SURFACES)('%s: the text names Nextech, the record says Carestack', async (surface) => {
    const answer = await diagnoseVia(bot, surface, {
      text: `nextech integration is beta ${json({ integrationSource: 'CARESTACK', beta: true })}`,
    });
    expect(answer.header).toBeUndefined();
    expect(answer.picks).toEqual(['carestack.integration-beta', 'nextech.integration-beta']);
    expect(answer.text).toContain("The text says “nextech” (Nextech), but the record's integrationSource CARESTACK.");
  });

  it('the modal: the CRM chosen is not the business group’s CRM', async () => {
    api.on('GET', groupsPath(BUSINESS.cliniko), groupsReply(BUSINESS.cliniko));
    bot.slack.reset();
    await bot.sendViewSubmission(
      diagnoseSubmission(
        { crm: 'nextech', business: BUSINESS.cliniko, reason: 'integration is beta' },
        { id: 'V_DISAGREE', private_metadata: '{}' },
      ),
    );
    const view = (await bot.slack.waitFor('views.update', (c) => c.body.view.callback_id === DIAGNOSE_ANSWER)).body
      .view as Json;
    const text = JSON.stringify(view.blocks);
    expect(text).toContain(`Nextech was chosen, but business ${BUSINESS.cliniko}'s integration group is Cliniko.`);
    expect(view.blocks.map((b: Json) => b.accessory?.action_id).filter(Boolean)).toEqual([
      `${DIAGNOSE_PICK}_cliniko.integration-beta`,
      `${DIAGNOSE_PICK}_nextech.integration-beta`,
    ]);
  });

  it('App Home: the Diagnose button opens the diagnose modal', async () => {
    bot.slack.reset();
    await bot.sendBlockAction({
      view: { id: 'V_HOME', type: 'home' },
      actions: [{ action_id: HOME_ACTIONS.diagnose, value: '{}' }],
    });
    const view = (await bot.slack.waitFor('views.open')).body.view as Json;
    expect(view.callback_id).toBe(DIAGNOSE_MODAL);
    expect(view.blocks.map((b: Json) => b.block_id).filter(Boolean)).toEqual([
      DIAGNOSE_BLOCKS.crm,
      DIAGNOSE_BLOCKS.business,
      DIAGNOSE_BLOCKS.reason,
      DIAGNOSE_BLOCKS.record,
    ]);
  });
});

describe('diagnose: a record longer than a modal input is not lost', () => {
  const { bot } = useBot();

  /** A whole Kibana document: the fact that matters comes after 3,000 characters of other fields. */
  const longRecord = json({
    '@timestamp': '2026-11-20T10:01:02.123Z',
    integrationSource: 'CARECLOUD',
    message: `sync batch ${'x'.repeat(3200)}`,
    restrictionReason: 'Appointment status is not on the allowed list',
    pms_appointment_status: 'No Show',
  });

  it.each(['command', 'shortcut'] as const)(
    '%s: the modal shows the start, the diagnosis reads the whole',
    async (surface) => {
      const answer = await diagnoseVia(bot, surface, { text: longRecord });
      expect(answer.prefilled?.record?.length).toBe(3000);
      expect(answer.prefilled?.record?.endsWith('…')).toBe(true);
      expect(answer.header).toBe(CARECLOUD_STATUS);
      expect(answer.text).toContain("appointment status 'No Show' is not in 'Checked-Out, Billed'");
    },
  );

  it('what the person edits in the box is what is diagnosed', async () => {
    bot.slack.reset();
    await bot.sendCommand(`diagnose ${longRecord}`);
    const opened = (await bot.slack.waitFor('views.open')).body.view as Json;
    const recordBlock = opened.blocks.find((b: Json) => b.block_id === DIAGNOSE_BLOCKS.record);
    expect(recordBlock.hint.text).toContain('the bot diagnoses the whole paste');
    await bot.sendViewSubmission(
      diagnoseSubmission(
        { reason: 'carecloud appointment status not on the allowed list', record: 'pms_appointment_status=Arrived' },
        { id: 'V_EDITED', private_metadata: opened.private_metadata },
      ),
    );
    const view = (await bot.slack.waitFor('views.update', (c) => c.body.view.callback_id === DIAGNOSE_ANSWER)).body
      .view as Json;
    const text = JSON.stringify(view.blocks);
    expect(text).toContain("appointment status 'Arrived' is not in 'Checked-Out, Billed'");
    expect(text).not.toContain('No Show');
  });
});
