import type { Config } from '../config';
import { ApiError, type ErrorCode, LogSearchError } from '../errors';
import type { IntegrationClient } from '../integration/client';
import type { LogFields } from './fields';
import { type ContactQuery, describeIdentity } from './identity';
import { contactSearchBody, errorSearchBody, phoneVariants, type SearchBody } from './query';
import { type SearchHit, SearchResponse } from './schemas';

export type LogSearchSettings = {
  contactIndex: string;
  errorIndex: string;
  days: number;
  timeoutMs: number;
  fields: LogFields;
};

export type SearchResult = { index: string; hits: SearchHit[]; timedOut: boolean };

/** What the HTTP layer must offer: the integration client's external read (its one transport). */
type Http = Pick<IntegrationClient, 'readExternal'>;

/**
 * Searches the log store behind Kibana with `POST /<index>/_search` through the bot's one HTTP
 * layer (the integration client's agent, deadline, read retries and redaction). The plain search
 * endpoint works the same on every Elasticsearch and OpenSearch version, unlike the official clients.
 */
export class LogSearch {
  constructor(
    private readonly http: Http,
    private readonly origin: string,
    private readonly authorization: string | undefined,
    private readonly credentialSecrets: string[],
    readonly settings: LogSearchSettings,
  ) {}

  /** A contact's check-ins, newest first (one search). */
  async searchContact(query: ContactQuery): Promise<SearchResult> {
    const { identity } = query;
    const identitySecrets = [
      describeIdentity(identity),
      ...(identity.kind === 'phone' ? phoneVariants(identity.digits, identity.typed) : []),
    ];
    return this.search(
      'searchContactLogs',
      this.settings.contactIndex,
      contactSearchBody(query, this.settings.fields, this.settings.days),
      identitySecrets,
    );
  }

  /** A business's latest integration errors (one search). */
  async searchErrors(businessNumber: string): Promise<SearchResult> {
    return this.search(
      'searchIntegrationErrors',
      this.settings.errorIndex,
      errorSearchBody(businessNumber, this.settings.fields),
      [],
    );
  }

  private async search(operation: string, index: string, body: SearchBody, secrets: string[]): Promise<SearchResult> {
    const path = `/${encodeURIComponent(index).replace(/%2A/gi, '*').replace(/%2C/gi, ',')}/_search`;
    try {
      const response = await this.http.readExternal({
        operation,
        method: 'POST',
        origin: this.origin,
        path,
        pathTemplate: path,
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/json',
          ...(this.authorization ? { Authorization: this.authorization } : {}),
        },
        body,
        response: SearchResponse,
        secrets: [...this.credentialSecrets, ...secrets],
        timeoutMs: this.settings.timeoutMs,
      });
      return { index, hits: response.hits.hits, timedOut: response.timed_out === true };
    } catch (err) {
      throw toLogSearchError(err, index, this.settings.timeoutMs);
    }
  }
}

const CODES: Partial<Record<ErrorCode, ErrorCode>> = {
  api_unreachable: 'log_search_unreachable',
  api_timeout: 'log_search_timeout',
  api_not_found: 'log_search_index_missing',
  api_server_error: 'log_search_server_error',
  api_rate_limited: 'log_search_rate_limited',
  api_rejected: 'log_search_rejected',
  api_bad_response: 'log_search_bad_response',
};

function toLogSearchError(err: unknown, index: string, timeoutMs: number): unknown {
  if (!(err instanceof ApiError)) return err;
  const status = err.details.status;
  const code: ErrorCode =
    err.code === 'api_unauthorized'
      ? status === 403
        ? 'log_search_forbidden'
        : 'log_search_unauthorized'
      : (CODES[err.code] ?? 'log_search_bad_response');
  return new LogSearchError(code, err.message, {
    index,
    ...(status === undefined ? {} : { status }),
    ...(code === 'log_search_timeout' ? { timeoutMs } : {}),
  });
}

/**
 * The log search the configuration asks for, or undefined when LOG_SEARCH_URL is unset (the
 * feature is off; diagnosis works by paste). Credentials in the URL become a basic-auth header
 * and are taken out of the URL, so they are never part of anything logged.
 */
export function createLogSearch(config: Config, http: Http): LogSearch | undefined {
  if (!config.LOG_SEARCH_URL) return undefined;
  const url = new URL(config.LOG_SEARCH_URL);
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  url.username = '';
  url.password = '';
  const origin = `${url.origin}${url.pathname}`.replace(/\/+$/, '');
  const apiKey = config.LOG_SEARCH_API_KEY;
  const basic = user || password ? Buffer.from(`${user}:${password}`).toString('base64') : undefined;
  const authorization = apiKey ? `ApiKey ${apiKey}` : basic ? `Basic ${basic}` : undefined;
  const secrets = [apiKey, password, basic].filter((s): s is string => Boolean(s));
  return new LogSearch(http, origin, authorization, secrets, {
    contactIndex: config.LOG_SEARCH_CONTACT_INDEX,
    errorIndex: config.LOG_SEARCH_ERROR_INDEX,
    days: config.LOG_SEARCH_DAYS,
    timeoutMs: config.LOG_SEARCH_TIMEOUT_MS,
    fields: config.LOG_SEARCH_FIELDS,
  });
}
