import { once } from 'node:events';
import { setImmediate, setTimeout as sleep } from 'node:timers/promises';
import { toCsv } from '../../bulk/csv';
import {
  acquireLease,
  type BulkRun,
  countRows,
  createRun,
  type Lease,
  loadRun,
  newRunId,
  type RunRow,
  recentRunIds,
  saveRun,
} from '../../bulk/run-record';
import { type Classified, type RunnerProgress, runRows } from '../../bulk/runner';
import { type BulkTarget, planRow, validateTable } from '../../bulk/validate';
import type { CrmDefinition } from '../../catalog';
import { type Clock, systemClock } from '../../clock';
import { ApiError, BotError, userMessage } from '../../errors';
import { checkIntentNow, loadCreateIntent, pendingCreate } from '../../operations/create-intents';
import { idempotencyKey, performWrite, type WriteClient } from '../../operations/write';
import { maskRequest, toCurl } from '../../planner';
import type { Services } from '../../services';

/**
 * Bulk onboarding without Slack: validate the table, keep the run record, send the mappings through
 * the write pipeline, and report through a BulkIO (listeners.ts implements it on Slack).
 */

export interface DryRunSummary {
  runId: string;
  crmName: string;
  enterpriseId: string;
  groupId: number;
  validCount: number;
  invalidCount: number;
  /** "Line 5, location_name: …", every problem (the message shows the first few). */
  problemLines: string[];
  totalProblems: number;
  curlPreview?: string;
  tableProblems: string[];
}

export interface ProgressView {
  runId: string;
  status: 'running' | 'cancelling' | 'cancelled' | 'finished' | 'interrupted' | 'needs_secrets';
  total: number;
  done: number;
  failed: number;
  left: number;
  elapsedMs: number;
  etaMs?: number;
  pausedUntil?: number;
  note?: string;
}

/** A file the run hands over (the errors, the results, a template). */
export interface CsvFile {
  filename: string;
  content: string;
  comment: string;
}

/** Where a run reports: the dry run, the progress message, the CSV files. The listeners implement it on Slack. */
export interface BulkIO {
  /** The client the write pipeline checks permissions and posts audit entries with. */
  client: WriteClient;
  /** Posts the dry-run summary; returns its message id (the run's thread). */
  postDryRun(channel: string, summary: DryRunSummary): Promise<string | undefined>;
  /** Replaces the dry-run summary after Discard. */
  markDiscarded(channel: string, ts: string): Promise<void>;
  uploadCsv(channel: string, threadTs: string | undefined, file: CsvFile): Promise<void>;
  /** Posts the progress message; returns its id. */
  postProgress(channel: string, threadTs: string | undefined, view: ProgressView): Promise<string | undefined>;
  /**
   * Updates the progress message. `mustArrive` waits out a rate limit and tries again; otherwise a
   * rate limit comes back as the seconds to pause updates for. Other failures throw.
   */
  updateProgress(
    channel: string,
    ts: string,
    view: ProgressView,
    mustArrive: boolean,
  ): Promise<{ rateLimitedForSeconds?: number }>;
}

/** Tunable timings (tests shorten them). */
export const bulkTiming = {
  /** A run whose lease is older than this is considered interrupted and may be resumed elsewhere. */
  leaseMs: 30_000,
  heartbeatMs: 5_000,
  /**
   * The progress message is updated at most this often: 30 a minute, under Slack's limit for chat.update
   * on one message (Tier 3, about 50 a minute) with room for the final update and a retried one.
   */
  progressIntervalMs: 2_000,
  /**
   * Row states are saved to the run record at most this often (and when the run stops). A row done but not
   * saved yet when the process dies is sent again on resume with the same idempotency key: the write
   * pipeline replays its recorded outcome instead of calling the API twice.
   */
  saveIntervalMs: 1_000,
  /** Pause after a 429 without a usable Retry-After. */
  defaultRetryAfterMs: 1_000,
};

/** Secret property values by run id and business number: process memory only, never the store. */
const secretValues = new Map<string, Map<string, Record<string, string>>>();

interface ActiveRun {
  cancelled: boolean;
  /** Stop sending without finishing the run (shutdown, lost lease): another replica resumes it. */
  abandoned: boolean;
  finished: Promise<void>;
}
const active = new Map<string, ActiveRun>();

const cancelKey = (runId: string) => `bulk:cancel:${runId}`;

// ------------------------------------------------------------------ dry run

export interface DryRunInput {
  userId: string;
  channel: string;
  crmId: string;
  enterpriseId: string;
  groupId: number;
  text: string;
}

/** Validates the table and posts the dry-run summary (nothing is sent). Returns the draft run id, if any. */
export async function prepareDryRun(services: Services, io: BulkIO, input: DryRunInput): Promise<string | undefined> {
  const { catalog } = services;
  const crm = catalog.get(input.crmId);
  const target: BulkTarget = { crmId: input.crmId, enterpriseId: input.enterpriseId, groupId: input.groupId };
  const validation = validateTable(catalog, target, input.text);
  const runId = newRunId();
  const secretKeys = catalog.secretKeys(crm);
  const first = validation.valid[0];
  const problemLines = validation.problems.map((p) => `Line ${p.line}, ${p.column}: ${p.message}`);
  const summary: DryRunSummary = {
    runId,
    crmName: crm.displayName,
    enterpriseId: input.enterpriseId,
    groupId: input.groupId,
    validCount: validation.valid.length,
    invalidCount: validation.invalidLines.length,
    problemLines,
    totalProblems: problemLines.length,
    ...(first ? { curlPreview: toCurl(first.mapping, services.config.INTEGRATION_API_URL, secretKeys) } : {}),
    tableProblems: validation.tableProblems,
  };
  const threadTs = await io.postDryRun(input.channel, summary);
  if (validation.tableProblems.length > 0) return undefined;
  const uploadProblems = async () => {
    if (validation.problems.length > 0) {
      const csv = toCsv([
        ['line', 'column', 'business id', 'problem'],
        ...validation.problems.map((p) => [p.line, p.column, p.businessNumber, p.message]),
      ]);
      await io.uploadCsv(input.channel, threadTs, {
        filename: `bulk-${input.enterpriseId}-errors.csv`,
        content: csv,
        comment: 'Every problem found',
      });
    }
  };
  if (validation.valid.length === 0) {
    await uploadProblems();
    return undefined;
  }

  const secrets = new Map<string, Record<string, string>>();
  const rows: RunRow[] = validation.valid.map((row) => {
    const properties: Record<string, string> = {};
    const rowSecrets: Record<string, string> = {};
    for (const [key, value] of Object.entries(row.properties)) {
      // Secret keys keep their place (body order) with an empty value; the value stays in memory.
      if (secretKeys.has(key) && value.trim() !== '') {
        rowSecrets[key] = value;
        properties[key] = '';
      } else properties[key] = value;
    }
    if (Object.keys(rowSecrets).length > 0) secrets.set(row.businessNumber, rowSecrets);
    return {
      line: row.line,
      businessNumber: row.businessNumber,
      properties,
      secretKeys: Object.keys(rowSecrets),
      state: 'pending',
      attempt: 1,
    };
  });
  if (secrets.size > 0) secretValues.set(runId, secrets);
  const now = Date.now();
  await createRun(services.store, {
    id: runId,
    userId: input.userId,
    channel: input.channel,
    ...(threadTs ? { threadTs } : {}),
    crmId: input.crmId,
    enterpriseId: input.enterpriseId,
    groupId: input.groupId,
    status: 'draft',
    cancelled: false,
    invalidCount: validation.invalidLines.length,
    rows,
    createdAt: now,
    updatedAt: now,
  });
  await uploadProblems();
  return runId;
}

// ------------------------------------------------------------- run control

/** Confirm on the dry run: starts sending. A second click (or replica) finds the run no longer a draft. */
export async function confirmRun(services: Services, io: BulkIO, runId: string): Promise<void> {
  // The button can be clicked a moment before the draft is stored.
  const run = (await loadRun(services.store, runId)) ?? (await sleep(500).then(() => loadRun(services.store, runId)));
  if (run?.status !== 'draft') return;
  const lease = await acquireLease(services.store, runId, bulkTiming.leaseMs);
  if (!lease) return;
  run.status = 'running';
  run.startedAt = Date.now();
  await saveRun(services.store, run);
  start(services, io, run, lease);
}

export async function discardRun(services: Services, io: BulkIO, runId: string): Promise<void> {
  const run = await loadRun(services.store, runId);
  if (run?.status !== 'draft') return;
  run.status = 'discarded';
  await saveRun(services.store, run);
  secretValues.delete(runId);
  if (run.threadTs) await io.markDiscarded(run.channel, run.threadTs);
}

/** Cancel: in-flight rows finish, nothing new is sent, the run is marked cancelled. */
export async function cancelRun(services: Services, runId: string): Promise<void> {
  await services.store.set(cancelKey(runId), true, bulkTiming.leaseMs * 4);
  const local = active.get(runId);
  if (local) local.cancelled = true;
}

/** "Retry failed rows": failed rows only, each with a new attempt number. */
export async function retryFailedRows(services: Services, io: BulkIO, runId: string): Promise<void> {
  const run = await loadRun(services.store, runId);
  if (run?.status !== 'finished' || !run.rows.some((r) => r.state === 'failed')) return;
  const lease = await acquireLease(services.store, runId, bulkTiming.leaseMs);
  if (!lease) return;
  for (const row of run.rows) {
    if (row.state !== 'failed') continue;
    row.state = 'pending';
    row.attempt++;
    delete row.error;
  }
  run.status = 'running';
  run.cancelled = false;
  await services.store.delete(cancelKey(runId));
  await saveRun(services.store, run);
  start(services, io, run, lease);
}

/** Resume button, or start-up: pending rows of a running (interrupted) or cancelled run. */
export async function resumeRun(services: Services, io: BulkIO, runId: string): Promise<boolean> {
  const run = await loadRun(services.store, runId);
  if (!run || !(run.status === 'running' || run.status === 'cancelled')) return false;
  if (countRows(run).pending === 0) return false;
  const lease = await acquireLease(services.store, runId, bulkTiming.leaseMs);
  if (!lease) return false;
  run.status = 'running';
  run.cancelled = false;
  await services.store.delete(cancelKey(runId));
  await saveRun(services.store, run);
  start(services, io, run, lease);
  return true;
}

/**
 * On start-up: runs left 'running' whose lease has expired (their replica died) are
 * resumed here. The lease (SET NX) makes sure only one replica takes each.
 */
export async function resumeInterruptedRuns(services: Services, io: BulkIO): Promise<string[]> {
  const resumed: string[] = [];
  for (const id of await recentRunIds(services.store)) {
    const run = await loadRun(services.store, id);
    if (run?.status !== 'running' || active.has(id)) continue;
    if (await resumeRun(services, io, id)) resumed.push(id);
  }
  if (resumed.length > 0) services.logger.info({ runs: resumed }, 'Resumed interrupted bulk runs');
  return resumed;
}

/**
 * Stops sending in this process (shutdown). In-flight rows finish and are recorded; the runs
 * stay 'running' so another replica (or this one after a restart) resumes them.
 */
export async function stopLocalRuns(options: { releaseLeases: boolean } = { releaseLeases: true }): Promise<void> {
  const stopping = [...active.values()];
  for (const run of stopping) {
    run.abandoned = true;
    (run as ActiveRun & { releaseLease?: boolean }).releaseLease = options.releaseLeases;
  }
  await Promise.all(stopping.map((r) => r.finished));
}

/** Resolves when the run has stopped in this process (tests). */
export function runFinished(runId: string): Promise<void> {
  return active.get(runId)?.finished ?? Promise.resolve();
}

// ---------------------------------------------------------------- execute

function start(services: Services, io: BulkIO, run: BulkRun, lease: Lease): void {
  const local: ActiveRun & { releaseLease?: boolean } = {
    cancelled: false,
    abandoned: false,
    finished: Promise.resolve(),
  };
  active.set(run.id, local);
  local.finished = execute(services, io, run, lease, local)
    .catch((err: unknown) => {
      services.logger.error(
        { runId: run.id, err: err instanceof Error ? err.message : String(err) },
        'Bulk run failed',
      );
    })
    .finally(() => {
      if (active.get(run.id) === local) active.delete(run.id);
    });
}

async function execute(
  services: Services,
  io: BulkIO,
  run: BulkRun,
  lease: Lease,
  local: ActiveRun & { releaseLease?: boolean },
): Promise<void> {
  const { store, catalog, logger } = services;
  const crm = catalog.get(run.crmId);
  const secretKeys = catalog.secretKeys(crm);
  const target: BulkTarget = { crmId: run.crmId, enterpriseId: run.enterpriseId, groupId: run.groupId };
  const memorySecrets = secretValues.get(run.id);
  const startedAt = Date.now();

  const pending = run.rows.filter((r) => r.state === 'pending');
  const missingSecrets = pending.filter((r) => r.secretKeys.length > 0 && !memorySecrets?.has(r.businessNumber));
  const publisher = new ProgressPublisher(io, run, logger, services.clock ?? systemClock);
  // The rows do not wait for Slack: the progress message is posted while the first rows go out, and its ts is
  // in the run's next save (a resumed run then updates the same message). Every final update waits for it.
  const posted = publisher
    .ensurePosted(progressView(run, 'running', startedAt))
    .catch((err: unknown) =>
      logger.warn({ runId: run.id, err: String(err) }, 'Could not post the bulk progress message'),
    );

  if (missingSecrets.length > 0) {
    await posted;
    // Secret values were never stored; after a restart they must be given again.
    const keys = [...new Set(missingSecrets.flatMap((r) => r.secretKeys))].join(', ');
    run.status = 'cancelled';
    await saveRun(store, run);
    await lease.release();
    await publisher.publishNow(
      progressView(run, 'needs_secrets', startedAt, {
        note: `${missingSecrets.length} rows have secret values (${keys}) that the bot does not store, and it restarted since they were given. Run \`/crm bulk ${run.enterpriseId}\` again with the rows not done yet (see the results so far); rows already done are not sent again.`,
      }),
    );
    return;
  }

  // The whole run record is one value: saved per interval, not per row (per row is quadratic in rows).
  let saving: Promise<void> = Promise.resolve();
  let saveTimer: NodeJS.Timeout | undefined;
  const saveNow = () => {
    clearTimeout(saveTimer);
    saveTimer = undefined;
    saving = saving
      .then(async () => {
        run.heartbeatAt = Date.now();
        await saveRun(store, run);
      })
      .catch((err: unknown) => logger.warn({ runId: run.id, err: String(err) }, 'Could not save bulk run progress'));
  };
  const scheduleSave = () => {
    if (saveTimer) return;
    saveTimer = setTimeout(saveNow, bulkTiming.saveIntervalMs);
    // The run's own end saves too; a pending save must not keep a stopping process (or a test worker) alive.
    saveTimer.unref();
  };

  const heartbeat = setInterval(() => {
    void (async () => {
      if (!(await lease.renew())) local.abandoned = true;
      if ((await store.get(cancelKey(run.id))) === true) local.cancelled = true;
      scheduleSave();
    })().catch((err: unknown) => logger.warn({ runId: run.id, err: String(err) }, 'Bulk heartbeat failed'));
  }, bulkTiming.heartbeatMs);
  heartbeat.unref();
  if ((await store.get(cancelKey(run.id))) === true) local.cancelled = true;

  const byKey = new Map(pending.map((r) => [r.businessNumber, r]));
  const done0 = run.rows.filter((r) => r.state === 'done').length;
  const failed0 = run.rows.filter((r) => r.state === 'failed').length;
  publisher.startTicking();
  const summary = await runRows({
    rows: pending.map((r) => ({ key: r.businessNumber, attempt: r.attempt })),
    concurrency: services.config.BULK_CONCURRENCY,
    alreadyDone: done0,
    alreadyFailed: failed0,
    isCancelled: () => local.cancelled || local.abandoned,
    classify: classifyFailure,
    send: async (row, attempt, answered) => {
      const source = byKey.get(row.key)!;
      const properties = { ...source.properties, ...memorySecrets?.get(row.key) };
      const planned = planRow(catalog, target, { businessNumber: source.businessNumber, properties });
      if (!planned.ok) throw new BotError('validation_failed', planned.errors.map((e) => e.message).join('; '));
      await performWrite(services, io.client, {
        userId: run.userId,
        idempotencyKey: idempotencyKey('bulk', run.id, source.businessNumber, attempt),
        businessNumber: source.businessNumber,
        crmId: run.crmId,
        operation: 'createMapping',
        maskedRequest: maskRequest(planned.mapping, secretKeys),
        send: async () => {
          const answer = await services.api.createMapping(planned.mapping.body);
          // The next row's request goes out before this row's audit entry and idempotency record are written.
          answered();
          await setImmediate();
          return answer;
        },
      });
    },
    onRowSettled: (row, settled) => {
      const source = byKey.get(row.key)!;
      source.attempt = settled.attempt;
      source.state = settled.ok ? 'done' : 'failed';
      services.metrics.bulkRows.inc({ outcome: source.state });
      if (settled.error) source.error = settled.error;
      else delete source.error;
      scheduleSave();
    },
    onProgress: (progress) =>
      publisher.update(viewFromProgress(run, progress, local.cancelled ? 'cancelling' : 'running')),
  });
  clearInterval(heartbeat);
  publisher.stopTicking();
  await posted;
  saveNow();
  await saving;

  if (local.abandoned) {
    if (local.releaseLease) await lease.release();
    await publisher.publishNow(viewFromProgress(run, summary, 'interrupted'));
    return;
  }
  run.status = local.cancelled && summary.left > 0 ? 'cancelled' : 'finished';
  run.cancelled = run.status === 'cancelled';
  run.finishedAt = Date.now();
  await saveRun(store, run);
  await lease.release();
  if (run.status === 'finished') secretValues.delete(run.id);
  await publisher.publishNow(viewFromProgress(run, summary, run.status));
  const results = toCsv([
    ['row', 'business id', 'outcome', 'error'],
    ...run.rows.map((r) => [r.line, r.businessNumber, r.state === 'pending' ? 'not sent' : r.state, r.error ?? '']),
  ]);
  const counts = countRows(run);
  await io
    .uploadCsv(run.channel, run.threadTs, {
      filename: `bulk-${run.enterpriseId}-results.csv`,
      content: results,
      comment: `${run.status === 'cancelled' ? 'Cancelled' : 'Done'}: ${counts.done} created, ${counts.failed} failed, ${counts.pending} not sent.`,
    })
    .catch((err: unknown) => logger.warn({ runId: run.id, err: String(err) }, 'Could not upload bulk results'));
}

function classifyFailure(error: unknown): Classified {
  if (error instanceof BotError && error.code === 'api_rate_limited') {
    const retryAfterMs = error instanceof ApiError ? error.details.retryAfterMs : undefined;
    return { retryAfterMs: retryAfterMs ?? bulkTiming.defaultRetryAfterMs };
  }
  const status = error instanceof ApiError && error.details.status ? ` (HTTP ${error.details.status})` : '';
  return { reason: `${userMessage(error)}${status}` };
}

function progressView(
  run: BulkRun,
  status: ProgressView['status'],
  startedAt: number,
  extra: Partial<ProgressView> = {},
): ProgressView {
  const counts = countRows(run);
  return {
    runId: run.id,
    status,
    total: run.rows.length,
    done: counts.done,
    failed: counts.failed,
    left: counts.pending,
    elapsedMs: Date.now() - startedAt,
    ...extra,
  };
}

function viewFromProgress(run: BulkRun, p: RunnerProgress, status: ProgressView['status']): ProgressView {
  return {
    runId: run.id,
    status,
    total: p.total,
    done: p.done,
    failed: p.failed,
    left: p.left,
    elapsedMs: p.elapsedMs,
    ...(p.etaMs === undefined ? {} : { etaMs: p.etaMs }),
    ...(p.pausedUntil === undefined ? {} : { pausedUntil: p.pausedUntil }),
  };
}

// --------------------------------------------------------------- progress

/**
 * One progress message per run: posted once in the thread, then updated at most once per interval. The interval
 * runs on the services' clock, so a test can count the updates a minute of it allows.
 */
class ProgressPublisher {
  private latest: ProgressView | undefined;
  private sent: ProgressView | undefined;
  private readonly ticking = new AbortController();
  private pausedUntil = 0;
  private sending: Promise<void> = Promise.resolve();

  constructor(
    private readonly io: BulkIO,
    private readonly run: BulkRun,
    private readonly logger: Services['logger'],
    private readonly clock: Clock,
  ) {}

  async ensurePosted(view: ProgressView): Promise<void> {
    if (this.run.progressTs) {
      await this.publishNow(view);
      return;
    }
    const ts = await this.io.postProgress(this.run.channel, this.run.threadTs, view);
    if (ts) this.run.progressTs = ts;
    this.sent = view;
  }

  update(view: ProgressView): void {
    this.latest = view;
  }

  /** Ticks once per interval until stopTicking (the system clock's timeout signals keep no process alive). */
  startTicking(): void {
    const stopped = this.ticking.signal;
    void (async () => {
      while (!stopped.aborted) {
        const interval = this.clock.timeoutSignal(bulkTiming.progressIntervalMs);
        // Rejects (and the loop ends) when stopTicking aborts the wait.
        await once(interval, 'abort', { signal: stopped });
        if (!stopped.aborted) this.tick();
      }
    })().catch(() => {});
  }

  stopTicking(): void {
    this.ticking.abort();
  }

  private tick(): void {
    const view = this.latest;
    if (!view || view === this.sent || this.clock.now() < this.pausedUntil) return;
    this.sent = view;
    this.sending = this.sending.then(() => this.send(view, false));
  }

  async publishNow(view: ProgressView): Promise<void> {
    await this.sending;
    this.sent = view;
    await this.send(view, true);
  }

  private async send(view: ProgressView, mustArrive: boolean): Promise<void> {
    const ts = this.run.progressTs;
    if (!ts) return;
    try {
      const sent = await this.io.updateProgress(this.run.channel, ts, view, mustArrive);
      if (sent.rateLimitedForSeconds !== undefined) {
        this.pausedUntil = this.clock.now() + sent.rateLimitedForSeconds * 1000;
      }
    } catch (err) {
      this.logger.warn({ runId: this.run.id, err: String(err) }, 'Could not update the bulk progress message');
    }
  }
}

// ------------------------------------------------------------------ groups

/**
 * The group bulk adds to when none is typed: the enterprise's only group of the CRM. While an earlier
 * create-group for the enterprise and CRM got no answer and may still land (issue 11), its group may be
 * about to appear next to the one there now: bulk refuses to pick, as setup refuses to create again.
 */
export async function groupOfCrm(
  services: Services,
  enterpriseId: string,
  crm: Pick<CrmDefinition, 'id' | 'integrationSourceId' | 'displayName'>,
): Promise<number> {
  const groups = (await services.api.getGroups(enterpriseId)).filter(
    (g) => g.integrationSourceType.id === crm.integrationSourceId,
  );
  const intent = await loadCreateIntent(services.store, enterpriseId, crm.id);
  const check = intent
    ? checkIntentNow(
        services,
        intent,
        groups.map((g) => g.groupId),
      )
    : undefined;
  if (intent && check?.kind === 'pending') {
    const anyway =
      groups.length === 1 ? ` To add the rows to group ${groups[0]!.groupId} anyway, type its ID in the form.` : '';
    throw new BotError(
      'create_unresolved',
      `Nothing was sent. ${pendingCreate(intent, crm.displayName)} Run bulk again in ${check.minutesLeft} minute${check.minutesLeft === 1 ? '' : 's'}, once it is settled (\`/crm status ${enterpriseId}\` shows the groups).${anyway}`,
    );
  }
  if (groups.length === 1) return groups[0]!.groupId;
  if (groups.length === 0) {
    throw new BotError(
      'validation_failed',
      `Enterprise ${enterpriseId} has no ${crm.displayName} integration group. Bulk only adds locations to an existing group: create the group with the setup flow first, then run bulk again.`,
    );
  }
  throw new BotError(
    'validation_failed',
    `Enterprise ${enterpriseId} has ${groups.length} ${crm.displayName} groups (${groups.map((g) => g.groupId).join(', ')}); run bulk again and type the group ID.`,
  );
}

/** What the bulk form says about the enterprise's groups. */
export async function groupsNote(
  services: Services,
  enterpriseId: string,
  logger: Services['logger'] = services.logger,
): Promise<string> {
  try {
    const groups = await services.api.getGroups(enterpriseId);
    return groups.length === 0
      ? 'This enterprise has no integration group yet. Bulk only adds locations: create the group with the setup flow first.'
      : `Groups of this enterprise: ${groups
          .map((g) => {
            const crm = services.catalog.bySourceId(g.integrationSourceType.id);
            return `${g.groupId} (${crm?.displayName ?? g.integrationSourceType.integrationSource})`;
          })
          .join(', ')}. Leave the group ID empty to use the one of the chosen CRM.`;
  } catch (err) {
    logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'bulk: could not read groups');
    return 'Could not read the groups of this enterprise; type the group ID.';
  }
}
