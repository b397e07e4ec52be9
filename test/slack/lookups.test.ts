import { LOOKUP_AGAIN, LOOKUP_MODAL } from '../../src/flows/lookup/ids';
import { fixture } from '../support/fakes';
import { expectOneGet } from '../support/integration-calls';
import { type Json, plainInput, staticSelect, submission } from '../support/payloads';
import { useBot } from '../support/use-bot';

/** Planted in secret inputs; must never reach Slack, a response_url or a log line. */
const CANARY_UUID = 'c4a2a7e5-0000-4000-8000-5ec2e7ca7a21';
const CANARY_KEY = 'canary-account-key-7f3e91';
const CANARY_ACCOUNT_ID = '918273645';

/** Fields as the user fills the form, in order: text value or { selected } for a select. */
type Fields = Array<string | { selected: string }>;

interface Case {
  name: string;
  /** The lookup as typed after `/crm lookup` (default: the name). */
  lookup?: string;
  /** A good and a bad filling; `badAt`: index of the input the bad one must flag, `badMessage`: words of the message. */
  form: { good: Fields; bad: Fields; badAt: number; badMessage: string };
  /** The vendor call the good filling makes. */
  request: { path: string; query?: Record<string, string>; headers?: Record<string, string> };
  /** The vendor's answer (a fixture) and lines the results show. */
  answer: { fixture: string; shows: string[] };
  secrets: string[];
}

/** Both Nextech lookups send the practice ID as a query parameter. */
const NEXTECH_QUERY = { practiceId: CANARY_UUID, nextechNewVersion: 'false' };
/** Both Carestack lookups send the vendor key and the account's credentials as headers. */
const CARESTACK_HEADERS = { vendorkey: 'fake-vendor-key', accountkey: CANARY_KEY, accountid: CANARY_ACCOUNT_ID };

/** A URL on another host where the Carestack domain goes: refused on the form, at that field. */
const NOT_CARESTACK = {
  bad: ['https://example.com/carestack', CANARY_KEY, CANARY_ACCOUNT_ID],
  badAt: 0,
  badMessage: 'before .carestack.com',
};

/** What the Carestack statuses lookup sends and shows, however its domain was typed. */
const CARESTACK_STATUSES = {
  request: { path: '/carestack/partners.sb/api/v1.0/appointment-status', headers: CARESTACK_HEADERS },
  answer: { fixture: 'carestack-appointment-statuses.json', shows: ['`Scheduled`', '`Checked Out`', '`No Show`'] },
  secrets: [CANARY_KEY, CANARY_ACCOUNT_ID],
};

const CASES: Case[] = [
  {
    name: 'nextech-practitioners',
    form: { good: [CANARY_UUID], bad: ['not-a-uuid'], badAt: 0, badMessage: 'must be a UUID' },
    request: { path: '/nextech/practitioners', query: NEXTECH_QUERY },
    answer: {
      fixture: 'nextech-practitioners.assumed.json',
      shows: ['`417445` — Mary Cathy', '`704546` — Donald Smith'],
    },
    secrets: [CANARY_UUID],
  },
  {
    name: 'nextech-locations',
    form: { good: [` ${CANARY_UUID} `], bad: [''], badAt: 0, badMessage: 'is needed for this lookup' },
    request: { path: '/nextech/locations', query: NEXTECH_QUERY },
    answer: { fixture: 'nextech-locations.assumed.json', shows: ['`Dermatology`', '`Oncology`'] },
    secrets: [CANARY_UUID],
  },
  {
    name: 'cloud9-locations',
    form: {
      good: [CANARY_UUID, { selected: 'true' }],
      bad: ['12345', { selected: 'false' }],
      badAt: 0,
      badMessage: 'must be a UUID',
    },
    request: { path: '/commonservices/cloud9/locations', query: { clientId: CANARY_UUID, isAwsHosted: 'true' } },
    answer: {
      fixture: 'cloud9-locations.json',
      shows: ['`4` — S Corp Vallejo (Vallejo, CA)', '`6` — S Corp Benicia (Benicia, CA)'],
    },
    secrets: [CANARY_UUID],
  },
  {
    name: 'carestack-locations',
    form: { good: ['https://partners.sb.carestack.com/#/login', CANARY_KEY, CANARY_ACCOUNT_ID], ...NOT_CARESTACK },
    request: { path: '/carestack/partners.sb/api/v1.0/locations', headers: CARESTACK_HEADERS },
    answer: { fixture: 'carestack-locations.json', shows: ['`1` — CareStack Dental', '`19031` — Carestack Demo'] },
    secrets: [CANARY_KEY, CANARY_ACCOUNT_ID],
  },
  {
    name: 'carestack-statuses',
    form: {
      good: ['partners.sb', CANARY_KEY, CANARY_ACCOUNT_ID],
      bad: ['partners.sb', CANARY_KEY, 'abc'],
      badAt: 2,
      badMessage: 'must be a whole number',
    },
    ...CARESTACK_STATUSES,
  },
  {
    name: 'carestack-statuses with a pasted URL',
    lookup: 'carestack-statuses',
    form: { good: ['https://partners.sb.carestack.com/some/path', CANARY_KEY, CANARY_ACCOUNT_ID], ...NOT_CARESTACK },
    ...CARESTACK_STATUSES,
  },
];

function stateFor(modal: Json, fields: Fields): Json {
  const inputs = (modal.blocks as Json[]).filter((b) => b.type === 'input');
  expect(inputs).toHaveLength(fields.length);
  return Object.fromEntries(
    inputs.map((block, i) => {
      const field = fields[i]!;
      const value = typeof field === 'string' ? plainInput(field) : staticSelect(field.selected, 'x');
      return [block.block_id, { [block.element.action_id]: value }];
    }),
  );
}

describe('/crm lookup', () => {
  const { bot, api } = useBot((api) => ({
    env: { CARESTACK_VENDOR_KEY: 'fake-vendor-key', CARESTACK_API_BASE_URL: `${api.url}/carestack/{domain}` },
  }));

  function expectNoSecretsLeaked(secrets: string[]) {
    const slack = JSON.stringify(bot.slack.calls.map((c) => c.body));
    const responses = JSON.stringify(bot.slack.responses.map((r) => r.body));
    for (const secret of secrets) {
      expect(slack).not.toContain(secret);
      expect(responses).not.toContain(secret);
      expect(bot.logText()).not.toContain(secret);
    }
  }

  async function openForm(text: string): Promise<Json> {
    const res = await bot.sendCommand(`lookup ${text}`);
    expect(res.status).toBe(200);
    return (await bot.slack.waitFor('views.open')).body;
  }

  it.each(CASES)('$name: form right after ack, inline error, then the exact request and the results', async (c) => {
    const open = await openForm(c.lookup ?? c.name);
    // The form is the first Web API call the command makes (trigger_id lasts 3 s).
    expect(bot.slack.calls.filter((call) => call.method !== 'auth.test')[0]?.method).toBe('views.open');
    const modal = open.view;
    expect(modal.callback_id).toBe(LOOKUP_MODAL);
    expect(modal.title.text.length).toBeLessThanOrEqual(24);

    const bad = await bot.sendViewSubmission(
      submission(LOOKUP_MODAL, stateFor(modal, c.form.bad), { private_metadata: modal.private_metadata }),
    );
    const badInput = (modal.blocks as Json[]).filter((b) => b.type === 'input')[c.form.badAt]!;
    expect(bad.json()).toEqual({
      response_action: 'errors',
      errors: { [badInput.block_id]: expect.stringContaining(c.form.badMessage) },
    });
    expect(api.requests).toHaveLength(0);

    api.on('GET', c.request.path, { json: fixture(c.answer.fixture) });
    const good = await bot.sendViewSubmission(
      submission(LOOKUP_MODAL, stateFor(modal, c.form.good), {
        id: 'V_LOOKUP',
        private_metadata: modal.private_metadata,
      }),
    );
    expect(good.json()).toMatchObject({ response_action: 'update', view: { type: 'modal' } });
    const update = await bot.slack.waitFor('views.update');
    expect(update.body.view_id).toBe('V_LOOKUP');

    expectOneGet(api, c.request);

    const text = JSON.stringify(update.body.view.blocks);
    for (const line of c.answer.shows) expect(text).toContain(line);
    expect(update.body.view.blocks.length).toBeLessThanOrEqual(100);
    expectNoSecretsLeaked(c.secrets);
  });

  it('accepts near-misses of the lookup name', async () => {
    for (const typed of [
      'nextech practitioner',
      'cloud9-location',
      'carestack-appointment-statuses',
      'carestak-locations',
    ]) {
      bot.slack.reset();
      const modal = (await openForm(typed)).view;
      expect(modal.callback_id).toBe(LOOKUP_MODAL);
    }
  });

  it('refuses an unknown lookup with the list of lookups, opening no form', async () => {
    const res = await bot.sendCommand('lookup frobnicator');
    const reply = (await res.nextResponse()).body;
    expect(reply.text).toContain("I don't know that lookup");
    expect(reply.text).toContain('`carestack-statuses`');
    expect(bot.slack.callsTo('views.open')).toHaveLength(0);
  });

  it('never echoes a secret pasted into the command text, and points to the form', async () => {
    const res = await bot.sendCommand(`lookup nextech-practitioners ${CANARY_UUID}`);
    await bot.slack.waitFor('views.open');
    const reply = (await res.nextResponse()).body;
    expect(reply.text).toContain('looked like a credential');
    expect(reply.text).toContain('form');

    const wrongPlace = await bot.sendCommand(`lookup ${CANARY_UUID}`);
    expect((await wrongPlace.nextResponse()).body.text).toContain('looked like a credential');
    expectNoSecretsLeaked([CANARY_UUID]);
  });

  it('a failing lookup (500) says so clearly in the modal, without the inputs', async () => {
    const modal = (await openForm('carestack-locations')).view;
    for (let i = 0; i < 4; i++)
      api.on('GET', '/carestack/partners.sb/api/v1.0/locations', { status: 500, json: { message: CANARY_KEY } });
    await bot.sendViewSubmission(
      submission(LOOKUP_MODAL, stateFor(modal, ['partners.sb', CANARY_KEY, CANARY_ACCOUNT_ID]), {
        private_metadata: modal.private_metadata,
      }),
    );
    const update = await bot.slack.waitFor('views.update');
    const text = JSON.stringify(update.body.view.blocks);
    expect(text).toContain('The lookup failed: Carestack had an error on its side');
    expect(text).toContain('You can still type the value yourself');
    expectNoSecretsLeaked([CANARY_KEY, CANARY_ACCOUNT_ID]);
  });

  it('shows at most 100 results with a count of the rest', async () => {
    const modal = (await openForm('nextech-locations')).view;
    const many = Array.from({ length: 130 }, (_, i) => ({ id: String(i), name: `Location ${i}` }));
    api.on('GET', '/nextech/locations', { json: many });
    await bot.sendViewSubmission(
      submission(LOOKUP_MODAL, stateFor(modal, [CANARY_UUID]), { private_metadata: modal.private_metadata }),
    );
    const view = (await bot.slack.waitFor('views.update')).body.view;
    const text = JSON.stringify(view.blocks);
    expect(text).toContain('130 found');
    expect(text).toContain('`Location 99`');
    expect(text).not.toContain('`Location 100`');
    expect(text).toContain('30 more not shown');
    for (const block of view.blocks as Json[]) if (block.text) expect(block.text.text.length).toBeLessThanOrEqual(3000);
  });

  it('"Look up again" brings back the empty form', async () => {
    const modal = (await openForm('nextech-locations')).view;
    await bot.sendBlockAction({
      view: { id: 'V_RESULT' },
      actions: [{ action_id: LOOKUP_AGAIN, value: modal.private_metadata }],
    });
    const update = await bot.slack.waitFor('views.update');
    expect(update.body.view_id).toBe('V_RESULT');
    expect(update.body.view.callback_id).toBe(LOOKUP_MODAL);
  });
});
