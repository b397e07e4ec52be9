import { ApiError, BotError, BusyError, errorLogFields, ForbiddenError, userMessage } from '../errors';
import type { Services } from '../services';
import { type RunOnceResult, runOnce } from '../store/idempotency';
import { acquireLock, type Lock } from '../store/lock';
import type { Store } from '../store/types';
import { type AuditEntry, type AuditOutcome, outcomeIds, recordAudit } from './audit';
import { assertCanWrite, type UsergroupsClient } from './permissions';

/**
 * The Slack Web API calls the pipeline makes: the permission check's, and the audit channel's post. Bolt's
 * client has them (flows pass it through); nothing else of Slack reaches the pipeline.
 */
export interface WriteClient extends UsergroupsClient {
  chat: { postMessage(args: { channel: string; text: string }): Promise<unknown> };
}
type SlackClient = WriteClient;

export interface WriteRequest {
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
  /** Sends the request; only the ids its answer names are kept (see WriteIds). */
  send: () => Promise<unknown>;
}

/**
 * All that is kept of a write's answer, for the caller and for every duplicate that replays it: the ids it
 * names (outcomeIds), never the answer itself (create-group's echoes the properties it was sent, credentials
 * included).
 */
export type WriteIds = NonNullable<ReturnType<typeof outcomeIds>>;

export interface WriteResult {
  ids: WriteIds;
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
 *
 * Its store calls come in two batches (two group commits in SQLite): the claim, the lock and the "attempted" entry
 * before the request leaves, so they are durable before it does; then the outcome's record, its entry and
 * the lock's release. The audit channel hears of it after both.
 */
export async function performWrite(services: Services, client: SlackClient, write: WriteRequest): Promise<WriteResult> {
  await assertMayWrite(services, client, write);

  const announcements: Announcement[] = [];
  const audit = (store: Store, outcome: AuditOutcome, details: AuditDetails = {}) =>
    auditWrite(services, client, write, outcome, details, { store, announcements });
  let lock: Lock | undefined;
  let result: RunOnceResult<AuditIds>;
  try {
    result = await runOnce<AuditIds>(
      services.store,
      `write:${write.idempotencyKey}`,
      IDEMPOTENCY_TTL_MS,
      {
        start: async (tx) => {
          try {
            // The lock is named by the bare business number: BusyError shows it to the user as is.
            lock = await acquireLock(tx, write.businessNumber, `<@${write.userId}>`, LOCK_TTL_MS);
          } catch (err) {
            // Refused by the lock: nothing was sent, and runOnce drops the claim, so this intent stays
            // retryable once the holder is done instead of replaying "busy" for a day.
            if (err instanceof BusyError) await audit(tx, 'refused', { error: err });
            throw err;
          }
          // Recorded before the request leaves: if this process stops mid-call, the trail still shows the attempt.
          await audit(tx, 'attempted');
        },
        work: async () => outcomeIds(await write.send()),
        finish: async (tx, outcome) => {
          if (outcome.ok) await audit(tx, 'succeeded', { ids: outcome.value });
          else {
            const { error } = outcome;
            await audit(tx, error instanceof ApiError && error.details.maybeApplied ? 'unknown' : 'failed', { error });
          }
          // A failed release must not hide the outcome: the lock then frees itself after its TTL.
          await lock?.release(tx).catch(() => false);
        },
      },
      { logger: services.logger, waitTimeoutMs: 30_000 },
    );
  } finally {
    for (const announce of announcements) await announce();
  }
  if (!result.executed) {
    services.logger.info(
      { operation: write.operation, businessNumber: write.businessNumber },
      'duplicate write reused',
    );
  }
  return { ids: result.outcome ?? {}, executed: result.executed };
}

/** What the audit trail records about a write, without the request function. */
export type AuditedWrite = Omit<WriteRequest, 'send' | 'idempotencyKey'> & { idempotencyKey?: string };
type AuditIds = ReturnType<typeof outcomeIds>;
/** What an audit entry adds to the write: the error it ended with, the ids its answer named. */
type AuditDetails = { error?: unknown; ids?: AuditIds };

/**
 * A write refused before it reached performWrite (a button whose clicker may not write): audited like
 * performWrite's own refusals. Never throws: a failed audit is logged.
 */
export function auditRefusal(services: Services, client: SlackClient, write: AuditedWrite, error: unknown) {
  return auditWrite(services, client, write, 'refused', { error });
}

/**
 * An outcome decided without sending anything (an unresolved create re-checked: refused, landed, or
 * apparently lost), audited like the pipeline's own outcomes. Never throws: a failed audit is logged.
 */
export function auditDecision(
  services: Services,
  client: SlackClient,
  write: AuditedWrite,
  outcome: Exclude<AuditOutcome, 'attempted'>,
  details: AuditDetails = {},
) {
  return auditWrite(services, client, write, outcome, details);
}

/** A write as the permission check sees it, and who started the flow it confirms. */
export type WriteIntent = AuditedWrite & {
  /** Anyone but this user is refused: a form is its owner's. */
  ownerId?: string | undefined;
};

/**
 * The pipeline's permission check on its own, audited like its refusals: a form that leads to a write
 * calls it where the form opens, so nobody fills one only to be refused at its last step, and a setup's
 * Confirm calls it (with its owner) before it claims or changes anything.
 */
export async function assertMayWrite(services: Services, client: SlackClient, write: WriteIntent): Promise<void> {
  try {
    await assertCanWrite(services.config, client, write.userId);
    if (write.ownerId !== undefined && write.ownerId !== write.userId) {
      throw new ForbiddenError(
        'forbidden',
        `This form was started by <@${write.ownerId}>, so only they can confirm it. Run the command yourself to make your own change.`,
      );
    }
  } catch (err) {
    if (err instanceof ForbiddenError) await auditRefusal(services, client, write, err);
    throw err;
  }
}

/** A post to the audit channel, made once the write's store calls are done. Never throws. */
type Announcement = () => Promise<void>;

async function auditWrite(
  services: Services,
  client: SlackClient,
  write: AuditedWrite,
  outcome: AuditOutcome,
  details: AuditDetails,
  via: { store?: Store; announcements?: Announcement[] } = {},
): Promise<void> {
  // 'attempted' is half of a write, counted and announced when its outcome is known.
  if (outcome !== 'attempted') services.metrics.writes.inc({ operation: write.operation, outcome });
  // Slack's own code (not_in_channel, channel_not_found, ...) tells the owners what to fix.
  const failed = (err: unknown) =>
    services.logger.error({ err: errorLogFields(err), operation: write.operation }, 'audit record failed');
  try {
    const entry = auditEntry(write, outcome, details);
    await recordAudit(via.store ?? services.store, entry, services.config.AUDIT_RETENTION_DAYS);
    services.logger.info(
      { audit: { ...entry, request: undefined }, operation: write.operation },
      `write ${write.operation} ${outcome}`,
    );
    if (outcome === 'attempted') return;
    const announce: Announcement = () => announceOutcome(services, client, entry, outcome).catch(failed);
    // In a batch the post waits for its end: a transaction is never held open across a Slack call.
    if (via.announcements) via.announcements.push(announce);
    else await announce();
  } catch (err) {
    failed(err);
  }
}

function auditEntry(write: AuditedWrite, outcome: AuditOutcome, details: AuditDetails): AuditEntry {
  return {
    at: new Date().toISOString(),
    userId: write.userId,
    businessNumber: write.businessNumber,
    crmId: write.crmId,
    operation: write.operation,
    request: write.maskedRequest,
    outcome,
    ...(details.error === undefined ? {} : { error: safeError(details.error) }),
    ...(write.idempotencyKey ? { idempotencyKey: write.idempotencyKey } : {}),
    ...(details.ids ? { ids: details.ids } : {}),
  };
}

/** A write's outcome, posted to the audit channel when AUDIT_CHANNEL_ID names one. */
async function announceOutcome(
  services: Services,
  client: SlackClient,
  entry: AuditEntry,
  outcome: Exclude<AuditOutcome, 'attempted'>,
): Promise<void> {
  const channel = services.config.AUDIT_CHANNEL_ID;
  if (!channel) return;
  const crm = services.catalog.find(entry.crmId)?.displayName ?? entry.crmId;
  const icon = { succeeded: '✅', failed: '❌', unknown: '⚠️', refused: '⛔' }[outcome];
  const ids = entry.ids
    ? ` [${Object.entries(entry.ids)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}]`
    : '';
  await client.chat.postMessage({
    channel,
    text: `${icon} <@${entry.userId}> ${entry.operation} for business ${entry.businessNumber} (${crm}): ${outcome}${ids}${
      entry.error ? ` (${entry.error.message})` : ''
    }`,
  });
}

/** Code and user-facing words only: never a stack, a body or a header. */
function safeError(err: unknown): { code: string; message: string } {
  return err instanceof BotError
    ? { code: err.code, message: userMessage(err) }
    : { code: 'unexpected', message: userMessage(err) };
}
