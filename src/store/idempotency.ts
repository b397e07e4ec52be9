import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { BotError, type ErrorCode, StoreError } from '../errors';
import type { Logger } from '../logger';
import type { Store } from './types';

const RunRecord = z.discriminatedUnion('state', [
  z.object({ state: z.literal('pending'), startedAt: z.number() }),
  // `outcome` is absent when fn returned undefined (JSON drops it).
  z.object({ state: z.literal('done'), outcome: z.unknown().optional() }),
  z.object({ state: z.literal('failed'), error: z.object({ code: z.string(), message: z.string() }) }),
]);
type RunRecord = z.infer<typeof RunRecord>;

/**
 * What a finished run keeps for its duplicates: a status and ids (flat values), never a nested body such as
 * an API answer, which may echo what it was sent (credentials included) and would sit in the store for ttlMs.
 */
export type RunOutcome = string | number | boolean | undefined | Readonly<Record<string, string | number | boolean>>;

export interface RunOnceOptions {
  /** How long a duplicate waits for the first call to finish (default 10 s). */
  waitTimeoutMs?: number;
  /** Told when the outcome could not be recorded (the work itself still happened). */
  logger?: Logger;
}

export interface RunOnceResult<T> {
  outcome: T;
  /** True for the call that ran fn; false when this call reused another call's outcome. */
  executed: boolean;
}

const DEFAULT_WAIT_TIMEOUT_MS = 10_000;
const FIRST_POLL_MS = 10;
const MAX_POLL_MS = 200;
/** Stored for errors that are not BotErrors: their messages may carry anything, so they are not kept. */
const UNEXPECTED_FAILURE = { code: 'unexpected', message: 'The first attempt failed with an unexpected error' };

// A Record, not a list, so adding an ErrorCode without updating this fails to compile.
const KNOWN_CODES: Record<ErrorCode, true> = {
  unknown_crm: true,
  empty_catalog: true,
  invalid_catalog: true,
  config_invalid: true,
  api_unauthorized: true,
  api_not_found: true,
  api_rate_limited: true,
  api_server_error: true,
  api_timeout: true,
  api_unreachable: true,
  api_bad_response: true,
  api_rejected: true,
  write_outcome_unknown: true,
  lookup_failed: true,
  validation_failed: true,
  store_unavailable: true,
  busy: true,
  create_unresolved: true,
  forbidden: true,
  not_configured: true,
  log_search_unreachable: true,
  log_search_timeout: true,
  log_search_unauthorized: true,
  log_search_forbidden: true,
  log_search_index_missing: true,
  log_search_server_error: true,
  log_search_rate_limited: true,
  log_search_rejected: true,
  log_search_bad_response: true,
};

/**
 * A run in three steps, for a caller whose bookkeeping must be as durable as the claim: `start` runs in the
 * claim's batch (take a lock, audit the attempt), `work` outside any batch (the request), and `finish` in the
 * batch that records the outcome (audit it, release the lock). In SQLite that is two group commits (two journal lines) for the lot.
 */
export interface RunSteps<T> {
  /** Its store calls go through tx. Throwing undoes the claim: nothing ran, so the key stays free to retry. */
  start?: (tx: Store) => Promise<void>;
  work: () => Promise<T>;
  /** Its store calls go through tx, after the outcome's record; it must not throw (the work has run either way). */
  finish?: (tx: Store, outcome: { ok: true; value: T } | { ok: false; error: unknown }) => Promise<void>;
}

/**
 * Runs fn exactly once per key across concurrent callers and replicas, for ttlMs.
 *
 * The first caller claims the key (SET NX) with a 'pending' record, runs fn and
 * records 'done' or 'failed'. Duplicates poll until that record appears and
 * return the same outcome, or re-throw the same failure as a BotError. If the
 * owner dies, its 'pending' record expires after ttlMs and the next caller runs
 * fn, so ttlMs must exceed fn's longest run.
 */
export async function runOnce<T extends RunOutcome>(
  store: Store,
  key: string,
  ttlMs: number,
  fn: (() => Promise<T>) | RunSteps<T>,
  opts: RunOnceOptions = {},
): Promise<RunOnceResult<T>> {
  const steps: RunSteps<T> = typeof fn === 'function' ? { work: fn } : fn;
  const recordKey = `idempotency:${key}`;
  const deadline = Date.now() + (opts.waitTimeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS);
  let pollMs = FIRST_POLL_MS;

  for (;;) {
    if (await claim(store, recordKey, ttlMs, steps.start)) {
      return { outcome: await execute(store, recordKey, ttlMs, steps, opts.logger), executed: true };
    }

    const record = parseRecord(await store.get(recordKey));
    if (record?.state === 'done') return { outcome: record.outcome as T, executed: false };
    if (record?.state === 'failed') throw replayedFailure(record.error);
    // A missing record means the owner's claim expired (or was just removed): loop and claim it.
    if (record === undefined && Date.now() < deadline) continue;

    if (Date.now() + pollMs > deadline) {
      throw new BotError('busy', 'The same request is still being processed', { operation: 'runOnce' });
    }
    // Jitter spreads the polls of many waiting duplicates.
    await sleep(pollMs + Math.random() * pollMs);
    pollMs = Math.min(pollMs * 2, MAX_POLL_MS);
  }
}

/** Claims the key and runs `start` in one batch; a failed start removes the claim in that same batch. */
function claim(store: Store, recordKey: string, ttlMs: number, start: RunSteps<unknown>['start']): Promise<boolean> {
  return store.batch(async (tx) => {
    const pending: RunRecord = { state: 'pending', startedAt: Date.now() };
    if (!(await tx.setIfAbsent(recordKey, pending, ttlMs))) return false;
    try {
      await start?.(tx);
    } catch (err) {
      await tx.delete(recordKey);
      throw err;
    }
    return true;
  });
}

async function execute<T extends RunOutcome>(
  store: Store,
  recordKey: string,
  ttlMs: number,
  steps: RunSteps<T>,
  logger: Logger | undefined,
): Promise<T> {
  let outcome: T;
  try {
    outcome = await steps.work();
  } catch (err) {
    const error = err instanceof BotError ? { code: err.code, message: err.message } : UNEXPECTED_FAILURE;
    await record(store, recordKey, { state: 'failed', error }, ttlMs, logger, (tx) =>
      steps.finish?.(tx, { ok: false, error: err }),
    );
    throw err;
  }
  await record(store, recordKey, { state: 'done', outcome }, ttlMs, logger, (tx) =>
    steps.finish?.(tx, { ok: true, value: outcome }),
  );
  return outcome;
}

/**
 * Recording is best effort: fn has already run, and throwing store_unavailable here
 * would tell the user "nothing was sent" when something was. Duplicates then wait
 * until the pending claim expires.
 */
async function record(
  store: Store,
  recordKey: string,
  value: RunRecord,
  ttlMs: number,
  logger: Logger | undefined,
  finish: (tx: Store) => Promise<void> | undefined,
): Promise<void> {
  try {
    await store.batch(async (tx) => {
      await tx.set(recordKey, value, ttlMs);
      await finish(tx);
    });
  } catch (err) {
    logger?.warn(
      { operation: 'runOnce', state: value.state, error: err instanceof Error ? err.message : String(err) },
      'Could not record the outcome of a run-once action',
    );
  }
}

function parseRecord(raw: unknown): RunRecord | undefined {
  if (raw === undefined) return undefined;
  const parsed = RunRecord.safeParse(raw);
  if (!parsed.success) throw new StoreError('store_unavailable', 'Unreadable run-once record in the store');
  return parsed.data;
}

function replayedFailure(error: { code: string; message: string }): Error {
  return Object.hasOwn(KNOWN_CODES, error.code)
    ? new BotError(error.code as ErrorCode, error.message, { replayed: true })
    : new Error(error.message);
}
