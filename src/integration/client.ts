import { z } from 'zod';
import { BotError } from '../errors';
import {
  CreateGroupBody,
  CreateMappingBody,
  type Group,
  GroupList,
  type PropertyInput,
  TriggerList,
  type TriggerListItem,
  UpdateTriggersBody,
} from './schemas';
import {
  digits,
  type HttpCall,
  HttpTransport,
  INTEGRATION_API_HEADERS,
  type Method,
  type TransportOptions,
} from './transport';
import { CarestackApi, type CarestackOptions } from './vendors/carestack';
import { Cloud9Api } from './vendors/cloud9';
import { NextechApi } from './vendors/nextech';

export type { ApiAttempt } from './transport';
export type { CarestackCredentials } from './vendors/carestack';

export interface IntegrationClientOptions extends TransportOptions {
  /** e.g. https://common-services.birdeye.com (a path prefix is kept). */
  baseUrl: string;
  carestack?: CarestackOptions;
}

/**
 * A read on another HTTP service (the log store) through the client's transport, so the bot keeps
 * one HTTP layer.
 */
export type ExternalRead<T> = Omit<HttpCall<T>, 'method' | 'notFound' | 'read' | 'query'> & {
  method: 'GET' | 'POST';
};

/** Property keys whose values are credentials even where the article sends `isSecure: false` (Cliniko). */
const CREDENTIAL_KEY = /key|secret|token|password|client.?id|practice\.id|account/i;

/** Writes answer with anything, or nothing: the caller reads the result back. */
const ANY_JSON = z.unknown();

/**
 * The integration API (groups, triggers, mappings) and, beside it, the vendor modules for the live
 * lookups, all on one transport.
 */
export class IntegrationClient {
  readonly nextech: NextechApi;
  readonly cloud9: Cloud9Api;
  readonly carestack: CarestackApi;
  private readonly transport: HttpTransport;
  private readonly baseUrl: string;

  constructor(options: IntegrationClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.transport = new HttpTransport(options);
    this.nextech = new NextechApi(this.transport, this.baseUrl);
    this.cloud9 = new Cloud9Api(this.transport, this.baseUrl);
    this.carestack = new CarestackApi(this.transport, options.carestack);
  }

  async close(): Promise<void> {
    await this.transport.close();
  }

  /** The answer as sent (undocumented): read it with CreateGroupAnswer, or read the group back with getGroups. */
  async createGroup(body: CreateGroupBody): Promise<unknown> {
    const valid = validBody(CreateGroupBody, body, 'createGroup');
    return this.put(
      'createGroup',
      '/integration/add/businessintegrationgroup',
      valid,
      valid.integrationGroupProperties,
    );
  }

  /** Every group of a business; [] when it has none (404 or empty answer). */
  async getGroups(businessNumber: number | string): Promise<Group[]> {
    return this.transport.send({
      ...this.read('getGroups', `/integration/businessintegrationgroup/${digits(businessNumber, 'business number')}`),
      pathTemplate: '/integration/businessintegrationgroup/{businessNumber}',
      response: GroupList,
      notFound: [],
    });
  }

  async listTriggers(sourceId: number): Promise<TriggerListItem[]> {
    return this.transport.send({
      ...this.read(
        'listTriggers',
        `/integration/trigger/integrationtriggers/sourceid/${digits(sourceId, 'source id')}`,
      ),
      pathTemplate: '/integration/trigger/integrationtriggers/sourceid/{sourceId}',
      response: TriggerList,
    });
  }

  /** `replace` true replaces the group's triggers, false adds to them. */
  async updateTriggers(body: UpdateTriggersBody, replace: boolean): Promise<unknown> {
    const valid = validBody(UpdateTriggersBody, body, 'updateTriggers');
    return this.transport.send({
      ...this.write('updateTriggers', 'POST', '/integration/update/businessintegrationgroup', valid, []),
      query: { replaceTriggers: String(replace) },
    });
  }

  async createMapping(body: CreateMappingBody): Promise<unknown> {
    const valid = validBody(CreateMappingBody, body, 'createMapping');
    return this.put('createMapping', '/integration/add/businessintegrationmapping', valid, valid.integrationProperties);
  }

  async readExternal<T>(call: ExternalRead<T>): Promise<T> {
    return this.transport.send({ ...call, read: true });
  }

  private read(operation: string, path: string) {
    return {
      operation,
      method: 'GET' as const,
      origin: this.baseUrl,
      path,
      pathTemplate: path,
      headers: { ...INTEGRATION_API_HEADERS },
      secrets: [] as string[],
    };
  }

  /** A create: the credentials among its properties are kept out of any error message. */
  private put(operation: string, path: string, body: unknown, properties: readonly PropertyInput[] | undefined) {
    return this.transport.send(this.write(operation, 'PUT', path, body, propertySecrets(properties)));
  }

  private write(operation: string, method: Method, path: string, body: unknown, secrets: string[]): HttpCall<unknown> {
    return { ...this.read(operation, path), method, body, secrets, response: ANY_JSON };
  }
}

function propertySecrets(properties: readonly PropertyInput[] | undefined): string[] {
  return (properties ?? [])
    .filter((property) => property.isSecure === true || CREDENTIAL_KEY.test(property.propertyKey))
    .map((property) => property.propertyValue);
}

function validBody<T>(schema: z.ZodType<T>, body: unknown, operation: string): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new BotError(
    'validation_failed',
    `${operation}: ${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`,
    {
      operation,
    },
  );
}
