import type { App } from '@slack/bolt';
import { ApiError, BotError, BusyError, errorLogFields, ForbiddenError, userMessage } from '../errors';
import type { Services } from '../services';
import { runOnce } from '../store/idempotency';
import { withLock } from '../store/lock';
import { type AuditOutcome, recordAudit } from './audit';
import { assertCanWrite } from './permissions';

/** The Slack Web API client the pipeline checks permissions and posts audit entries with (flows pass it through). */
export type WriteClient = App['client'];
type SlackClient = WriteClient;

export interface WriteRequest<T> {
  /** Who asked (Slack user id) and how to name them to a colleague who is blocked. */
  userId: string;
  /**
   * Stable across duplicates of one user intent (double click, Slack retry, another
   * replica), different for a deliberate retry. Built by `idempotencyKey`.
   */
  idempotencyKey: string;
  businessNumber: string;
  crmId: string;
  operation: string;
  /** The request with secrets already masked, for the audit trail. */
  maskedRequest: unknown;
  send: () => Promise<T>;
}

export interface WriteResult<T> {
  outcome: T;
  /** False when this call got the outcome of an identical earlier call. */
  executed: boolean;
}

/** Idempotency records outlive any Slack retry or double click by far. */
const IDEMPOTENCY_TTL_MS = 24 * 3600_000;
/** Longest a write may hold a business: a call's deadline plus margin. */
const LOCK_TTL_MS = 60_000;

/** Joins the parts of a Slack interaction that identify one intent. */
export function idempotencyKey(...parts: Array<string | number | undefined>): string {
  return parts.map((p) => String(p ?? '-').replace(/[:\s]/g, '_')).join(':');
}

/**
 * The one path every write takes: permission, per-business lock, exactly-once,
 * audit (and the optional audit channel). Errors come back as BotErrors.
 */
export async function performWrite<T>(
  services: Services,
  client: SlackClient,
  write: WriteRequest<T>,
): Promise<WriteResult<T>> {
  const audit = (outcome: AuditOutcome, error?: unknown) => {
    services.metrics.writes.inc({ operation: write.operation, outcome });
    return auditWrite(services, client, write, outcome, error).catch((err: unknown) =>
      // Slack's own code (not_in_channel, channel_not_found, ...) tells the owners what to fix.
      services.logger.error({ err: errorLogFields(err), operation: write.operation }, 'audit record failed'),
    );
  };
  try {
    await assertCanWrite(services.config, client, write.userId);
  } catch (err) {
    if (err instanceof ForbiddenError) await audit('refused', err);
    throw err;
  }

  const runKey = `write:${write.idempotencyKey}`;
  let lockTaken = false;
  let result: WriteResult<T>;
  try {
    result = await runOnce(
      services.store,
      runKey,
      IDEMPOTENCY_TTL_MS,
      // The lock is named by the bare business number: BusyError shows it to the user as is.
      () =>
        withLock(services.store, write.businessNumber, `<@${write.userId}>`, LOCK_TTL_MS, async () => {
          lockTaken = true;
          try {
            const outcome = await write.send();
            await audit('succeeded');
            return outcome;
          } catch (err) {
            await audit(err instanceof ApiError && err.details.maybeApplied ? 'unknown' : 'failed', err);
            throw err;
          }
        }),
      { logger: services.logger, waitTimeoutMs: 30_000 },
    );
  } catch (err) {
    // Refused by the lock: nothing was sent, so this intent must stay retryable once the holder is done,
    // instead of replaying "busy" for a day. runOnce keeps its record under `idempotency:<key>`.
    if (err instanceof BusyError && !lockTaken && !err.context.replayed) {
      await services.store.delete(`idempotency:${runKey}`).catch(() => undefined);
    }
    throw err;
  }
  if (!result.executed) {
    services.logger.info(
      { operation: write.operation, businessNumber: write.businessNumber },
      'duplicate write reused',
    );
  }
  return result;
}

async function auditWrite<T>(
  services: Services,
  client: SlackClient,
  write: WriteRequest<T>,
  outcome: AuditOutcome,
  error?: unknown,
): Promise<void> {
  const entry = {
    at: new Date().toISOString(),
    userId: write.userId,
    businessNumber: write.businessNumber,
    crmId: write.crmId,
    operation: write.operation,
    request: write.maskedRequest,
    outcome,
    error: error === undefined ? undefined : safeError(error),
    idempotencyKey: write.idempotencyKey,
  };
  await recordAudit(services.store, entry, services.config.AUDIT_RETENTION_DAYS);
  services.logger.info(
    { audit: { ...entry, request: undefined }, operation: write.operation },
    `write ${write.operation} ${outcome}`,
  );
  const channel = services.config.AUDIT_CHANNEL_ID;
  if (channel) {
    const crm = services.catalog.find(write.crmId)?.displayName ?? write.crmId;
    const icon = { succeeded: '✅', failed: '❌', unknown: '⚠️', refused: '⛔' }[outcome];
    await client.chat.postMessage({
      channel,
      text: `${icon} <@${write.userId}> ${write.operation} for business ${write.businessNumber} (${crm}): ${outcome}${
        entry.error ? ` (${entry.error.message})` : ''
      }`,
    });
  }
}

/** Code and user-facing words only: never a stack, a body or a header. */
function safeError(err: unknown): { code: string; message: string } {
  return err instanceof BotError
    ? { code: err.code, message: userMessage(err) }
    : { code: 'unexpected', message: userMessage(err) };
}
