import { BotError } from '../../src/errors';
import { IntegrationClient, type IntegrationClientOptions } from '../../src/integration/client';
import { FAKE, FAKE_SECRET_VALUES, fixture, memoryLogger } from '../support/fakes';
import { IntegrationApiStandin, type Reply } from '../support/integration-api-standin';
import {
  carestackCreateMappingBody,
  cloud9CreateGroupBody,
  failure,
  GROUP_SAMPLES,
} from '../support/integration-calls';
import { closedPort } from '../support/local-server';
import { ManualClock } from '../support/manual-clock';

let api: IntegrationApiStandin;
let logs: ReturnType<typeof memoryLogger>;
let client: IntegrationClient;

function makeClient(overrides: Partial<IntegrationClientOptions> = {}): IntegrationClient {
  return new IntegrationClient({
    baseUrl: api.url,
    timeoutMs: 2000,
    logger: logs.logger,
    retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 20 },
    carestack: { vendorKey: FAKE.vendorKey, baseUrlTemplate: `${api.url}/carestack/{domain}` },
    ...overrides,
  });
}

beforeEach(async () => {
  api = new IntegrationApiStandin();
  await api.start();
  logs = memoryLogger();
  client = makeClient();
});

afterEach(async () => {
  await client.close();
  await api.stop();
  const logged = logs.text();
  for (const secret of FAKE_SECRET_VALUES) expect(logged).not.toContain(secret);
  expect(logged).not.toContain('?');
});

const JSON_HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-cache' };

describe('integration API endpoints', () => {
  const cloud9CreateGroup = cloud9CreateGroupBody(150051042499080);

  it('createGroup PUTs the exact body with the article headers and returns the (undocumented) answer', async () => {
    api.on('PUT', '/integration/add/businessintegrationgroup', { json: { groupId: 1595 } });
    await expect(client.createGroup(cloud9CreateGroup)).resolves.toEqual({ groupId: 1595 });
    const [sent] = api.requests;
    expect(sent?.method).toBe('PUT');
    expect(sent?.headers).toMatchObject(JSON_HEADERS);
    expect(JSON.parse(sent?.body ?? '')).toStrictEqual(cloud9CreateGroup);
  });

  it('createGroup sends a body without properties as the CareCloud article does', async () => {
    const body = {
      parentBusinessNumber: 159894373919788,
      integrationSourceId: 67,
      integrationGroupTriggers: [{ actionIds: [1], triggerId: 91, triggerTypeId: 1 }],
    };
    api.on('PUT', '/integration/add/businessintegrationgroup', { status: 200 });
    await expect(client.createGroup(body)).resolves.toBeUndefined();
    expect(JSON.parse(api.requests[0]?.body ?? '')).toStrictEqual(body);
  });

  it('refuses to send an invalid body', async () => {
    const body = { ...cloud9CreateGroup, integrationGroupTriggers: [] };
    await expect(client.createGroup(body)).rejects.toMatchObject({ code: 'validation_failed' });
    expect(api.requests).toHaveLength(0);
  });

  it.each(
    GROUP_SAMPLES.map(
      (g) => [`${g.sentAs} (${[g.crm, g.note].filter(Boolean).join(', ')})`, g.file, g.groupIds] as const,
    ),
  )('getGroups reads a group sent as %s into a list', async (_shape, file, groupIds) => {
    api.on('GET', '/integration/businessintegrationgroup/150051042499080', { json: fixture(file) });
    const groups = await client.getGroups(150051042499080);
    expect(groups.map((g) => g.groupId)).toEqual(groupIds);
    expect(groups[0]?.integrationGroupTriggers.length).toBeGreaterThan(0);
    expect(api.requests[0]?.headers['cache-control']).toBe('no-cache');
  });

  it.each<[string, Reply]>([
    ['404', { status: 404, json: { message: 'not found' } }],
    ['an empty body', { status: 200 }],
    ['null', { json: null }],
    ['an empty array', { json: [] }],
  ])('getGroups answers [] for %s', async (_what, reply) => {
    api.on('GET', '/integration/businessintegrationgroup/1', reply);
    await expect(client.getGroups('1')).resolves.toEqual([]);
  });

  it('getGroups rejects a group whose groupId is not an integer', async () => {
    const group = fixture('group-cloud9.json') as Array<Record<string, unknown>>;
    api.on('GET', '/integration/businessintegrationgroup/1', { json: [{ ...group[0], groupId: '1595' }] });
    expect((await failure(client.getGroups(1))).code).toBe('api_bad_response');
  });

  it('getGroups refuses a business number that is not digits (it goes into the path)', async () => {
    await expect(client.getGroups('1/../../x')).rejects.toMatchObject({ code: 'validation_failed' });
  });

  it.each([
    ['triggers-carecloud.json', 15, 91, 'CareCloud Appointment Trigger'],
    ['triggers-cloud9.json', 34, 57, undefined],
    ['triggers-nextech.json', 22, 24, undefined],
    ['triggers-carestack.json', 124, 139, 'CareStack Appointment Trigger'],
    ['triggers-cliniko.json', 118, 129, 'Cliniko Appointment Trigger'],
  ])('listTriggers reads %s with integrationTriggerType as a list', async (file, sourceId, id, triggerName) => {
    api.on('GET', `/integration/trigger/integrationtriggers/sourceid/${sourceId}`, { json: fixture(file) });
    const [trigger] = await client.listTriggers(sourceId);
    expect(trigger).toMatchObject({ id, integrationTriggerType: [{ id: 1, name: 'JOB' }] });
    expect(trigger?.triggerName ?? undefined).toBe(triggerName);
    expect(api.requests[0]?.headers).toMatchObject(JSON_HEADERS);
  });

  it.each([true, false])('updateTriggers POSTs with replaceTriggers=%s', async (replace) => {
    const body = { groupId: 1595, integrationGroupTriggers: [{ triggerId: 57, triggerTypeId: 1 }] };
    api.on('POST', '/integration/update/businessintegrationgroup', { json: { status: 'SUCCESS' } });
    await expect(client.updateTriggers(body, replace)).resolves.toEqual({ status: 'SUCCESS' });
    expect(api.requests[0]?.query).toEqual({ replaceTriggers: String(replace) });
    expect(api.requests[0]?.headers).toMatchObject(JSON_HEADERS);
    expect(JSON.parse(api.requests[0]?.body ?? '')).toStrictEqual(body);
  });

  it('createMapping PUTs the exact body, test and beta included (Carestack)', async () => {
    const body = carestackCreateMappingBody(160283190794732);
    api.on('PUT', '/integration/add/businessintegrationmapping', { text: '' });
    await expect(client.createMapping(body)).resolves.toBeUndefined();
    expect(api.requests[0]?.headers).toMatchObject(JSON_HEADERS);
    expect(JSON.parse(api.requests[0]?.body ?? '')).toStrictEqual(body);
  });

  it('nextechPractitioners and nextechLocations send the documented query', async () => {
    api
      .on('GET', '/nextech/practitioners', { json: fixture('nextech-practitioners.assumed.json') })
      .on('GET', '/nextech/locations', { json: fixture('nextech-locations.assumed.json') }, { json: [] });
    await expect(client.nextech.practitioners(FAKE.practiceId)).resolves.toEqual([
      { id: '417445', name: 'Mary Cathy' },
      { id: '704546', name: 'Donald Smith' },
    ]);
    await expect(client.nextech.locations(FAKE.practiceId)).resolves.toEqual([
      { id: '1', name: 'Dermatology' },
      { id: '2', name: 'Oncology' },
    ]);
    await client.nextech.locations(FAKE.practiceId, 157744054261706);
    expect(api.requests.map((r) => r.query)).toEqual([
      { practiceId: FAKE.practiceId, nextechNewVersion: 'false' },
      { practiceId: FAKE.practiceId, nextechNewVersion: 'false' },
      { practiceId: FAKE.practiceId, businessNumber: '157744054261706', nextechNewVersion: 'false' },
    ]);
  });

  it('cloud9Locations sends clientId and isAwsHosted', async () => {
    api.on('GET', '/commonservices/cloud9/locations', { json: fixture('cloud9-locations.json') });
    const locations = await client.cloud9.locations(FAKE.clientId, true);
    expect(locations.map((l) => [l.locationCode, l.locationName])).toEqual([
      ['4', 'S Corp Vallejo'],
      ['6', 'S Corp Benicia'],
    ]);
    expect(api.requests[0]?.query).toEqual({ clientId: FAKE.clientId, isAwsHosted: 'true' });
  });
});

describe('Carestack', () => {
  const credentials = { domain: 'partners.sb', accountKey: FAKE.accountKey, accountId: FAKE.accountId };
  const carestackHeaders = {
    vendorkey: FAKE.vendorKey,
    accountkey: FAKE.accountKey,
    accountid: FAKE.accountId,
    accept: 'application/json',
    'content-type': 'application/json',
  };

  it('reads locations from the customer domain with the vendor, account key and account id headers', async () => {
    api.on('GET', '/carestack/partners.sb/api/v1.0/locations', { json: fixture('carestack-locations.json') });
    const locations = await client.carestack.locations(credentials);
    expect(locations.map((l) => [l.id, l.name])).toEqual([
      [1, 'CareStack Dental'],
      [19031, 'Carestack Demo'],
      [19032, 'Carestack Flow'],
    ]);
    expect(locations[0]).toMatchObject({ timeZone: 'Eastern Standard Time' });
    expect(api.requests[0]?.headers).toMatchObject(carestackHeaders);
  });

  it('reads appointment statuses', async () => {
    api.on('GET', '/carestack/partners.sb/api/v1.0/appointment-status', {
      json: fixture('carestack-appointment-statuses.json'),
    });
    const statuses = await client.carestack.appointmentStatuses(credentials);
    expect(statuses).toHaveLength(14);
    expect(statuses[7]).toMatchObject({ id: 92, name: 'Arrived', isActive: false });
    expect(api.requests[0]?.headers).toMatchObject(carestackHeaders);
  });

  it('without a vendor key, fails before sending and names CARESTACK_VENDOR_KEY', async () => {
    await client.close();
    client = makeClient({ carestack: { baseUrlTemplate: `${api.url}/carestack/{domain}` } });
    const err = await client.carestack.locations(credentials).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BotError);
    expect(err).toMatchObject({ code: 'not_configured', message: expect.stringContaining('CARESTACK_VENDOR_KEY') });
    expect(api.requests).toHaveLength(0);
  });

  it('refuses a customer domain that could change the URL', async () => {
    for (const domain of ['evil.com/x?', 'a@b', 'partners.sb.carestack.com/']) {
      await expect(client.carestack.locations({ ...credentials, domain })).rejects.toMatchObject({
        code: 'validation_failed',
      });
    }
    expect(api.requests).toHaveLength(0);
  });

  it('keeps account key and id out of an error message that echoes them', async () => {
    api.on('GET', '/carestack/partners.sb/api/v1.0/locations', {
      status: 400,
      json: { message: `Invalid AccountKey ${FAKE.accountKey} for account ${FAKE.accountId}` },
    });
    const err = await failure(client.carestack.locations(credentials));
    expect(err.code).toBe('api_rejected');
    expect(err.message).toBe('Invalid AccountKey [redacted] for account [redacted]');
  });
});

describe('GET failures (retried on 429, 5xx and connection errors)', () => {
  const path = '/integration/trigger/integrationtriggers/sourceid/34';
  const listTriggers = () => client.listTriggers(34);

  it.each([401, 403])('%i is api_unauthorized, not retried', async (status) => {
    api.on('GET', path, { status, json: { message: 'nope' } });
    const err = await failure(listTriggers());
    expect(err.code).toBe('api_unauthorized');
    expect(err.details).toEqual({
      operation: 'listTriggers',
      method: 'GET',
      path: '/integration/trigger/integrationtriggers/sourceid/{sourceId}',
      status,
      attempts: 1,
    });
    expect(api.requests).toHaveLength(1);
  });

  it('404 is api_not_found', async () => {
    api.on('GET', path, { status: 404 });
    expect((await failure(listTriggers())).code).toBe('api_not_found');
    expect(api.requests).toHaveLength(1);
  });

  it.each([
    ['seconds', '0'],
    ['an HTTP date', new Date(Date.now() - 1000).toUTCString()],
  ])('429 with Retry-After in %s is retried and succeeds', async (_form, retryAfter) => {
    api.on(
      'GET',
      path,
      { status: 429, headers: { 'Retry-After': retryAfter } },
      { json: fixture('triggers-cloud9.json') },
    );
    await expect(listTriggers()).resolves.toHaveLength(1);
    expect(api.requests).toHaveLength(2);
  });

  it('429 that persists is api_rate_limited with the Retry-After delay', async () => {
    const tooMany: Reply = { status: 429, headers: { 'Retry-After': '1' } };
    api.on('GET', path, tooMany, tooMany, tooMany);
    const err = await failure(listTriggers());
    expect(err.code).toBe('api_rate_limited');
    expect(err.details).toMatchObject({ status: 429, retryAfterMs: 1000, attempts: 3 });
    expect(api.requests).toHaveLength(3);
  });

  it('500 is retried up to the limit, then api_server_error', async () => {
    api.on('GET', path, { status: 500 }, { status: 502 }, { status: 503 }, { json: [] });
    const err = await failure(listTriggers());
    expect(err.code).toBe('api_server_error');
    expect(err.details).toMatchObject({ status: 503, attempts: 3 });
    expect(api.requests).toHaveLength(3);
    expect(api.unused('GET', path)).toBe(1);
  });

  it('a 5xx followed by success succeeds', async () => {
    api.on('GET', path, { status: 503 }, { json: fixture('triggers-cloud9.json') });
    await expect(listTriggers()).resolves.toHaveLength(1);
  });

  it('a connection reset is retried, then api_unreachable', async () => {
    api.on('GET', path, { hangUp: true }, { hangUp: true }, { hangUp: true });
    const err = await failure(listTriggers());
    expect(err.code).toBe('api_unreachable');
    expect(api.requests).toHaveLength(3);
  });

  it('a connection reset followed by success succeeds', async () => {
    api.on('GET', path, { hangUp: true }, { json: fixture('triggers-cloud9.json') });
    await expect(listTriggers()).resolves.toHaveLength(1);
  });

  it('a refused connection is retried, then api_unreachable', async () => {
    await client.close();
    client = makeClient({ baseUrl: `http://127.0.0.1:${await closedPort()}` });
    const err = await failure(listTriggers());
    expect(err.code).toBe('api_unreachable');
    expect(err.details.attempts).toBe(3);
  });

  it('no answer within timeoutMs is api_timeout', async () => {
    await client.close();
    client = makeClient({ timeoutMs: 150 });
    api.on('GET', path, { hang: true });
    const started = Date.now();
    expect((await failure(listTriggers())).code).toBe('api_timeout');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it.each([
    // Shortest jitter (40 ms): attempts at 0, 40, 80, 120, 160; the next retry would land on the deadline.
    [0, 5, 160],
    // Longest jitter (~80 ms): attempts at 0, 80, 160; the next one would pass the deadline.
    [0.999, 3, 160],
  ])('the deadline covers the retries (jitter %p: %p attempts)', async (jitter, attempts, elapsedMs) => {
    await client.close();
    // The deadline and the retry delays run on a manual clock: exact on a loaded machine, no real waiting.
    const clock = new ManualClock();
    client = makeClient({
      timeoutMs: 200,
      retry: { maxRetries: 20, baseDelayMs: 80, maxDelayMs: 80 },
      clock,
      random: () => jitter,
    });
    api.on('GET', path, ...Array.from({ length: 21 }, () => ({ status: 500 })));
    const started = clock.now();
    const err = await failure(listTriggers());
    expect(err.code).toBe('api_server_error');
    expect(clock.now() - started).toBeGreaterThanOrEqual(elapsedMs - 1);
    expect(clock.now() - started).toBeLessThan(200);
    // Jittered delays of 40-80 ms fit at most 5 retries into 200 ms, far below the 20 allowed.
    expect(api.requests).toHaveLength(attempts);
    expect(err.details).toMatchObject({ attempts });
  });

  it('the overall deadline aborts an attempt in flight', async () => {
    await client.close();
    const clock = new ManualClock();
    client = makeClient({ timeoutMs: 200, clock });
    api.on('GET', path, { hang: true });
    const pending = failure(listTriggers());
    await api.waitForRequests(1);
    clock.advance(200);
    const err = await pending;
    expect(err.code).toBe('api_timeout');
    expect(err.message).toContain('no answer within 200 ms');
    expect(api.requests).toHaveLength(1);
  });

  it('malformed JSON is api_bad_response, not retried', async () => {
    api.on('GET', path, { text: '[{"id": 57,' });
    const err = await failure(listTriggers());
    expect(err.code).toBe('api_bad_response');
    expect(err.message).not.toContain('57');
    expect(api.requests).toHaveLength(1);
  });

  it('an answer of the wrong shape is api_bad_response', async () => {
    api.on('GET', path, { json: [{ id: 'fifty-seven', displayName: 'x' }] });
    expect((await failure(listTriggers())).code).toBe('api_bad_response');
  });

  it.each([
    [{ status: 'FAILURE', message: 'Source not found' }, 'Source not found'],
    [{ status: 'ERROR', message: 'x'.repeat(400) }, `${'x'.repeat(299)}…`],
    [{ error: 'Bad Request', errorCode: 'E42', errorMessage: 'Unknown source' }, 'Unknown source'],
    [{ error: true, errorCode: 'E42' }, 'E42'],
  ])('200 with an error body %j is api_rejected with the API message', async (body, message) => {
    api.on('GET', path, { json: body });
    const err = await failure(listTriggers());
    expect(err.code).toBe('api_rejected');
    expect(err.message).toBe(message);
    expect(api.requests).toHaveLength(1);
  });

  it('an error body that echoes the client ID does not put it in the message', async () => {
    api.on('GET', '/commonservices/cloud9/locations', {
      json: { status: 'FAILURE', message: `No Cloud9 client ${FAKE.clientId.toUpperCase()}` },
    });
    const err = await failure(client.cloud9.locations(FAKE.clientId, false));
    expect(err.message).toBe('No Cloud9 client [redacted]');
  });

  it('logs one debug line per attempt: operation, method, path template, status, ms, attempt', async () => {
    api.on('GET', '/commonservices/cloud9/locations', { status: 503 }, { json: fixture('cloud9-locations.json') });
    await client.cloud9.locations(FAKE.clientId, false);
    const lines = logs.lines();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      level: 'debug',
      operation: 'cloud9Locations',
      method: 'GET',
      path: '/commonservices/cloud9/locations',
      status: 503,
      attempt: 1,
      error: 'api_server_error',
    });
    expect(lines[1]).toMatchObject({ status: 200, attempt: 2 });
    expect(typeof lines[1]?.ms).toBe('number');
  });
});

describe.each([
  {
    operation: 'createGroup',
    method: 'PUT',
    path: '/integration/add/businessintegrationgroup',
    sentSecrets: [FAKE.clinikoApiKey],
    call: () =>
      client.createGroup({
        parentBusinessNumber: 159894373919788,
        integrationSourceId: 118,
        integrationGroupProperties: [
          { propertyKey: 'cliniko.api.key', propertyValue: FAKE.clinikoApiKey, isSecure: false },
          { propertyKey: 'customer.fetch.delay', propertyValue: '0', isSecure: false },
        ],
        integrationGroupTriggers: [{ triggerId: 129, triggerTypeId: 1 }],
      }),
  },
  {
    operation: 'updateTriggers',
    method: 'POST',
    path: '/integration/update/businessintegrationgroup',
    sentSecrets: [],
    call: () =>
      client.updateTriggers({ groupId: 22253, integrationGroupTriggers: [{ triggerId: 129, triggerTypeId: 1 }] }, true),
  },
  {
    operation: 'createMapping',
    method: 'PUT',
    path: '/integration/add/businessintegrationmapping',
    sentSecrets: [FAKE.practiceId],
    call: () =>
      client.createMapping({
        businessNumber: 150088776180458,
        active: true,
        integrationGroupId: 31,
        integrationProperties: [
          { propertyKey: 'location.name', propertyValue: 'Dermatology|Oncology' },
          { propertyKey: 'practice.id', propertyValue: FAKE.practiceId, isSecure: true },
        ],
      }),
  },
])('$operation failures (never retried)', ({ operation, method, path, sentSecrets, call }) => {
  /** Queues a reply and a second one that must stay unused: proof of exactly one request. */
  function answer(reply: Reply): void {
    api.on(method, path, reply, { json: { status: 'SUCCESS' } });
  }

  function expectOneRequest(): void {
    expect(api.requests).toHaveLength(1);
    expect(api.unused(method, path)).toBe(1);
  }

  it('401 is api_unauthorized, surely not applied', async () => {
    answer({ status: 401 });
    const err = await failure(call());
    expect(err.code).toBe('api_unauthorized');
    expect(err.details).toEqual({ operation, method, path, status: 401, maybeApplied: false, attempts: 1 });
    expectOneRequest();
  });

  it('404 is api_not_found, surely not applied', async () => {
    answer({ status: 404 });
    expect((await failure(call())).details).toMatchObject({ status: 404, maybeApplied: false });
    expectOneRequest();
  });

  it('429 with Retry-After is api_rate_limited and not retried', async () => {
    answer({ status: 429, headers: { 'Retry-After': '0' } });
    const err = await failure(call());
    expect(err.code).toBe('api_rate_limited');
    expect(err.details).toMatchObject({ retryAfterMs: 0, maybeApplied: false });
    expectOneRequest();
  });

  it('500 is api_server_error, sent once, maybe applied', async () => {
    answer({ status: 500 });
    const err = await failure(call());
    expect(err.code).toBe('api_server_error');
    expect(err.details).toMatchObject({ maybeApplied: true, attempts: 1 });
    expectOneRequest();
  });

  it('400 with a reason is api_rejected with that reason', async () => {
    answer({ status: 400, json: { message: 'integrationSourceId is invalid' } });
    const err = await failure(call());
    expect(err).toMatchObject({ code: 'api_rejected', message: 'integrationSourceId is invalid' });
    expect(err.details.maybeApplied).toBe(false);
    expectOneRequest();
  });

  // The write went out and no readable answer came back: it may have been applied.
  it('a timeout after sending is api_timeout, maybe applied', async () => {
    // The deadline runs on a manual clock, passed once the request has arrived: exact on a loaded machine.
    await client.close();
    const clock = new ManualClock();
    client = makeClient({ timeoutMs: 150, clock });
    answer({ hang: true });
    const pending = failure(call());
    await api.waitForRequests(1);
    clock.advance(150);
    const err = await pending;
    expect(err.code).toBe('api_timeout');
    expect(err.details.maybeApplied).toBe(true);
    expectOneRequest();
  });

  it.each<{ title: string; reply: Reply; code: string }>([
    {
      title: 'a connection reset after the write is api_unreachable, maybe applied',
      reply: { hangUp: true },
      code: 'api_unreachable',
    },
    {
      title: 'a 200 with malformed JSON is api_bad_response, maybe applied',
      reply: { text: '{"groupId": ' },
      code: 'api_bad_response',
    },
  ])('$title', async ({ reply, code }) => {
    answer(reply);
    const err = await failure(call());
    expect(err.code).toBe(code);
    expect(err.details.maybeApplied).toBe(true);
    expectOneRequest();
  });

  it('a refused connection is api_unreachable, surely not applied, tried once', async () => {
    await client.close();
    client = makeClient({ baseUrl: `http://127.0.0.1:${await closedPort()}` });
    const err = await failure(call());
    expect(err.code).toBe('api_unreachable');
    expect(err.details).toMatchObject({ maybeApplied: false, attempts: 1 });
  });

  it('a 200 with an error body is api_rejected with the API message', async () => {
    answer({ json: { status: 'FAILURE', message: 'Group already exists for business' } });
    const err = await failure(call());
    expect(err).toMatchObject({ code: 'api_rejected', message: 'Group already exists for business' });
    expectOneRequest();
  });

  it('an error body echoing a credential it was sent keeps it out of the message', async () => {
    answer({ status: 400, json: { errorMessage: `bad value: ${sentSecrets.join(', ')}` } });
    const err = await failure(call());
    for (const secret of sentSecrets) expect(err.message).not.toContain(secret);
  });
});
