import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Sends rows with bounded concurrency. Independent of Slack and of the store:
 * the caller supplies `send`, persists through `onRowSettled`, shows `onProgress`.
 *
 * A rate-limited row (classify → { retryAfterMs }) was not applied: every worker
 * pauses until the Retry-After time and that row is sent again with the next
 * attempt number. Any other failure settles the row as failed with a reason.
 * Cancelling lets in-flight rows finish and leaves the rest pending.
 */

export interface RunnerRow {
  /** Stable id of the row (its business number). */
  key: string;
  /** Attempt to send with (part of the idempotency key). */
  attempt: number;
}

export type Classified = { retryAfterMs: number } | { reason: string };

export interface RowSettled {
  ok: boolean;
  /** The attempt that settled the row (higher than the row's when it was rate-limited). */
  attempt: number;
  error?: string;
}

export interface RunnerProgress {
  total: number;
  done: number;
  failed: number;
  /** Not settled yet (in flight included). */
  left: number;
  inFlight: number;
  elapsedMs: number;
  /** Estimated time to finish, once something has settled. */
  etaMs?: number;
  /** Epoch ms until which all workers are paused by a rate limit. */
  pausedUntil?: number;
}

export interface RunnerSummary extends RunnerProgress {
  /** True when isCancelled stopped the run before every row settled. */
  stoppedEarly: boolean;
}

export interface RunnerOptions<R extends RunnerRow> {
  rows: readonly R[];
  concurrency: number;
  send(row: R, attempt: number): Promise<void>;
  /** How a failure is handled; default: every error fails the row with its message. */
  classify?(error: unknown): Classified;
  /** Awaited before the worker takes its next row (persist here). */
  onRowSettled?(row: R, settled: RowSettled): void | Promise<void>;
  /** After every settled row and pause; throttle in the caller. */
  onProgress?(progress: RunnerProgress): void;
  /** Checked before each row and after each pause. */
  isCancelled?(): boolean;
  /** Rows already settled before this run (resume), counted in the progress. */
  alreadyDone?: number;
  alreadyFailed?: number;
  now?(): number;
}

export async function runRows<R extends RunnerRow>(options: RunnerOptions<R>): Promise<RunnerSummary> {
  const now = options.now ?? Date.now;
  const classify =
    options.classify ?? ((error: unknown) => ({ reason: error instanceof Error ? error.message : String(error) }));
  const isCancelled = options.isCancelled ?? (() => false);
  const startedAt = now();
  const baseDone = options.alreadyDone ?? 0;
  const baseFailed = options.alreadyFailed ?? 0;
  const total = options.rows.length + baseDone + baseFailed;
  let done = 0;
  let failed = 0;
  let inFlight = 0;
  let next = 0;
  let pausedUntil = 0;

  const progress = (): RunnerProgress => {
    const settled = done + failed;
    const elapsedMs = now() - startedAt;
    const left = options.rows.length - settled;
    const result: RunnerProgress = {
      total,
      done: baseDone + done,
      failed: baseFailed + failed,
      left,
      inFlight,
      elapsedMs,
    };
    if (settled > 0) result.etaMs = Math.round((elapsedMs / settled) * left);
    if (pausedUntil > now()) result.pausedUntil = pausedUntil;
    return result;
  };

  const waitWhilePaused = async () => {
    for (let wait = pausedUntil - now(); wait > 0 && !isCancelled(); wait = pausedUntil - now()) {
      await sleep(Math.min(wait, 250));
    }
  };

  const worker = async () => {
    for (;;) {
      await waitWhilePaused();
      if (isCancelled() || next >= options.rows.length) return;
      const row = options.rows[next++]!;
      let attempt = row.attempt;
      let settled: RowSettled | undefined;
      while (!settled) {
        inFlight++;
        try {
          await options.send(row, attempt);
          settled = { ok: true, attempt };
        } catch (error) {
          const verdict = classify(error);
          if ('retryAfterMs' in verdict) {
            pausedUntil = Math.max(pausedUntil, now() + verdict.retryAfterMs);
            attempt++;
          } else settled = { ok: false, attempt, error: verdict.reason };
        } finally {
          inFlight--;
        }
        if (!settled) {
          options.onProgress?.(progress());
          await waitWhilePaused();
          // Cancelled while rate-limited: the row was not applied, so it stays pending
          // (a later resume replays the recorded 429 for the old attempt and moves on to a new one).
          if (isCancelled()) return;
        }
      }
      if (settled.ok) done++;
      else failed++;
      await options.onRowSettled?.(row, settled);
      options.onProgress?.(progress());
    }
  };

  const workers = Math.max(1, Math.min(options.concurrency, options.rows.length));
  await Promise.all(Array.from({ length: workers }, worker));
  const summary = progress();
  return { ...summary, stoppedEarly: summary.left > 0 };
}
