import nock from 'nock';
import type { Clock } from '../../src/clock';
import type { ApiError } from '../../src/errors';
import { IntegrationClient, type IntegrationClientOptions } from '../../src/integration/client';
import { FAKE, FAKE_SECRET_VALUES, fixture, memoryLogger } from '../support/fakes';
import {
  carestackCreateMappingBody,
  cloud9CreateGroupBody,
  failure,
  GROUP_SAMPLES,
} from '../support/integration-calls';
import { ManualClock } from '../support/manual-clock';

/**
 * Every IntegrationClient operation against nock: the documented sample
 * response, then 401, 404, 429, 500, a timeout, malformed JSON and a 200 whose
 * body reports a failure. Each interceptor matches the exact path, query, JSON
 * body and headers, so a request that differs in any of them is a "no match"
 * (reported by afterEach), never a silently passing test.
 *
 * Timeouts: nock 15 has no `.delayConnection()`, and its `.delay()` only holds
 * back the end of the body after the headers were sent; when the client's
 * deadline aborts such a reply, undici fails an internal assertion
 * (request.js onResponseEnd) as an uncaught exception. So the timeout cases use
 * an async reply function that answers only after the test releases it, past
 * the client's deadline: no headers within the deadline, as with a server that
 * never answers. That works for every endpoint; no case needed the fake server.
 *
 * Every test file that imports nock must call nock.restore() in afterAll, as
 * this one does: nock patches node's shared http/net modules, which outlive a
 * test file in a jest worker, and a stale interceptor left by an earlier file
 * (with net connect enabled again) passes requests through while this file's
 * slow timeout replies are still pending, so those cases fail.
 */

const API = 'http://integration.test';
const CARESTACK_DOMAIN = 'fake-practice';
const CARESTACK = `http://${CARESTACK_DOMAIN}.carestack.test`;
/** Obviously fake (not an article's). */
const BUSINESS_NUMBER = 100000000000001;
const RETRY = { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5 };
const TIMEOUT_MS = 100;

const logs = memoryLogger();
const newClient = (options: Partial<IntegrationClientOptions> = {}) =>
  new IntegrationClient({
    baseUrl: API,
    timeoutMs: 2000,
    logger: logs.logger,
    retry: RETRY,
    carestack: { vendorKey: FAKE.vendorKey, baseUrlTemplate: 'http://{domain}.carestack.test' },
    ...options,
  });
/** Retry delays the client asked for: asserted as numbers, never timed (the machine may be loaded). */
const retryDelays: number[] = [];
const recordingClock: Clock = {
  now: () => Date.now(),
  timeoutSignal: (ms) => AbortSignal.timeout(ms),
  sleep: async (ms) => {
    retryDelays.push(ms);
  },
};
const client = newClient({ clock: recordingClock });
/**
 * A deadline short enough for the timeout cases. The per-attempt connect, headers and body timeouts default to
 * timeoutMs; they are set far above it so that only the overall deadline can fire (a per-attempt timeout firing a
 * moment earlier would be retried by design, and the retry would find no interceptor).
 */
/** The hasty client's deadline passes when a test moves this clock, not after real milliseconds. */
const hastyClock = new ManualClock();
const hastyClient = newClient({
  clock: hastyClock,
  timeoutMs: TIMEOUT_MS,
  connectTimeoutMs: 60_000,
  headersTimeoutMs: 60_000,
  bodyTimeoutMs: 60_000,
});

type Client = IntegrationClient;

interface Endpoint {
  name: string;
  method: 'GET' | 'PUT' | 'POST';
  origin: string;
  path: string;
  /** The exact query string (none when absent). */
  query?: Record<string, string>;
  /** The exact JSON body (writes). */
  body?: nock.DataMatcherMap;
  reqheaders: Record<string, string>;
  /** Headers that must not be sent (the Carestack credentials to the integration API). */
  badheaders: string[];
  /** The documented sample answer. */
  sample: { status: number; body?: unknown };
  /** What the client makes of the sample. */
  expected: unknown;
  /** What the client answers for a 404, where a 404 is an answer rather than an error. */
  notFound?: unknown;
  call: (client: Client) => Promise<unknown>;
}

const API_HEADERS = { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache', Accept: 'application/json' };
const NO_CARESTACK_HEADERS = ['VendorKey', 'AccountKey', 'AccountId'];
const CARESTACK_HEADERS = {
  VendorKey: FAKE.vendorKey,
  AccountKey: FAKE.accountKey,
  AccountId: FAKE.accountId,
  'Content-Type': 'application/json',
  Accept: 'application/json',
};
const carestackCredentials = { domain: CARESTACK_DOMAIN, accountKey: FAKE.accountKey, accountId: FAKE.accountId };

// Request bodies as the articles send them, with fake identifiers.
const createGroupBody = cloud9CreateGroupBody(BUSINESS_NUMBER);
const updateTriggersBody = { groupId: 1595, integrationGroupTriggers: [{ triggerId: 57, triggerTypeId: 1 }] };
const createMappingBody = carestackCreateMappingBody(BUSINESS_NUMBER);

type Specific = Omit<Endpoint, 'method' | 'origin' | 'reqheaders' | 'badheaders'>;
/** An integration API endpoint: its headers, never the Carestack credentials. */
const integrationApi = (method: Endpoint['method'], fields: Specific): Endpoint => ({
  method,
  origin: API,
  reqheaders: API_HEADERS,
  badheaders: NO_CARESTACK_HEADERS,
  ...fields,
});
const read = (fields: Specific): Endpoint => integrationApi('GET', fields);
/** A Carestack read: the customer's domain, with the vendor and account headers. */
const carestackRead = (fields: Specific): Endpoint => ({
  method: 'GET',
  origin: CARESTACK,
  reqheaders: CARESTACK_HEADERS,
  badheaders: [],
  ...fields,
});

/** The articles document no answer for these writes (the bot reads the group back): whatever comes is passed on. */
const undocumentedPut = (name: string, path: string, body: nock.DataMatcherMap, call: Endpoint['call']): Endpoint =>
  integrationApi('PUT', { name, path, body, sample: { status: 200 }, expected: undefined, call });
/** The documented sample is a recorded answer (test/fixtures/responses), and the client gives it back as sent. */
const keptAsSent = (file: string) => ({ sample: { status: 200, body: fixture(file) }, expected: fixture(file) });

const ENDPOINTS: Endpoint[] = [
  read({
    name: 'getGroups',
    path: `/integration/businessintegrationgroup/${BUSINESS_NUMBER}`,
    ...keptAsSent('group-cloud9.json'),
    notFound: [],
    call: (c) => c.getGroups(BUSINESS_NUMBER),
  }),
  read({
    name: 'listTriggers',
    path: '/integration/trigger/integrationtriggers/sourceid/34',
    ...keptAsSent('triggers-cloud9.json'),
    call: (c) => c.listTriggers(34),
  }),
  read({
    name: 'nextechPractitioners',
    path: '/nextech/practitioners',
    query: { practiceId: FAKE.practiceId, nextechNewVersion: 'false' },
    sample: { status: 200, body: fixture('nextech-practitioners.assumed.json') },
    expected: [
      { id: '417445', name: 'Mary Cathy' },
      { id: '704546', name: 'Donald Smith' },
    ],
    call: (c) => c.nextech.practitioners(FAKE.practiceId),
  }),
  read({
    name: 'nextechLocations',
    path: '/nextech/locations',
    query: { practiceId: FAKE.practiceId, businessNumber: String(BUSINESS_NUMBER), nextechNewVersion: 'false' },
    sample: { status: 200, body: fixture('nextech-locations.assumed.json') },
    expected: [
      { id: '1', name: 'Dermatology' },
      { id: '2', name: 'Oncology' },
    ],
    call: (c) => c.nextech.locations(FAKE.practiceId, BUSINESS_NUMBER),
  }),
  read({
    name: 'cloud9Locations',
    path: '/commonservices/cloud9/locations',
    query: { clientId: FAKE.clientId, isAwsHosted: 'false' },
    ...keptAsSent('cloud9-locations.json'),
    call: (c) => c.cloud9.locations(FAKE.clientId, false),
  }),
  carestackRead({
    name: 'carestackLocations',
    path: '/api/v1.0/locations',
    // Every field is kept as sent.
    ...keptAsSent('carestack-locations.json'),
    call: (c) => c.carestack.locations(carestackCredentials),
  }),
  carestackRead({
    name: 'carestackAppointmentStatuses',
    path: '/api/v1.0/appointment-status',
    ...keptAsSent('carestack-appointment-statuses.json'),
    call: (c) => c.carestack.appointmentStatuses(carestackCredentials),
  }),
  undocumentedPut('createGroup', '/integration/add/businessintegrationgroup', createGroupBody, (c) =>
    c.createGroup(createGroupBody),
  ),
  ...[true, false].map(
    (replace): Endpoint =>
      integrationApi('POST', {
        name: `updateTriggers (replace ${replace})`,
        path: '/integration/update/businessintegrationgroup',
        query: { replaceTriggers: String(replace) },
        body: updateTriggersBody,
        sample: { status: 200, body: { status: 'SUCCESS' } },
        expected: { status: 'SUCCESS' },
        call: (c) => c.updateTriggers(updateTriggersBody, replace),
      }),
  ),
  undocumentedPut('createMapping', '/integration/add/businessintegrationmapping', createMappingBody, (c) =>
    c.createMapping(createMappingBody),
  ),
];

const READS = ENDPOINTS.filter((e) => e.method === 'GET');
const WRITES = ENDPOINTS.filter((e) => e.method !== 'GET');

/** Requests nock saw but no interceptor matched (a wrong path, query, body or header). */
const unmatched: string[] = [];
const onNoMatch = (req: { method?: string; url?: string }) => void unmatched.push(`${req.method} ${req.url}`);

beforeAll(() => {
  nock.disableNetConnect();
  nock.emitter.on('no match', onNoMatch);
});

afterEach(() => {
  const pending = nock.pendingMocks();
  const stray = unmatched.splice(0);
  nock.cleanAll();
  expect(stray).toEqual([]);
  expect(pending).toEqual([]);
});

afterAll(async () => {
  await Promise.all([client.close(), hastyClient.close()]);
  nock.emitter.removeListener('no match', onNoMatch);
  nock.enableNetConnect();
  nock.restore();
  const logged = logs.text();
  for (const secret of FAKE_SECRET_VALUES) expect(logged).not.toContain(secret);
  // Query strings (practice and client IDs) are never logged.
  expect(logged).not.toContain('?');
});

/** A scope whose interceptors match only the endpoint's exact request: path, query, body and headers. */
function scopeFor(e: Endpoint): nock.Scope {
  return nock(e.origin, { reqheaders: e.reqheaders, badheaders: e.badheaders });
}

function expectRequest(scope: nock.Scope, e: Endpoint): nock.Interceptor {
  const interceptor = scope.intercept(e.path, e.method, e.body);
  return e.query ? interceptor.query(e.query) : interceptor;
}

/** Asserts that exactly the `unused` interceptors were left, then removes them (afterEach expects none). */
function expectUnused(scope: nock.Scope, unused: number): void {
  expect(scope.isDone()).toBe(false);
  expect(scope.pendingMocks()).toHaveLength(unused);
  nock.cleanAll();
}

/**
 * Every attempt is answered `status`: the ApiError the call fails with, once exactly one request was
 * sent (the second interceptor is left unused).
 */
async function failureOfOneRequest(
  e: Endpoint,
  status: number,
  body: nock.Body,
  headers?: Record<string, string>,
): Promise<ApiError> {
  const scope = expectRequest(scopeFor(e), e).times(2).reply(status, body, headers);
  const err = await failure(e.call(client));
  expectUnused(scope, 1);
  return err;
}

const MALFORMED = '[{"id": 57, "displayName": ';
const ERROR_BODY = { status: 'FAILURE', message: 'Fake failure for the test' };

describe.each(ENDPOINTS)('$name', (e) => {
  const isWrite = e.method !== 'GET';
  const maybeAppliedIfWrite = (value: boolean) => (isWrite ? { maybeApplied: value } : {});

  it('answers the documented sample with the exact request', async () => {
    const scope = expectRequest(scopeFor(e), e).reply(e.sample.status, e.sample.body as nock.Body);
    await expect(e.call(client)).resolves.toEqual(e.expected);
    expect(scope.isDone()).toBe(true);
  });

  it('401 is api_unauthorized, sent once', async () => {
    const err = await failureOfOneRequest(e, 401, { message: 'Unauthorized' });
    expect(err.code).toBe('api_unauthorized');
    expect(err.details).toMatchObject({ status: 401, attempts: 1, ...maybeAppliedIfWrite(false) });
  });

  if (e.notFound !== undefined) {
    it('404 means none: answers the documented empty value', async () => {
      const scope = expectRequest(scopeFor(e), e).reply(404, { message: 'Not Found' });
      await expect(e.call(client)).resolves.toEqual(e.notFound);
      expect(scope.isDone()).toBe(true);
    });
  } else {
    it('404 is api_not_found, sent once', async () => {
      const err = await failureOfOneRequest(e, 404, { message: 'Not Found' });
      expect(err.code).toBe('api_not_found');
      expect(err.details).toMatchObject({ status: 404, attempts: 1, ...maybeAppliedIfWrite(false) });
    });
  }

  if (isWrite) {
    it('429 is api_rate_limited and not retried (the write may not be repeated)', async () => {
      const scope = scopeFor(e);
      expectRequest(scope, e).reply(429, { message: 'Too Many Requests' }, { 'Retry-After': '1' });
      // Would succeed if the client retried the write.
      expectRequest(scope, e).reply(e.sample.status, e.sample.body as nock.Body);
      const err = await failure(e.call(client));
      expect(err.code).toBe('api_rate_limited');
      expect(err.details).toMatchObject({ status: 429, retryAfterMs: 1000, attempts: 1, maybeApplied: false });
      expectUnused(scope, 1);
    });

    it('500 is api_server_error, sent once, maybe applied', async () => {
      const err = await failureOfOneRequest(e, 500, { message: 'Internal Server Error' });
      expect(err.code).toBe('api_server_error');
      expect(err.details).toMatchObject({ status: 500, attempts: 1, maybeApplied: true });
    });
  } else {
    it('429 with Retry-After: 1 is retried (delay capped by maxDelayMs) and the next answer wins', async () => {
      const scope = scopeFor(e);
      expectRequest(scope, e).reply(429, { message: 'Too Many Requests' }, { 'Retry-After': '1' });
      expectRequest(scope, e).reply(e.sample.status, e.sample.body as nock.Body);
      retryDelays.length = 0;
      await expect(e.call(client)).resolves.toEqual(e.expected);
      // Retry-After asks for 1 s; maxDelayMs (5 ms) caps it.
      expect(retryDelays).toHaveLength(1);
      expect(retryDelays[0]).toBeLessThanOrEqual(RETRY.maxDelayMs);
      expect(scope.isDone()).toBe(true);
    });

    it('500 is retried up to the limit, then api_server_error', async () => {
      const scope = expectRequest(scopeFor(e), e)
        .times(RETRY.maxRetries + 1)
        .reply(500, { message: 'Internal Server Error' });
      // Would succeed if the client retried once more than allowed.
      expectRequest(scope, e).reply(e.sample.status, e.sample.body as nock.Body);
      const err = await failure(e.call(client));
      expect(err.code).toBe('api_server_error');
      expect(err.details).toMatchObject({ status: 500, attempts: RETRY.maxRetries + 1 });
      expectUnused(scope, 1);
    });
  }

  it(`no answer within timeoutMs (${TIMEOUT_MS} ms) is api_timeout`, async () => {
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let answered = false;
    const scope = expectRequest(scopeFor(e), e).reply(async () => {
      // The request is out and unanswered: the deadline passes now.
      hastyClock.advance(TIMEOUT_MS);
      await released;
      answered = true;
      return [e.sample.status, e.sample.body as nock.Body];
    });
    const err = await failure(e.call(hastyClient));
    expect(err.code).toBe('api_timeout');
    expect(err.details).toMatchObject({ attempts: 1, ...maybeAppliedIfWrite(true) });
    expect(scope.isDone()).toBe(true);
    // Let the late answer go out (to an aborted request) before the next test.
    release();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(answered).toBe(true);
  });

  it('malformed JSON is api_bad_response, sent once', async () => {
    const err = await failureOfOneRequest(e, 200, MALFORMED, { 'Content-Type': 'application/json' });
    expect(err.code).toBe('api_bad_response');
    // A 2xx write was most likely applied even though its answer is unreadable.
    expect(err.details).toMatchObject({ status: 200, attempts: 1, ...maybeAppliedIfWrite(true) });
    expect(err.message).not.toContain('57');
  });

  it('200 with a FAILURE body is api_rejected with the API message', async () => {
    const err = await failureOfOneRequest(e, 200, ERROR_BODY);
    expect(err.code).toBe('api_rejected');
    expect(err.message).toBe(ERROR_BODY.message);
    expect(err.details).toMatchObject({ status: 200, attempts: 1, ...maybeAppliedIfWrite(false) });
  });
});

describe('documented response shapes', () => {
  const groups = READS.find((e) => e.name === 'getGroups') as Endpoint;
  const triggers = READS.find((e) => e.name === 'listTriggers') as Endpoint;

  it.each(GROUP_SAMPLES.map((g) => [`${g.sentAs} (${g.crm})`, g.file, g.groupIds] as const))(
    'find-group sent as %s is read as a list',
    async (_shape, file, groupIds) => {
      const sample = fixture(file);
      const scope = expectRequest(scopeFor(groups), groups).reply(200, sample as nock.Body);
      const found = await client.getGroups(BUSINESS_NUMBER);
      expect(found).toEqual(Array.isArray(sample) ? sample : [sample]);
      expect(found.map((g) => g.groupId)).toEqual(groupIds);
      expect(scope.isDone()).toBe(true);
    },
  );

  it.each([
    ['an object (CareCloud)', 'triggers-carecloud.json', 91],
    ['an object (Carestack)', 'triggers-carestack.json', 139],
    ['an object (Cliniko)', 'triggers-cliniko.json', 129],
    ['an array (Cloud 9)', 'triggers-cloud9.json', 57],
    ['an array (Nextech)', 'triggers-nextech.json', 24],
  ])('integrationTriggerType sent as %s is read as a list', async (_shape, file, id) => {
    const sample = fixture(file) as Array<Record<string, unknown>>;
    const scope = expectRequest(scopeFor(triggers), { ...triggers, path: triggers.path.replace(/34$/, '7') }).reply(
      200,
      sample,
    );
    const found = await client.listTriggers(7);
    const type = sample[0]?.integrationTriggerType;
    expect(found).toEqual([{ ...sample[0], integrationTriggerType: Array.isArray(type) ? type : [type] }]);
    expect(found[0]?.id).toBe(id);
    expect(found[0]?.integrationTriggerType).toEqual([{ id: 1, name: 'JOB' }]);
    expect(scope.isDone()).toBe(true);
  });
});

it('the table covers every write once per replaceTriggers value', () => {
  expect(WRITES.map((e) => [e.name, e.query])).toEqual([
    ['createGroup', undefined],
    ['updateTriggers (replace true)', { replaceTriggers: 'true' }],
    ['updateTriggers (replace false)', { replaceTriggers: 'false' }],
    ['createMapping', undefined],
  ]);
});
