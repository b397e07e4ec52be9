import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Sends rows with bounded concurrency. Independent of Slack and of the store:
 * the caller supplies `send`, persists through `onRowSettled`, shows `onProgress`.
 *
 * A rate-limited row (classify → { retryAfterMs }) was not applied: every worker
 * pauses until the Retry-After time and that row is sent again with the next
 * attempt number. Any other failure settles the row as failed with a reason.
 * Cancelling lets in-flight rows finish and leaves the rest pending.
 *
 * `concurrency` bounds the requests out at once, not the rows being recorded: `send` calls `answered()`
 * when the API has accepted the row, and the row's slot goes to the next row while the rest of `send`
 * (its audit entry, its idempotency record) finishes. Otherwise every row's bookkeeping would sit
 * between one request and the next, and the API would see fewer than `concurrency` requests at a time.
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
  /** Call `answered` once the API accepted the row (see above); a row that throws holds its slot until settled. */
  send(row: R, attempt: number, answered: () => void): Promise<void>;
  /** How a failure is handled; default: every error fails the row with its message. */
  classify?(error: unknown): Classified;
  /** Called once per row when it settled (persist here); the row's slot may already be another row's. */
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

  /** Rows started and not settled yet, slot released or not; bounded so bookkeeping cannot pile up. */
  const unsettled = new Set<Promise<void>>();
  const maxUnsettled = 2 * Math.max(1, options.concurrency);
  /** The first error a row's bookkeeping threw (onRowSettled): the run ends with it once every row settled. */
  let failure: { error: unknown } | undefined;

  /** One row until it settles; `release` is called when its slot is free (answered, or settled). */
  const runRow = async (row: R, release: () => void) => {
    let attempt = row.attempt;
    let settled: RowSettled | undefined;
    while (!settled) {
      inFlight++;
      let holding = true;
      const answered = () => {
        if (!holding) return;
        holding = false;
        inFlight--;
        release();
      };
      try {
        await options.send(row, attempt, answered);
        settled = { ok: true, attempt };
      } catch (error) {
        const verdict = classify(error);
        if ('retryAfterMs' in verdict) {
          pausedUntil = Math.max(pausedUntil, now() + verdict.retryAfterMs);
          attempt++;
        } else settled = { ok: false, attempt, error: verdict.reason };
      } finally {
        if (holding) {
          holding = false;
          inFlight--;
        }
      }
      if (!settled) {
        options.onProgress?.(progress());
        await waitWhilePaused();
        // Cancelled while rate-limited: the row was not applied, so it stays pending
        // (a later resume replays the recorded 429 for the old attempt and moves on to a new one).
        if (isCancelled()) break;
      }
    }
    release();
    if (!settled) return;
    if (settled.ok) done++;
    else failed++;
    await options.onRowSettled?.(row, settled);
    options.onProgress?.(progress());
  };

  const worker = async () => {
    for (;;) {
      await waitWhilePaused();
      while (unsettled.size >= maxUnsettled) await Promise.race(unsettled);
      if (failure || isCancelled() || next >= options.rows.length) return;
      const row = options.rows[next++]!;
      let release!: () => void;
      const slotFree = new Promise<void>((resolve) => {
        release = resolve;
      });
      const settling: Promise<void> = runRow(row, release)
        .catch((error: unknown) => {
          release();
          failure ??= { error };
        })
        .finally(() => unsettled.delete(settling));
      unsettled.add(settling);
      await slotFree;
    }
  };

  const workers = Math.max(1, Math.min(options.concurrency, options.rows.length));
  await Promise.all(Array.from({ length: workers }, worker));
  while (unsettled.size > 0) await Promise.all(unsettled);
  if (failure) throw failure.error;
  const summary = progress();
  return { ...summary, stoppedEarly: summary.left > 0 };
}
