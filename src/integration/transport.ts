import { Agent, request } from 'undici';
import type { z } from 'zod';
import { type Clock, systemClock } from '../clock';
import { ApiError, BotError, type ErrorCode } from '../errors';
import type { Logger } from '../logger';

export interface TransportOptions {
  /** Overall deadline for one call, retries included. */
  timeoutMs: number;
  logger: Logger;
  /** Only reads are retried. Defaults: 3 retries, 200 ms base, 5 s max delay. */
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

export type Method = 'GET' | 'PUT' | 'POST';

/** One call as the vendor modules and the integration client describe it. */
export interface HttpCall<T> {
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
  /** Overall deadline of this call, retries included, when it differs from the transport's. */
  timeoutMs?: number;
}

/** The headers the articles' curl commands send to the integration API. */
export const INTEGRATION_API_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'application/json',
  'Cache-Control': 'no-cache',
  Accept: 'application/json',
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

const MAX_API_MESSAGE_LENGTH = 300;

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
 * The bot's one HTTP layer (undici): the integration API, the vendor APIs and the log store all go
 * through it. Reads are retried (429, 5xx, connection errors); writes never are: a failed write says
 * whether it may have been applied, so the caller can read the result back before offering a retry.
 * Values a call marks as secret never reach an error message.
 */
export class HttpTransport {
  private readonly agent: Agent;
  private readonly timeoutMs: number;
  private readonly logger: Logger;
  private readonly maxRetries: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly observe: ((attempt: ApiAttempt) => void) | undefined;

  constructor(options: TransportOptions) {
    this.timeoutMs = options.timeoutMs;
    this.logger = options.logger;
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

  async send<T>(call: HttpCall<T>): Promise<T> {
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
    call: HttpCall<T>,
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

  private toError(call: HttpCall<unknown>, failure: Failure, attempts: number): ApiError {
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

function isRead(call: HttpCall<unknown>): boolean {
  return call.method === 'GET' || call.read === true;
}

function interpret<T>(
  call: HttpCall<T>,
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

export function digits(value: number | string, what: string): string {
  const text = String(value).trim();
  if (!/^\d{1,20}$/.test(text)) throw new BotError('validation_failed', `The ${what} must be digits only.`);
  return text;
}

export function required(value: string | undefined, what: string): string {
  const text = value?.trim();
  if (!text) throw new BotError('validation_failed', `The ${what} is missing.`);
  return text;
}
