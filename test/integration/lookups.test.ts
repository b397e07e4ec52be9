import { loadCatalog } from '../../src/catalog';
import { LookupId } from '../../src/catalog/schema';
import { BotError, userMessage } from '../../src/errors';
import { LOOKUP_IDS, runLookup } from '../../src/integration/lookups';
import { useClientOnStandin } from '../support/client-on-standin';
import { FAKE, FAKE_SECRET_VALUES, fixture, memoryLogger } from '../support/fakes';

const logs = memoryLogger();
const standin = useClientOnStandin(logs.logger);

afterAll(() => {
  for (const secret of FAKE_SECRET_VALUES) expect(logs.text()).not.toContain(secret);
});

const catalog = loadCatalog();
/** The CRM whose catalog entry declares the lookup (its `needs` say which inputs the lookup reads). */
function crmWith(id: LookupId) {
  const crm = catalog.crms.find((c) => c.lookups.some((l) => l.id === id));
  if (!crm) throw new Error(`no CRM declares ${id}`);
  return crm;
}

const carestackInputs = {
  'carestack.customer.domain': 'partners.sb',
  'carestack.account.key': FAKE.accountKey,
  'carestack.account.id': FAKE.accountId,
};

it('implements every LookupId', () => {
  expect([...LOOKUP_IDS].sort()).toEqual([...LookupId.options].sort());
});

it('cloud9.locations offers location codes labelled with name and place', async () => {
  standin.api.on('GET', '/commonservices/cloud9/locations', { json: fixture('cloud9-locations.json') });
  await expect(
    runLookup(standin.client, crmWith('cloud9.locations'), 'cloud9.locations', {
      ClientID: FAKE.clientId,
      'is.aws.hosted': 'true',
    }),
  ).resolves.toEqual([
    { value: '4', label: '4 — S Corp Vallejo (Vallejo, CA)' },
    { value: '6', label: '6 — S Corp Benicia (Benicia, CA)' },
  ]);
  expect(standin.api.requests[0]?.query).toEqual({ clientId: FAKE.clientId, isAwsHosted: 'true' });
});

it('cloud9.locations treats an empty is.aws.hosted as false', async () => {
  standin.api.on('GET', '/commonservices/cloud9/locations', { json: [] });
  await runLookup(standin.client, crmWith('cloud9.locations'), 'cloud9.locations', { ClientID: FAKE.clientId });
  expect(standin.api.requests[0]?.query.isAwsHosted).toBe('false');
});

it('nextech.practitioners offers practitioner ids; nextech.locations offers location names', async () => {
  standin.api
    .on('GET', '/nextech/practitioners', { json: fixture('nextech-practitioners.assumed.json') })
    .on('GET', '/nextech/locations', { json: fixture('nextech-locations.assumed.json') });
  await expect(
    runLookup(standin.client, crmWith('nextech.practitioners'), 'nextech.practitioners', {
      'practice.id': FAKE.practiceId,
    }),
  ).resolves.toEqual([
    { value: '417445', label: '417445 — Mary Cathy' },
    { value: '704546', label: '704546 — Donald Smith' },
  ]);
  await expect(
    runLookup(standin.client, crmWith('nextech.locations'), 'nextech.locations', { 'practice.id': FAKE.practiceId }),
  ).resolves.toEqual([
    { value: 'Dermatology', label: 'Dermatology' },
    { value: 'Oncology', label: 'Oncology' },
  ]);
});

it('carestack.locations offers location ids; carestack.appointmentStatuses offers status names', async () => {
  standin.api
    .on('GET', '/carestack/partners.sb/api/v1.0/locations', { json: fixture('carestack-locations.json') })
    .on('GET', '/carestack/partners.sb/api/v1.0/appointment-status', {
      json: fixture('carestack-appointment-statuses.json'),
    });
  const locations = await runLookup(
    standin.client,
    crmWith('carestack.locations'),
    'carestack.locations',
    carestackInputs,
  );
  expect(locations[1]).toEqual({ value: '19031', label: '19031 — Carestack Demo' });
  const statuses = await runLookup(
    standin.client,
    crmWith('carestack.appointmentStatuses'),
    'carestack.appointmentStatuses',
    carestackInputs,
  );
  expect(statuses.map((s) => s.value)).toContain('Arrived');
  expect(statuses).toHaveLength(14);
});

it('keeps the first of options with the same value', async () => {
  standin.api.on('GET', '/nextech/locations', {
    json: [{ name: 'Dermatology' }, { name: 'Oncology' }, { name: 'Dermatology' }],
  });
  const options = await runLookup(standin.client, crmWith('nextech.locations'), 'nextech.locations', {
    'practice.id': FAKE.practiceId,
  });
  expect(options.map((o) => o.value)).toEqual(['Dermatology', 'Oncology']);
});

it('asks for a missing input before calling anything', async () => {
  await expect(
    runLookup(standin.client, crmWith('carestack.locations'), 'carestack.locations', {
      'carestack.customer.domain': 'partners.sb',
    }),
  ).rejects.toMatchObject({
    code: 'validation_failed',
    message: expect.stringContaining('carestack.account.key'),
  });
  expect(standin.api.requests).toHaveLength(0);
});

it('turns an API failure into lookup_failed without any input value in the message', async () => {
  standin.api.on('GET', '/carestack/partners.sb/api/v1.0/locations', { status: 401 });
  const err = await runLookup(
    standin.client,
    crmWith('carestack.locations'),
    'carestack.locations',
    carestackInputs,
  ).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(BotError);
  expect(err).toMatchObject({ code: 'lookup_failed', context: { lookup: 'carestack.locations', status: 401 } });
  const shown = userMessage(err);
  expect(shown).toMatch(/^The lookup failed: Carestack refused the request/);
  for (const secret of FAKE_SECRET_VALUES) expect(shown).not.toContain(secret);
});
