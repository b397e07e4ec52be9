import type { App } from '@slack/bolt';
import { type Clock, systemClock } from '../clock';
import { errorLogFields } from '../errors';
import type { Logger } from '../logger';

/** Slack answers that retrying cannot fix: the token is wrong, revoked, or the workspace is gone. */
const FATAL_AUTH_ERRORS = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'team_disabled',
  'user_removed_from_team',
  'not_allowed_token_type',
]);

export interface ConnectionOptions {
  /** Web API base URL (logged with a failed call, so the operator sees where the bot was talking to). */
  apiUrl: string;
  socketMode: boolean;
  /** First retry delay; doubled each time up to maxRetryDelayMs. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  clock?: Clock;
}

export type ConnectionProblem =
  | 'slack_auth_pending'
  | 'slack_auth_failed'
  | 'slack_auth_rejected'
  | 'socket_not_connected';

/**
 * Start-up against Slack, after the HTTP server listens: auth.test (through Bolt's init), then in Socket Mode
 * the socket. A failure or timeout is one log line naming the call, the URL and the reason, then a retry with
 * backoff while /readyz answers 503 with the reason. A token Slack rejects (invalid_auth, ...) is not retried:
 * `fatal` rejects and main.ts exits 1.
 */
export class SlackConnection {
  private authenticated = false;
  private authProblem: ConnectionProblem = 'slack_auth_pending';
  private lastReason: string | undefined;
  private socketState: string | undefined;
  private stopped = false;
  private readonly clock: Clock;
  private readonly retryDelayMs: number;
  private readonly maxRetryDelayMs: number;
  /** Resolves when the bot is authenticated (and, in Socket Mode, connected once). */
  readonly ready: Promise<void>;
  private markReady!: () => void;
  /** Rejects when Slack refused the token: retrying will not help. */
  readonly fatal: Promise<never>;
  private markFatal!: (error: Error) => void;

  constructor(
    private readonly log: Logger,
    private readonly options: ConnectionOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.retryDelayMs = options.retryDelayMs ?? 1000;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 60_000;
    this.ready = new Promise((resolve) => {
      this.markReady = resolve;
    });
    this.fatal = new Promise<never>((_resolve, reject) => {
      this.markFatal = reject;
    });
    // Nobody may listen to `fatal` (tests): never an unhandled rejection.
    this.fatal.catch(() => {});
  }

  get isAuthenticated(): boolean {
    return this.authenticated;
  }

  /** Why the bot cannot take Slack traffic now, or undefined when it can. */
  problem(): { reason: ConnectionProblem; detail?: string } | undefined {
    if (!this.authenticated)
      return { reason: this.authProblem, ...(this.lastReason ? { detail: this.lastReason } : {}) };
    if (this.options.socketMode && this.socketState !== 'connected')
      return { reason: 'socket_not_connected', detail: this.socketState ?? 'not started' };
    return undefined;
  }

  /** Runs auth.test (Bolt's init) and, in Socket Mode, app.start(), retrying with backoff until it works. */
  async connect(app: App): Promise<void> {
    await this.retrying('auth.test', async () => {
      await app.init();
      this.authenticated = true;
      this.lastReason = undefined;
      this.log.info({ call: 'auth.test' }, 'Slack accepted the bot token');
    });
    if (this.options.socketMode) await this.retrying('apps.connections.open', () => app.start().then(() => {}));
    this.markReady();
  }

  /** Socket Mode client state changes (connecting, connected, reconnecting, disconnected, ...), each logged once. */
  socketStateChanged(state: string, reason?: unknown): void {
    if (state === this.socketState) return;
    const previous = this.socketState;
    this.socketState = state;
    const fields = { state, previous, ...(reason === undefined ? {} : { reason: describeReason(reason) }) };
    if (state === 'connected') this.log.info(fields, 'Slack socket connected');
    else if (previous === 'connected')
      this.log.warn(fields, `Slack socket ${state}: /readyz answers 503 until it is back`);
    else this.log.info(fields, `Slack socket ${state}`);
  }

  stop(): void {
    this.stopped = true;
  }

  private async retrying(call: string, attempt: () => Promise<void>): Promise<void> {
    const url = `${this.options.apiUrl}${call}`;
    for (let failures = 0; !this.stopped; failures++) {
      try {
        await attempt();
        return;
      } catch (error) {
        const reason = describeReason(error);
        const slackError = (error as { data?: { error?: unknown } } | undefined)?.data?.error;
        if (typeof slackError === 'string' && FATAL_AUTH_ERRORS.has(slackError)) {
          this.authProblem = 'slack_auth_rejected';
          this.lastReason = reason;
          this.log.fatal(
            { call, url, reason, err: errorLogFields(error) },
            `Slack ${call} to ${url} failed: ${reason}`,
          );
          this.markFatal(new Error(`Slack ${call} failed: ${reason}`));
          return;
        }
        const retryInMs = Math.min(this.maxRetryDelayMs, this.retryDelayMs * 2 ** failures);
        if (call === 'auth.test') this.authProblem = 'slack_auth_failed';
        this.lastReason = reason;
        this.log.error(
          { call, url, reason, attempt: failures + 1, retryInMs },
          `Slack ${call} to ${url} failed: ${reason}; retrying in ${Math.round(retryInMs / 1000)} s`,
        );
        await this.clock.sleep(retryInMs);
      }
    }
  }
}

/** Why a Slack call failed, in a few words: Slack's error code, the HTTP status, or the transport error. */
function describeReason(error: unknown): string {
  const e = error as {
    code?: unknown;
    message?: unknown;
    data?: { error?: unknown };
    statusCode?: unknown;
    original?: { name?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } };
  };
  if (typeof e?.data?.error === 'string') return `Slack answered ${e.data.error}`;
  if (typeof e?.statusCode === 'number') return `HTTP ${e.statusCode}`;
  const original = e?.original;
  // The client wraps fetch's abort (its per-attempt timeout); across realms it may arrive as text only.
  if (/TimeoutError|AbortError|aborted due to timeout/.test(`${String(original?.name)} ${String(original?.message)}`))
    return 'no answer before the timeout';
  const cause = original?.cause;
  if (typeof cause?.code === 'string') return `${String(original?.message ?? 'request failed')} (${cause.code})`;
  if (typeof original?.message === 'string') return original.message;
  if (typeof e?.message === 'string') return e.message;
  return error === undefined ? 'the connection closed' : String(error);
}
