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
  | 'forbidden'
  | 'not_configured';

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
    case 'unknown_crm':
    case 'validation_failed':
    case 'forbidden':
    case 'not_configured':
      return err.message;
    default:
      return 'Something went wrong on our side. Nothing was lost: try again, and if it keeps failing tell the bot owners.';
  }
}
