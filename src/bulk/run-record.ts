import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Store } from '../store/types';

/**
 * A bulk run as stored (memory or Redis), 7 days. Secret property values are
 * never stored: only which secret keys a row had (see secrets.ts).
 */
export const RUN_TTL_MS = 7 * 24 * 3600_000;
const INDEX_KEY = 'bulk:runs';
const INDEX_MAX = 500;

export const RunRow = z.object({
  line: z.number().int(),
  businessNumber: z.string(),
  /** Non-secret location properties as typed. */
  properties: z.record(z.string(), z.string()),
  /** Secret keys this row has values for (kept in process memory only). */
  secretKeys: z.array(z.string()),
  state: z.enum(['pending', 'done', 'failed']),
  /** Part of the idempotency key; raised by a rate-limit retry and by "Retry failed rows". */
  attempt: z.number().int().min(1),
  error: z.string().optional(),
});
export type RunRow = z.infer<typeof RunRow>;

export const RunStatus = z.enum(['draft', 'running', 'cancelled', 'finished', 'discarded']);
export type RunStatus = z.infer<typeof RunStatus>;

export const BulkRun = z.object({
  id: z.string(),
  userId: z.string(),
  channel: z.string(),
  /** The dry-run summary message: the thread everything else goes into. */
  threadTs: z.string().optional(),
  progressTs: z.string().optional(),
  crmId: z.string(),
  enterpriseId: z.string(),
  groupId: z.number().int().positive(),
  status: RunStatus,
  cancelled: z.boolean(),
  invalidCount: z.number().int(),
  rows: z.array(RunRow),
  createdAt: z.number(),
  startedAt: z.number().optional(),
  updatedAt: z.number(),
  finishedAt: z.number().optional(),
  /** Last time the replica running it said it is alive (the lease key is what decides). */
  heartbeatAt: z.number().optional(),
});
export type BulkRun = z.infer<typeof BulkRun>;

/** The store key of a run's record. */
export const runKey = (id: string) => `bulk:run:${id}`;
const leaseKey = (id: string) => `bulk:lease:${id}`;

export function newRunId(): string {
  return `bulk-${randomUUID().slice(0, 8)}`;
}

export async function loadRun(store: Store, id: string): Promise<BulkRun | undefined> {
  const parsed = BulkRun.safeParse(await store.get(runKey(id)));
  return parsed.success ? parsed.data : undefined;
}

export async function saveRun(store: Store, run: BulkRun): Promise<void> {
  run.updatedAt = Date.now();
  await store.set(runKey(run.id), run, RUN_TTL_MS);
}

export async function createRun(store: Store, run: BulkRun): Promise<void> {
  await saveRun(store, run);
  await store.pushCapped(INDEX_KEY, run.id, INDEX_MAX, RUN_TTL_MS);
}

export async function recentRunIds(store: Store): Promise<string[]> {
  return [...new Set(await store.listRange<string>(INDEX_KEY, INDEX_MAX))];
}

/** Who runs a run: only the replica holding the lease sends its rows. */
export interface Lease {
  renew(): Promise<boolean>;
  release(): Promise<void>;
}

export async function acquireLease(store: Store, runId: string, ttlMs: number): Promise<Lease | undefined> {
  const value = { owner: randomUUID() };
  const text = JSON.stringify(value);
  if (!(await store.setIfAbsent(leaseKey(runId), value, ttlMs))) return undefined;
  return {
    async renew() {
      const current = await store.get<{ owner: string }>(leaseKey(runId));
      if (current && current.owner !== value.owner) return false;
      await store.set(leaseKey(runId), value, ttlMs);
      return true;
    },
    async release() {
      await store.compareAndDelete(leaseKey(runId), text).catch(() => false);
    },
  };
}

/** Row counts of a run. */
export function countRows(run: BulkRun): { done: number; failed: number; pending: number } {
  let done = 0;
  let failed = 0;
  let pending = 0;
  for (const row of run.rows) {
    if (row.state === 'done') done++;
    else if (row.state === 'failed') failed++;
    else pending++;
  }
  return { done, failed, pending };
}
