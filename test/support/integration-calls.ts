import { ApiError } from '../../src/errors';
import { FAKE } from './fakes';
import type { IntegrationApiStandin } from './integration-api-standin';

/**
 * For the IntegrationClient tests (on the stand-in and on nock): request bodies as the articles
 * send them, with fake identifiers, and the ApiError a call fails with.
 */

/** The Cloud 9 article's create-group body: the client ID property secure, the AWS-hosted one not. */
export function cloud9CreateGroupBody(parentBusinessNumber: number) {
  return {
    parentBusinessNumber,
    integrationSourceId: 34,
    integrationGroupProperties: [
      { propertyKey: 'ClientID', propertyValue: FAKE.clientId, isSecure: true },
      { propertyKey: 'is.aws.hosted', propertyValue: 'false', isSecure: false },
    ],
    integrationGroupTriggers: [{ triggerId: 57, triggerTypeId: 1, actionIds: [1] }],
  };
}

/** The Carestack article's mapping body: test and beta sent, every property with isSecure. */
export function carestackCreateMappingBody(businessNumber: number) {
  return {
    businessNumber,
    integrationGroupId: 23995,
    integrationProperties: [
      { propertyKey: 'carestack.appointment.status', propertyValue: 'Arrived, Scheduled', isSecure: false },
      { propertyKey: 'carestack.location.id', propertyValue: '1, 19031', isSecure: false },
    ],
    active: true,
    test: false,
    beta: false,
  };
}

/**
 * The recorded find-group answers (test/fixtures/responses): a group sent as an object or as an array
 * of groups, and the ids the client reads from it.
 */
export const GROUP_SAMPLES: Array<{ crm: string; sentAs: string; file: string; groupIds: number[]; note?: string }> = [
  { crm: 'CareCloud', sentAs: 'an object', file: 'group-carecloud.json', groupIds: [21000] },
  { crm: 'Carestack', sentAs: 'an object', file: 'group-carestack.json', groupIds: [23995] },
  { crm: 'Cliniko', sentAs: 'an object', file: 'group-cliniko.json', groupIds: [22253] },
  { crm: 'Cloud 9', sentAs: 'an array', file: 'group-cloud9.json', groupIds: [1595] },
  {
    crm: 'Nextech',
    sentAs: 'an array',
    file: 'group-nextech.json',
    groupIds: [150],
    note: 'no integrationType or actionIds',
  },
];

/** The ApiError a call rejects with (fails the test if it resolves). */
export async function failure(promise: Promise<unknown>): Promise<ApiError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

/** The stand-in received exactly one request, this GET: its path, and its query and headers when given. */
export function expectOneGet(
  api: IntegrationApiStandin,
  request: { path: string; query?: Record<string, string>; headers?: Record<string, string> },
): void {
  expect(api.requests).toHaveLength(1);
  const sent = api.requests[0]!;
  expect(sent.method).toBe('GET');
  expect(sent.path).toBe(request.path);
  if (request.query) expect(sent.query).toEqual(request.query);
  if (request.headers) expect(sent.headers).toMatchObject(request.headers);
}
