import { Agent, request } from 'undici';
import { z } from 'zod';
import { type Clock, systemClock } from '../clock';
import { ApiError, BotError, type ErrorCode } from '../errors';
import type { Logger } from '../logger';
import {
  type CarestackAppointmentStatus,
  CarestackAppointmentStatusList,
  type CarestackLocation,
  CarestackLocationList,
  type Cloud9Location,
  Cloud9LocationList,
  CreateGroupBody,
  CreateMappingBody,
  type Group,
  GroupList,
  type NextechLocation,
  NextechLocationList,
  type NextechPractitioner,
  NextechPractitionerList,
  type PropertyInput,
  TriggerList,
  type TriggerListItem,
  UpdateTriggersBody,
} from './schemas';

export interface IntegrationClientOptions {
  /** e.g. https://common-services.birdeye.com (a path prefix is kept). */
  baseUrl: string;
  /** Overall deadline for one call, retries included. */
  timeoutMs: number;
  logger: Logger;
  carestack?: {
    /** The deployment's CARESTACK_VENDOR_KEY; Carestack lookups fail with not_configured without it. */
    vendorKey?: string;
    /** Default https://{domain}.carestack.com; `{domain}` is replaced by the customer domain. */
    baseUrlTemplate?: string;
  };
  /** Only GETs are retried. Defaults: 3 retries, 200 ms base, 5 s max delay. */
  retry?: { maxRetries?: number; baseDelayMs?: number; maxDelayMs?: number };
  connectTimeoutMs?: number;
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  /** Deadlines and retry delays run on this clock (tests pass a manual one). */
  clock?: Clock;
  /** Jitter source in [0, 1) for retry delays. */
  random?: () => number;
  /** Told about every attempt (metrics): route template, status or error code, duration. */
  observe?: (attempt: ApiAttempt) => void;
}

/** One HTTP attempt as metrics see it: no ids, no query, no values. */
export interface ApiAttempt {
  route: string;
  method: string;
  /** The HTTP status, or the failure code when no response came back (api_timeout, api_unreachable). */
  status: string;
  durationMs: number;
}

export interface CarestackCredentials {
  /** The part of the client's Carestack URL before `.carestack.com`, e.g. `partners.sb`. */
  domain: string;
  accountKey: string;
  accountId: string;
}

type Method = 'GET' | 'PUT' | 'POST';

interface Call<T> {
  operation: string;
  method: Method;
  /** Scheme, host and any path prefix; never logged (Carestack's carries the customer domain). */
  origin: string;
  path: string;
  /** The path as logged and reported: no ids, no query string. */
  pathTemplate: string;
  query?: Record<string, string>;
  headers: Record<string, string>;
  body?: unknown;
  response: z.ZodType<T>;
  /** Values this call carries that must not appear in an error message, even echoed back by the API. */
  secrets: string[];
  /** What a 404 means when it is an answer rather than an error ("no group yet"). */
  notFound?: T;
  /** A POST that only reads (a search): retried like a GET, never reported as a write. */
  read?: boolean;
  /** Overall deadline of this call, retries included, when it differs from the client's. */
  timeoutMs?: number;
}

/**
 * A read on another HTTP service (the log store) through this client's agent, deadline,
 * retries and redaction, so the bot keeps one HTTP layer.
 */
export type ExternalRead<T> = {
  operation: string;
  method: 'GET' | 'POST';
  /** Scheme, host and path prefix; never logged. */
  origin: string;
  path: string;
  /** The path as logged and reported. */
  pathTemplate: string;
  headers: Record<string, string>;
  body?: unknown;
  response: z.ZodType<T>;
  /** Values that must never appear in an error message (credentials, searched identities). */
  secrets: string[];
  timeoutMs?: number;
};

interface Failure {
  code: ErrorCode;
  /** Why, in words without any request value. */
  reason: string;
  status?: number;
  retryable: boolean;
  retryAfterMs?: number;
  /** The request may have reached the API (only meaningful for writes). */
  maybeApplied: boolean;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; failure: Failure };

const DEFAULT_CARESTACK_BASE_URL = 'https://{domain}.carestack.com';
const MAX_API_MESSAGE_LENGTH = 300;
/** Hostname labels only: the domain goes into a URL, so nothing that could change its host or path. */
const CARESTACK_DOMAIN = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i;
/** Property keys whose values are credentials even where the article sends `isSecure: false` (Cliniko). */
const CREDENTIAL_KEY = /key|secret|token|password|client.?id|practice\.id|account/i;

/** Connection failures where the request surely never reached the server. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);
/** Connection failures after the request may have been written. */
const BROKEN_CONNECTION_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
const PER_ATTEMPT_TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/**
 * The one module that talks HTTP to the integration API and, for lookups, to
 * Carestack. GETs are retried (429, 5xx, connection errors); writes never are:
 * a failed write says whether it may have been applied, so the caller can read
 * the group back before offering a retry.
 */
export class IntegrationClient {
  private readonly agent: Agent;
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly logger: Logger;
  private readonly carestackVendorKey: string | undefined;
  private readonly carestackBaseUrlTemplate: string;
  private readonly maxRetries: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly observe: ((attempt: ApiAttempt) => void) | undefined;

  constructor(options: IntegrationClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs;
    this.logger = options.logger;
    this.carestackVendorKey = options.carestack?.vendorKey || undefined;
    this.carestackBaseUrlTemplate = options.carestack?.baseUrlTemplate ?? DEFAULT_CARESTACK_BASE_URL;
    this.maxRetries = options.retry?.maxRetries ?? 3;
    this.baseDelayMs = options.retry?.baseDelayMs ?? 200;
    this.maxDelayMs = options.retry?.maxDelayMs ?? 5000;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.observe = options.observe;
    this.agent = new Agent({
      keepAliveTimeout: 10_000,
      connect: { timeout: options.connectTimeoutMs ?? Math.min(options.timeoutMs, 10_000) },
      headersTimeout: options.headersTimeoutMs ?? options.timeoutMs,
      bodyTimeout: options.bodyTimeoutMs ?? options.timeoutMs,
    });
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  /** The API does not document this answer: read the group back with getGroups. */
  async createGroup(body: CreateGroupBody): Promise<unknown> {
    const valid = validBody(CreateGroupBody, body, 'createGroup');
    return this.send(
      this.write(
        'createGroup',
        'PUT',
        '/integration/add/businessintegrationgroup',
        valid,
        propertySecrets(valid.integrationGroupProperties),
      ),
    );
  }

  /** Every group of a business; [] when it has none (404 or empty answer). */
  async getGroups(businessNumber: number | string): Promise<Group[]> {
    return this.send({
      ...this.read('getGroups', `/integration/businessintegrationgroup/${digits(businessNumber, 'business number')}`),
      pathTemplate: '/integration/businessintegrationgroup/{businessNumber}',
      response: GroupList,
      notFound: [],
    });
  }

  async listTriggers(sourceId: number): Promise<TriggerListItem[]> {
    return this.send({
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
    return this.send({
      ...this.write('updateTriggers', 'POST', '/integration/update/businessintegrationgroup', valid, []),
      query: { replaceTriggers: String(replace) },
    });
  }

  async createMapping(body: CreateMappingBody): Promise<unknown> {
    const valid = validBody(CreateMappingBody, body, 'createMapping');
    return this.send(
      this.write(
        'createMapping',
        'PUT',
        '/integration/add/businessintegrationmapping',
        valid,
        propertySecrets(valid.integrationProperties),
      ),
    );
  }

  async nextechPractitioners(practiceId: string, newVersion = false): Promise<NextechPractitioner[]> {
    const practice = required(practiceId, 'Nextech practice ID');
    return this.send({
      ...this.read('nextechPractitioners', '/nextech/practitioners'),
      query: { practiceId: practice, nextechNewVersion: String(newVersion) },
      response: NextechPractitionerList,
      secrets: [practice],
    });
  }

  /** `businessNumber` only to check an existing location's configured name (as the article says). */
  async nextechLocations(practiceId: string, businessNumber?: number | string): Promise<NextechLocation[]> {
    const practice = required(practiceId, 'Nextech practice ID');
    const query: Record<string, string> = { practiceId: practice };
    if (businessNumber !== undefined) query.businessNumber = digits(businessNumber, 'business number');
    query.nextechNewVersion = 'false';
    return this.send({
      ...this.read('nextechLocations', '/nextech/locations'),
      query,
      response: NextechLocationList,
      secrets: [practice],
    });
  }

  async cloud9Locations(clientId: string, isAwsHosted: boolean): Promise<Cloud9Location[]> {
    const client = required(clientId, 'Cloud 9 client ID');
    return this.send({
      ...this.read('cloud9Locations', '/commonservices/cloud9/locations'),
      query: { clientId: client, isAwsHosted: String(isAwsHosted) },
      response: Cloud9LocationList,
      secrets: [client],
    });
  }

  async carestackLocations(credentials: CarestackCredentials): Promise<CarestackLocation[]> {
    return this.send({
      ...this.carestack('carestackLocations', '/api/v1.0/locations', credentials),
      response: CarestackLocationList,
    });
  }

  async carestackAppointmentStatuses(credentials: CarestackCredentials): Promise<CarestackAppointmentStatus[]> {
    return this.send({
      ...this.carestack('carestackAppointmentStatuses', '/api/v1.0/appointment-status', credentials),
      response: CarestackAppointmentStatusList,
    });
  }

  async readExternal<T>(call: ExternalRead<T>): Promise<T> {
    return this.send({ ...call, read: true });
  }

  private read(operation: string, path: string) {
    return {
      operation,
      method: 'GET' as const,
      origin: this.baseUrl,
      path,
      pathTemplate: path,
      headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache', Accept: 'application/json' },
      secrets: [] as string[],
    };
  }

  private write(operation: string, method: Method, path: string, body: unknown, secrets: string[]): Call<unknown> {
    return { ...this.read(operation, path), method, body, secrets, response: ANY_JSON };
  }

  private carestack(operation: string, path: string, credentials: CarestackCredentials) {
    const vendorKey = this.carestackVendorKey;
    if (!vendorKey) {
      throw new BotError(
        'not_configured',
        'Carestack lookups need the Carestack vendor key: the bot owners must set CARESTACK_VENDOR_KEY.',
      );
    }
    const domain = credentials.domain.trim();
    if (!CARESTACK_DOMAIN.test(domain)) {
      throw new BotError(
        'validation_failed',
        'The Carestack customer domain must be the part of the URL before .carestack.com, like partners.sb.',
      );
    }
    const accountKey = required(credentials.accountKey, 'Carestack account key');
    const accountId = required(credentials.accountId, 'Carestack account ID');
    return {
      operation,
      method: 'GET' as const,
      origin: this.carestackBaseUrlTemplate.replaceAll('{domain}', domain).replace(/\/+$/, ''),
      path,
      pathTemplate: path,
      headers: {
        VendorKey: vendorKey,
        AccountKey: accountKey,
        AccountId: accountId,
        'Content-Type': 'application/json',
        Accept: 'application/json',
      },
      secrets: [vendorKey, accountKey, accountId],
    };
  }

  private async send<T>(call: Call<T>): Promise<T> {
    const timeoutMs = call.timeoutMs ?? this.timeoutMs;
    const deadline = this.clock.now() + timeoutMs;
    const signal = this.clock.timeoutSignal(timeoutMs);
    const maxAttempts = isRead(call) ? this.maxRetries + 1 : 1;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.attempt(call, signal, attempt, timeoutMs);
      if (outcome.ok) return outcome.value;
      const { failure } = outcome;
      const delayMs = this.delayBeforeRetry(attempt, failure.retryAfterMs);
      if (!failure.retryable || attempt >= maxAttempts || this.clock.now() + delayMs >= deadline) {
        throw this.toError(call, failure, attempt);
      }
      await this.clock.sleep(delayMs);
    }
  }

  private async attempt<T>(
    call: Call<T>,
    signal: AbortSignal,
    attempt: number,
    timeoutMs: number,
  ): Promise<Outcome<T>> {
    const started = performance.now();
    let status: number | undefined;
    let outcome: Outcome<T>;
    try {
      const url = new URL(call.origin + call.path);
      for (const [name, value] of Object.entries(call.query ?? {})) url.searchParams.set(name, value);
      const response = await request(url, {
        method: call.method,
        headers: call.headers,
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
        dispatcher: this.agent,
        signal,
      });
      status = response.statusCode;
      const text = await response.body.text();
      outcome = interpret(call, response.statusCode, response.headers['retry-after'], text);
    } catch (err) {
      outcome = { ok: false, failure: transportFailure(err, signal, timeoutMs) };
    }
    const ms = Math.round(performance.now() - started);
    this.observe?.({
      route: call.pathTemplate,
      method: call.method,
      status: status === undefined ? (outcome.ok ? 'ok' : outcome.failure.code) : String(status),
      durationMs: ms,
    });
    this.logger.debug(
      {
        operation: call.operation,
        method: call.method,
        path: call.pathTemplate,
        status,
        ms,
        attempt,
        ...(outcome.ok ? {} : { error: outcome.failure.code }),
      },
      'integration api call',
    );
    return outcome;
  }

  /** Retry-After as sent (capped), else exponential backoff with jitter in [ceiling/2, ceiling). */
  private delayBeforeRetry(attempt: number, retryAfterMs: number | undefined): number {
    if (retryAfterMs !== undefined) return Math.min(retryAfterMs, this.maxDelayMs);
    const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
    return ceiling / 2 + (this.random() * ceiling) / 2;
  }

  private toError(call: Call<unknown>, failure: Failure, attempts: number): ApiError {
    const message =
      failure.code === 'api_rejected'
        ? failure.reason
        : `${call.operation} (${call.method} ${call.pathTemplate}) failed: ${failure.reason}`;
    return new ApiError(failure.code, scrub(message, call.secrets), {
      operation: call.operation,
      method: call.method,
      path: call.pathTemplate,
      ...(failure.status === undefined ? {} : { status: failure.status }),
      ...(failure.retryAfterMs === undefined ? {} : { retryAfterMs: failure.retryAfterMs }),
      ...(isRead(call) ? {} : { maybeApplied: failure.maybeApplied }),
      attempts,
    });
  }
}

function isRead(call: Call<unknown>): boolean {
  return call.method === 'GET' || call.read === true;
}

/** Writes answer with anything, or nothing: the caller reads the result back. */
const ANY_JSON = z.unknown();

function interpret<T>(
  call: Call<T>,
  status: number,
  retryAfter: string | string[] | undefined,
  text: string,
): Outcome<T> {
  const isWrite = !isRead(call);
  if (status === 404 && call.notFound !== undefined) return { ok: true, value: call.notFound };
  if (status < 200 || status >= 300) return { ok: false, failure: httpFailure(status, retryAfter, text, isWrite) };

  let json: unknown;
  try {
    json = text.trim() ? JSON.parse(text) : undefined;
  } catch {
    // A 2xx came back, so a write was most likely applied even though its answer is unreadable.
    return {
      ok: false,
      failure: {
        code: 'api_bad_response',
        reason: 'the answer is not valid JSON',
        status,
        retryable: false,
        maybeApplied: isWrite,
      },
    };
  }
  const rejection = errorBodyMessage(json);
  if (rejection !== undefined) {
    return {
      ok: false,
      failure: { code: 'api_rejected', reason: rejection, status, retryable: false, maybeApplied: false },
    };
  }
  if (json === undefined && call.notFound !== undefined) return { ok: true, value: call.notFound };
  const parsed = call.response.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
    return {
      ok: false,
      failure: {
        code: 'api_bad_response',
        reason: `the answer does not have the expected shape${where}: ${issue?.message ?? 'invalid'}`,
        status,
        retryable: false,
        maybeApplied: isWrite,
      },
    };
  }
  return { ok: true, value: parsed.data };
}

function httpFailure(
  status: number,
  retryAfter: string | string[] | undefined,
  text: string,
  isWrite: boolean,
): Failure {
  const reason = `HTTP ${status}`;
  if (status === 401 || status === 403)
    return { code: 'api_unauthorized', reason, status, retryable: false, maybeApplied: false };
  if (status === 404) return { code: 'api_not_found', reason, status, retryable: false, maybeApplied: false };
  if (status === 429) {
    return {
      code: 'api_rate_limited',
      reason,
      status,
      retryable: true,
      retryAfterMs: parseRetryAfter(retryAfter),
      maybeApplied: false,
    };
  }
  // A 5xx can come after the API applied part of a write.
  if (status >= 500) return { code: 'api_server_error', reason, status, retryable: true, maybeApplied: isWrite };
  if (status >= 400) {
    const message = errorBodyMessage(tryParseJson(text), true) ?? `HTTP ${status} without a reason`;
    return { code: 'api_rejected', reason: message, status, retryable: false, maybeApplied: false };
  }
  return {
    code: 'api_bad_response',
    reason: `unexpected HTTP ${status}`,
    status,
    retryable: false,
    maybeApplied: isWrite,
  };
}

function transportFailure(err: unknown, signal: AbortSignal, timeoutMs: number): Failure {
  if (signal.aborted) {
    return { code: 'api_timeout', reason: `no answer within ${timeoutMs} ms`, retryable: false, maybeApplied: true };
  }
  const code = errorCode(err);
  if (PER_ATTEMPT_TIMEOUT_CODES.has(code)) {
    return { code: 'api_timeout', reason: 'the API stopped answering', retryable: true, maybeApplied: true };
  }
  if (NOT_SENT_CODES.has(code)) {
    // An unknown host is a wrong address, not a blip worth retrying.
    return {
      code: 'api_unreachable',
      reason: `cannot connect (${code})`,
      retryable: code !== 'ENOTFOUND',
      maybeApplied: false,
    };
  }
  if (BROKEN_CONNECTION_CODES.has(code)) {
    return { code: 'api_unreachable', reason: `the connection broke (${code})`, retryable: true, maybeApplied: true };
  }
  return {
    code: 'api_unreachable',
    reason: `request failed (${code || 'unknown error'})`,
    retryable: false,
    maybeApplied: true,
  };
}

/** The error code of a network error, or of its cause (undici wraps socket errors). */
function errorCode(err: unknown): string {
  const own = (err as { code?: unknown } | undefined)?.code;
  const cause = (err as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  if (typeof own === 'string' && own !== 'UND_ERR_SOCKET') return own;
  if (typeof cause === 'string') return cause;
  return typeof own === 'string' ? own : '';
}

/**
 * The API's reason when a body says the call failed: `{"status": "FAILURE"|"ERROR", "message"}`
 * or `{"error", "errorCode"|"errorMessage"}`. With `anyObject`, any message-like field (4xx bodies).
 */
function errorBodyMessage(json: unknown, anyObject = false): string | undefined {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const body = json as Record<string, unknown>;
  const failed =
    anyObject ||
    (typeof body.status === 'string' && /^(failure|failed|error)$/i.test(body.status)) ||
    body.success === false ||
    present(body.error) ||
    present(body.errorCode) ||
    present(body.errorMessage);
  if (!failed) return undefined;
  const nestedError =
    typeof body.error === 'object' && body.error !== null ? (body.error as Record<string, unknown>) : {};
  const candidates = [body.errorMessage, body.message, body.error, nestedError.message, body.errorCode, body.status];
  const reason =
    candidates.find((value) => typeof value === 'string' && value.trim()) ??
    candidates.find((v) => typeof v === 'number');
  if (reason === undefined) return anyObject ? undefined : 'no reason given';
  return String(reason).replace(/\s+/g, ' ').trim();
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null && value !== false && value !== '';
}

function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Retry-After in seconds or as an HTTP date. */
function parseRetryAfter(header: string | string[] | undefined): number | undefined {
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** Removes values the call carried (credentials, ids) from text the API may have echoed them into, then truncates. */
function scrub(message: string, secrets: readonly string[]): string {
  let clean = message;
  for (const secret of secrets) {
    if (secret.length < 3) continue;
    clean = clean.replace(new RegExp(secret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi'), '[redacted]');
  }
  return clean.length > MAX_API_MESSAGE_LENGTH ? `${clean.slice(0, MAX_API_MESSAGE_LENGTH - 1)}…` : clean;
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

function digits(value: number | string, what: string): string {
  const text = String(value).trim();
  if (!/^\d{1,20}$/.test(text)) throw new BotError('validation_failed', `The ${what} must be digits only.`);
  return text;
}

function required(value: string | undefined, what: string): string {
  const text = value?.trim();
  if (!text) throw new BotError('validation_failed', `The ${what} is missing.`);
  return text;
}
