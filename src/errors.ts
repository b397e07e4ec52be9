/**
 * Small coded errors. Code throws these; `userMessage` is the one place that
 * turns them into words for Slack (never with secrets, never with stack traces).
 */
export type ErrorCode =
  | 'unknown_crm'
  | 'empty_catalog'
  | 'invalid_catalog'
  | 'config_invalid'
  | 'api_unauthorized'
  | 'api_not_found'
  | 'api_rate_limited'
  | 'api_server_error'
  | 'api_timeout'
  | 'api_unreachable'
  | 'api_bad_response'
  | 'api_rejected'
  | 'write_outcome_unknown'
  | 'lookup_failed'
  | 'validation_failed'
  | 'store_unavailable'
  | 'busy'
  | 'create_unresolved'
  | 'forbidden'
  | 'not_configured'
  | 'log_search_unreachable'
  | 'log_search_timeout'
  | 'log_search_unauthorized'
  | 'log_search_forbidden'
  | 'log_search_index_missing'
  | 'log_search_server_error'
  | 'log_search_rate_limited'
  | 'log_search_rejected'
  | 'log_search_bad_response';

export class BotError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Safe, non-secret context for logs and audit (operation, status, business number). */
    readonly context: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class CatalogError extends BotError {}
export class ConfigError extends BotError {}

/** A call to the integration API (or a vendor API behind a lookup) failed. */
export class ApiError extends BotError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly details: {
      operation: string;
      method: string;
      path: string;
      status?: number;
      retryAfterMs?: number;
      /** True when the request may have reached the API (a write's outcome is unknown). */
      maybeApplied?: boolean;
      attempts?: number;
    },
  ) {
    super(code, message, details);
  }
}

export class StoreError extends BotError {}

/** Another write to the same business is in progress. */
export class BusyError extends BotError {
  constructor(
    readonly holder: string,
    businessNumber: string,
  ) {
    super('busy', `Business ${businessNumber} is being changed by ${holder}`, { businessNumber });
  }
}

export class ForbiddenError extends BotError {}

/** A search in the log store (Elasticsearch/OpenSearch) failed; never carries what was searched for. */
export class LogSearchError extends BotError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly details: { index: string; status?: number; timeoutMs?: number },
  ) {
    super(code, message, details);
  }
}

/** The words a support engineer sees for an error. */
export function userMessage(err: unknown): string {
  if (!(err instanceof BotError))
    return 'Something went wrong on our side. Nothing was lost: try again, and if it keeps failing tell the bot owners.';
  switch (err.code) {
    case 'api_unauthorized':
      return 'The integration API refused our credentials (401). The bot owners need to check its API access.';
    case 'api_not_found':
      return err instanceof ApiError && err.details.operation === 'getGroup'
        ? 'No integration group exists for that business yet.'
        : 'The integration API did not find that (404). Check the ID.';
    case 'api_rate_limited':
      return 'The integration API is rate-limiting us. Wait a moment and try again.';
    case 'api_server_error':
      return 'The integration API had an error on its side (5xx). Try again in a minute.';
    case 'api_timeout':
      return 'The integration API did not answer in time.';
    case 'api_unreachable':
      return 'The integration API cannot be reached right now.';
    case 'api_bad_response':
      return 'The integration API sent an answer the bot could not read.';
    case 'api_rejected':
      return `The integration API rejected the request: ${err.message}`;
    case 'write_outcome_unknown':
      return 'The request was sent but no answer came back, so it may or may not have been applied. The bot will read the group before offering a retry.';
    case 'lookup_failed':
      return `The lookup failed: ${err.message}. You can still type the value yourself.`;
    case 'store_unavailable':
      return 'The bot cannot reach its state store right now, so it cannot safely continue. Nothing was sent. Try again in a minute.';
    case 'busy':
      return err.message + '. Try again when they are done.';
    case 'log_search_unreachable':
    case 'log_search_timeout':
    case 'log_search_unauthorized':
    case 'log_search_forbidden':
    case 'log_search_index_missing':
    case 'log_search_server_error':
    case 'log_search_rate_limited':
    case 'log_search_rejected':
    case 'log_search_bad_response':
      return logSearchMessage(err);
    case 'unknown_crm':
    case 'validation_failed':
    case 'create_unresolved':
    case 'forbidden':
    case 'not_configured':
      return err.message;
    default:
      return 'Something went wrong on our side. Nothing was lost: try again, and if it keeps failing tell the bot owners.';
  }
}

function logSearchMessage(err: BotError): string {
  const index = err instanceof LogSearchError ? err.details.index : 'the index';
  const status = err instanceof LogSearchError ? err.details.status : undefined;
  switch (err.code) {
    case 'log_search_unreachable':
      return 'The log store cannot be reached right now, so the bot could not search it.';
    case 'log_search_timeout': {
      const ms = err instanceof LogSearchError ? err.details.timeoutMs : undefined;
      return `The log store did not answer within ${ms === undefined ? 'its deadline' : `${ms / 1000} s`} (LOG_SEARCH_TIMEOUT_MS), so the search was stopped.`;
    }
    case 'log_search_unauthorized':
      return 'The log store refused the bot’s credentials (401): the bot owners need to check LOG_SEARCH_API_KEY (or the user and password in LOG_SEARCH_URL).';
    case 'log_search_forbidden':
      return `The log store does not let the bot read ${index} (403): the bot owners need to give its API key read access to that index.`;
    case 'log_search_index_missing':
      return `The log store has no index ${index} (404): the bot owners need to check the index setting.`;
    case 'log_search_server_error':
      return `The log store had an error on its side${status ? ` (HTTP ${status})` : ''}. Try again in a minute.`;
    case 'log_search_rate_limited':
      return 'The log store is rate-limiting the bot (429). Try again in a minute.';
    case 'log_search_rejected':
      return `The log store rejected the search${status ? ` (HTTP ${status})` : ''}; the field names in LOG_SEARCH_FIELDS may not match the documents.`;
    default:
      return 'The log store sent an answer the bot could not read (not a search response), so nothing is shown from it.';
  }
}

/**
 * Error fields worth logging; avoids serializers walking into requests, responses or payloads.
 * Slack Web API errors carry Slack's error code in data.error (not_in_channel, missing_scope, ...): kept as
 * slackError, never the rest of data.
 */
export function errorLogFields(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const coded = error as Error & { code?: unknown; data?: { error?: unknown } };
  const slackError = typeof coded.data?.error === 'string' ? coded.data.error : undefined;
  return { name: error.name, message: error.message, code: coded.code, slackError, stack: error.stack };
}
